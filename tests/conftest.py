"""Test-wide set-up: offscreen Qt, an isolated LEADCHECK_HOME, an in-memory keyring, and qasync loops for UI tests.

Loop choice (pytest-asyncio's ``pytest_asyncio_loop_factories`` hook): tests under ``tests/ui`` run on a
qasync loop over the QApplication, so Qt signals and timers fire; everything else runs on a plain loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("LEADCHECK_ORIGINS", None)
for _name in list(os.environ):
    if _name.startswith("LEADCHECK_"):
        del os.environ[_name]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict, for tests (the real one needs a desktop session)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise keyring.errors.PasswordDeleteError("not set")
        del self.passwords[(service, username)]


@pytest.fixture(autouse=True)
def leadcheck_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own LEADCHECK_HOME and an empty in-memory keyring."""
    home = tmp_path / "home"
    monkeypatch.setenv("LEADCHECK_HOME", str(home))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield home
    keyring.set_keyring(previous)


def _qasync_loop() -> asyncio.AbstractEventLoop:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.runtime.event_loop import LeadcheckEventLoop

    app = QApplication.instance() or QApplication([])
    return LeadcheckEventLoop(app)


def pytest_asyncio_loop_factories(config: Any, item: pytest.Item) -> dict[str, Any]:
    if "tests/ui" in Path(str(item.fspath)).as_posix():
        return {"qasync": _qasync_loop}
    return {"asyncio": asyncio.new_event_loop}


# -- the two store engines (issue 16): every store behaviour runs on SQLite and on a real PostgreSQL server ------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One throwaway PostgreSQL server per test process (tests/pgserver.py), started on first use."""
    from tests.pgserver import PgServer, binaries

    bindir = binaries()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries are missing: scripts/bootstrap.sh installs Debian's postgresql")
        pytest.skip("PostgreSQL is not installed here (scripts/bootstrap.sh installs it)")
    server = PgServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, leadcheck_home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Where a test's store lives: LEADCHECK_HOME's SQLite file (the one its ``leadcheck`` commands open), or (team
    mode) a fresh schema on the test PostgreSQL server, with ``LEADCHECK_DATABASE_URL`` pointing the test's
    ``leadcheck`` commands and windows at it."""
    if request.param == "sqlite":
        from desktop_app.paths import Paths

        return Paths.from_env().database
    url = request.getfixturevalue("pg_server").new_database()
    monkeypatch.setenv("LEADCHECK_DATABASE_URL", url)
    return url


@pytest.fixture
def another_database(database: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], Any]:
    """More empty stores on the test's engine, by name (a test comparing two runs keeps each in its own): an SQLite
    file beside the test, or a fresh schema on the test PostgreSQL server."""

    def make(name: str) -> Any:
        if isinstance(database, Path):
            return tmp_path / f"{name}.db"
        return request.getfixturevalue("pg_server").new_database()

    return make
