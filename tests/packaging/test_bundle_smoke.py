"""The built Linux bundle runs (scripts/smoke_bundle.sh), only when asked: RUN_BUNDLE_SMOKE=1 tests the bundle in
dist/ (building one if there is none), RUN_BUNDLE_SMOKE=rebuild builds a fresh one first (about a minute).

Whether it runs never depends on what happens to lie in dist/: the test suite skips it unless asked, and CI runs
the same script as its own step after the tests (``.ci/run``: ``scripts/dev.sh smoke --rebuild``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SMOKE = os.environ.get("RUN_BUNDLE_SMOKE", "")


@pytest.mark.timeout(900)
@pytest.mark.skipif(SMOKE not in ("1", "rebuild"), reason="the bundle smoke test runs when RUN_BUNDLE_SMOKE=1")
def test_bundle_smoke(tmp_path: Path) -> None:
    command = ["bash", str(REPO / "scripts" / "smoke_bundle.sh")] + (["--rebuild"] if SMOKE == "rebuild" else [])
    env = {**os.environ, "SMOKE_SCREENSHOT": str(tmp_path / "shot.png")}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "SMOKE OK" in result.stdout
