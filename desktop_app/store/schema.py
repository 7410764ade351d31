"""The database schema: linear migration steps, applied in order under ``PRAGMA user_version``.

A step is a function of the open database, run inside one ``BEGIN IMMEDIATE`` transaction by
:meth:`desktop_app.store.db.Store._migrate`, which re-reads the version once it holds the write lock: several
processes opening a new home at once each see the steps already taken and skip them.

Step 3 (issue 10) makes a lead one purchase: leads gain where they came from (``source``, ``import_id``), a
``row_key`` (the fingerprint of the row's cleaned contents, which is how an identical row imported again is
recognised) and the ``verdict``; checks are linked to every lead whose evidence they checked (``check_leads``,
``counts`` = the data sent was that lead's own); import problems may now be ``recognised`` rows.

Step 4 (issue 12) gives each batch the concurrency it last ran with. Step 8 (issue 16): claims and copies.
Step 9: evidence entries hash their time, kind, reference and seat.

A PostgreSQL database (team mode) is created in its final form instead (:mod:`desktop_app.store.postgres`), with
its own steps from 7 on; a test compares both engines' tables column for column.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlite_utils

from desktop_app.store.evidence import seal_existing_checks
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.store.links import rebuild_flags, row_key


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


def _v3(db: sqlite_utils.Database) -> None:
    """A lead is one purchase (issue 10): provenance, row fingerprint, verdict and check links. Nothing is dropped:
    each existing check is linked to the lead it was stored with, to every lead holding its subject (phone,
    certificate, token) and to every lead whose batch item used it (a cached answer), then every lead's flags and
    verdict are read again from its linked checks."""
    db.executescript(
        """
        ALTER TABLE leads ADD COLUMN source TEXT NOT NULL DEFAULT 'import';
        ALTER TABLE leads ADD COLUMN import_id INTEGER;
        ALTER TABLE leads ADD COLUMN row_key BLOB;
        ALTER TABLE leads ADD COLUMN verdict TEXT NOT NULL DEFAULT 'unchecked';
        UPDATE leads SET source = 'manual' WHERE source_file IS NULL;
        ALTER TABLE checks ADD COLUMN sent TEXT;

        CREATE TABLE check_leads (
            lead_id INTEGER NOT NULL REFERENCES leads(id),
            check_id INTEGER NOT NULL REFERENCES checks(id),
            counts INTEGER NOT NULL,
            PRIMARY KEY (lead_id, check_id)
        ) WITHOUT ROWID;
        CREATE INDEX check_leads_check ON check_leads(check_id);
        INSERT OR IGNORE INTO check_leads (lead_id, check_id, counts)
            SELECT lead_id, id, 1 FROM checks WHERE lead_id IS NOT NULL;
        INSERT OR IGNORE INTO check_leads (lead_id, check_id, counts)
            SELECT l.id, c.id, 1 FROM checks c JOIN leads l ON l.phone = c.subject WHERE c.vendor = 'litigator';
        INSERT OR IGNORE INTO check_leads (lead_id, check_id, counts)
            SELECT l.id, c.id, 1 FROM checks c JOIN leads l ON l.cert_url = c.subject WHERE c.vendor = 'trustedform';
        INSERT OR IGNORE INTO check_leads (lead_id, check_id, counts)
            SELECT l.id, c.id, 1 FROM checks c JOIN leads l ON l.leadid = c.subject WHERE c.vendor = 'jornaya';
        INSERT OR IGNORE INTO check_leads (lead_id, check_id, counts)
            SELECT l.id, c.id, 1 FROM checks c JOIN leads l ON l.cs_cert_url = c.subject
            WHERE c.vendor = 'contactstate';
        INSERT OR IGNORE INTO check_leads (lead_id, check_id, counts)
            SELECT i.lead_id, i.check_id, 1 FROM batch_items i JOIN checks c ON c.id = i.check_id;

        ALTER TABLE imports RENAME COLUMN leads_merged TO rows_recognised;
        CREATE TABLE import_problems_v3 (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports(id),
            row_number INTEGER NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('refused', 'warning', 'recognised')),
            field TEXT,
            reason TEXT NOT NULL,
            raw TEXT NOT NULL,
            lead_id INTEGER
        );
        INSERT INTO import_problems_v3 SELECT * FROM import_problems;
        DROP TABLE import_problems;
        ALTER TABLE import_problems_v3 RENAME TO import_problems;
        CREATE INDEX import_problems_import ON import_problems(import_id, row_number);
        """
    )
    rebuild_flags(db.conn)  # type: ignore[arg-type]  # the SQLite migrations run on SQLite only
    _fingerprint_leads(db)


def _fingerprint_leads(db: sqlite_utils.Database) -> None:
    """The row key of every imported lead, so that importing one of its files again is recognised."""
    fields = ", ".join(LEAD_FIELDS)
    cursor = db.conn.execute(f"SELECT id, {fields}, extra FROM leads WHERE source_file IS NOT NULL")
    while rows := cursor.fetchmany(10_000):
        db.conn.executemany(
            "UPDATE leads SET row_key = ? WHERE id = ?",
            [(row_key(row[1:-1], json.loads(row[-1]) if row[-1] else None), row[0]) for row in rows],
        )


def _v4(db: sqlite_utils.Database) -> None:
    """A batch remembers the concurrency it last ran with (JSON vendor -> parallel calls), so that resuming it
    without ``--concurrency`` sends no more calls at once than it did. NULL for batches from before."""
    db.execute("ALTER TABLE batches ADD COLUMN concurrency TEXT")


def _v5(db: sqlite_utils.Database) -> None:
    """The evidence log (issue 11, :mod:`desktop_app.store.evidence`): a chained entry per check and per change
    to the buyer's records. Every check stored before is sealed into it now, in stored order, and an entry says so.
    """
    db.executescript(
        """
        CREATE TABLE evidence_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            ref INTEGER,
            seat TEXT NOT NULL,
            content TEXT,
            content_hash TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            entry_hash TEXT NOT NULL
        );
        CREATE INDEX evidence_log_ref ON evidence_log(kind, ref);
        """
    )
    seal_existing_checks(db.conn)  # type: ignore[arg-type]


def _v6(db: sqlite_utils.Database) -> None:
    """Money and time (issue 15): what each check cost (0 for checks from before, for cached and refused ones),
    when a lead was bought (a lead-date column of its file; else its import time counts), reviewed hits."""
    db.executescript(
        """
        ALTER TABLE checks ADD COLUMN cost REAL NOT NULL DEFAULT 0;
        ALTER TABLE leads ADD COLUMN purchased_at TEXT;
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            lead_id INTEGER NOT NULL REFERENCES leads(id),
            reason TEXT NOT NULL,
            seat TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX reviews_lead ON reviews(lead_id, id);
        CREATE INDEX leads_supplier ON leads(supplier);
        CREATE INDEX leads_trustedform_due ON leads(coalesce(purchased_at, created_at), id)
            WHERE cert_url IS NOT NULL AND flag_trustedform IS NULL;
        CREATE INDEX leads_contactstate_due ON leads(coalesce(purchased_at, created_at), id)
            WHERE cs_cert_url IS NOT NULL AND flag_contactstate IS NULL;
        """
    )


def _v7(db: sqlite_utils.Database) -> None:
    """The supplier scorecards' covering index (see :data:`LEAD_INDEXES`): a GROUP BY over a million leads read
    the table in 2.7–3.4 s; over this index, 0.3 s."""
    db.execute(f"CREATE INDEX IF NOT EXISTS leads_scorecard ON leads({SCORECARD_COLUMNS})")


def _v8(db: sqlite_utils.Database) -> None:
    """Seats at once (issue 16). ``claims``: the call (vendor + :func:`~desktop_app.store.batches.call_key`) a seat
    is making right now, so another seat's batch waits for its answer instead of paying for it again; a claim
    whose owner is gone (a killed process, a dropped connection) is taken over. ``copies``: what ``leadcheck db
    copy`` already copied from which store (so running it again copies nothing new)."""
    db.executescript(CLAIMS_AND_COPIES)


# One text for both engines (desktop_app.store.postgres runs it too).
CLAIMS_AND_COPIES = """
    CREATE TABLE claims (
        vendor TEXT NOT NULL,
        call_key TEXT NOT NULL,
        batch_id INTEGER,
        seat TEXT NOT NULL,
        owner TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        PRIMARY KEY (vendor, call_key)
    );
    CREATE TABLE copies (
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        source_id INTEGER NOT NULL,
        target_id INTEGER NOT NULL,
        copied_at TEXT NOT NULL,
        PRIMARY KEY (source, kind, source_id)
    );
"""


def _v9(db: sqlite_utils.Database) -> None:
    """Evidence entries hash their time, kind, reference and seat too (``hash_version`` 2, see
    :func:`desktop_app.store.evidence.entry_hash`); the entries written before keep version 1 and verify as
    they did."""
    db.executescript(HASH_VERSION_STEP)


# One text for both engines (desktop_app.store.postgres runs it too).
HASH_VERSION_STEP = "ALTER TABLE evidence_log ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;"

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9]
SCHEMA_VERSION = len(MIGRATIONS)

# The lookup indexes of ``leads``. A large import drops them and builds them again at its end (much faster than
# updating them row by row); opening the database rebuilds any a kill left missing.
SCORECARD_COLUMNS = "supplier, verdict, flag_trustedform, flag_jornaya, flag_litigator, flag_contactstate, cost"
LEAD_INDEXES = {
    **{f"leads_{column}": column for column in ("phone", "email", "cert_url", "leadid", "cs_cert_url")},
    "leads_scorecard": SCORECARD_COLUMNS,  # covers the supplier scorecards (store.ledger.suppliers)
}
