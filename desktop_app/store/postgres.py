"""Team mode: the store on one PostgreSQL database that every seat points at (``LEADCHECK_DATABASE_URL``).

:class:`PgConnection` gives the store's modules the connection they know (``execute`` with ``?`` placeholders,
``executemany``, ``begin_write``, ``interrupt``, ``dialect``) over psycopg 3, so the same SQL runs on both engines
(:mod:`desktop_app.store.backend`). Imported only in team mode: psycopg costs a quarter of a second to import.

Seats write at the same time; what must happen one seat at a time takes one transaction-level advisory lock
(:data:`WRITE_LOCK`, :meth:`PgConnection.lock_writes`) as late in its transaction as it can: an evidence-log append
(the one chain), an import chunk (recognising rows another seat stored a moment before), the schema's creation.
Everything else relies on row locks, unique constraints and upserts (``ON CONFLICT``): a claim, a check's links, a
suppression entry. Reads never wait. A seat that dies mid-transaction loses only that transaction: the server
rolls it back and releases the lock. (Taking the lock at every write's start made four seats' batches wait on
each other: 11 × the floor in scripts/bench_team.py.)

The schema is the SQLite schema's final form (:data:`SCHEMA`, checked column for column against it by the tests),
created at once on an empty database; its version sits in ``leadcheck_meta``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus

from desktop_app.store.backend import POSTGRESQL, Dialect
from desktop_app.store.schema import CLAIMS_AND_COPIES, HASH_VERSION_STEP
from desktop_app.vendors.origins import is_loopback_host

CONNECT_TIMEOUT_S = 10
WRITE_WAIT_S = 60  # how long a write waits for another seat's write transaction (lock_timeout)
MIGRATION_WAIT_S = 600  # how long opening waits for another seat's schema creation
# The advisory lock every write transaction takes first; keyed by the schema, so that databases sharing a server
# (and the tests' schemas) do not wait on each other.
WRITE_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/leadcheck-writes', 0))"

# What libpq takes from the URL's query and keyword arguments, to keep the seat's connections bounded: a dead
# server or network is noticed by TCP keepalives within about a minute instead of never.
_KEEPALIVES = {"keepalives": "1", "keepalives_idle": "20", "keepalives_interval": "10", "keepalives_count": "3"}

_cursor_ids = itertools.count(1)
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%|\bLIKE\b")


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """The store's SQL in psycopg's form: ``?`` becomes ``%s`` and ``%`` is doubled (outside and inside literals,
    as psycopg reads both), and ``LIKE`` becomes ``ILIKE`` (SQLite's LIKE ignores the case of ASCII letters;
    PostgreSQL's does not)."""

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "?":
            return "%s"
        if text == "LIKE":
            return "ILIKE"
        return text.replace("%", "%%")

    return _TOKENS.sub(token, sql)


class _Number(Loader):
    """``numeric`` values (PostgreSQL's sum of integers, round(...)) as int when whole, else float, as SQLite
    gives them, instead of :class:`decimal.Decimal`."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode("ascii")
        if "." in text or "e" in text.lower() or "n" in text.lower():
            return float(text)
        return int(text)


def is_loopback(url: str) -> bool:
    """True for a server on this computer: a loopback address (the vendors' rule), or no host (libpq's socket)."""
    host = urlsplit(url).hostname or ""
    return not host or host.startswith("/") or is_loopback_host(host)


def is_plain(url: str) -> bool:
    """True when the URL lets libpq talk without TLS (sslmode disable, allow or prefer, the default)."""
    mode = dict(parse_qsl(urlsplit(url).query)).get("sslmode", "prefer")
    return mode in ("disable", "allow", "prefer")


def _with_defaults(url: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for key, value in {**_KEEPALIVES, "connect_timeout": str(CONNECT_TIMEOUT_S)}.items():
        query.setdefault(key, value)
    query.setdefault("application_name", "leadcheck")
    return urlunsplit(parts._replace(scheme="postgresql", query=urlencode(query)))


class PgConnection:
    """A psycopg connection in autocommit mode, speaking the store's SQL (see the module doc). Any thread may use
    it; psycopg serialises them."""

    dialect: Dialect = POSTGRESQL

    def __init__(self, url: str, *, password: str | None = None) -> None:
        kwargs: dict[str, Any] = {"autocommit": True}
        if password:
            kwargs["password"] = password
        self.url = url
        self.raw = psycopg.connect(_with_defaults(url), **kwargs)
        self.raw.adapters.register_loader("numeric", _Number)
        self.raw.execute(f"SET lock_timeout = '{WRITE_WAIT_S}s'")
        # A commit returns once the server has it, not once its disk has it: what SQLite's synchronous=NORMAL
        # gives the embedded store (a killed seat loses nothing it was told is stored; only the server's own
        # crash or power loss can lose its last fraction of a second, never the database's consistency). Waiting
        # for the disk inside the evidence log's lock made every seat's writes queue behind each flush.
        self.raw.execute("SET synchronous_commit = off")
        self._transactions = 0  # write transactions begun on this connection
        self._locked_in = -1  # the one of them that holds the write lock

    def execute(self, sql: str, parameters: Sequence[Any] | None = None, /) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        cursor.execute(translate(sql), tuple(parameters) if parameters is not None else ())
        return cursor

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        rows = [tuple(p) for p in parameters]
        if rows:
            cursor.executemany(translate(sql), rows)
        return cursor

    def stream(self, sql: str, parameters: Sequence[Any] | None = None, /) -> psycopg.ServerCursor[Any]:
        """A server-side cursor: a large result (every check, to verify them) arrives in pieces, not at once."""
        cursor = self.raw.cursor(name=f"leadcheck_{next(_cursor_ids)}", withhold=True)
        cursor.execute(translate(sql), tuple(parameters) if parameters is not None else ())
        return cursor

    def begin_write(self) -> None:
        """Start a write transaction. Other seats write at the same time (row locks, unique constraints and
        upserts keep them apart); what must happen one seat at a time takes :meth:`lock_writes` inside it."""
        self.raw.execute("BEGIN")
        self._transactions += 1

    def lock_writes(self) -> None:
        """Hold the store-wide write lock until this transaction ends: an evidence-log append (one chain: the
        next entry's number and previous hash), an import chunk (recognising rows another seat just stored), the
        schema's creation. Taken as late as possible, so that it is held for a few statements and the commit; a
        transaction that holds it already (a check's id, then its entry) does not ask the server again."""
        if self._locked_in == self._transactions and self.raw.info.transaction_status != TransactionStatus.IDLE:
            return
        self.raw.execute(WRITE_LOCK)
        self._locked_in = self._transactions

    def interrupt(self) -> None:
        """Stop the statement running on this connection (the lead table's stale reads)."""
        self.raw.cancel_safe(timeout=5)

    def close(self) -> None:
        self.raw.close()


_passwords: dict[str, str] = {}  # URL -> password from the keyring, for every connection this process opens


def remember_password(url: str, password: str | None) -> None:
    """Keep the database password (from the keyring) in memory for every connection to ``url`` this process opens:
    the window's readers and writer threads open their own."""
    if password:
        _passwords[url] = password


def connect(url: str, *, password: str | None = None) -> PgConnection:
    return PgConnection(url, password=password or _passwords.get(url))


@contextmanager
def migration_lock(conn: PgConnection) -> Iterator[None]:
    """Hold the write lock for schema work, waiting up to :data:`MIGRATION_WAIT_S` for another seat's."""
    conn.raw.execute(f"SET lock_timeout = '{MIGRATION_WAIT_S}s'")
    try:
        conn.begin_write()
        try:
            conn.lock_writes()
            yield
        except BaseException:
            conn.raw.execute("ROLLBACK")
            raise
        else:
            conn.raw.execute("COMMIT")
    finally:
        conn.raw.execute(f"SET lock_timeout = '{WRITE_WAIT_S}s'")


def schema_version(conn: PgConnection) -> int:
    exists = conn.execute("SELECT to_regclass('leadcheck_meta') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT value FROM leadcheck_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row is not None else 0


def create_schema(conn: PgConnection, version: int) -> None:
    """Create every table and index (the first team-mode schema, then each later step) inside the caller's write
    transaction, or bring an older team database up to ``version`` with the steps it lacks."""
    current = schema_version(conn)
    if current == 0:
        for statement in SCHEMA:
            conn.raw.execute(statement)
        current = FIRST_VERSION
    for step in range(current + 1, version + 1):
        for statement in STEPS[step]:
            conn.raw.execute(statement)
    conn.raw.execute(
        "INSERT INTO leadcheck_meta (key, value) VALUES ('schema_version', %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(version),),
    )


_ID = "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
FIRST_VERSION = 7  # the SQLite schema version :data:`SCHEMA` matches; later versions are :data:`STEPS`

# The SQLite schema's final form (desktop_app.store.schema), in PostgreSQL's types: INTEGER -> bigint, REAL ->
# double precision, BLOB -> bytea. Flags stay 0/1 integers, times ISO-8601 texts, JSON texts exactly as written
# (the evidence log hashes them as stored).
SCHEMA: tuple[str, ...] = (
    "CREATE TABLE leadcheck_meta (key text PRIMARY KEY, value text NOT NULL)",
    f"""CREATE TABLE leads (
        id {_ID},
        phone text, email text, cert_url text, leadid text, cs_cert_url text,
        first_name text, last_name text, address text, city text, state text, zip text,
        supplier text, cost text, extra text,
        source_file text, source_row bigint,
        flag_trustedform text, flag_jornaya text, flag_litigator text,
        flag_contactstate text, flag_consentcontrol text,
        checked_at text,
        created_at text NOT NULL, updated_at text NOT NULL,
        source text NOT NULL DEFAULT 'import',
        import_id bigint,
        row_key bytea,
        verdict text NOT NULL DEFAULT 'unchecked',
        purchased_at text
    )""",
    f"""CREATE TABLE checks (
        id {_ID},
        lead_id bigint REFERENCES leads(id),
        batch_id bigint,
        vendor text NOT NULL, operation text NOT NULL, subject text NOT NULL,
        flag text, summary text NOT NULL, details text NOT NULL,
        error text, error_kind text, http_status bigint,
        request text NOT NULL, response_body text,
        attempts bigint NOT NULL DEFAULT 0,
        started_at text NOT NULL, finished_at text NOT NULL,
        sent text,
        cost double precision NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX checks_vendor_time ON checks(vendor, finished_at)",
    "CREATE INDEX checks_subject ON checks(vendor, subject, operation, finished_at)",
    "CREATE INDEX checks_lead ON checks(lead_id, finished_at)",
    "CREATE INDEX checks_batch ON checks(batch_id)",
    f"""CREATE TABLE suppression (
        id {_ID},
        kind text NOT NULL CHECK (kind IN ('phone', 'email')),
        value text NOT NULL,
        reason text NOT NULL,
        source text NOT NULL,
        added_at text NOT NULL,
        UNIQUE (kind, value, reason)
    )""",
    f"CREATE TABLE audit_log (id {_ID}, at text NOT NULL, action text NOT NULL, detail text NOT NULL)",
    f"""CREATE TABLE imports (
        id {_ID},
        source_file text NOT NULL,
        encoding text, delimiter text, has_header bigint,
        mapping text NOT NULL DEFAULT '{{}}',
        status text NOT NULL DEFAULT 'running',
        rows_read bigint NOT NULL DEFAULT 0,
        leads_created bigint NOT NULL DEFAULT 0,
        rows_recognised bigint NOT NULL DEFAULT 0,
        rows_refused bigint NOT NULL DEFAULT 0,
        warnings bigint NOT NULL DEFAULT 0,
        started_at text NOT NULL, finished_at text
    )""",
    f"""CREATE TABLE import_problems (
        id {_ID},
        import_id bigint NOT NULL REFERENCES imports(id),
        row_number bigint NOT NULL,
        severity text NOT NULL CHECK (severity IN ('refused', 'warning', 'recognised')),
        field text,
        reason text NOT NULL,
        raw text NOT NULL,
        lead_id bigint
    )""",
    "CREATE INDEX import_problems_import ON import_problems(import_id, row_number)",
    f"""CREATE TABLE batches (
        id {_ID},
        name text NOT NULL,
        import_id bigint REFERENCES imports(id),
        vendors text NOT NULL,
        recheck bigint NOT NULL DEFAULT 0,
        status text NOT NULL,
        stop_reason text,
        created_at text NOT NULL, started_at text, finished_at text, updated_at text NOT NULL,
        concurrency text
    )""",
    f"""CREATE TABLE batch_items (
        id {_ID},
        batch_id bigint NOT NULL REFERENCES batches(id),
        lead_id bigint NOT NULL REFERENCES leads(id),
        vendor text NOT NULL,
        subject text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'in_flight', 'done', 'failed', 'cached')),
        check_id bigint REFERENCES checks(id),
        sends bigint NOT NULL DEFAULT 0,
        note text,
        updated_at text NOT NULL,
        UNIQUE (batch_id, lead_id, vendor)
    )""",
    "CREATE INDEX batch_items_work ON batch_items(batch_id, vendor, state, id)",
    """CREATE TABLE check_leads (
        lead_id bigint NOT NULL REFERENCES leads(id),
        check_id bigint NOT NULL REFERENCES checks(id),
        counts bigint NOT NULL,
        PRIMARY KEY (lead_id, check_id)
    )""",
    "CREATE INDEX check_leads_check ON check_leads(check_id)",
    """CREATE TABLE evidence_log (
        seq bigint PRIMARY KEY,
        at text NOT NULL,
        kind text NOT NULL,
        ref bigint,
        seat text NOT NULL,
        content text,
        content_hash text NOT NULL,
        prev_hash text NOT NULL,
        entry_hash text NOT NULL
    )""",
    "CREATE INDEX evidence_log_ref ON evidence_log(kind, ref)",
    f"""CREATE TABLE reviews (
        id {_ID},
        lead_id bigint NOT NULL REFERENCES leads(id),
        reason text NOT NULL,
        seat text NOT NULL,
        at text NOT NULL
    )""",
    "CREATE INDEX reviews_lead ON reviews(lead_id, id)",
    "CREATE INDEX leads_supplier ON leads(supplier)",
    "CREATE INDEX leads_trustedform_due ON leads((coalesce(purchased_at, created_at)), id) "
    "WHERE cert_url IS NOT NULL AND flag_trustedform IS NULL",
    "CREATE INDEX leads_contactstate_due ON leads((coalesce(purchased_at, created_at)), id) "
    "WHERE cs_cert_url IS NOT NULL AND flag_contactstate IS NULL",
)


def table_columns(conn: PgConnection) -> dict[str, list[str]]:
    """table -> its columns in order (the schema test compares these with SQLite's)."""
    out: dict[str, list[str]] = {}
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    for table, column in rows:
        out.setdefault(str(table), []).append(str(column))
    return out


def _statements(script: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in script.split(";") if part.strip())


# Schema steps after :data:`FIRST_VERSION`, in PostgreSQL's spelling (the SQLite steps of the same number in
# desktop_app.store.schema make the same tables).
STEPS: dict[int, tuple[str, ...]] = {
    8: _statements(CLAIMS_AND_COPIES.replace("INTEGER", "bigint")),
    9: _statements(HASH_VERSION_STEP.replace("INTEGER", "bigint")),
}
