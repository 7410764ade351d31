"""Schema step 3 (issue 10) on a database written by the previous version (schema 2): every row is kept, the
file is backed up first, checks are linked to the leads whose evidence they checked, flags and verdicts are
read again from those checks, and the old leads are fingerprinted so that importing their file again adds
nothing."""

from __future__ import annotations

import contextlib
import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from desktop_app.imports import import_csv
from desktop_app.store import SCHEMA_VERSION, Store
from desktop_app.store.schema import MIGRATIONS

T0 = "2026-01-05T10:00:00+00:00"
T1 = "2026-01-05T10:05:00+00:00"
P_SHARED, P_THIRD, P_FOURTH = "+12025550101", "+12025550303", "+12025550404"
C1, C2, C3 = (f"https://cert.trustedform.com/{c * 40}" for c in "123")
TOKEN = "0A1B2C3D-1234-4234-8234-123456789012"

# The file the old leads 1 and 2 came from, as the buyer had it.
OLD_CSV = [
    ["Phone Number", "Email", "xxTrustedFormCertUrl", "universal_leadid", "First Name", "Supplier", "Cost", "Campaign"],
    ["(202) 555-0101", "Ann@Example.com", C1, TOKEN.lower(), "Ann", "Acme Leads", "$12.50", "spring"],
    ["202.555.0101", "bob@example.com", C2, "", "Bob", "Best Leads", "9", ""],
]
# The leads as the previous version stored them: cleaned cells, unmapped columns in ``extra``, latest flags.
OLD_LEADS: list[dict[str, Any]] = [
    {
        "id": 1, "phone": P_SHARED, "email": "ann@example.com", "cert_url": C1, "leadid": TOKEN, "cs_cert_url": None,
        "first_name": "Ann", "last_name": None, "address": None, "city": None, "state": None, "zip": None,
        "supplier": "Acme Leads", "cost": "12.50", "extra": json.dumps({"Campaign": "spring"}),
        "source_file": "old.csv", "source_row": 2, "flag_trustedform": "green", "flag_jornaya": "green",
        "flag_litigator": "red", "checked_at": T1,
    },
    {
        "id": 2, "phone": P_SHARED, "email": "bob@example.com", "cert_url": C2, "leadid": None, "cs_cert_url": None,
        "first_name": "Bob", "last_name": None, "address": None, "city": None, "state": None, "zip": None,
        "supplier": "Best Leads", "cost": "9", "extra": None, "source_file": "old.csv", "source_row": 3,
        "flag_trustedform": "green", "flag_litigator": "red", "checked_at": T1,
    },
    {  # entered by hand (no file)
        "id": 3, "phone": P_THIRD, "email": None, "cert_url": C3, "first_name": "Cy", "extra": None,
        "source_file": None, "source_row": None, "flag_trustedform": "red", "checked_at": T1,
    },
    {"id": 4, "phone": P_FOURTH, "email": "dee@example.com", "source_file": "other.csv", "source_row": 2},
]  # fmt: skip
CHECK_KEYS = ("id", "lead_id", "batch_id", "vendor", "operation", "subject", "flag", "error_kind")
OLD_CHECKS: list[dict[str, Any]] = [
    dict(zip(CHECK_KEYS, values, strict=True))
    for values in [
        (1, 1, 1, "trustedform", "retain", C1, "green", None),
        (2, 1, 1, "jornaya", "audit", TOKEN, "green", None),
        (3, 1, 1, "litigator", "check", P_SHARED, "red", None),
        (4, 3, None, "trustedform", "retain", C3, "red", None),
        (5, None, None, "litigator", "check", P_FOURTH, None, "auth"),
        # a retain made on the TrustedForm tab before lead 2 was imported; lead 2's batch item used it (cached)
        (6, None, None, "trustedform", "retain", C2, "green", None),
        (7, None, None, "consentcontrol", "upload", "1 record", "green", None),
    ]
]
OLD_BATCH_ITEMS = [
    # batch_id, lead_id, vendor, subject, state, check_id
    (1, 1, "trustedform", C1, "done", 1),
    (1, 1, "jornaya", TOKEN, "done", 2),
    (1, 1, "litigator", P_SHARED, "done", 3),
    (1, 2, "trustedform", C2, "cached", 6),
    (1, 2, "litigator", P_SHARED, "failed", 3),
]
EXPECTED_LINKS = {
    (1, 1, 1), (1, 2, 1), (1, 3, 1), (2, 3, 1),  # the litigator check belongs to both leads with the phone
    (3, 4, 1), (4, 5, 1), (2, 6, 1),
}  # fmt: skip


