"""The two engines the store runs on, and the few SQL words in which they differ.

One person's store is an SQLite file (the default); a team's is one PostgreSQL database (team mode,
``LEADCHECK_DATABASE_URL``; :mod:`desktop_app.store.postgres`). Every store module writes one SQL text for both,
with ``?`` placeholders, and asks the connection's :class:`Dialect` (``conn.dialect``) for what the engines spell
differently: time arithmetic on the ISO-8601 texts the store keeps, a JSON member, a number in a text column.
Everything else is written in the SQL both engines accept (``INSERT ... ON CONFLICT DO NOTHING``,
``RETURNING id``, ``count(*) FILTER (WHERE ...)``, ``CASE`` instead of SQLite's two-argument ``max``).

A database location is either a :class:`~pathlib.Path` (an SQLite file) or a ``postgresql://`` URL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

Location = Path | str  # an SQLite file, or a postgresql:// URL (team mode)

URL_SCHEMES = ("postgresql", "postgres")


def is_shared(location: Location | None) -> bool:
    """True for a PostgreSQL URL (team mode), False for an SQLite file."""
    return isinstance(location, str) and urlsplit(location).scheme in URL_SCHEMES


def redact_url(url: str) -> str:
    """The URL without its password (for messages, logs, settings and exports)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def describe(location: Location) -> str:
    """Where a database is, for the buyer's eyes: the file, or the shared database's host and name."""
    if not is_shared(location):
        return str(location)
    parts = urlsplit(str(location))
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL {parts.hostname or 'localhost'}{port}{parts.path or ''}"


class Connection(Protocol):
    """What the store's modules use of a connection: SQLite's own (:class:`SqliteConnection`) or the PostgreSQL
    adapter (:class:`desktop_app.store.postgres.PgConnection`)."""

    dialect: Dialect

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...
    def begin_write(self) -> None: ...
    def lock_writes(self) -> None: ...
    def stream(self, sql: str, parameters: Any = ..., /) -> Any: ...
    def interrupt(self) -> None: ...
    def close(self) -> None: ...


class Dialect:
    """SQLite's spelling (the default); :class:`PostgresDialect` overrides what PostgreSQL spells otherwise."""

    name = "sqlite"
    label = "SQLite"

    def hours_between(self, later: str, earlier: str) -> str:
        """SQL: hours from ``earlier`` to ``later`` (two ISO-8601 text expressions)."""
        return f"((julianday({later}) - julianday({earlier})) * 24)"

    def iso_plus_hours(self, moment: str, hours: str) -> str:
        """SQL: the ISO-8601 text (milliseconds, ``Z``) of ``moment`` plus ``hours`` (a number expression)."""
        return f"strftime('%Y-%m-%dT%H:%M:%fZ', {moment}, '+' || ({hours}) || ' hours')"

    def json_text(self, column: str, key: str) -> str:
        """SQL: the member ``key`` of the JSON object in ``column``, as text."""
        return f"json_extract({column}, '$.{key}')"

    def json_is_true(self, column: str, key: str) -> str:
        """SQL condition: the member ``key`` of the JSON object in ``column`` is ``true``."""
        return f"(json_extract({column}, '$.{key}') = 1)"

    def number(self, text: str) -> str:
        """SQL: the text expression as a number (0 when it is not one, as SQLite's CAST gives)."""
        return f"CAST({text} AS REAL)"

    def identity_after_explicit_ids(self, table: str) -> str | None:
        """SQL to run after rows were inserted with ids of the caller's choosing (a bulk import takes its own), so
        that a later insert without an id gets a new one; None when the engine needs nothing."""
        return None

    def index_names(self, table: str) -> str:
        """SQL: the names of ``table``'s indexes."""
        return f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}'"

    def literal(self, value: str | int) -> str:
        """SQL: ``value`` (text without NUL characters, or an integer) as a literal."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(int(value))
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError(f"not a text or integer literal: {value!r}")
        return "'" + value.replace("'", "''") + "'"


class PostgresDialect(Dialect):
    name = "postgresql"
    label = "PostgreSQL"

    def hours_between(self, later: str, earlier: str) -> str:
        return f"(extract(epoch FROM (({later})::timestamptz - ({earlier})::timestamptz)) / 3600.0)"

    def iso_plus_hours(self, moment: str, hours: str) -> str:
        return (
            f"to_char((({moment})::timestamptz + ({hours}) * interval '1 hour') AT TIME ZONE 'UTC', "
            '\'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\')'
        )

    def json_text(self, column: str, key: str) -> str:
        return f"(({column})::jsonb ->> '{key}')"

    def json_is_true(self, column: str, key: str) -> str:
        return f"((({column})::jsonb -> '{key}') = 'true'::jsonb)"

    def number(self, text: str) -> str:
        return (
            f"(CASE WHEN {text} ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$' "
            f"THEN CAST({text} AS double precision) ELSE 0 END)"
        )

    def identity_after_explicit_ids(self, table: str) -> str | None:
        return f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))"

    def index_names(self, table: str) -> str:
        return f"SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '{table}'"

    def literal(self, value: str | int) -> str:
        # An escape string, read the same whatever the server's standard_conforming_strings says about backslashes.
        text = super().literal(value)
        return text if isinstance(value, int) else "E" + text.replace("\\", "\\\\")


SQLITE = Dialect()
POSTGRESQL = PostgresDialect()


class SqliteConnection(sqlite3.Connection):
    """SQLite's connection with the store's dialect and write transaction (``sqlite3.connect(factory=...)``)."""

    dialect: Dialect = SQLITE

    def begin_write(self) -> None:
        """Start a write transaction holding SQLite's write lock (other writers wait their turn)."""
        self.execute("BEGIN IMMEDIATE")

    def lock_writes(self) -> None:
        """Hold the store-wide write lock until the transaction ends: SQLite's write transaction holds it already."""

    def stream(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        """A cursor to read a large result in pieces (``fetchmany``) beside other statements on this connection."""
        return self.cursor().execute(sql, parameters)


def sqlite_connect(path: Path | str, *, timeout: float = 5.0, autocommit: bool = True) -> SqliteConnection:
    """An SQLite connection of the store's kind: any thread may use it; transactions are the store's own."""
    if autocommit:
        return sqlite3.connect(
            path, timeout=timeout, isolation_level=None, check_same_thread=False, factory=SqliteConnection
        )
    return sqlite3.connect(path, timeout=timeout, check_same_thread=False, factory=SqliteConnection)
