"""``leadcheck db info | test | copy`` against the test PostgreSQL server: what the seat uses, a reachable and an
unreachable address, a copy that verifies and a second one that copies nothing, and a password that never shows."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from desktop_app.cli import main
from desktop_app.paths import Paths
from desktop_app.settings import Settings
from desktop_app.store import SCHEMA_VERSION, Store
from tests.unit.store.test_copy import fill

pytestmark = pytest.mark.e2e
SECRET = "s3cret-Pa55word"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def with_password(url: str, password: str = SECRET) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{password}@{parts.hostname}:{parts.port}"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket is closed


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """This home's own SQLite store, with leads, checks and evidence."""
    paths = Paths.from_env()
    paths.ensure()
    with Store(paths.database) as store:
        fill(store, tmp_path)
    return paths.database


def test_info_names_the_file_the_engine_the_schema_and_the_counts(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "db", "info")
    assert code == 0
    assert f"Database: {desk}" in out and "SQLite (this computer's own file)" in out
    assert f"Schema:   {SCHEMA_VERSION}" in out and "3 leads, 4 checks, " in out

    code, out, _ = run(capsys, "--json", "db", "info")
    record = json.loads(out)
    assert record["engine"] == "SQLite" and record["leads"] == 3 and record["checks"] == 4 and not record["team_mode"]


def test_test_reaches_the_server_and_says_why_not_when_it_cannot(
    pg_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_server.new_database()
    code, out, err = run(capsys, "db", "test", url)
    assert code == 0, err
    assert out.startswith("Reached PostgreSQL 127.0.0.1:") and "the database is empty" in out
    assert "not encrypted" not in err  # loopback: no TLS warning

    code, out, err = run(capsys, "db", "test", f"postgresql://leadcheck@127.0.0.1:{closed_port()}/leadcheck")
    assert code == 1
    assert "could not be reached" in out and "Connection refused" in out

    code, _, err = run(capsys, "db", "test", "mysql://somewhere/db")
    assert code == 2 and "must look like postgresql://" in err


def test_a_plain_connection_to_another_host_is_warned_about(capsys: pytest.CaptureFixture[str]) -> None:
    # 192.0.2.0/24 is TEST-NET-1: never routed, so nothing answers; the warning comes whatever the outcome
    code, _, err = run(capsys, "db", "test", f"postgresql://leadcheck@192.0.2.1:{closed_port()}/x?connect_timeout=1")
    assert code == 1
    assert "not encrypted" in err and "sslmode=require" in err


def test_copy_into_the_shared_database_then_again_then_info_there(
    desk: Path, pg_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_server.new_database()
    code, out, err = run(capsys, "db", "copy", "--to", url)
    assert code == 0, err
    assert out.startswith("Copied 3 leads, 4 checks, 1 suppression entries, 1 imports, 1 batches, ") and (
        f"from {desk} to PostgreSQL 127.0.0.1:" in out
    )
    assert "; verify passes (" in out

    code, out, err = run(capsys, "db", "copy", "--to", url)
    assert code == 0 and out.startswith(f"Nothing new to copy from {desk}") and "verify passes" in out

    monkeypatch.setenv("LEADCHECK_DATABASE_URL", url)
    code, out, _ = run(capsys, "--json", "db", "info")
    record = json.loads(out)
    assert record["engine"] == "PostgreSQL" and record["team_mode"] and record["set_in"] == "LEADCHECK_DATABASE_URL"
    assert record["leads"] == 3 and record["checks"] == 4
    code, out, _ = run(capsys, "verify")
    assert code == 0 and "Evidence intact" in out


def test_copy_from_a_file_that_is_not_there_is_refused(pg_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "db", "copy", "--to", pg_server.url, "--from", "/nonexistent/leadcheck.db")
    assert code == 2 and "There is no Leadcheck database at /nonexistent/leadcheck.db" in err


def test_the_password_never_shows(
    desk: Path, pg_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the URL (the environment's or an argument's) or in the keyring: not in output, messages or files."""
    Settings(Paths.from_env()).set_database_password("keyring-" + SECRET)
    url = pg_server.new_database()
    seen = []
    for argv in (
        ("db", "test", with_password(url)),
        ("db", "test", with_password(f"postgresql://leadcheck@127.0.0.1:{closed_port()}/x")),
        ("db", "test", f"postgresql://leadcheck@127.0.0.1:{closed_port()}/x"),
        ("db", "copy", "--to", with_password(url)),
        ("--json", "db", "copy", "--to", url),
    ):
        seen.append(run(capsys, *argv))
    monkeypatch.setenv("LEADCHECK_DATABASE_URL", with_password(url))
    seen += [run(capsys, "db", "info"), run(capsys, "--json", "db", "info"), run(capsys, "db", "test")]
    seen.append(run(capsys, "settings", "get", "database_url"))
    assert [code for code, _, _ in seen] == [0, 1, 1, 0, 0, 0, 0, 0, 0]
    text = "\n".join(out + err for _, out, err in seen)
    assert SECRET not in text and "***" in text
    home = Paths.from_env()
    for folder in (home.config_dir, home.data_dir, home.log_dir):
        for file in folder.rglob("*"):
            if file.is_file() and file.suffix in ("", ".json", ".log", ".txt"):
                assert SECRET.encode() not in file.read_bytes(), file
