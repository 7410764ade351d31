"""What Help → About says: Leadcheck's version and the licences of everything it ships with.

Licences come from the real package metadata (``importlib.metadata``: ``License-Expression``, then
``License``, then the trove classifiers), with a written fallback for the main components in case the
metadata is missing. In a PyInstaller bundle ``packaging/leadcheck.spec`` copies the ``.dist-info`` folder
of every package it bundles, so the list shows exactly what the bundle holds; from a source checkout or a
wheel it shows Leadcheck's runtime dependency tree.

Qt for Python (PySide6, Shiboken) and the Qt libraries are used under the LGPLv3: :func:`qt_replacement`
says where their files are and how to swap in your own build. No Qt import here (``desktop_app.cli`` and
the tests use this module without a display).
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import platform
import re
import sqlite3
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop_app import __version__
from desktop_app.resources import licence_file, resources_dir

APP_NAME = "Leadcheck"
DISTRIBUTION = "leadcheck"
QT_DISTRIBUTIONS = ("PySide6-Essentials", "shiboken6")
QT_SOURCE_URL = "https://download.qt.io/official_releases/QtForPython/"
QT_BUILD_URL = "https://doc.qt.io/qtforpython-6/building_from_source/index.html"


@dataclass(frozen=True)
class Component:
    """One thing the application ships: a Python package, Python itself, SQLite or a shared library."""

    name: str
    version: str
    licence: str
    url: str = ""
    role: str = ""
    distribution: str | None = None


# The components people ask about, with the licence to show if the package metadata cannot be read.
# (name, distribution, fallback licence, home page, what Leadcheck uses it for)
MAIN_PACKAGES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Qt for Python (PySide6)", "PySide6-Essentials", "LGPL-3.0-only", "https://www.qt.io/qt-for-python", "the window"),
    ("Shiboken6", "shiboken6", "LGPL-3.0-only", "https://www.qt.io/qt-for-python", "Qt for Python's C++ binding layer"),
    ("httpx", "httpx", "BSD-3-Clause", "https://www.python-httpx.org", "HTTPS calls to the vendors"),
    ("qasync", "qasync", "BSD-2-Clause", "https://github.com/CabbageDevelopment/qasync", "network calls in Qt's loop"),
    ("sqlite-utils", "sqlite-utils", "Apache-2.0", "https://sqlite-utils.datasette.io", "the local database"),
    ("platformdirs", "platformdirs", "MIT", "https://github.com/tox-dev/platformdirs", "where files are kept"),
    ("keyring", "keyring", "MIT", "https://github.com/jaraco/keyring", "vendor keys in the system keyring"),
)

_CLASSIFIER_LICENCES = {
    "MIT License": "MIT",
    "BSD License": "BSD",
    "Apache Software License": "Apache-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "Public Domain": "Public Domain",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0",
    "ISC License (ISCL)": "ISC",
}


def version() -> str:
    """Leadcheck's version (the package's ``__version__``, which the bundle and the wheel share)."""
    return __version__


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False) and getattr(sys, "_MEIPASS", None))


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(dist: metadata.Distribution, name: str) -> str:
    """One metadata field as text ("" when absent)."""
    values = dist.metadata.get_all(name) or []
    return str(values[0]).strip() if values else ""


def licence_of(dist: metadata.Distribution, fallback: str = "see its licence file") -> str:
    """A package's licence as its metadata states it: SPDX expression, short License field, or classifier."""
    meta = dist.metadata
    expression = _field(dist, "License-Expression")
    if expression:
        return expression
    field = _field(dist, "License")
    if field and "\n" not in field and len(field) <= 80 and field.upper() != "UNKNOWN":
        return field
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License ::"):
            last = classifier.split("::")[-1].strip()
            if last in _CLASSIFIER_LICENCES:
                return _CLASSIFIER_LICENCES[last]
    return fallback


def _is_licence_name(name: str) -> bool:
    upper = name.upper()
    return "LICEN" in upper or "COPYING" in upper or "NOTICE" in upper


