"""The local SQLite audit trail: leads, every check ever made, suppression lists, and an audit log.

One database file (``leadcheck.db``) opened through sqlite-utils, WAL journal; writes come from the asyncio
loop (and a window batch's writer thread, on its own connection: SQLite's lock serialises them).
Every write is its own transaction, so a killed process loses at most the write in flight and never
corrupts the file. The schema is versioned with ``PRAGMA user_version``: :data:`MIGRATIONS` holds linear
steps, and an existing file is copied to ``backups/`` before it is migrated.

Errors: :mod:`desktop_app.store.errors` (SQLite's errors become the store's error tree there, in one place).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop_app.store import evidence
from desktop_app.store.backend import Connection, Location, SqliteConnection, describe, is_shared, sqlite_connect
from desktop_app.store.errors import NewerSchemaError, store_errors, translate
from desktop_app.store.records import Records
from desktop_app.store.schema import LEAD_INDEXES, MIGRATIONS, SCHEMA_VERSION
from desktop_app.vendors.registry import FLAG_COLUMNS
from desktop_app.vendors.results import utcnow

VENDORS = tuple(FLAG_COLUMNS)


BUSY_TIMEOUT_MS = 5000  # how long a write waits for another connection's transaction
MIGRATION_WAIT_MS = 600_000  # how long opening waits for another process's migration (a million leads: ~1 min)


def sorter_threads() -> int:
    """Helper threads SQLite may sort an index's keys with while it builds the index: one per CPU, up to four."""
    return min(4, os.cpu_count() or 1)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _create_private(path: Path) -> None:
    """Create the database file readable by the user only (before SQLite creates it with the umask).

    An existing file is never opened here: closing any descriptor of a file drops every POSIX lock this process
    holds on it, including an open connection's, after which another process deletes the WAL as unused (the
    window once showed "database disk image is malformed" that way)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)


class _SharedDatabase:
    """``Store.db`` in team mode: what the store's code and tests use of sqlite-utils' ``Database``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Any = None) -> Any:
        return self.conn.execute(sql, parameters)


