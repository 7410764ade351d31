"""Batch persistence on the :class:`~desktop_app.store.db.Store`'s connection.

Tables (schema step ``_v2`` in :mod:`desktop_app.store.db`)::

    batches          one row per batch: vendors, whether answered pairs are re-checked, status, the concurrency
                     it last ran with (step ``_v4``)
    batch_items      one row per lead × vendor: pending → in_flight → done | failed, or cached

Crash safety lives here: :meth:`BatchStore.start_call` claims the call (:mod:`desktop_app.store.claims`) and
commits the item in flight before a paid call is sent, and :meth:`BatchStore.complete_item` stores the check, the
lead's latest flag, any litigator suppression entry, the item's new state and the claim's release in one
transaction. A process killed between the two leaves the item ``in_flight``; :meth:`BatchStore.reopen` puts such
items back to ``pending`` (they are sent again: the first call may or may not have reached the vendor, and without
its answer there is nothing to show the buyer); its claim is stale and the next seat takes it over.

Every method runs on the caller's thread with the Store's connection: call them from the asyncio loop, or,
for a batch run with a writer thread, from that thread only, through a Store (connection) of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.store import claims, evidence
from desktop_app.store.backend import Connection
from desktop_app.store.db import Store
from desktop_app.store.errors import store_errors
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.store.links import link_answer
from desktop_app.vendors.results import CheckResult, utcnow

ITEM_STATES = ("pending", "in_flight", "done", "failed", "cached")
FINISHED_STATES = ("done", "failed", "cached")
RESUMABLE_STATUSES = ("pending", "running", "paused", "stopped", "interrupted")
SQL_CHUNK = 500  # stays far below SQLite's bound-parameter limit


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _chunks(values: Sequence[Any], size: int = SQL_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class StartedCall:
    """What :meth:`BatchStore.start_call` found: ``claimed`` (send it), ``answered`` (another seat's answer, now
    this item's: ``check_id``, ``flag``) or ``held`` (``holder``, another seat, is making the call now)."""

    outcome: str
    check_id: int | None = None
    flag: str | None = None
    holder: str | None = None


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
    concurrency: dict[str, int] = field(default_factory=dict)  # vendor -> parallel calls of its last run, if any

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
    def conn(self) -> Connection:
        return self.store.conn

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, tuple(params))
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

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
                "VALUES (?, ?, ?, ?, 'pending', ?, ?) RETURNING id",
                (name, import_id, _json(list(vendors)), int(recheck), now, now),
            )
            batch_id = int(cur.fetchone()[0])
            conn.executemany(
                "INSERT INTO batch_items (batch_id, lead_id, vendor, subject, state, updated_at) "
                "VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
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
            concurrency={str(v): int(n) for v, n in json.loads(row["concurrency"] or "{}").items()},
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

    def record_concurrency(self, batch_id: int, concurrency: Mapping[str, int]) -> None:
        """Remember the parallel calls per vendor a run of the batch uses (what a resume reuses by default)."""
        with store_errors("save the batch"), self.store.transaction() as conn:
            conn.execute(
                "UPDATE batches SET concurrency = ?, updated_at = ? WHERE id = ?",
                (_json({v: int(n) for v, n in concurrency.items()}), utcnow(), batch_id),
            )

    def reopen(self, batch_id: int) -> int:
        """Put items a killed run left ``in_flight`` back to ``pending``; returns how many (they are re-sent)."""
        with self.store.transaction() as conn:
            cur = conn.execute(
                "UPDATE batch_items SET state = 'pending', note = 'was in flight when the run stopped; sent again', "
                "updated_at = ? WHERE batch_id = ? AND state = 'in_flight'",
                (utcnow(), batch_id),
            )
            return int(cur.rowcount)

    def retry_failed(self, batch_id: int) -> int:
        """Put failed items back to ``pending`` (after fixing a key, say); returns how many."""
        with self.store.transaction() as conn:
            cur = conn.execute(
                "UPDATE batch_items SET state = 'pending', check_id = NULL, updated_at = ? "
                "WHERE batch_id = ? AND state = 'failed'",
                (utcnow(), batch_id),
            )
            return int(cur.rowcount)

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

    def pending_subjects(self, batch_id: int, vendor: str) -> list[tuple[int, int, str, dict[str, Any]]]:
        """(item id, lead id, subject, the lead's fields) of every pending item of one vendor."""
        fields = ", ".join(f"l.{f}" for f in LEAD_FIELDS)
        cursor = self.conn.execute(
            f"SELECT i.id, i.lead_id, i.subject, {fields} FROM batch_items i JOIN leads l ON l.id = i.lead_id "
            "WHERE i.batch_id = ? AND i.vendor = ? AND i.state = 'pending' ORDER BY i.id",
            (batch_id, vendor),
        )
        return [
            (int(row[0]), int(row[1]), str(row[2]), dict(zip(LEAD_FIELDS, row[3:], strict=True)))
            for row in cursor.fetchall()
        ]

    def mark_in_flight(self, item_id: int) -> None:
        """Committed before the call is sent, so a crash leaves evidence that this pair may have been paid for."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET state = 'in_flight', sends = sends + 1, updated_at = ? WHERE id = ?",
                (utcnow(), item_id),
            )

    def reopen_item(self, item_id: int, *, claim: tuple[str, str] | None = None) -> None:
        """Back to ``pending`` when the call was not made after all (its lane stopped first); ``claim``: the
        (vendor, call key) claimed for it, released."""
        with self.store.transaction() as conn:
            if claim is not None:
                claims.release(conn, *claim)
            conn.execute(
                "UPDATE batch_items SET state = 'pending', sends = CASE WHEN sends > 0 THEN sends - 1 ELSE 0 END, "
                "updated_at = ? WHERE id = ?",
                (utcnow(), item_id),
            )

    def mark_cached(self, entries: Iterable[tuple[int, int]]) -> None:
        """(item id, check id) pairs answered before: no call is made; the item points at the stored answer, and
        its lead is linked to that answer (it counts when it was made with the lead's data)."""
        with self.store.transaction() as conn:
            self._cache_items(conn, list(entries), utcnow())

    @staticmethod
    def _cache_items(conn: Connection, entries: list[tuple[int, int]], now: str) -> None:
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

    def fail_item(
        self, item_id: int, note: str, *, check_id: int | None = None, claim: tuple[str, str] | None = None
    ) -> None:
        """An item that ended without a call of its own (refused locally, or its duplicate's call failed);
        ``claim``: the (vendor, call key) claimed for it, released."""
        with self.store.transaction() as conn:
            if claim is not None:
                claims.release(conn, *claim)
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
        cost: float = 0.0,
        claim_key: str | None = None,
    ) -> int:
        """Store the check (linked to its leads, their flags and verdicts) with what the call cost, suppression
        entries and the item's state in ONE transaction; the call's claim (``claim_key``) goes in it too."""
        state = "done" if result.error is None else "failed"
        now = utcnow()
        with store_errors("save the result"), self.store.transaction() as conn:
            if claim_key is not None:  # in this transaction: other seats see the claim go and the answer come at once
                claims.release(conn, item.vendor, claim_key)
            check_id = Store.insert_check(conn, result, item.lead_id, item.batch_id, sent, cost=cost)
            conn.execute(
                "UPDATE batch_items SET state = ?, check_id = ?, updated_at = ? WHERE id = ?",
                (state, check_id, now, item.id),
            )
            if suppression:
                evidence.add_suppression(conn, list(suppression), now)
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
        by_call: bool = False,
    ) -> dict[str, tuple[int, str | None]]:
        """subject -> (newest completed check id, its flag) for subjects this vendor already answered; with
        ``by_call``, :func:`call_key` (subject and the data sent) -> the newest answer to that very call.

        Only calls that completed count (``error IS NULL``); ``since`` limits to answers newer than an ISO time;
        ``flags`` to answers with one of those flags.
        """
        return answered_on(self.conn, vendor, operation, subjects, since=since, flags=flags, by_call=by_call)

    # -- seats at once (see claims) ------------------------------------------------------------------------

    def release_claims(self) -> int:
        """Drop every claim this connection still holds (a run's end: calls cancelled mid-way); returns how many."""
        with store_errors("release the batch's claims"), self.store.transaction() as conn:
            cursor = conn.execute("DELETE FROM claims WHERE owner = ?", (claims.owner(conn),))
            return int(cursor.rowcount)

    def start_call(
        self,
        item: WorkItem,
        key: str,
        *,
        operation: str,
        since: str | None = None,
        flags: Sequence[str] | None = None,
    ) -> StartedCall:
        """In one transaction, before a paid call: if another seat stored the answer to this very call since the
        batch looked (``since``/``flags``: the batch's cache policy), the item is cached with it; if another seat
        is making the call now, nothing changes and the answer says who; else the call is claimed and the item
        marked in flight (committed, so a crash leaves evidence that the pair may have been paid for)."""
        now = utcnow()
        with store_errors("start the call"), self.store.transaction() as conn:
            holder = claims.claim(conn, item.vendor, key, batch_id=item.batch_id, seat=evidence.seat(), now=now)
            if holder is not None:
                return StartedCall("held", holder=holder)
            # looked for after claiming: an answer another seat stored before this claim is seen now (its claim
            # went in the same transaction as its answer)
            found = answered_on(conn, item.vendor, operation, [item.subject], since=since, flags=flags, by_call=True)
            if key in found:
                claims.release(conn, item.vendor, key)
                check_id, flag = found[key]
                self._cache_items(conn, [(item.id, check_id)], now)
                return StartedCall("answered", check_id=check_id, flag=flag)
            conn.execute(
                "UPDATE batch_items SET state = 'in_flight', sends = sends + 1, updated_at = ? WHERE id = ?",
                (now, item.id),
            )
            return StartedCall("claimed")


