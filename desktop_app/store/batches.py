"""Batch and CSV-import persistence on the :class:`~desktop_app.store.db.Store`'s connection.

Tables (schema step ``_v2`` in :mod:`desktop_app.store.db`)::

    imports          one row per CSV import: file, detected format, confirmed mapping, counts, status
    import_problems  every row (or field) an import could not use, with the reason and the raw cells
    batches          one row per batch: vendors, whether answered pairs are re-checked, status
    batch_items      one row per lead × vendor: pending → in_flight → done | failed, or cached

Crash safety lives here: :meth:`BatchStore.mark_in_flight` commits before a paid call is sent, and
:meth:`BatchStore.complete_item` stores the check, the lead's latest flag, any litigator suppression entry and
the item's new state in one transaction. A process killed between the two leaves the item ``in_flight``;
:meth:`BatchStore.reopen` puts such items back to ``pending`` (they are sent again: the first call may or may
not have reached the vendor, and without its answer there is nothing to show the buyer).

Every method runs on the caller's thread with the Store's connection: call them from the asyncio loop, or,
for a batch run with a writer thread, from that thread only, through a Store (connection) of its own.
"""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.store.db import Store
from desktop_app.store.errors import store_errors
from desktop_app.store.links import link_answer
from desktop_app.store.schema import LEAD_FIELDS
from desktop_app.vendors.base import CheckResult, utcnow

ITEM_STATES = ("pending", "in_flight", "done", "failed", "cached")
FINISHED_STATES = ("done", "failed", "cached")
RESUMABLE_STATUSES = ("pending", "running", "paused", "stopped", "interrupted")
SQL_CHUNK = 500  # stays far below SQLite's bound-parameter limit

