"""The reads behind exports: a batch's answers, each lead's latest answers, leads by id, suppression rows.

Every function takes the store's connection and yields plain tuples; :mod:`desktop_app.exports` formats them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from desktop_app.store import consumers
from desktop_app.store.backend import Connection
from desktop_app.vendors.registry import FLAG_COLUMNS
from desktop_app.verdict import answers_of_colour

SQL_CHUNK = 500


def batch_vendors(conn: Connection, batch_id: int) -> list[str] | None:
    """The batch's vendors in batch order, or None when there is no such batch."""
    row = conn.execute("SELECT vendors FROM batches WHERE id = ?", (batch_id,)).fetchone()
    return None if row is None else list(json.loads(row[0]))


def batch_answers(conn: Connection, batch_id: int) -> Iterator[tuple[Any, ...]]:
    """(lead id, vendor, item state, note, flag, summary, finished_at, error) for each item, in item order."""
    yield from conn.execute(
        "SELECT i.lead_id, i.vendor, i.state, i.note, c.flag, c.summary, c.finished_at, c.error "
        "FROM batch_items i LEFT JOIN checks c ON c.id = i.check_id WHERE i.batch_id = ? ORDER BY i.id",
        (batch_id,),
    )


def latest_answers(conn: Connection) -> Iterator[tuple[Any, ...]]:
    """(lead id, vendor, flag, summary, finished_at, error) of each lead's latest answer per vendor, counting
    only checks made with the lead's own data."""
    yield from conn.execute(
        "SELECT m.lead_id, c.vendor, c.flag, c.summary, c.finished_at, c.error FROM checks c JOIN ("
        "SELECT cl.lead_id, max(cl.check_id) AS id FROM check_leads cl JOIN checks k ON k.id = cl.check_id "
        "WHERE cl.counts = 1 GROUP BY cl.lead_id, k.vendor) m ON m.id = c.id ORDER BY m.lead_id"
    )


def leads_by_id(
    conn: Connection, lead_ids: Sequence[int], columns: Sequence[str]
) -> Iterator[dict[int, tuple[Any, ...]]]:
    """Per chunk of :data:`SQL_CHUNK` ids: id -> (id, *columns), in id order."""
    select = ", ".join(("id", *columns))
    for start in range(0, len(lead_ids), SQL_CHUNK):
        part = list(lead_ids[start : start + SQL_CHUNK])
        marks = ", ".join("?" * len(part))
        rows = conn.execute(f"SELECT {select} FROM leads WHERE id IN ({marks}) ORDER BY id", part)
        yield {int(r[0]): tuple(r) for r in rows}


def suppression_with_reasons(conn: Connection, reasons: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """(kind, value, reason, added_at) of the suppression entries with one of ``reasons``."""
    if not reasons:
        return
    marks = ", ".join("?" * len(reasons))
    yield from conn.execute(
        f"SELECT kind, value, reason, added_at FROM suppression WHERE reason IN ({marks})", list(reasons)
    )


def reviewed_phones(conn: Connection) -> set[str]:
    """The phones of the leads someone marked reviewed (``leadcheck review``)."""
    rows = conn.execute(
        "SELECT DISTINCT l.phone FROM reviews r JOIN leads l ON l.id = r.lead_id WHERE l.phone IS NOT NULL"
    )
    return {str(row[0]) for row in rows}


def leads_coloured(
    conn: Connection, colour: str, vendor: str | None, *, skip_reviewed: bool = False
) -> Iterator[tuple[Any, Any, Any, list[str]]]:
    """(phone, email, checked_at, causes) of leads whose verdict (``vendor`` None) or vendor flag is ``colour``
    (without the leads marked reviewed when ``skip_reviewed``).

    The causes are the answers that made it so, in the vendors' words (``"TrustedForm: The email does not match
    the certificate."``): every answer of that colour for a verdict, that vendor's answer for a vendor flag."""
    column = "verdict" if vendor is None else FLAG_COLUMNS[vendor]
    unreviewed = " AND id NOT IN (SELECT lead_id FROM reviews)" if skip_reviewed else ""
    rows = conn.execute(f"SELECT id, phone, email, checked_at FROM leads WHERE {column} = ?{unreviewed}", (colour,))
    while part := rows.fetchmany(SQL_CHUNK):
        checks = consumers.checks_of(conn, [int(r[0]) for r in part])
        for lead_id, phone, email, checked in part:
            answers = consumers.latest_counted(checks[int(lead_id)])
            if vendor is not None:
                answers = {vendor: answers[vendor]} if vendor in answers else {}
            yield phone, email, checked, answers_of_colour(answers, colour)
