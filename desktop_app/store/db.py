"""The local SQLite audit trail: leads, every check ever made, suppression lists, and an audit log.

One database file (``leadcheck.db``) opened through sqlite-utils, WAL journal; writes come from the asyncio
loop (and a window batch's writer thread, on its own connection: SQLite's lock serialises them).
Every write is its own transaction, so a killed process loses at most the write in flight and never
corrupts the file. The schema is versioned with ``PRAGMA user_version``: :data:`MIGRATIONS` holds linear
steps, and an existing file is copied to ``backups/`` before it is migrated.

Errors::

    StoreError (LeadcheckError)       the database cannot be opened or written (disk full, read-only, corrupt)
    └── NewerSchemaError              the file was written by a newer Leadcheck
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop_app.vendors.base import CallError, CheckResult, Flag, LeadcheckError, utcnow

VENDORS = ("trustedform", "jornaya", "litigator", "contactstate", "consentcontrol")
FLAG_COLUMNS = {v: f"flag_{v}" for v in VENDORS}
LEAD_FIELDS = (
    "phone",
    "email",
    "cert_url",
    "leadid",
    "cs_cert_url",
    "first_name",
    "last_name",
    "address",
    "city",
    "state",
    "zip",
    "supplier",
    "cost",
)


class StoreError(LeadcheckError):
    """The database could not be read or written."""


class NewerSchemaError(StoreError):
    """The database was created by a newer version of Leadcheck."""


def _v1(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE leads (
            id INTEGER PRIMARY KEY,
            phone TEXT, email TEXT, cert_url TEXT, leadid TEXT, cs_cert_url TEXT,
            first_name TEXT, last_name TEXT, address TEXT, city TEXT, state TEXT, zip TEXT,
            supplier TEXT, cost TEXT, extra TEXT,
            source_file TEXT, source_row INTEGER,
            flag_trustedform TEXT, flag_jornaya TEXT, flag_litigator TEXT,
            flag_contactstate TEXT, flag_consentcontrol TEXT,
            checked_at TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL
        );
        CREATE INDEX leads_phone ON leads(phone);
        CREATE INDEX leads_email ON leads(email);
        CREATE INDEX leads_cert_url ON leads(cert_url);
        CREATE INDEX leads_leadid ON leads(leadid);
        CREATE INDEX leads_cs_cert_url ON leads(cs_cert_url);

        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            lead_id INTEGER REFERENCES leads(id),
            batch_id INTEGER,
            vendor TEXT NOT NULL, operation TEXT NOT NULL, subject TEXT NOT NULL,
            flag TEXT, summary TEXT NOT NULL, details TEXT NOT NULL,
            error TEXT, error_kind TEXT, http_status INTEGER,
            request TEXT NOT NULL, response_body TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL, finished_at TEXT NOT NULL
        );
        CREATE INDEX checks_vendor_time ON checks(vendor, finished_at);
        CREATE INDEX checks_subject ON checks(vendor, subject, operation, finished_at);
        CREATE INDEX checks_lead ON checks(lead_id, finished_at);

        CREATE TABLE suppression (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
            value TEXT NOT NULL,
            reason TEXT NOT NULL,
            source TEXT NOT NULL,
            added_at TEXT NOT NULL,
            UNIQUE (kind, value, reason)
        );

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        """
    )