def build_v2(path: Path) -> None:
    """A database as the previous version left it: steps 1 and 2, then rows written the way its code wrote them."""
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")
    for migration in MIGRATIONS[:2]:
        migration(db)
    conn.execute("PRAGMA user_version = 2")
    for lead in OLD_LEADS:
        row = {**lead, "created_at": T0, "updated_at": T1}
        conn.execute(f"INSERT INTO leads ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    for check in OLD_CHECKS:
        error = {"kind": check["error_kind"], "message": "bad key"} if check["error_kind"] else None
        row = {
            **check,
            "error": json.dumps(error) if error else None,
            "summary": f"{check['vendor']} said {check['flag']}",
            "details": "{}",
            "request": json.dumps({"method": "POST", "body": {"email": "ann@example.com"}}),
            "response_body": "{}",
            "attempts": 1,
            "started_at": T0,
            "finished_at": T1,
        }
        conn.execute(f"INSERT INTO checks ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    conn.execute("INSERT INTO suppression (kind, value, reason, source, added_at) VALUES (?, ?, ?, ?, ?)",
                 ("phone", P_SHARED, "litigator", "TCPA Litigator check", T1))  # fmt: skip
    conn.execute("INSERT INTO suppression (kind, value, reason, source, added_at) VALUES (?, ?, ?, ?, ?)",
                 ("email", "dee@example.com", "optout", "Consent Control upload", T1))  # fmt: skip
    conn.execute(
        "INSERT INTO imports (id, source_file, encoding, delimiter, has_header, mapping, status, rows_read, "
        "leads_created, leads_merged, rows_refused, warnings, started_at, finished_at) "
        "VALUES (1, '/home/buyer/old.csv', 'utf-8', ',', 1, '{}', 'done', 4, 2, 1, 1, 0, ?, ?)",
        (T0, T0),
    )
    conn.execute(
        "INSERT INTO import_problems (import_id, row_number, severity, field, reason, raw, lead_id) "
        "VALUES (1, 5, 'refused', NULL, 'The row has no usable phone number', '[\"x\"]', NULL)"
    )
    conn.execute(
        "INSERT INTO import_problems (import_id, row_number, severity, field, reason, raw, lead_id) "
        "VALUES (1, 4, 'warning', 'email', 'email: not an address', '[\"y\"]', 1)"
    )
    conn.execute(
        "INSERT INTO batches (id, name, import_id, vendors, recheck, status, created_at, started_at, finished_at, "
        "updated_at) VALUES (1, 'old.csv', 1, '[\"trustedform\", \"jornaya\", \"litigator\"]', 0, 'done', ?, ?, ?, ?)",
        (T0, T0, T1, T1),
    )
    conn.executemany(
        "INSERT INTO batch_items (batch_id, lead_id, vendor, subject, state, check_id, sends, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
        [(*item, T1) for item in OLD_BATCH_ITEMS],
    )
    conn.execute("INSERT INTO audit_log (at, action, detail) VALUES (?, 'export', '{}')", (T1,))
    conn.execute("COMMIT")
    conn.close()


def table(conn: sqlite3.Connection, name: str, columns: str = "*") -> list[tuple[Any, ...]]:
    return conn.execute(f"SELECT {columns} FROM {name} ORDER BY rowid").fetchall()


OLD_TABLES = ("leads", "checks", "suppression", "imports", "import_problems", "batches", "batch_items", "audit_log")
# The columns the previous version had, per table (the new ones are checked separately).
KEPT_COLUMNS = {
    "leads": "id, phone, email, cert_url, leadid, cs_cert_url, first_name, last_name, address, city, state, zip, "
    "supplier, cost, extra, source_file, source_row, created_at",
    "checks": "id, lead_id, batch_id, vendor, operation, subject, flag, summary, details, error, error_kind, "
    "http_status, request, response_body, attempts, started_at, finished_at",
    "suppression": "*",
    "imports": "id, source_file, encoding, delimiter, has_header, mapping, status, rows_read, leads_created, "
    "rows_refused, warnings, started_at, finished_at",
    "import_problems": "*",
    "batches": "id, name, import_id, vendors, recheck, status, stop_reason, created_at, started_at, finished_at, "
    "updated_at",
    "batch_items": "*",
    "audit_log": "*",
}


@pytest.fixture
def old_database(tmp_path: Path) -> tuple[Path, dict[str, list[tuple[Any, ...]]]]:
    path = tmp_path / "data" / "leadcheck.db"
    path.parent.mkdir()
    build_v2(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        before = {name: table(conn, name, KEPT_COLUMNS[name]) for name in OLD_TABLES}
    return path, before


def test_migration_keeps_every_row_and_backs_up_the_old_file(
    old_database: tuple[Path, dict[str, list[tuple[Any, ...]]]],
) -> None:
    path, before = old_database
    with Store(path) as store:
        assert store.version == SCHEMA_VERSION
        conn = store.db.conn
        after = {name: table(conn, name, KEPT_COLUMNS[name]) for name in OLD_TABLES}
        assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
        assert after == before
        assert table(conn, "imports", "rows_recognised") == [(1,)]  # leads_merged, renamed
        assert [r[0] for r in table(conn, "leads", "source")] == ["import", "import", "manual", "import"]
        assert [r[0] for r in table(conn, "checks", "sent")] == [None] * len(OLD_CHECKS)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # every existing check is sealed into the evidence log, in stored order, then an entry says so
        sealed = conn.execute("SELECT kind, ref FROM evidence_log ORDER BY seq").fetchall()
        assert sealed[:-1] == [("check", row[0]) for row in table(conn, "checks", "id")]
        assert sealed[-1][0] == "sealed"
        # the sealed entries were written by schema 5's recipe (hash version 1); entries from now on hash their
        # time, kind, reference and seat too, and the chain verifies across the two
        versions = [r[0] for r in conn.execute("SELECT hash_version FROM evidence_log ORDER BY seq")]
        assert set(versions) == {1}
        store.log_event("export", {"file": "after-upgrade.csv"})
        assert conn.execute("SELECT hash_version FROM evidence_log ORDER BY seq DESC LIMIT 1").fetchone()[0] == 2
        assert store.verify().ok
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []

    (backup,) = (path.parent / "backups").iterdir()
    assert backup.name.startswith("leadcheck-v2-")
    with contextlib.closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert {name: table(conn, name, KEPT_COLUMNS[name]) for name in OLD_TABLES} == before


def test_migration_links_checks_to_their_leads_and_recomputes_flags_and_verdicts(
    old_database: tuple[Path, dict[str, list[tuple[Any, ...]]]],
) -> None:
    path, _ = old_database
    with Store(path) as store:
        links = set(store.db.execute("SELECT lead_id, check_id, counts FROM check_leads").fetchall())
        assert links == EXPECTED_LINKS
        flags = store.db.execute(
            "SELECT id, flag_trustedform, flag_jornaya, flag_litigator, verdict FROM leads ORDER BY id"
        ).fetchall()
        assert flags == [
            (1, "green", "green", "red", "red"),
            (2, "green", None, "red", "red"),
            (3, "red", None, None, "red"),
            (4, None, None, None, "unchecked"),  # its only check failed
        ]
        assert store.verdict_counts() == {"red": 3, "unchecked": 1}
        found = store.lookup("(202) 555-0101")
        assert [lead["id"] for lead in found["leads"]] == [1, 2]
        assert [[c["id"] for c in lead["checks"]] for lead in found["leads"]] == [[1, 2, 3], [3, 6]]
        assert found["leads"][1]["reasons"] == ["TCPA Litigator: litigator said red"]
        assert found["leads"][0]["checks"][0]["sent"] == {"request_body": {"email": "ann@example.com"}}
        assert [(s["kind"], s["value"]) for s in found["suppression"]] == [("phone", P_SHARED)]
        assert [c.id for c in store.checks(subject="dee@example.com")] == [5]


def test_importing_the_old_file_again_after_migration_is_recognised(
    old_database: tuple[Path, dict[str, list[tuple[Any, ...]]]], tmp_path: Path
) -> None:
    path, _ = old_database
    source = tmp_path / "old.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(OLD_CSV)
    with Store(path) as store:
        assert store.db.execute("SELECT count(*) FROM leads WHERE row_key IS NULL").fetchone()[0] == 1  # manual
        report = import_csv(store, source)
        assert (report.rows_read, report.leads_created, report.rows_recognised) == (2, 0, 2)
        assert report.lead_ids == [1, 2]
        assert [(p.row_number, p.severity, p.lead_id) for p in report.problems] == [
            (2, "recognised", 1),
            (3, "recognised", 2),
        ]
        assert "first seen in old.csv, row 2" in report.problems[0].reason
        assert store.lead_count() == 4
