"""Reading (or editing) a test's database from outside Leadcheck, as another program would: SQLite's own module on
the file, psycopg on a PostgreSQL schema. The SQL must be portable (``?`` placeholders)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from desktop_app.store.backend import Location


def query(
    database: Location, sql: str, parameters: tuple[Any, ...] = (), *, read_only: bool = False
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (none for a statement that returns none); a write is committed. ``read_only`` on an
    SQLite file never creates it (for reading while another process may be creating it)."""
    if isinstance(database, Path):
        target = f"file:{database}?mode=ro" if read_only else str(database)
        with contextlib.closing(sqlite3.connect(target, uri=read_only, timeout=5)) as conn, conn:
            return conn.execute(sql, parameters).fetchall()
    import psycopg

    with psycopg.connect(database, autocommit=True) as pg:
        cursor = pg.execute(sql.replace("?", "%s"), parameters)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
