"""Finding Leadcheck's read-only files (icons, the .desktop file, licence texts) wherever it runs from.

Three layouts, tried in this order:

1. **Frozen by PyInstaller**: ``sys.frozen`` is set and the files sit in ``<sys._MEIPASS>/resources``
   (``packaging/leadcheck.spec`` puts them there);
2. **Installed wheel**: ``pyproject.toml`` force-includes ``resources/`` as ``desktop_app/_resources``;
3. **Source checkout**: ``<repo>/resources`` next to the ``desktop_app`` package.

These files are never written to; everything Leadcheck writes goes through :mod:`desktop_app.paths`.
No Qt import here: the ``leadcheck`` command uses this module too.
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ICON_NAME = "leadcheck"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


class ResourceNotFound(FileNotFoundError):
    """A resource file is missing: the installation is incomplete (a bug in packaging, not the user's doing)."""


def candidate_roots() -> list[Path]:
    """Where resources may live, most specific first (see the module docstring)."""
    roots: list[Path] = []
    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        roots.append(Path(meipass) / "resources")
    roots.append(PACKAGE_DIR / "_resources")
    roots.append(PACKAGE_DIR.parent / "resources")
    return roots


def resources_dir() -> Path:
    """The first existing resources folder; :class:`ResourceNotFound` when none is there."""
    roots = candidate_roots()
    for root in roots:
        if root.is_dir():
            return root
    raise ResourceNotFound(f"Leadcheck's resources are missing (looked in {', '.join(map(str, roots))})")


def resource_path(*parts: str) -> Path:
    """The path of one resource file, e.g. ``resource_path("icons", "leadcheck.svg")``."""
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise ResourceNotFound(f"Leadcheck resource missing: {path}")
    return path


def icon_file(size: int | None = None) -> Path:
    """The app icon as SVG (``size=None``) or as the PNG rendered at ``size`` pixels (one of ICON_SIZES)."""
    if size is None:
        return resource_path("icons", f"{ICON_NAME}.svg")
    if size not in ICON_SIZES:
        raise ValueError(f"no {size}px icon; sizes are {ICON_SIZES}")
    return resource_path("icons", f"{ICON_NAME}-{size}.png")


def icon_files() -> list[Path]:
    """Every PNG size of the app icon, smallest first (for a QIcon that looks sharp at every size)."""
    return [icon_file(size) for size in ICON_SIZES]


def licence_file(name: str) -> Path | None:
    """A licence text shipped under ``resources/licenses`` (e.g. ``"LGPL-3.0.txt"``), or None if absent."""
    try:
        return resource_path("licenses", name)
    except ResourceNotFound:
        return None
