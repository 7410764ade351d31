"""desktop_app.resources finds the icons in a source checkout, an installed wheel and a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_app import resources

REPO = Path(__file__).resolve().parents[2]


def _fake_resources(root: Path) -> Path:
    (root / "icons").mkdir(parents=True)
    (root / "icons" / "leadcheck.svg").write_text("<svg/>")
    for size in resources.ICON_SIZES:
        (root / "icons" / f"leadcheck-{size}.png").write_bytes(b"\x89PNG")
    return root


def test_source_checkout_uses_the_repository_resources_folder() -> None:
    assert resources.resources_dir() == REPO / "resources"
    assert resources.icon_file() == REPO / "resources" / "icons" / "leadcheck.svg"
    assert resources.icon_file(256).is_file()
    assert [path.name for path in resources.icon_files()] == [f"leadcheck-{n}.png" for n in resources.ICON_SIZES]


def test_frozen_bundle_uses_meipass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "_internal"
    _fake_resources(bundle / "resources")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert resources.resources_dir() == bundle / "resources"
    assert resources.icon_file(16) == bundle / "resources" / "icons" / "leadcheck-16.png"


def test_meipass_alone_is_not_taken_for_a_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_resources(tmp_path / "resources")
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == REPO / "resources"


def test_installed_wheel_uses_package_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site-packages" / "desktop_app"
    _fake_resources(package / "_resources")
    monkeypatch.setattr(resources, "PACKAGE_DIR", package)
    assert resources.resources_dir() == package / "_resources"


def test_missing_resources_say_where_they_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "PACKAGE_DIR", tmp_path / "pkg" / "desktop_app")
    with pytest.raises(resources.ResourceNotFound, match="_resources"):
        resources.resources_dir()


def test_unknown_icon_size_and_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="sizes are"):
        resources.icon_file(17)
    with pytest.raises(resources.ResourceNotFound):
        resources.resource_path("icons", "nope.png")
    assert resources.licence_file("nope.txt") is None
    assert resources.licence_file("LGPL-3.0.txt") is not None
