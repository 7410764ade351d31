"""What the end-to-end tests share: the vendor simulator answering every vendor (with the demo's keys, as
``--demo`` does) while the test's own database stores the results: the ``database`` fixture's SQLite file or
PostgreSQL schema (``--demo`` always keeps its own SQLite file, so it would test one engine only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.demo import demo_environment
from desktop_app.sandbox import VendorSimulator


@pytest.fixture
def simulated_vendors(database: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VendorSimulator]:
    """The simulator ``--demo`` would start, reached through ``LEADCHECK_ORIGINS`` with the demo's credentials in
    the environment; ``leadcheck`` commands run in the test then store in ``database``."""
    with VendorSimulator() as simulator:
        origins = tmp_path / "origins.json"
        simulator.write_origin_map(origins)
        for key, value in {**demo_environment(), "LEADCHECK_ORIGINS": str(origins)}.items():
            monkeypatch.setenv(key, value)
        yield simulator
