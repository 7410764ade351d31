"""Help → About's text: the version, every bundled component with its licence, and how to replace Qt (LGPLv3)."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from desktop_app import __version__, about

REPO = Path(__file__).resolve().parents[2]


class FakeDistribution(metadata.Distribution):
    """A distribution whose METADATA is the given text (no files)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read_text(self, filename: str) -> str | None:
        return self.text if filename in ("METADATA", "PKG-INFO") else None

    def locate_file(self, path: Any) -> Path:
        return Path(str(path))


def test_version_is_the_package_and_project_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert about.version() == __version__ == project["version"]
    assert about.about_text().splitlines()[0] == f"Leadcheck {__version__}"


@pytest.fixture(scope="module")
def installed_about() -> tuple[dict[str, Any], str]:
    """The components and the About text as read from this environment's package metadata, read once for the
    eleven components below (each read scans every installed distribution: 0.12 s)."""
    return {item.name: item for item in about.components()}, about.about_text()


@pytest.mark.parametrize(
    ("component", "licence"),
    [
        ("Python", "PSF-2.0"),
        ("Qt", "LGPL-3.0-only"),
        ("Qt for Python (PySide6)", "LGPL-3.0-only"),
        ("Shiboken6", "LGPL-3.0-only"),
        ("httpx", "BSD-3-Clause"),
        ("qasync", "BSD-2-Clause"),
        ("sqlite-utils", "Apache-2.0"),
        ("platformdirs", "MIT"),
        ("keyring", "MIT"),
        ("SQLite", "Public Domain"),
        ("OpenSSL", "Apache-2.0"),
    ],
)
def test_about_names_each_component_with_its_licence(
    component: str, licence: str, installed_about: tuple[dict[str, Any], str]
) -> None:
    by_name, text = installed_about
    assert by_name[component].licence == licence
    line = next(line for line in text.splitlines() if line.strip().startswith(f"{component} "))
    assert f": {licence}" in line


def test_dependencies_of_the_main_packages_are_listed_too() -> None:
    names = {item.name.lower() for item in about.components()}
    assert {"httpcore", "h11", "anyio", "idna", "certifi"} <= names
    assert "pytest" not in names and "mypy" not in names  # dev tools are not shipped


def test_lgpl_notice_says_how_to_replace_qt() -> None:
    text = about.qt_replacement("6.10.3")
    assert "LGPLv3" in text and "replace" in text
    assert str(about.qt_location()) in text  # where the swappable libraries are
    assert about.QT_SOURCE_URL in text and about.QT_BUILD_URL in text
    assert "same version" in text
    assert "Replacing Qt for Python (LGPLv3)" in about.about_text()


def test_qt_location_in_a_bundle_is_next_to_the_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert about.is_frozen()
    assert about.qt_location() == tmp_path / "PySide6"
    assert str(tmp_path / "PySide6") in about.qt_replacement()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("License-Expression: MIT OR Apache-2.0\nLicense: ignored\n", "MIT OR Apache-2.0"),
        ("License: BSD-3-Clause\n", "BSD-3-Clause"),
        (
            "License: " + "very long licence text " * 10 + "\nClassifier: License :: OSI Approved :: MIT License\n",
            "MIT",
        ),
        ("Classifier: License :: Public Domain\n", "Public Domain"),
        ("", "see its licence file"),
    ],
)
def test_licence_is_read_from_metadata(fields: str, expected: str) -> None:
    dist = FakeDistribution(f"Metadata-Version: 2.1\nName: example\nVersion: 1.0\n{fields}")
    assert about.licence_of(dist) == expected


def test_licence_files_come_from_the_dist_info() -> None:
    files = about.licence_files(metadata.distribution("httpx"))
    assert files and all(".dist-info" in str(path) and path.is_file() for path in files)


def test_about_module_does_not_import_qt() -> None:
    code = "import sys, desktop_app.about as a; a.about_text(); print('PySide6' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"
