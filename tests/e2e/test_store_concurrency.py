"""Several processes on one home (issue 10): ``leadcheck`` processes creating a new home at once all succeed,
and a process that opens the database a second time keeps its WAL when another process writes and closes.

The window kept open while CLI processes import and read is in ``tests/ui/test_window_store_concurrency.py``
(it needs the qasync loop the UI tests run on).

SQLite only: both are about one database file shared by processes (its creation, POSIX locks and the WAL); seats on
one PostgreSQL database are tested in tests/unit/jobs/test_seats.py and tests/unit/imports/test_import_race.py.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_app.store import SCHEMA_VERSION, Store

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def leads_csv(path: Path, n: int, *, area: int) -> Path:
    """``n`` distinct leads whose phones are in area code ``area`` (one file per process, no row shared)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Phone Number", "Email", "First Name"])
        for i in range(n):
            writer.writerow([f"({area}) 555-{i:04d}", f"p{area}.{i}@example.com", f"Lead {i}"])
    return path


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADCHECK_")}
    env.update(LEADCHECK_HOME=str(home), PYTHONPATH=str(ROOT), NO_COLOR="1")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return env


def start(home: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", *argv],
        env=cli_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_processes_creating_a_new_home_at_once_all_succeed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    files = [leads_csv(tmp_path / f"leads{k}.csv", 50, area=area) for k, area in enumerate((202, 305, 415))]
    commands = [["import", str(f)] for f in files] + [["history"], ["lookup", "(202) 555-0001"], ["history"]]
    processes = [start(home, *argv) for argv in commands]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    for argv, (code, out, err) in zip(commands, outcomes, strict=True):
        assert code == 0, (argv, out, err)
        assert "already exists" not in err and "locked" not in err and "malformed" not in err, (argv, err)
    database = home / "data" / "leadcheck.db"
    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = dict(conn.execute("SELECT source_file, count(*) FROM leads GROUP BY source_file").fetchall())
        assert counts == {f.name: 50 for f in files}
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM imports WHERE status = 'done'").fetchone()[0] == 3
    assert not (home / "data" / "backups").exists() or not any((home / "data" / "backups").iterdir())


WRITER = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN IMMEDIATE")
    for i in range(200):
        conn.execute(
            "INSERT INTO leads (phone, source, created_at, updated_at) VALUES (?, 'import', 'now', 'now')",
            (f"+1305555{i:04d}",),
        )
    conn.execute("COMMIT")
    conn.close()
    """
)


def test_a_second_store_in_the_same_process_does_not_cost_the_first_its_wal(tmp_path: Path) -> None:
    """Opening the database file outside SQLite and closing it dropped every POSIX lock this process held on it;
    another process closing its connection then took the WAL for unused and deleted it under the open one."""
    path = tmp_path / "data" / "leadcheck.db"
    first = Store(path)
    try:
        for i in range(100):
            first.add_lead({"phone": f"+1202555{i:04d}"})
        assert first.lead_count() == 100
        with Store(path) as second:  # the window's second connection, an import's, the CLI's in one process
            assert second.lead_count() == 100
        assert Path(f"{path}-wal").exists()
        writer = subprocess.run([sys.executable, "-c", WRITER, str(path)], capture_output=True, text=True, timeout=60)
        assert writer.returncode == 0, writer.stderr
        assert Path(f"{path}-wal").exists()  # another connection (ours) is still open: the WAL stays
        for i in range(100, 150):
            first.add_lead({"phone": f"+1202555{i:04d}"})
        assert first.lead_count() == 350
        assert first.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert first.lookup("(305) 555-0199")["leads"][0]["phone"] == "+13055550199"
    finally:
        first.close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM leads").fetchone()[0] == 350
