"""The store: checks round-trip, lead flags, suppression and lead indexes on both engines (the ``database``
fixture); schema version, private files, backups and kill safety of the SQLite file (SQLite only)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.store import SCHEMA_VERSION, NewerSchemaError, Store
from desktop_app.store import db as store_db
from desktop_app.store.backend import Location
from desktop_app.vendors.errors import CallError, ErrorKind
from desktop_app.vendors.results import CheckResult, Flag


def result(flag: Flag | None = Flag.GREEN, vendor: str = "litigator", subject: str = "+12025550123") -> CheckResult:
    return CheckResult(vendor=vendor, operation="check", subject=subject, flag=flag, summary="ok", details={"a": 1})


def test_new_database_is_versioned_private_and_wal(tmp_path: Path) -> None:
    """SQLite only: the file's mode and journal."""
    path = tmp_path / "lc.db"
    with Store(path) as store:
        assert store.version == SCHEMA_VERSION
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_check_round_trip_keeps_every_field(database: Location) -> None:
    error = CallError(ErrorKind.AUTH, "bad key", http_status=401, code=1000, hint="fix it")
    failed = CheckResult(
        vendor="litigator",
        operation="check",
        subject="+12025550123",
        flag=None,
        summary="bad key",
        error=error,
        http_status=401,
        request={"method": "POST"},
        response_body="{}",
        attempts=1,
    )
    with Store(database) as store:
        store.record_check(result())
        store.record_check(failed)
        newest, oldest = store.checks(vendor="litigator")
        assert newest.result == failed
        assert oldest.result.flag is Flag.GREEN and oldest.result.details == {"a": 1}
        assert [c.result.flag for c in store.checks(subject="+12025550123")] == [None, Flag.GREEN]


def test_flag_lands_on_the_matching_lead_and_errors_do_not(database: Location) -> None:
    with Store(database) as store:
        lead_id = store.add_lead({"phone": "+12025550123", "email": "a@b.co", "custom": "x"})
        assert store.leads_for_subject("litigator", "+12025550123") == [lead_id]
        store.record_check(result(Flag.RED), lead_id=lead_id)
        store.record_check(
            CheckResult("litigator", "check", "+12025550123", None, "down", error=CallError(ErrorKind.NETWORK, "x")),
            lead_id=lead_id,
        )
        lead = store.lead(lead_id)
        assert lead is not None and lead["flag_litigator"] == "red" and lead["extra"] == {"custom": "x"}


def test_older_database_is_backed_up_then_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite only: migrations and backups of the file."""
    path = tmp_path / "lc.db"
    Store(path).close()

    def v2(db: object) -> None:
        store_db.sqlite_utils.Database(db.conn).execute("CREATE TABLE extra_v2 (id INTEGER)")  # type: ignore[attr-defined]

    monkeypatch.setattr(store_db, "MIGRATIONS", [*store_db.MIGRATIONS, v2])
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(path) as store:
        assert store.version == SCHEMA_VERSION + 1
    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1 and stat.S_IMODE(os.stat(backups[0]).st_mode) == 0o600


def test_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "lc.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(NewerSchemaError, match="newer Leadcheck"):
        Store(path)


def test_kill_mid_write_keeps_every_committed_check(tmp_path: Path) -> None:
    """SQLite only: a killed process and the file's integrity."""
    path = tmp_path / "lc.db"
    Store(path).close()
    script = f"""
import os, sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from desktop_app.store import Store
from desktop_app.vendors.results import CheckResult, Flag
store = Store(__import__('pathlib').Path({str(path)!r}))
for i in range(200):
    store.record_check(CheckResult('litigator', 'check', f'+1202555{{i:04d}}', Flag.GREEN, 'ok'))
    if i == 149:
        print('committed', flush=True)
        os.kill(os.getpid(), 9)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9 and "committed" in proc.stdout
    with Store(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(store.checks(limit=1000)) == 150


def test_suppression_ignores_duplicates(database: Location) -> None:
    with Store(database) as store:
        assert store.add_suppression([("phone", "+12025556666", "litigator", "check")] * 2) == 1
        assert store.suppression()[0]["value"] == "+12025556666"


def test_details_are_json_in_the_file(database: Location) -> None:
    with Store(database) as store:
        store.record_check(result())
        raw = store.db.execute("SELECT details FROM checks").fetchone()[0]
    assert json.loads(raw) == {"a": 1}


def lead_indexes(store: Store) -> set[str]:
    rows = store.connection.execute(store.connection.dialect.index_names("leads"))
    return {r[0] for r in rows}


def test_missing_lead_indexes_are_recreated_when_the_database_is_opened(database: Location) -> None:
    with Store(database) as store:
        lead_id = store.add_lead({"phone": "+12025550123"})
        store.drop_lead_indexes()  # what an import killed before rebuilding them leaves behind
        assert not lead_indexes(store) & set(store_db.LEAD_INDEXES)
        assert store.missing_lead_indexes() == list(store_db.LEAD_INDEXES)
    with Store(database) as store:
        assert set(store_db.LEAD_INDEXES) <= lead_indexes(store)
        assert store.missing_lead_indexes() == []
        if not store.shared:  # SQLite's query plan; PostgreSQL's planner may prefer a scan of a one-row table
            plan = store.db.execute("EXPLAIN QUERY PLAN SELECT id FROM leads WHERE phone = ?", ["+12025550123"])
            assert "leads_phone" in str(plan.fetchall())
        assert store.leads_for_subject("litigator", "+12025550123") == [lead_id]


def test_opening_does_not_wait_for_another_writer_to_recreate_indexes(tmp_path: Path) -> None:
    """SQLite only: its write lock blocks index creation (PostgreSQL builds indexes beside writers)."""
    path = tmp_path / "lc.db"
    with Store(path) as store:
        store.drop_lead_indexes()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. an import in another process, mid-chunk
    try:
        with Store(path) as store:  # opens at once; the indexes stay missing for now (queries still work)
            assert store.missing_lead_indexes() == list(store_db.LEAD_INDEXES)
            assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == store_db.BUSY_TIMEOUT_MS
    finally:
        other.execute("ROLLBACK")
        other.close()
    with Store(path) as store:
        assert store.missing_lead_indexes() == []
