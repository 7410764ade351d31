"""Whether a database can be reached, and what is in it, in the buyer's words: ``leadcheck db test`` and the Test
button of Settings → Database.

:func:`probe` connects, reads the schema version and closes again: it creates nothing (an empty database is set up
by the first seat that opens it). Its messages name the database by :func:`~desktop_app.store.backend.describe`
(host, port and database; never the password) and give the driver's reason through the store's error words
(:func:`~desktop_app.store.errors.translate`). :func:`tls_warning` is the warning for a shared database reached
without TLS over the network.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from desktop_app.store.backend import Location, describe, is_shared
from desktop_app.store.errors import is_database_error, translate
from desktop_app.store.schema import SCHEMA_VERSION

TLS_WARNING = (
    "The connection is not encrypted: the database password and every lead would cross the network in clear. "
    "Add ?sslmode=require (or sslmode=verify-full with the server's certificate) to the address."
)


@dataclass(frozen=True)
class Probe:
    """How :func:`probe` went: ``reached``; ``version`` (0: an empty database; None: not reached); the outcome in
    words; ``warning`` (the TLS warning, or None)."""

    reached: bool
    where: str
    engine: str
    version: int | None
    message: str
    warning: str | None = None

    @property
    def usable(self) -> bool:
        """Reached, and holding nothing newer than this Leadcheck understands."""
        return self.reached and self.version is not None and self.version <= SCHEMA_VERSION


def tls_warning(url: str) -> str | None:
    """:data:`TLS_WARNING` when ``url`` reaches a host other than this computer without TLS, else None."""
    from desktop_app.store import postgres

    return TLS_WARNING if postgres.is_plain(url) and not postgres.is_loopback(url) else None


def describe_version(version: int) -> str:
    """What a schema version means for this Leadcheck, in words."""
    if version == 0:
        return "the database is empty; Leadcheck will set it up when a seat first opens it"
    if version > SCHEMA_VERSION:
        return f"it was set up by a newer Leadcheck (schema {version}); update Leadcheck on this computer to use it"
    if version < SCHEMA_VERSION:
        return (
            f"a Leadcheck database (schema {version}); Leadcheck brings it up to schema {SCHEMA_VERSION} when it "
            "opens it"
        )
    return f"a Leadcheck database (schema {version}, this Leadcheck's)"


def probe(location: Location, *, password: str | None = None) -> Probe:
    """Connect to ``location`` (a ``postgresql://`` URL, or an SQLite file) and read its schema version."""
    if not is_shared(location):
        return _probe_file(Path(location))
    from desktop_app.store import postgres

    url = str(location)
    where = describe(url)
    warning = tls_warning(url)
    try:
        with contextlib.closing(postgres.connect(url, password=password)) as conn:
            version = postgres.schema_version(conn)
    except Exception as exc:
        if not is_database_error(exc):
            raise
        reason = str(translate(exc, f"reach {where}"))
        return Probe(False, where, "PostgreSQL", None, reason, warning)
    return Probe(True, where, "PostgreSQL", version, f"Reached {where}: {describe_version(version)}.", warning)


def _probe_file(path: Path) -> Probe:
    import sqlite3

    where = str(path)
    if not path.exists():
        return Probe(True, where, "SQLite", 0, f"{where} does not exist yet; Leadcheck creates it when it starts.")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as exc:
        return Probe(False, where, "SQLite", None, str(translate(exc, f"read {where}")))
    return Probe(True, where, "SQLite", version, f"Read {where}: {describe_version(version)}.")
