"""What the store records and reads back about leads and checks: every check linked to its leads, each lead,
the lead table's pages, the consumer lookup and the verdicts. A mixin of :class:`~desktop_app.store.db.Store`,
which gives it ``db`` (the open database) and ``transaction()``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop_app.store import consumers, evidence, lead_table, ledger
from desktop_app.store.backend import Connection
from desktop_app.store.consumers import subject_variants
from desktop_app.store.errors import store_errors
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.store.links import link_check
from desktop_app.vendors.errors import CallError
from desktop_app.vendors.registry import SUBJECT_COLUMNS
from desktop_app.vendors.results import CheckResult, Flag, utcnow


@dataclass(frozen=True)
class StoredCheck:
    """A check as it was recorded: the result plus where it sits in the trail."""

    id: int
    lead_id: int | None
    batch_id: int | None
    result: CheckResult
    sent: dict[str, Any] | None = None  # the lead data the call carried (None for checks stored before v3)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class Records:
    """Checks, leads and their reads (see the module doc)."""

    db: Any  # sqlite-utils' Database, or its team-mode stand-in (store.db)
    conn: Connection

    def transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    # -- the lead table (see lead_table) ---------------------------------------------------------------------

    def first_lead_ids(self, query: lead_table.LeadQuery, limit: int) -> list[int]:
        return lead_table.first_ids(self.db.conn, query, limit)

    def lead_rows(self, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        """Id -> row (:data:`lead_table.ROW_COLUMNS`) for one page of the lead table."""
        with store_errors("read the leads"):
            return lead_table.fetch_rows(self.db.conn, ids)

    def latest_lead_answers(self, lead_ids: Sequence[int]) -> dict[tuple[int, str], tuple[str, str]]:
        with store_errors("read the leads' answers"):
            return lead_table.latest_answers(self.db.conn, lead_ids)

    # -- checks --------------------------------------------------------------------------------------------

    def record_check(
        self,
        result: CheckResult,
        *,
        lead_id: int | None = None,
        batch_id: int | None = None,
        sent: Mapping[str, Any] | None = None,
        cost: float = 0.0,
    ) -> int:
        """Store one check in one transaction, linked to its leads (see :mod:`desktop_app.store.links`): the lead
        it was made for and every lead holding its subject. ``sent``: the lead data the call carried (email,
        phone, names...), kept with the check; the check counts for a lead only when that data is the lead's.
        ``cost``: what the call was billed (0 for a free, failed or refused one)."""
        with store_errors("save the result"), self.transaction() as conn:
            return self.insert_check(conn, result, lead_id, batch_id, sent, cost=cost)

    @staticmethod
    def insert_check(
        conn: Connection,
        result: CheckResult,
        lead_id: int | None,
        batch_id: int | None,
        sent: Mapping[str, Any] | None,
        *,
        cost: float = 0.0,
    ) -> int:
        """Insert a check and link it to its leads inside the caller's transaction; returns its id."""
        row = Records._check_row(result, lead_id, batch_id, sent)
        row["cost"] = round(float(cost), 6) if cost else 0.0
        # the store-wide write lock before the id is taken: checks' ids then run in the evidence log's order (team
        # mode; verify walks both in step)
        conn.lock_writes()
        cur = conn.execute(
            f"INSERT INTO checks ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) RETURNING id",
            tuple(row.values()),
        )
        check_id = int(cur.fetchone()[0])
        link_check(conn, check_id, result, sent, lead_id)
        evidence.append(conn, "check", evidence.check_content({**row, "id": check_id}), ref=check_id)
        return check_id

    @staticmethod
    def _check_row(
        result: CheckResult, lead_id: int | None, batch_id: int | None, sent: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
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
            "sent": _json(dict(sent)) if sent is not None else None,
        }

    # -- deadlines, costs, suppliers, returns, reviews (see ledger) -------------------------------------------

    def deadlines(
        self, now: datetime, *, retain_hours: float = 72.0, expiry_days: float = 30.0, limit: int | None = None
    ) -> list[Any]:
        with store_errors("read the deadlines"):
            return ledger.deadlines(self.db.conn, now, retain_hours=retain_hours, expiry_days=expiry_days, limit=limit)

    def costs(self, by: str = "vendor") -> list[dict[str, Any]]:
        with store_errors("read the costs"):
            return ledger.costs(self.db.conn, by)

    def supplier_scorecards(self) -> list[dict[str, Any]]:
        with store_errors("read the suppliers"):
            return ledger.suppliers(self.db.conn)

    def returnable(self, windows: Mapping[str, float] | None = None, *, supplier: str | None = None) -> list[Any]:
        with store_errors("read the returnable leads"):
            return ledger.returnable(self.db.conn, windows, supplier=supplier)

    def review(self, lead_id: int, reason: str) -> int:
        """Mark a lead's red verdict reviewed with a reason (logged in the evidence log)."""
        with store_errors("save the review"), self.transaction() as conn:
            return ledger.review(conn, lead_id, reason, utcnow())

    def reviews(self, lead_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        with store_errors("read the reviews"):
            return ledger.reviews(self.db.conn, lead_ids)

    # -- the evidence log (see evidence) ------------------------------------------------------------------------

    def evidence_head(self) -> evidence.Head:
        """The evidence log's length and head hash (shown in every export and packet)."""
        with store_errors("read the evidence log"):
            return evidence.head(self.db.conn)

    def log_event(self, kind: str, detail: Mapping[str, Any], *, ref: int | None = None) -> evidence.Head:
        """Record something the buyer did (an export, a settings change...) in the evidence log, in a transaction
        of its own."""
        with store_errors("write the evidence log"), self.transaction() as conn:
            return evidence.log_event(conn, kind, detail, ref=ref)

    def verify(self, *, on_progress: Callable[[int, int], None] | None = None) -> evidence.Verification:
        """Recompute the evidence log and every stored check against it (see :func:`evidence.verify`)."""
        with store_errors("verify the evidence log"):
            return evidence.verify(self.db.conn, on_progress=on_progress)

    def purge_checks(self, before: str, *, reason: str) -> int:
        """Remove checks that finished before ``before`` (ISO time); only after the buyer confirmed. See
        :func:`evidence.purge_checks`."""
        with store_errors("purge old checks"), self.transaction() as conn:
            return evidence.purge_checks(conn, before, reason=reason)

    def count_checks_before(self, before: str) -> int:
        with store_errors("count old checks"):
            return int(self.db.execute("SELECT count(*) FROM checks WHERE finished_at < ?", [before]).fetchone()[0])

    def check_records(self, check_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The stored rows of these checks exactly as stored (the evidence log's content for each), in id order."""
        ids = sorted(set(check_ids))
        out: list[dict[str, Any]] = []
        columns = ", ".join(evidence.VERIFY_COLUMNS)
        with store_errors("read the checks"):
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                rows = self.db.execute(
                    f"SELECT {columns} FROM checks WHERE id IN ({', '.join('?' * len(part))}) ORDER BY id", part
                ).fetchall()
                out.extend(dict(zip(evidence.VERIFY_COLUMNS, row, strict=True)) for row in rows)
        return out

    def evidence_for_checks(self, check_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """check id -> (entry number, entry hash) in the evidence log."""
        with store_errors("read the evidence log"):
            return evidence.entries_for_checks(self.db.conn, list(check_ids))

    def check_seats(self, check_ids: Sequence[int]) -> dict[int, str]:
        """check id -> the seat (user@host) that stored it, from its evidence entry; absent where the log does not
        say (see :func:`evidence.seats`)."""
        with store_errors("read the evidence log"):
            return evidence.seats(self.db.conn, "check", check_ids)

    def import_seats(self, import_ids: Sequence[int]) -> dict[int, str]:
        """import id -> the seat (user@host) that made the import (its leads), from its evidence entry; absent for
        an import that never finished."""
        with store_errors("read the evidence log"):
            return evidence.seats(self.db.conn, "import", import_ids)

    def checks(
        self,
        *,
        vendor: str | None = None,
        subject: str | None = None,
        lead_id: int | None = None,
        operation: str | None = None,
        limit: int = 100,
        newest_first: bool = True,
        manual_only: bool = False,
        containing: str | None = None,
    ) -> list[StoredCheck]:
        """Stored checks, newest first. ``subject`` is matched as typed and, for a phone in any layout or an
        email in any case, in its stored form, and also finds the checks of every lead with that phone or email.
        ``manual_only`` leaves out checks made by a batch; ``containing`` keeps checks whose subject or summary
        contains that text (any case)."""
        where: list[str] = []
        params: list[Any] = []
        if manual_only:
            where.append("batch_id IS NULL")
        if containing:
            pattern = "%" + containing.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(subject LIKE ? ESCAPE '\\' OR summary LIKE ? ESCAPE '\\')")
            params.extend([pattern, pattern])
        for column, value in (("vendor", vendor), ("lead_id", lead_id), ("operation", operation)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if subject is not None:
            variants = subject_variants(subject)
            marks = ", ".join("?" * len(variants))
            where.append(
                f"(subject IN ({marks}) OR id IN (SELECT cl.check_id FROM check_leads cl JOIN leads l "
                f"ON l.id = cl.lead_id WHERE l.phone IN ({marks}) OR l.email IN ({marks})))"
            )
            params.extend(variants * 3)
        sql = "SELECT * FROM checks"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'} LIMIT ?"
        params.append(limit)
        cursor = self.db.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        return [self._stored(dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]

    def lookup(self, value: str) -> dict[str, Any]:
        """The consumer behind a phone (any layout) or an email (any case): see :func:`consumers.lookup`."""
        with store_errors("look the consumer up"):
            found = consumers.lookup(self.db.conn, value)
            reviews = ledger.reviews(self.db.conn, [int(lead["id"]) for lead in found["leads"]])
            for lead in found["leads"]:  # each lead's latest review ({reason, seat, at}) or None
                lead["review"] = reviews.get(int(lead["id"]))
            return found

    def lead_history(self, lead_id: int, *, limit: int = 500) -> list[tuple[StoredCheck, bool]]:
        """Every check linked to a lead, newest first, each with whether it counts for the lead (made with the
        lead's own data): the litigator checks of its phone and the retains of its certificate included."""
        with store_errors("read the lead's history"):
            cursor = self.db.execute(
                "SELECT c.*, cl.counts AS link_counts FROM check_leads cl JOIN checks c ON c.id = cl.check_id "
                "WHERE cl.lead_id = ? ORDER BY c.id DESC LIMIT ?",
                [lead_id, limit],
            )
            columns = [c[0] for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return [(self._stored(row), bool(row["link_counts"])) for row in rows]

    def lead_verdict(self, lead_id: int) -> tuple[str, list[str]]:
        """(verdict, reasons in a buyer's words) of one lead."""
        row = self.db.execute("SELECT verdict FROM leads WHERE id = ?", [lead_id]).fetchone()
        if row is None:
            return "unchecked", []
        return str(row[0]), consumers.lead_reasons(consumers.checks_of(self.db.conn, [lead_id])[lead_id])

    def verdict_counts(self, lead_ids: Sequence[int] | None = None) -> dict[str, int]:
        """How many leads (of ``lead_ids``, or all) have each verdict."""
        counts: dict[str, int] = {}
        if lead_ids is None:
            rows = self.db.execute("SELECT verdict, count(*) FROM leads GROUP BY verdict").fetchall()
        else:
            rows = []
            ids = list(dict.fromkeys(lead_ids))
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                rows += self.db.execute(
                    f"SELECT verdict, count(*) FROM leads WHERE id IN ({', '.join('?' * len(part))}) GROUP BY verdict",
                    part,
                ).fetchall()
        for verdict, n in rows:
            counts[str(verdict)] = counts.get(str(verdict), 0) + int(n)
        return counts

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
        sent = json.loads(row["sent"]) if row.get("sent") else None
        return StoredCheck(id=row["id"], lead_id=row["lead_id"], batch_id=row["batch_id"], result=result, sent=sent)

    # -- leads ---------------------------------------------------------------------------------------------

    def leads_for_subject(self, vendor: str, subject: str) -> list[int]:
        """The leads holding a subject (the same certificate, token or phone), oldest first."""
        column = SUBJECT_COLUMNS.get(vendor)
        if column is None:
            return []
        rows = self.db.execute(f"SELECT id FROM leads WHERE {column} = ? ORDER BY id", [subject]).fetchall()
        return [int(r[0]) for r in rows]

    def add_lead(
        self,
        fields: Mapping[str, Any],
        *,
        source_file: str | None = None,
        source_row: int | None = None,
        source: str | None = None,
    ) -> int:
        """A new lead (one purchase). ``source``: "import" or "manual" (default: "import" with a file)."""
        now = utcnow()
        known = {k: fields.get(k) for k in LEAD_FIELDS if fields.get(k) not in (None, "")}
        extra = {k: v for k, v in fields.items() if k not in LEAD_FIELDS and v not in (None, "")}
        row = {**known, "extra": _json(extra) if extra else None, "source_file": source_file, "source_row": source_row}
        row["source"] = source or ("import" if source_file else "manual")
        row.update(created_at=now, updated_at=now)
        with self.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO leads ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) RETURNING id",
                tuple(row.values()),
            )
            return int(cur.fetchone()[0])

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

    def check_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM checks").fetchone()[0])
