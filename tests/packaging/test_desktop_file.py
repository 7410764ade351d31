"""The menu entry (resources/leadcheck.desktop) and the packaging scripts are well-formed."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DESKTOP = REPO / "resources" / "leadcheck.desktop"


def entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_has_the_required_keys() -> None:
    section = entry()
    assert section["Type"] == "Application"
    assert section["Name"] == "Leadcheck"
    assert section["Exec"].split()[0] == "leadcheck"
    assert section["Icon"] == "leadcheck"  # the hicolor name install.sh installs, not a path
    assert section["Terminal"] == "false"
    categories = section["Categories"]
    assert categories.endswith(";") and "Office" in categories.split(";")
    assert (REPO / "resources" / "icons" / f"{section['Icon']}.svg").is_file()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_validates() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "script", ["packaging/build.sh", "packaging/install.sh", "scripts/smoke_bundle.sh", "scripts/dev.sh"]
)
def test_shell_scripts_parse(script: str) -> None:
    shell = "sh" if script.endswith("install.sh") else "bash"
    result = subprocess.run([shell, "-n", str(REPO / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_spec_builds_both_programs_from_the_entry_scripts() -> None:
    spec = (REPO / "packaging" / "leadcheck.spec").read_text()
    for needed in ("leadcheck_gui.py", "leadcheck_cli.py", "console=False", "console=True", "BUNDLE(", "COLLECT("):
        assert needed in spec
    for entry_script in ("leadcheck_gui.py", "leadcheck_cli.py"):
        assert "from desktop_app.cli import main" in (REPO / "packaging" / entry_script).read_text()