def _v2(db: sqlite_utils.Database) -> None:
    """Batches (issue 4): CSV imports and the rows they could not use, batches and their lead/vendor items."""
    db.executescript(
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            source_file TEXT NOT NULL,
            encoding TEXT, delimiter TEXT, has_header INTEGER,
            mapping TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'running',
            rows_read INTEGER NOT NULL DEFAULT 0,
            leads_created INTEGER NOT NULL DEFAULT 0,
            leads_merged INTEGER NOT NULL DEFAULT 0,
            rows_refused INTEGER NOT NULL DEFAULT 0,
            warnings INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL, finished_at TEXT
        );

        CREATE TABLE import_problems (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports(id),
            row_number INTEGER NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('refused', 'warning')),
            field TEXT,
            reason TEXT NOT NULL,
            raw TEXT NOT NULL,
            lead_id INTEGER
        );
        CREATE INDEX import_problems_import ON import_problems(import_id, row_number);

        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            import_id INTEGER REFERENCES imports(id),
            vendors TEXT NOT NULL,
            recheck INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            stop_reason TEXT,
            created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, updated_at TEXT NOT NULL
        );

        CREATE TABLE batch_items (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES batches(id),
            lead_id INTEGER NOT NULL REFERENCES leads(id),
            vendor TEXT NOT NULL,
            subject TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'done', 'failed', 'cached')),
            check_id INTEGER REFERENCES checks(id),
            sends INTEGER NOT NULL DEFAULT 0,
            note TEXT,
            updated_at TEXT NOT NULL,
            UNIQUE (batch_id, lead_id, vendor)
        );
        CREATE INDEX batch_items_work ON batch_items(batch_id, vendor, state, id);
        CREATE INDEX checks_batch ON checks(batch_id);
        """
    )


Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)

BUSY_TIMEOUT_MS = 5000  # how long a write waits for another connection's transaction

# The lookup indexes of ``leads`` (created by ``_v1``). A large import drops them and builds them again at its
# end (much faster than updating five indexes row by row); opening the database rebuilds any a kill left missing.
LEAD_INDEXES = {f"leads_{column}": column for column in ("phone", "email", "cert_url", "leadid", "cs_cert_url")}


@dataclass(frozen=True)
class StoredCheck:
    """A check as it was recorded: the result plus where it sits in the trail."""

    id: int
    lead_id: int | None
    batch_id: int | None
    result: CheckResult


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _create_private(path: Path) -> None:
    """Create the database file readable by the user only (before SQLite creates it with the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class Store:
    """The database. Construct with a path; call :meth:`close` when done (or use as a context manager)."""

    def __init__(self, path: Path, *, backups_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.backups_dir = backups_dir or self.path.parent / "backups"
        try:
            existed = self.path.exists() and self.path.stat().st_size > 0
            _create_private(self.path)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._migrate(existed)
            self.ensure_lead_indexes(wait=False)
            for suffix in ("-wal", "-shm"):
                side = Path(str(self.path) + suffix)
                if side.exists():
                    os.chmod(side, 0o600)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"Leadcheck could not open its database at {self.path}: {exc}.") from exc

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema --------------------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, existed: bool) -> None:
        version = self.version
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path} was written by a newer Leadcheck (schema {version}); update Leadcheck to open it."
            )
        if version == SCHEMA_VERSION:
            return
        if existed and version > 0:
            self.backups_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            backup = self.backups_dir / f"{self.path.stem}-v{version}-{stamp}.db"
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(self.path, backup)
            os.chmod(backup, 0o600)
        for step, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                migration(self.db)
                self.db.execute(f"PRAGMA user_version = {step}")

    def missing_lead_indexes(self) -> list[str]:
        """Names of the :data:`LEAD_INDEXES` the database lacks (none, unless an import is running or was killed)."""
        present = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        return [name for name in LEAD_INDEXES if name not in present]

    def ensure_lead_indexes(self, *, wait: bool = True) -> list[str]:
        """Create any missing lead index, one transaction each; returns the names created.

        With ``wait=False`` (on opening), an index is skipped while another connection holds the write lock
        (an import in another process rebuilds its indexes itself when it ends); queries are correct either way,
        only slower without an index.
        """
        created: list[str] = []
        missing = self.missing_lead_indexes()
        if not missing:
            return created
        if not wait:
            self.db.execute("PRAGMA busy_timeout=0")
        try:
            for name in missing:
                try:
                    self.db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON leads({LEAD_INDEXES[name]})")
                except sqlite3.OperationalError as exc:
                    if wait or "locked" not in str(exc):
                        raise
                    continue
                created.append(name)
        finally:
            if not wait:
                self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return created

    def drop_lead_indexes(self) -> None:
        """Drop the lead indexes before a bulk import (see :data:`LEAD_INDEXES`); :meth:`ensure_lead_indexes`
        brings them back."""
        with self.transaction() as conn:
            for name in LEAD_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- checks --------------------------------------------------------------------------------------------

    def record_check(self, result: CheckResult, *, lead_id: int | None = None, batch_id: int | None = None) -> int:
        """Store one check (and the lead's latest flag for that vendor) in one transaction."""
        row = self._check_row(result, lead_id, batch_id)
        try:
            with self.transaction() as conn:
                cur = conn.execute(
                    f"INSERT INTO checks ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
                )
                check_id = int(cur.lastrowid or 0)
                self._update_lead_flag(conn, result, lead_id)
        except sqlite3.Error as exc:
            raise StoreError(f"Leadcheck could not save the result: {exc}.") from exc
        return check_id

    def record_checks(self, items: Sequence[tuple[CheckResult, int | None, int | None]]) -> list[int]:
        """Store several checks in one transaction (batch results arrive in bursts)."""
        ids: list[int] = []
        try:
            with self.transaction() as conn:
                for result, lead_id, batch_id in items:
                    row = self._check_row(result, lead_id, batch_id)
                    cur = conn.execute(
                        f"INSERT INTO checks ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        tuple(row.values()),
                    )
                    ids.append(int(cur.lastrowid or 0))
                    self._update_lead_flag(conn, result, lead_id)
        except sqlite3.Error as exc:
            raise StoreError(f"Leadcheck could not save the results: {exc}.") from exc
        return ids

    @staticmethod
    def _check_row(result: CheckResult, lead_id: int | None, batch_id: int | None) -> dict[str, Any]:
        return {
            "lead_id": lead_id,
            "batch_id": batch_id,
            "vendor": result.vendor,
            "operation": result.operation,
            "subject": result.subject,
            "flag": result.flag.value if result.flag else None,
            "summary": result.summary,
            "details": _json(result.details),
            "error": _json(result.error.to_dict()) if result.error else None,
            "error_kind": result.error.kind.value if result.error else None,
            "http_status": result.http_status,
            "request": _json(result.request),
            "response_body": result.response_body,
            "attempts": result.attempts,
            "started_at": result.started_at,
            "finished_at": result.finished_at,
        }

    @staticmethod
    def _update_lead_flag(conn: sqlite3.Connection, result: CheckResult, lead_id: int | None) -> None:
        column = FLAG_COLUMNS.get(result.vendor)
        if lead_id is None or column is None or result.error is not None or result.flag is None:
            return
        conn.execute(
            f"UPDATE leads SET {column} = ?, checked_at = ?, updated_at = ? WHERE id = ?",
            (result.flag.value, result.finished_at, utcnow(), lead_id),
        )

    def checks(
        self,
        *,
        vendor: str | None = None,
        subject: str | None = None,
        lead_id: int | None = None,
        operation: str | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[StoredCheck]:
        where, params = [], []
        for column, value in (("vendor", vendor), ("subject", subject), ("lead_id", lead_id), ("operation", operation)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT * FROM checks"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'} LIMIT ?"
        params.append(limit)
        cursor = self.db.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        return [self._stored(dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]

    def check(self, check_id: int) -> StoredCheck | None:
        cursor = self.db.execute("SELECT * FROM checks WHERE id = ?", [check_id])
        row = cursor.fetchone()
        if row is None:
            return None
        return self._stored(dict(zip([c[0] for c in cursor.description], row, strict=True)))

    @staticmethod
    def _stored(row: Mapping[str, Any]) -> StoredCheck:
        error = CallError.from_dict(json.loads(row["error"])) if row["error"] else None
        result = CheckResult(
            vendor=row["vendor"],
            operation=row["operation"],
            subject=row["subject"],
            flag=Flag(row["flag"]) if row["flag"] else None,
            summary=row["summary"],
            details=json.loads(row["details"]),
            error=error,
            http_status=row["http_status"],
            request=json.loads(row["request"]),
            response_body=row["response_body"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            attempts=row["attempts"],
        )
        return StoredCheck(id=row["id"], lead_id=row["lead_id"], batch_id=row["batch_id"], result=result)

    def latest_check(
        self, vendor: str, subject: str, *, operation: str | None = None, since: str | None = None, ok_only: bool = True
    ) -> StoredCheck | None:
        """The newest completed check of ``subject`` (optionally newer than ``since``): the "don't pay twice" probe."""
        sql = "SELECT id FROM checks WHERE vendor = ? AND subject = ?"
        params: list[Any] = [vendor, subject]
        if operation:
            sql += " AND operation = ?"
            params.append(operation)
        if since:
            sql += " AND finished_at >= ?"
            params.append(since)
        if ok_only:
            sql += " AND error IS NULL"
        row = self.db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return self.check(int(row[0])) if row else None

    # -- leads ---------------------------------------------------------------------------------------------

    def lead_for_subject(self, vendor: str, subject: str) -> int | None:
        """The lead a pasted subject belongs to (same certificate, token or phone), if any."""
        column = {
            "trustedform": "cert_url",
            "jornaya": "leadid",
            "litigator": "phone",
            "contactstate": "cs_cert_url",
        }.get(vendor)
        if column is None:
            return None
        row = self.db.execute(f"SELECT id FROM leads WHERE {column} = ? ORDER BY id LIMIT 1", [subject]).fetchone()
        return int(row[0]) if row else None

    def add_lead(
        self, fields: Mapping[str, Any], *, source_file: str | None = None, source_row: int | None = None
    ) -> int:
        now = utcnow()
        known = {k: fields.get(k) for k in LEAD_FIELDS if fields.get(k) not in (None, "")}
        extra = {k: v for k, v in fields.items() if k not in LEAD_FIELDS and v not in (None, "")}
        row = {**known, "extra": _json(extra) if extra else None, "source_file": source_file, "source_row": source_row}
        row.update(created_at=now, updated_at=now)
        with self.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO leads ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
            )
            return int(cur.lastrowid or 0)

    def lead(self, lead_id: int) -> dict[str, Any] | None:
        cursor = self.db.execute("SELECT * FROM leads WHERE id = ?", [lead_id])
        row = cursor.fetchone()
        if row is None:
            return None
        data = dict(zip([c[0] for c in cursor.description], row, strict=True))
        data["extra"] = json.loads(data["extra"]) if data.get("extra") else {}
        return data

    def lead_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM leads").fetchone()[0])

    # -- suppression ---------------------------------------------------------------------------------------

    def add_suppression(self, entries: Iterable[tuple[str, str, str, str]]) -> int:
        """Add (kind, value, reason, source) rows; existing ones are kept. Returns how many were new."""
        now = utcnow()
        with self.transaction() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO suppression (kind, value, reason, source, added_at) VALUES (?, ?, ?, ?, ?)",
                [(k, v, r, s, now) for k, v, r, s in entries],
            )
            return conn.total_changes - before

    def suppression(self) -> list[dict[str, Any]]:
        cursor = self.db.execute("SELECT kind, value, reason, source, added_at FROM suppression ORDER BY id")
        cols = [c[0] for c in cursor.description]
        return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]

    # -- audit log -----------------------------------------------------------------------------------------

    def log(self, action: str, detail: Mapping[str, Any] | str = "") -> None:
        text = detail if isinstance(detail, str) else _json(detail)
        with self.transaction() as conn:
            conn.execute("INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)", (utcnow(), action, text))
