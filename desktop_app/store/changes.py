"""What other seats changed since a window last looked: the change mark and the leads it touched (team mode, and
``leadcheck`` commands on one SQLite file).

Leads, checks and reviews only ever get new rows with growing ids (a check's flags reach its leads in the same
transaction, through ``check_leads``; a review is a row of ``reviews``), so the largest id of each table says
whether anything new was stored: :class:`Mark`, three primary-key lookups read in one statement (one snapshot on
both engines). Writes are serialised (SQLite's write lock, the PostgreSQL write lock of
:mod:`desktop_app.store.postgres`), so ids are handed out in commit order and a smaller id never appears after a
larger one was read.

:func:`changes_since` answers with :class:`Changes`: the new mark, the leads whose flags or review changed (the
leads linked to the new checks, the leads of the new reviews), the new leads' ids and how many new checks were
stored. Every read is bounded by :data:`CAP`; beyond it a list is None ("many": the caller refreshes everything it
keeps instead). Not seen: a batch linking a lead to an answer stored *before* the mark (a cached pair of a lead
imported after that answer): no id grows; the next refresh (F5) shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.store.backend import Connection
from desktop_app.store.errors import store_errors

CAP = 5000  # the most lead ids a poll reads; beyond it, "many"


@dataclass(frozen=True, order=True)
class Mark:
    """The largest id of ``leads``, ``checks`` and ``reviews`` (0 for an empty table)."""

    leads: int = 0
    checks: int = 0
    reviews: int = 0


@dataclass(frozen=True)
class Changes:
    """What was stored between two marks.

    ``changed_leads``: the leads whose flags, verdict or review changed (None: more than :data:`CAP`, or the
    database went back, e.g. another database file: refresh every lead kept). ``new_lead_ids``: the new leads,
    oldest first (None: more than :data:`CAP`, or the database went back). ``new_leads`` and ``new_results``: how
    many leads, checks and reviews were stored.
    """

    mark: Mark
    changed_leads: frozenset[int] | None = frozenset()
    new_lead_ids: tuple[int, ...] | None = ()
    new_leads: int = 0
    new_results: int = 0
    new_reviews: int = 0

    @property
    def any(self) -> bool:
        return bool(
            self.new_leads
            or self.new_results
            or self.new_reviews
            or self.changed_leads is None
            or self.changed_leads
            or self.new_lead_ids is None
        )


def read_mark(conn: Connection) -> Mark:
    """The current :class:`Mark` (one statement: three primary-key lookups)."""
    with store_errors("read what changed"):
        row = conn.execute(
            "SELECT (SELECT max(id) FROM leads), (SELECT max(id) FROM checks), (SELECT max(id) FROM reviews)"
        ).fetchone()
    return Mark(*(int(value or 0) for value in row))


def changes_since(conn: Connection, previous: Mark, *, cap: int = CAP) -> Changes:
    """What was stored after ``previous``, up to the mark read now (each read bounded by ``cap`` rows)."""
    mark = read_mark(conn)
    if mark == previous:
        return Changes(mark)
    if mark.leads < previous.leads or mark.checks < previous.checks or mark.reviews < previous.reviews:
        return Changes(mark, changed_leads=None, new_lead_ids=None)  # not the database it was: everything
    with store_errors("read what changed"):
        new_ids: tuple[int, ...] | None = ()
        new_leads = 0
        if mark.leads > previous.leads:
            rows = conn.execute(
                f"SELECT id FROM leads WHERE id > ? AND id <= ? ORDER BY id LIMIT {int(cap) + 1}",
                (previous.leads, mark.leads),
            ).fetchall()
            new_ids = tuple(int(r[0]) for r in rows) if len(rows) <= cap else None
            new_leads = len(rows) if new_ids is not None else _count(conn, "leads", previous.leads, mark.leads)
        changed: set[int] | None = set()
        new_results = 0
        if mark.checks > previous.checks:
            new_results = _count(conn, "checks", previous.checks, mark.checks)
            changed = _lead_ids(conn, "check_leads", "check_id", previous.checks, mark.checks, cap)
        new_reviews = 0
        if mark.reviews > previous.reviews:
            new_reviews = _count(conn, "reviews", previous.reviews, mark.reviews)
            reviewed = _lead_ids(conn, "reviews", "id", previous.reviews, mark.reviews, cap)
            if changed is not None:
                changed = None if reviewed is None or len(changed | reviewed) > cap else changed | reviewed
    return Changes(
        mark,
        changed_leads=None if changed is None else frozenset(changed),
        new_lead_ids=new_ids,
        new_leads=new_leads,
        new_results=new_results,
        new_reviews=new_reviews,
    )


def _count(conn: Connection, table: str, after: int, upto: int) -> int:
    """Rows of ``table`` with ids in (after, upto]: a primary-key range."""
    return int(conn.execute(f"SELECT count(*) FROM {table} WHERE id > ? AND id <= ?", (after, upto)).fetchone()[0])


def _lead_ids(conn: Connection, table: str, column: str, after: int, upto: int, cap: int) -> set[int] | None:
    """The distinct ``lead_id`` of ``table``'s rows with ``column`` in (after, upto]; None beyond ``cap``."""
    rows = conn.execute(
        f"SELECT DISTINCT lead_id FROM {table} WHERE {column} > ? AND {column} <= ? LIMIT {int(cap) + 1}",
        (after, upto),
    ).fetchall()
    return None if len(rows) > cap else {int(r[0]) for r in rows}