class Store(Records):
    """The database. Construct with a location (an SQLite file's path, or a ``postgresql://`` URL for team mode:
    :mod:`desktop_app.store.postgres`); call :meth:`close` when done (or use as a context manager)."""

    def __init__(self, location: Location, *, backups_dir: Path | None = None, password: str | None = None) -> None:
        self.location: Location = location if is_shared(location) else Path(location)
        self.shared = is_shared(location)
        if self.shared:
            self.path = None
            self.backups_dir = backups_dir
            self._open_shared(str(location), password)
        else:
            self.path = Path(location)
            self.backups_dir = backups_dir or self.path.parent / "backups"
            self._open_file(self.path)

    def _open_file(self, path: Path) -> None:
        conn: SqliteConnection | None = None
        try:
            existed = path.exists() and path.stat().st_size > 0
            _create_private(path)
            conn = sqlite_connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
            self.conn: Connection = conn
            self.db: Any = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: the next pragmas may wait too
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate(existed)
            self.ensure_lead_indexes(wait=False)
            for suffix in ("-wal", "-shm"):
                side = Path(str(path) + suffix)
                if side.exists():
                    os.chmod(side, 0o600)
        except BaseException as exc:
            if conn is not None:  # a store that could not open keeps no connection behind (Python 3.13 warns)
                conn.close()
            if isinstance(exc, sqlite3.Error):
                raise translate(exc, f"open its database at {path}") from exc
            raise

    def _open_shared(self, url: str, password: str | None) -> None:
        from desktop_app.store import postgres

        conn = None
        with store_errors(f"open the shared database ({describe(url)})"):
            try:
                postgres.remember_password(url, password)
                conn = postgres.connect(url)
                self.conn = conn
                self.db = _SharedDatabase(conn)
                version = postgres.schema_version(conn)
                if version != SCHEMA_VERSION:
                    self._check_version(version)
                    with postgres.migration_lock(conn):
                        if postgres.schema_version(conn) < SCHEMA_VERSION:  # not done by another seat meanwhile
                            postgres.create_schema(conn, SCHEMA_VERSION)
                self.ensure_lead_indexes(wait=False)
            except BaseException:
                if conn is not None:
                    conn.close()
                raise

    def reopen(self) -> Store:
        """Another store on the same database, with a connection of its own (for another thread)."""
        return Store(self.location, backups_dir=self.backups_dir)

    @property
    def describe(self) -> str:
        """Where the database is, for the buyer's eyes (a shared database's URL without its password)."""
        return describe(self.location)

    @property
    def connection(self) -> Connection:
        """The open connection, for the store's own modules (:mod:`reports`, :mod:`lead_table`...) only."""
        return self.conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema --------------------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        if self.shared:
            from desktop_app.store import postgres

            return postgres.schema_version(self.conn)  # type: ignore[arg-type]
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, existed: bool) -> None:
        """Bring the schema up to date. The version is read again once this connection holds the write lock, so
        of several processes opening one new (or old) database at once, one migrates and the others find it done.
        """
        version = self._check_version()
        if version == SCHEMA_VERSION:
            return
        if existed and version > 0:
            self._backup(version)
        # Another process may be migrating a big database (minutes for millions of leads): wait for it, boundedly.
        self.db.execute(f"PRAGMA busy_timeout={MIGRATION_WAIT_MS}")
        try:
            with self.transaction():
                version = self._check_version()
                for step, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                    migration(self.db)
                    self.db.execute(f"PRAGMA user_version = {step}")
        finally:
            self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def _check_version(self, version: int | None = None) -> int:
        version = self.version if version is None else version
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.describe} was written by a newer Leadcheck (schema {version}); update Leadcheck to open it."
            )
        return version

    def _backup(self, version: int) -> Path:
        """A consistent copy of the database in ``backups/`` through SQLite's backup API. Never a plain file copy:
        opening and closing the file outside SQLite would drop this process's locks on it (POSIX locks belong to
        the process), and another process would then take the WAL for unused and delete it under us."""
        assert self.path is not None and self.backups_dir is not None  # an SQLite file's backup
        self.backups_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        backup = self.backups_dir / f"{self.path.stem}-v{version}-{stamp}-{os.getpid()}.db"
        _create_private(backup)
        with contextlib.closing(sqlite3.connect(backup)) as target:
            self.db.conn.backup(target)
        return backup

    def set_cache_size(self, size: int) -> int:
        """Size this connection's page cache for a bulk write (SQLite's ``cache_size``: negative for KiB, positive
        for pages); returns the previous value, to restore."""
        if self.shared:
            return size  # PostgreSQL's cache is the server's
        previous = int(self.db.execute("PRAGMA cache_size").fetchone()[0])
        self.db.execute(f"PRAGMA cache_size = {int(size)}")
        return previous

    def missing_lead_indexes(self) -> list[str]:
        """Names of the :data:`LEAD_INDEXES` the database lacks (none, unless an import is running or was killed)."""
        present = {row[0] for row in self.conn.execute(self.conn.dialect.index_names("leads"))}
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
        if self.shared:  # PostgreSQL builds an index beside the writers (they wait only for its last moment)
            for name in missing:
                self.conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON leads({LEAD_INDEXES[name]})")
                created.append(name)
            return created
        if not wait:
            self.db.execute("PRAGMA busy_timeout=0")
        # SQLite sorts each index's keys with helper threads (a million leads' six indexes: 3.6–3.9 s → 2.8–3.1 s
        # on two cores); 0, its default, again afterwards
        self.db.execute(f"PRAGMA threads={sorter_threads()}")
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
            self.db.execute("PRAGMA threads=0")
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
    def transaction(self) -> Iterator[Connection]:
        conn = self.conn
        conn.begin_write()
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- suppression ---------------------------------------------------------------------------------------

    def add_suppression(self, entries: Iterable[tuple[str, str, str, str]]) -> int:
        """Add (kind, value, reason, source) rows; existing ones are kept. Returns how many were new."""
        with store_errors("save the suppression list"), self.transaction() as conn:
            return evidence.add_suppression(conn, list(entries), utcnow())

    def suppression(self) -> list[dict[str, Any]]:
        cursor = self.db.execute("SELECT kind, value, reason, source, added_at FROM suppression ORDER BY id")
        cols = [c[0] for c in cursor.description]
        return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]

    # -- audit log -----------------------------------------------------------------------------------------

    def log(self, action: str, detail: Mapping[str, Any] | str = "") -> None:
        text = detail if isinstance(detail, str) else _json(detail)
        with self.transaction() as conn:
            conn.execute("INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)", (utcnow(), action, text))