def answered_on(
    conn: Connection,
    vendor: str,
    operation: str,
    subjects: Iterable[str],
    *,
    since: str | None = None,
    flags: Sequence[str] | None = None,
    by_call: bool = False,
) -> dict[str, tuple[int, str | None]]:
    """:meth:`BatchStore.answered` through ``conn`` (inside a transaction, say)."""
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
    group = "subject, coalesce(sent, '')" if by_call else "subject"
    for part in _chunks(unique):
        sql = (
            "SELECT c.subject, c.sent, c.id, c.flag FROM checks c JOIN ("
            "SELECT max(id) AS id FROM checks WHERE vendor = ? AND operation = ? AND error IS NULL"
            f"{extra} AND subject IN ({', '.join('?' * len(part))}) GROUP BY {group}) m ON m.id = c.id"
        )
        for subject, sent, check_id, flag in conn.execute(sql, (vendor, operation, *tail, *part)):
            key = call_key(str(subject), json.loads(sent) if sent else None) if by_call else str(subject)
            found[key] = (int(check_id), flag)
    return found


KEY_SEPARATOR = "\x1f"


def call_key(subject: str, sent: Mapping[str, Any] | None) -> str:
    """What makes two calls the same call: the subject and the lead data sent with it (a litigator check sends
    nothing but the phone; a retain the email and phone matched against the certificate)."""
    return subject + KEY_SEPARATOR + json.dumps(dict(sent), sort_keys=True) if sent else subject