# Lead columns an import writes, in this order (``extra`` holds the unmapped columns as JSON).
IMPORT_COLUMNS = (
    *LEAD_FIELDS,
    "extra",
    "source_file",
    "source_row",
    "created_at",
    "updated_at",
    "import_id",
    "row_key",
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _chunks(values: Sequence[Any], size: int = SQL_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class ImportProblemRow:
    """A row (or one field of it) an import could not use. ``raw`` is the row's cells as read."""

    row_number: int
    # "refused" (the row was not imported), "warning" (imported without the bad field) or "recognised" (the same
    # purchase as a stored lead: nothing was added)
    severity: str
    reason: str
    raw: list[str]
    field: str | None = None
    lead_id: int | None = None


@dataclass
class ImportChunk:
    """One transaction's worth of import work: new lead rows (lists in :data:`IMPORT_COLUMNS` order plus an id
    slot), rows recognised as a purchase already seen (row number, lead id, or ``-pid`` of a new lead of this
    chunk, which :meth:`BatchStore.write_import_chunk` resolves) and problems."""

    new_leads: list[list[Any]] = field(default_factory=list)
    recognised: list[tuple[int, int]] = field(default_factory=list)
    problems: list[ImportProblemRow] = field(default_factory=list)
    rows_read: int = 0
    touch: list[int] = field(default_factory=list)  # the lead each used row went to (importer's references)
    first_pid: int = 0  # the importer's number for the first new lead
    # The IMPORT_COLUMNS a new lead may have a value in; the others are left NULL without binding a parameter
    # each (sqlite3 binds None through its adapter lookup: half the cost of a bulk insert).
    columns: tuple[str, ...] = IMPORT_COLUMNS


@dataclass(frozen=True)
class BatchInfo:
    """A batch as stored, with its items counted by state."""

    id: int
    name: str
    import_id: int | None
    vendors: tuple[str, ...]
    recheck: bool
    status: str
    stop_reason: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    counts: dict[str, dict[str, int]]  # vendor -> state -> n

    def count(self, state: str, vendor: str | None = None) -> int:
        vendors = [vendor] if vendor else list(self.counts)
        return sum(self.counts.get(v, {}).get(state, 0) for v in vendors)

    @property
    def total(self) -> int:
        return sum(sum(states.values()) for states in self.counts.values())

    @property
    def remaining(self) -> int:
        return self.count("pending") + self.count("in_flight")


@dataclass(frozen=True)
class WorkItem:
    """One lead × vendor pair to check, with the lead fields the vendor call needs."""

    id: int
    batch_id: int
    lead_id: int
    vendor: str
    subject: str
    state: str
    lead: Mapping[str, Any]


class BatchStore:
    """Reads and writes imports, batches and batch items through ``store``'s connection."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.db.conn

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, tuple(params))
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    # -- imports -------------------------------------------------------------------------------------------

    def start_import(
        self, source_file: str, *, encoding: str, delimiter: str, has_header: bool, mapping: Mapping[str, Any]
    ) -> int:
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO imports (source_file, encoding, delimiter, has_header, mapping, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (source_file, encoding, delimiter, int(has_header), _json(mapping), utcnow()),
            )
            return int(cur.lastrowid or 0)

    def lead_keys(self) -> Iterator[tuple[int, str | None, str | None, str | None]]:
        """(id, row_key, cert_url, leadid) of every stored lead: what an import recognises a purchase by."""
        return self.lead_keys_on(self.conn)

    @staticmethod
    def lead_keys_on(conn: sqlite3.Connection) -> Iterator[tuple[int, str | None, str | None, str | None]]:
        """:meth:`lead_keys` read through ``conn`` (another thread's connection of its own)."""
        cursor = conn.execute("SELECT id, row_key, cert_url, leadid FROM leads ORDER BY id")
        while rows := cursor.fetchmany(10_000):
            yield from rows

    def write_import_chunk(self, import_id: int, chunk: ImportChunk) -> list[int]:
        """Write one chunk in one transaction; returns the ids given to ``chunk.new_leads`` (in order).

        Each new lead is a list in :data:`IMPORT_COLUMNS` order plus a last slot for its id, filled here with ids
        taken inside the transaction (so another writer cannot take them in between). Only ``chunk.columns`` are
        written."""
        positions = [i for i, name in enumerate(IMPORT_COLUMNS) if name in chunk.columns]
        columns = [*(IMPORT_COLUMNS[i] for i in positions), "id"]
        insert = f"INSERT INTO leads ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        values = operator.itemgetter(*positions, len(IMPORT_COLUMNS))
        with store_errors("save the imported leads"), self.store.transaction() as conn:
            first = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM leads").fetchone()[0])
            ids = list(range(first, first + len(chunk.new_leads)))
            for lead_id, row in zip(ids, chunk.new_leads, strict=True):
                row[-1] = lead_id
            if chunk.new_leads:
                conn.executemany(insert, map(values, chunk.new_leads))
            # a recognised row of a lead new in this chunk refers to it as -pid: its id is known now
            chunk.recognised = [(row, ref if ref > 0 else ids[-ref - chunk.first_pid]) for row, ref in chunk.recognised]
            problems = chunk.problems + self._recognised(conn, chunk.recognised)
            if problems:
                conn.executemany(
                    "INSERT INTO import_problems (import_id, row_number, severity, field, reason, raw, lead_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (import_id, p.row_number, p.severity, p.field, p.reason, _json(p.raw), p.lead_id)
                        for p in problems
                    ],
                )
            refused = sum(1 for p in chunk.problems if p.severity == "refused")
            conn.execute(
                "UPDATE imports SET rows_read = rows_read + ?, leads_created = leads_created + ?, "
                "rows_recognised = rows_recognised + ?, rows_refused = rows_refused + ?, warnings = warnings + ? "
                "WHERE id = ?",
                (
                    chunk.rows_read,
                    len(chunk.new_leads),
                    len(chunk.recognised),
                    refused,
                    len(chunk.problems) - refused,
                    import_id,
                ),
            )
            chunk.problems = problems
        return ids

    @staticmethod
    def _recognised(conn: sqlite3.Connection, recognised: Sequence[tuple[int, int]]) -> list[ImportProblemRow]:
        """A ``recognised`` entry per row that was the same purchase as a stored lead, saying where it was first
        seen (file and row)."""
        out = []
        for row_number, lead_id in recognised:
            found = conn.execute("SELECT source_file, source_row FROM leads WHERE id = ?", (lead_id,)).fetchone()
            where = f"first seen in {found[0]}, row {found[1]}" if found and found[0] else "added by hand"
            reason = f"The same purchase as lead #{lead_id} ({where}); nothing new was added."
            out.append(ImportProblemRow(row_number, "recognised", reason, [], lead_id=lead_id))
        return out

    def finish_import(self, import_id: int, status: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE imports SET status = ?, finished_at = ? WHERE id = ?", (status, utcnow(), import_id))

    def import_info(self, import_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM imports WHERE id = ?", [import_id])
        if not rows:
            return None
        info = rows[0]
        info["mapping"] = json.loads(info["mapping"] or "{}")
        return info

    @staticmethod
    def iter_import_problems(conn: sqlite3.Connection, import_id: int) -> Iterator[tuple[Any, ...]]:
        """(row_number, severity, field, reason, raw cells) of every problem of an import, in row order, through
        ``conn`` (a worker thread's connection of its own: an import may have a million)."""
        with store_errors("read the import's problems"):
            cursor = conn.execute(
                "SELECT row_number, severity, field, reason, raw FROM import_problems WHERE import_id = ? "
                "ORDER BY row_number, id",
                (import_id,),
            )
            while batch := cursor.fetchmany(5000):
                for row_number, severity, field_name, reason, raw in batch:
                    yield row_number, severity, field_name, reason, json.loads(raw)

    def lead_fields(self, lead_ids: Sequence[int]) -> Iterator[tuple[int, dict[str, Any]]]:
        """(id, {lead field: value}) for each stored lead of ``lead_ids`` (in chunks; missing ids are skipped)."""
        columns = ", ".join(("id", *LEAD_FIELDS))
        for part in _chunks(list(lead_ids)):
            rows = self.conn.execute(f"SELECT {columns} FROM leads WHERE id IN ({', '.join('?' * len(part))})", part)
            by_id = {int(row[0]): dict(zip(LEAD_FIELDS, row[1:], strict=True)) for row in rows}
            for lead_id in part:
                if lead_id in by_id:
                    yield lead_id, by_id[lead_id]

    def batch_lead_ids(self, batch_id: int) -> list[int]:
        """The distinct leads of a batch, in item order."""
        rows = self.conn.execute(
            "SELECT lead_id FROM batch_items WHERE batch_id = ? GROUP BY lead_id ORDER BY min(id)", (batch_id,)
        )
        return [int(r[0]) for r in rows]

    def import_problems(self, import_id: int, *, limit: int | None = None) -> list[ImportProblemRow]:
        sql = (
            "SELECT row_number, severity, reason, raw, field, lead_id FROM import_problems "
            "WHERE import_id = ? ORDER BY row_number, id"
        )
        params: list[Any] = [import_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            ImportProblemRow(
                row_number=r["row_number"],
                severity=r["severity"],
                reason=r["reason"],
                raw=json.loads(r["raw"]),
                field=r["field"],
                lead_id=r["lead_id"],
            )
            for r in self._rows(sql, params)
        ]

    # -- batches -------------------------------------------------------------------------------------------

    def create_batch(
        self,
        name: str,
        vendors: Sequence[str],
        items: Iterable[tuple[int, str, str]],
        *,
        recheck: bool = False,
        import_id: int | None = None,
    ) -> int:
        """A new batch with one pending item per (lead_id, vendor, subject); duplicates are ignored."""
        now = utcnow()
        with store_errors("save the batch"), self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO batches (name, import_id, vendors, recheck, status, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                (name, import_id, _json(list(vendors)), int(recheck), now, now),
            )
            batch_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT OR IGNORE INTO batch_items (batch_id, lead_id, vendor, subject, state, updated_at) "
                "VALUES (?, ?, ?, ?, 'pending', ?)",
                ((batch_id, lead_id, vendor, subject, now) for lead_id, vendor, subject in items),
            )
        return batch_id

    def batch(self, batch_id: int) -> BatchInfo | None:
        rows = self._rows("SELECT * FROM batches WHERE id = ?", [batch_id])
        if not rows:
            return None
        row = rows[0]
        counts: dict[str, dict[str, int]] = {v: {} for v in json.loads(row["vendors"])}
        for vendor, state, n in self.conn.execute(
            "SELECT vendor, state, count(*) FROM batch_items WHERE batch_id = ? GROUP BY vendor, state", (batch_id,)
        ):
            counts.setdefault(vendor, {})[state] = int(n)
        return BatchInfo(
            id=row["id"],
            name=row["name"],
            import_id=row["import_id"],
            vendors=tuple(json.loads(row["vendors"])),
            recheck=bool(row["recheck"]),
            status=row["status"],
            stop_reason=row["stop_reason"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            counts=counts,
        )

    def batches(self, *, limit: int = 50) -> list[BatchInfo]:
        ids = [int(r[0]) for r in self.conn.execute("SELECT id FROM batches ORDER BY id DESC LIMIT ?", (limit,))]
        return [b for i in ids if (b := self.batch(i)) is not None]

    def resumable(self) -> list[BatchInfo]:
        """Unfinished batches a crash (or a stop) left behind, newest first. Cancelled batches are not offered."""
        marks = ", ".join("?" * len(RESUMABLE_STATUSES))
        rows = self.conn.execute(
            f"SELECT b.id FROM batches b WHERE b.status IN ({marks}) AND EXISTS (SELECT 1 FROM batch_items i "
            "WHERE i.batch_id = b.id AND i.state IN ('pending', 'in_flight')) ORDER BY b.id DESC",
            RESUMABLE_STATUSES,
        ).fetchall()
        return [b for (i,) in rows if (b := self.batch(int(i))) is not None]

    def set_status(self, batch_id: int, status: str, *, stop_reason: str | None = None) -> None:
        now = utcnow()
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE batches SET status = ?, stop_reason = ?, updated_at = ?, "
                "started_at = CASE WHEN ? = 'running' THEN coalesce(started_at, ?) ELSE started_at END, "
                "finished_at = CASE WHEN ? IN ('done', 'cancelled', 'stopped') THEN ? ELSE NULL END WHERE id = ?",
                (status, stop_reason, now, status, now, status, now, batch_id),
            )

    def reopen(self, batch_id: int) -> int:
        """Put items a killed run left ``in_flight`` back to ``pending``; returns how many (they are re-sent)."""
        with self.store.transaction() as conn:
            cur = conn.execute(
                "UPDATE batch_items SET state = 'pending', note = 'was in flight when the run stopped; sent again', "
                "updated_at = ? WHERE batch_id = ? AND state = 'in_flight'",
                (utcnow(), batch_id),
            )
            return cur.rowcount

    def retry_failed(self, batch_id: int) -> int:
        """Put failed items back to ``pending`` (after fixing a key, say); returns how many."""
        with self.store.transaction() as conn:
            cur = conn.execute(
                "UPDATE batch_items SET state = 'pending', check_id = NULL, updated_at = ? "
                "WHERE batch_id = ? AND state = 'failed'",
                (utcnow(), batch_id),
            )
            return cur.rowcount

    # -- items ---------------------------------------------------------------------------------------------

    def pending_items(self, batch_id: int, vendor: str, *, after_id: int = 0, limit: int = 1000) -> list[WorkItem]:
        """The next pending items of one vendor's lane, in id order, with their lead's fields."""
        fields = ", ".join(f"l.{f}" for f in LEAD_FIELDS)
        cursor = self.conn.execute(
            f"SELECT i.id, i.lead_id, i.subject, i.state, {fields} FROM batch_items i JOIN leads l ON l.id = i.lead_id "
            "WHERE i.batch_id = ? AND i.vendor = ? AND i.state = 'pending' AND i.id > ? ORDER BY i.id LIMIT ?",
            (batch_id, vendor, after_id, limit),
        )
        items = []
        for row in cursor.fetchall():
            lead = dict(zip(LEAD_FIELDS, row[4:], strict=True))
            items.append(WorkItem(row[0], batch_id, row[1], vendor, row[2], row[3], lead))
        return items

    def pending_subjects(self, batch_id: int, vendor: str) -> list[tuple[int, int, str]]:
        """(item id, lead id, subject) of every pending item of one vendor."""
        cursor = self.conn.execute(
            "SELECT id, lead_id, subject FROM batch_items WHERE batch_id = ? AND vendor = ? AND state = 'pending' "
            "ORDER BY id",
            (batch_id, vendor),
        )
        return [(int(a), int(b), str(c)) for a, b, c in cursor.fetchall()]

    def mark_in_flight(self, item_id: int) -> None:
        """Committed before the call is sent, so a crash leaves evidence that this pair may have been paid for."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET state = 'in_flight', sends = sends + 1, updated_at = ? WHERE id = ?",
                (utcnow(), item_id),
            )

    def reopen_item(self, item_id: int) -> None:
        """Back to ``pending`` when the call was not made after all (its lane stopped first)."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET state = 'pending', sends = max(sends - 1, 0), updated_at = ? WHERE id = ?",
                (utcnow(), item_id),
            )

    def mark_cached(self, entries: Iterable[tuple[int, int]]) -> None:
        """(item id, check id) pairs answered before: no call is made; the item points at the stored answer, and
        its lead is linked to that answer (it counts when it was made with the lead's data)."""
        now = utcnow()
        entries = list(entries)
        with self.store.transaction() as conn:
            conn.executemany(
                "UPDATE batch_items SET state = 'cached', check_id = ?, updated_at = ? WHERE id = ?",
                ((check_id, now, item_id) for item_id, check_id in entries),
            )
            pairs: list[tuple[int, int]] = []
            for part in _chunks(entries):
                leads = dict(
                    conn.execute(
                        f"SELECT id, lead_id FROM batch_items WHERE id IN ({', '.join('?' * len(part))})",
                        [item_id for item_id, _ in part],
                    ).fetchall()
                )
                pairs.extend((leads[item_id], check_id) for item_id, check_id in part if item_id in leads)
            link_answer(conn, pairs)

    def fail_item(self, item_id: int, note: str, *, check_id: int | None = None) -> None:
        """An item that ended without a call of its own (refused locally, or its duplicate's call failed)."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET state = 'failed', note = ?, check_id = ?, updated_at = ? WHERE id = ?",
                (note, check_id, utcnow(), item_id),
            )

    def complete_item(
        self,
        item: WorkItem,
        result: CheckResult,
        *,
        sent: Mapping[str, Any] | None = None,
        suppression: Sequence[tuple[str, str, str, str]] = (),
    ) -> int:
        """Store the check (linked to its leads, their flags and verdicts), suppression entries and the item's
        state in ONE transaction."""
        state = "done" if result.error is None else "failed"
        now = utcnow()
        with store_errors("save the result"), self.store.transaction() as conn:
            check_id = Store.insert_check(conn, result, item.lead_id, item.batch_id, sent)
            if suppression:
                conn.executemany(
                    "INSERT OR IGNORE INTO suppression (kind, value, reason, source, added_at) VALUES (?, ?, ?, ?, ?)",
                    [(k, v, r, s, now) for k, v, r, s in suppression],
                )
            conn.execute(
                "UPDATE batch_items SET state = ?, check_id = ?, updated_at = ? WHERE id = ?",
                (state, check_id, now, item.id),
            )
        return check_id

    def items(self, batch_id: int, *, state: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM batch_items WHERE batch_id = ?"
        params: list[Any] = [batch_id]
        if state:
            sql += " AND state = ?"
            params.append(state)
        return self._rows(sql + " ORDER BY id", params)

    # -- "don't pay twice" ---------------------------------------------------------------------------------

    def answered(
        self,
        vendor: str,
        operation: str,
        subjects: Iterable[str],
        *,
        since: str | None = None,
        flags: Sequence[str] | None = None,
    ) -> dict[str, tuple[int, str | None]]:
        """subject -> (newest completed check id, its flag) for subjects this vendor already answered.

        Only calls that completed count (``error IS NULL``); ``since`` limits to answers newer than an ISO time;
        ``flags`` to answers with one of those flags.
        """
        found: dict[str, tuple[int, str | None]] = {}
        unique = list(dict.fromkeys(subjects))
        extra = ""
        tail: list[Any] = []
        if since:
            extra += " AND finished_at >= ?"
            tail.append(since)
        if flags is not None:
            extra += f" AND flag IN ({', '.join('?' * len(flags))})"
            tail.extend(flags)
        for part in _chunks(unique):
            sql = (
                "SELECT c.subject, c.id, c.flag FROM checks c JOIN ("
                "SELECT subject, max(id) AS id FROM checks WHERE vendor = ? AND operation = ? AND error IS NULL"
                f"{extra} AND subject IN ({', '.join('?' * len(part))}) GROUP BY subject) m ON m.id = c.id"
            )
            for subject, check_id, flag in self.conn.execute(sql, (vendor, operation, *tail, *part)):
                found[str(subject)] = (int(check_id), flag)
        return found
