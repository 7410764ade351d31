"""The store's error tree, and the one place SQLite's errors are turned into it (as qutebrowser's ``misc/sql.py``
does): what is wrong with the buyer's machine is told in their words; anything else is our bug, said so.

::

    StoreError (LeadcheckError)      the database could not be read or written
    ├── NewerSchemaError              the file was written by a newer Leadcheck
    ├── DatabaseUnavailable           the machine: disk full, read-only or damaged file, no access, busy too long
    ├── QueryInterrupted              a read was stopped on purpose (a newer filter replaced it)
    └── StoreBug                      anything else: a fault in Leadcheck, reported with the SQLite message
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from desktop_app.vendors.errors import LeadcheckError


class StoreError(LeadcheckError):
    """The database could not be read or written."""


class NewerSchemaError(StoreError):
    """The database was created by a newer version of Leadcheck."""


class DatabaseUnavailable(StoreError):
    """The buyer's machine refused: the disk is full, the file is read-only, damaged, not reachable or busy."""


class QueryInterrupted(StoreError):
    """A read was interrupted on purpose."""


class StoreBug(StoreError):
    """An error that only a fault in Leadcheck explains (bad SQL, a broken constraint)."""


# SQLite's primary result codes (the low byte of an extended code) for the buyer's environment.
_ENVIRONMENT = {
    "SQLITE_FULL": "the disk is full; free some space and try again",
    "SQLITE_READONLY": "the database file is read-only; check its permissions",
    "SQLITE_PERM": "the operating system refused access to the database file",
    "SQLITE_CANTOPEN": "the database file could not be opened; check that its folder exists and is writable",
    "SQLITE_IOERR": "the disk reported an error while reading or writing the database",
    "SQLITE_CORRUPT": "the database file is damaged; restore the latest copy from its backups folder",
    "SQLITE_NOTADB": "the file is not a Leadcheck database",
    "SQLITE_BUSY": "another Leadcheck window or command kept the database busy for too long; try again",
    "SQLITE_LOCKED": "another Leadcheck window or command kept the database busy for too long; try again",
}
_PRIMARY = {getattr(sqlite3, name): name for name in _ENVIRONMENT if hasattr(sqlite3, name)}


def is_database_error(exc: BaseException) -> bool:
    """An error of either engine's driver (SQLite's, or psycopg's in team mode; psycopg is not imported here:
    it is loaded only in team mode)."""
    return isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg")


def _translate_postgres(exc: Exception, doing: str) -> StoreError:
    import psycopg
    from psycopg import errors as pg

    # psycopg's message names the host and port, never the password; the first line is the server's reason.
    reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
    if isinstance(exc, pg.QueryCanceled) and not isinstance(exc, pg.LockNotAvailable):
        if "statement timeout" not in reason:
            return QueryInterrupted(f"Leadcheck stopped reading to {doing}.")
    if isinstance(exc, pg.LockNotAvailable):
        return DatabaseUnavailable(
            f"Leadcheck could not {doing}: another seat kept the shared database busy for too long; try again."
        )
    if isinstance(exc, pg.InsufficientPrivilege):
        return DatabaseUnavailable(
            f"Leadcheck could not {doing}: the shared database refused this user ({reason}); ask whoever runs it "
            "to grant the Leadcheck user access."
        )
    if isinstance(exc, pg.ReadOnlySqlTransaction):
        return DatabaseUnavailable(
            f"Leadcheck could not {doing}: the shared database is read-only (a standby?); point Leadcheck at the "
            "primary server."
        )
    if isinstance(exc, pg.DiskFull | pg.InsufficientResources | pg.OutOfMemory):
        return DatabaseUnavailable(f"Leadcheck could not {doing}: the database server is out of space ({reason}).")
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return DatabaseUnavailable(
            f"Leadcheck could not {doing}: the shared database could not be reached ({reason}); check the "
            "network, the server and Settings → Database."
        )
    return StoreBug(f"Leadcheck could not {doing} because of a fault in Leadcheck ({reason}); please report it.")


def translate(exc: Exception, doing: str) -> StoreError:
    """The store error for ``exc``; ``doing`` says what Leadcheck was doing ("save the result")."""
    if not isinstance(exc, sqlite3.Error):
        return _translate_postgres(exc, doing)
    code = getattr(exc, "sqlite_errorcode", None)
    name = _PRIMARY.get(code & 0xFF) if isinstance(code, int) else None
    if name is None and "interrupted" in str(exc):
        return QueryInterrupted(f"Leadcheck stopped reading to {doing}.")
    if name is None and isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        name = "SQLITE_BUSY"
    if name is not None:
        return DatabaseUnavailable(f"Leadcheck could not {doing}: {_ENVIRONMENT[name]}.")
    return StoreBug(f"Leadcheck could not {doing} because of a fault in Leadcheck ({exc}); please report it.")


@contextmanager
def store_errors(doing: str) -> Iterator[None]:
    """Run a block of database work, raising its errors as :class:`StoreError` subclasses."""
    try:
        yield
    except Exception as exc:
        if not is_database_error(exc):
            raise
        raise translate(exc, doing) from exc
