"""Import boundaries that keep the core headless: the CLI, vendors and store never import Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["desktop_app.cli", "desktop_app.service", "desktop_app.vendors.base", "desktop_app.store"]
)
def test_core_module_does_not_import_pyside6(module: str) -> None:
    code = f"import sys, {module}; sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr or f"{module} imported PySide6"


def test_cli_help_runs_without_qt() -> None:
    code = (
        "import sys\n"
        "from desktop_app.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "trustedform" in proc.stdout and "litigator" in proc.stdout