def licence_files(dist: metadata.Distribution) -> list[Path]:
    """The licence/notice files inside a package's ``.dist-info`` (they travel with it into the bundle)."""
    found: list[Path] = []
    if dist.files is None:  # no RECORD: look in the .dist-info folder itself
        info_dir = getattr(dist, "_path", None)
        if isinstance(info_dir, Path) and info_dir.is_dir():
            found = [p for p in sorted(info_dir.rglob("*")) if p.is_file() and _is_licence_name(p.name)]
        return found
    for file in dist.files:
        parts = file.parts
        if not parts or not parts[0].endswith(".dist-info"):
            continue
        if _is_licence_name(parts[-1]) or (len(parts) > 2 and parts[1] == "licenses"):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                found.append(path)
    return found


def _distribution(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    names = []
    for requirement in dist.requires or []:
        if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
            continue  # optional extras are not installed for Leadcheck
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match:
            names.append(match.group(1))
    return names


def shipped_distributions() -> list[metadata.Distribution]:
    """The Python packages Leadcheck runs with.

    Frozen: every package whose metadata the spec copied into the bundle (exactly what it bundled).
    Otherwise: Leadcheck's runtime requirements, followed recursively.
    """
    if is_frozen():
        by_key = {_key(d.metadata["Name"]): d for d in metadata.distributions() if d.metadata["Name"]}
        by_key.pop(DISTRIBUTION, None)
        return [by_key[k] for k in sorted(by_key)]
    seen: dict[str, metadata.Distribution] = {}
    pending = [DISTRIBUTION]
    while pending:
        name = pending.pop()
        key = _key(name)
        if key in seen:
            continue
        dist = _distribution(name)
        if dist is None:
            continue
        seen[key] = dist
        pending.extend(_requirement_names(dist))
    seen.pop(DISTRIBUTION, None)
    return [seen[k] for k in sorted(seen)]


def components(qt_version: str | None = None) -> list[Component]:
    """Everything shipped, main components first: Python, Qt, the main packages, SQLite, OpenSSL, then the rest."""
    dists = {_key(d.metadata["Name"]): d for d in shipped_distributions()}
    result = [
        Component("Python", platform.python_version(), "PSF-2.0", "https://www.python.org", "the interpreter"),
        Component(
            "Qt",
            qt_version or _dist_version("PySide6-Essentials"),
            "LGPL-3.0-only",
            "https://www.qt.io",
            "the C++ libraries under the window (shipped inside PySide6)",
        ),
    ]
    for name, dist_name, fallback, url, role in MAIN_PACKAGES:
        dist = dists.pop(_key(dist_name), None) or _distribution(dist_name)
        licence = licence_of(dist, fallback) if dist is not None else fallback
        if dist_name in QT_DISTRIBUTIONS and "LGPL-3.0" in licence:
            licence = "LGPL-3.0-only"  # offered as LGPLv3 OR GPLv2 OR GPLv3; Leadcheck uses the LGPLv3 option
        found_version = dist.version if dist is not None else "not installed"
        result.append(Component(name, found_version, licence, url, role, dist_name))
    icu = _icu_version()
    if icu:
        result.append(
            Component("ICU", icu, "Unicode-3.0", "https://icu.unicode.org", "Qt's text handling (inside PySide6)")
        )
    result.append(Component("SQLite", sqlite3.sqlite_version, "Public Domain", "https://sqlite.org", "the database"))
    result.append(
        Component("OpenSSL", ssl.OPENSSL_VERSION.split()[1], "Apache-2.0", "https://www.openssl.org", "HTTPS (TLS)")
    )
    for key in sorted(dists):
        dist = dists[key]
        url = _field(dist, "Home-page") or _project_url(dist)
        result.append(Component(dist.metadata["Name"], dist.version, licence_of(dist), url, "", dist.metadata["Name"]))
    return result


def _icu_version() -> str:
    """The ICU major version shipped in PySide6's Qt/lib (Linux wheels carry their own ICU), or ""."""
    where = qt_location()
    if where is None:
        return ""
    for path in sorted((where / "Qt" / "lib").glob("libicuuc.so.*")):
        return path.name.rsplit(".so.", 1)[1]
    return ""


def _project_url(dist: metadata.Distribution) -> str:
    """The first http(s) address among the package's Project-URL entries ("Homepage, https://...")."""
    for entry in dist.metadata.get_all("Project-URL") or []:
        url = str(entry).split(",", 1)[-1].strip()
        if url.startswith(("https://", "http://")):
            return url
    return ""


def _dist_version(name: str) -> str:
    dist = _distribution(name)
    return dist.version if dist is not None else "unknown"


def qt_location() -> Path | None:
    """The folder holding PySide6 and its Qt libraries, as shipped (in a bundle) or installed."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", "")) / "PySide6"
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def qt_replacement(qt_version: str | None = None) -> str:
    """How the user can replace Qt for Python and Qt with their own build (what the LGPLv3 requires we say)."""
    pyside = _dist_version("PySide6-Essentials")
    where = qt_location()
    where_text = str(where) if where is not None else "the PySide6 folder next to Leadcheck's program files"
    return (
        f"Leadcheck uses Qt for Python (PySide6 and Shiboken6 {pyside}) and Qt {qt_version or pyside} under the "
        "GNU Lesser General Public License version 3 (LGPLv3). You may replace them with your own (modified) "
        "build.\n\n"
        "They are not linked into Leadcheck's program: this copy keeps them as separate shared library files in\n"
        f"    {where_text}\n"
        "(PySide6's QtCore/QtGui/QtWidgets modules and the Qt libraries under PySide6/Qt/lib — PySide6\\*.dll "
        "on Windows, PySide6/Qt/lib/*.framework on macOS — and Shiboken in the shiboken6 folder beside it).\n\n"
        "To replace them: get the source of the same version from "
        f"{QT_SOURCE_URL} (Qt itself: https://download.qt.io/official_releases/qt/), build it as described at "
        f"{QT_BUILD_URL}, and copy the resulting files over the ones in that folder, keeping their names. "
        "From a source checkout or a pip installation, installing your own PySide6 wheel of the same version into "
        "the environment does the same. The licence texts are included (LGPL-3.0.txt, GPL-3.0.txt)."
    )


def system_library_notices() -> list[Path]:
    """Copyright files of system shared libraries the Linux build copied into the bundle (``build.sh``)."""
    try:
        folder = resources_dir() / "licenses" / "system"
    except FileNotFoundError:
        return []
    return sorted(folder.glob("*.copyright")) if folder.is_dir() else []


def about_text(qt_version: str | None = None) -> str:
    """The whole About text as plain text: version, every component with its licence, the LGPL notice."""
    lines = [
        f"{APP_NAME} {version()}",
        "Lead compliance checks: TrustedForm, Jornaya LeadiD, Contact State, Consent Control, TCPA Litigator.",
        f"Running on Python {platform.python_version()} ({platform.system()} {platform.machine()})"
        + (", packaged build" if is_frozen() else ""),
        "",
        "Components and their licences:",
    ]
    for item in components(qt_version):
        role = f" — {item.role}" if item.role else ""
        lines.append(f"  {item.name} {item.version}: {item.licence}{role}")
    lines += ["", "Replacing Qt for Python (LGPLv3):", qt_replacement(qt_version)]
    shipped = [name for name in ("LGPL-3.0.txt", "GPL-3.0.txt", "Python-LICENSE.txt") if licence_file(name)]
    if shipped:
        lines += ["", "Licence texts included: " + ", ".join(shipped) + " (resources/licenses), and each package's"]
        lines.append("own licence file in its .dist-info folder.")
    notices = system_library_notices()
    if notices:
        lines += ["", "System libraries copied into this bundle (copyright files in resources/licenses/system):"]
        lines.append("  " + ", ".join(path.stem for path in notices))
    return "\n".join(lines)
