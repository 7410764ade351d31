"""Which leads a check belongs to, and the flags and verdicts that follow. Runs inside the caller's transaction.

A check belongs to every lead whose evidence it checked: a retain to each lead with that certificate, an audit
to each lead with that token, a litigator check to each lead with that phone, a Contact State read to each lead
with that certificate (``check_leads``). The link *counts* for a lead when the data sent was the lead's own
(:func:`sent_matches`): only counted links set the lead's latest flag for the vendor and so its verdict. A
manual retain sent with another email is linked, kept and shown beside the lead, and changes nothing about it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from desktop_app.store.backend import Connection
from desktop_app.vendors.registry import FLAG_COLUMNS, SUBJECT_COLUMNS
from desktop_app.vendors.results import CheckResult, utcnow
from desktop_app.verdict import verdict_sql

# The lead fields a check may send as the lead's data (what ``sent`` is compared on).
COMPARED_FIELDS = ("phone", "email", "first_name", "last_name", "address", "city", "state", "zip")
_VERDICT = verdict_sql()


_DIGEST = functools.partial(hashlib.blake2b, digest_size=16)
_DIGEST_OF = operator.methodcaller("digest")


def row_key(fields: Sequence[Any], extra: Mapping[str, Any] | None, purchased_at: str | None = None) -> bytes:
    """The fingerprint of a lead's cleaned contents (its :data:`LEAD_FIELDS` values in order, its extra columns in
    file order, and its lead date when it has one): equal for a row imported again, different as soon as any cell
    differs. 16 bytes, stored with every imported lead. A lead without a lead date keys exactly as before lead
    dates were read (the date joins the key's input only when present), so stored keys stay valid."""
    return row_keys([key_input(tuple(fields), extra or None, purchased_at)])[0]


def key_input(fields: tuple[Any, ...], extra: Mapping[str, Any] | None, purchased_at: str | None) -> tuple[Any, ...]:
    """What :func:`row_keys` takes for one lead: ``(fields, extra)``, plus the lead date when there is one."""
    return (fields, extra) if purchased_at is None else (fields, extra, purchased_at)


def row_keys(contents: Iterable[tuple[Any, ...]]) -> list[bytes]:
    """:func:`row_key` of many :func:`key_input` tuples (``(fields tuple, extra or None)``, with the lead date
    third when there is one), in C-level passes (an import's hot path)."""
    texts = list(map(repr, contents))
    try:
        encoded = list(map(str.encode, texts))
    except UnicodeEncodeError:  # a lone surrogate: kept as it is, so the key is still the row's own
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
    return list(map(_DIGEST_OF, map(_DIGEST, encoded)))


def _same(field: str, sent: str, stored: Any) -> bool:
    if stored in (None, ""):
        return False
    if field == "phone":
        return _digits(sent) == _digits(str(stored))
    return sent.strip().casefold() == str(stored).strip().casefold()


def _digits(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def sent_matches(sent: Mapping[str, Any] | None, lead: Mapping[str, Any]) -> bool:
    """Whether every piece of lead data a check sent is the lead's own (nothing sent: it is about the subject
    alone, which the lead holds, so it counts)."""
    for field in COMPARED_FIELDS:
        value = (sent or {}).get(field)
        if value not in (None, "") and not _same(field, str(value), lead.get(field)):
            return False
    return True


def _leads(conn: Connection, where: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(f"SELECT id, {', '.join(COMPARED_FIELDS)} FROM leads WHERE {where}", tuple(params))
    names = ["id", *COMPARED_FIELDS]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def link_check(
    conn: Connection,
    check_id: int,
    result: CheckResult,
    sent: Mapping[str, Any] | None,
    lead_id: int | None,
) -> list[int]:
    """Link a just-stored check to its leads (``lead_id``, if given, and every lead holding its subject); update
    the counted leads' flag and verdict when the check completed with a flag. Returns the counted lead ids."""
    leads: dict[int, dict[str, Any]] = {}
    column = SUBJECT_COLUMNS.get(result.vendor)
    if column is not None and result.subject:
        for lead in _leads(conn, f"{column} = ?", [result.subject]):
            leads[lead["id"]] = lead
    if lead_id is not None and lead_id not in leads:
        for lead in _leads(conn, "id = ?", [lead_id]):
            leads[lead["id"]] = lead
    if not leads:
        return []
    counted = [i for i, lead in leads.items() if sent_matches(sent, lead)]
    conn.executemany(
        "INSERT INTO check_leads (lead_id, check_id, counts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [(i, check_id, int(i in counted)) for i in leads],
    )
    if result.error is None and result.flag is not None:
        set_flag(conn, counted, result.vendor, result.flag.value, result.finished_at)
    return counted


def link_answer(conn: Connection, pairs: Iterable[tuple[int, int]]) -> None:
    """Link leads to answers stored before (a batch's cached pairs: ``(lead_id, check_id)``), with the same rule;
    a counted link to a lead's newest answer of that vendor sets its flag."""
    for lead_id, check_id in pairs:
        row = conn.execute(
            "SELECT vendor, flag, error, sent, finished_at FROM checks WHERE id = ?", (check_id,)
        ).fetchone()
        leads = _leads(conn, "id = ?", [lead_id])
        if row is None or not leads:
            continue
        vendor, flag, error, sent, finished_at = row
        counts = sent_matches(json.loads(sent) if sent else None, leads[0])
        conn.execute(
            "INSERT INTO check_leads (lead_id, check_id, counts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (lead_id, check_id, int(counts)),
        )
        if counts and error is None and flag is not None:
            newer = conn.execute(
                "SELECT 1 FROM check_leads cl JOIN checks c ON c.id = cl.check_id WHERE cl.lead_id = ? "
                "AND cl.counts = 1 AND c.vendor = ? AND c.error IS NULL AND c.flag IS NOT NULL AND c.id > ? LIMIT 1",
                (lead_id, vendor, check_id),
            ).fetchone()
            if newer is None:
                set_flag(conn, [lead_id], vendor, flag, finished_at)


def set_flag(conn: Connection, lead_ids: Sequence[int], vendor: str, flag: str, at: str) -> None:
    """Set the leads' latest flag for ``vendor`` and recompute their verdicts."""
    column = FLAG_COLUMNS.get(vendor)
    if column is None or not lead_ids:
        return
    marks = ", ".join("?" * len(lead_ids))
    conn.execute(
        f"UPDATE leads SET {column} = ?, checked_at = ?, updated_at = ? WHERE id IN ({marks})",
        (flag, at, utcnow(), *lead_ids),
    )
    conn.execute(f"UPDATE leads SET verdict = {_VERDICT} WHERE id IN ({marks})", tuple(lead_ids))


def rebuild_flags(conn: Connection) -> None:
    """Every linked lead's flags from its latest counted completed check per vendor, then every verdict (the
    schema migration; the same result as applying each check in turn)."""
    for vendor, column in FLAG_COLUMNS.items():
        conn.execute(
            f"UPDATE leads SET {column} = (SELECT c.flag FROM check_leads cl JOIN checks c ON c.id = cl.check_id "
            "WHERE cl.lead_id = leads.id AND cl.counts = 1 AND c.vendor = ? AND c.error IS NULL "
            "AND c.flag IS NOT NULL ORDER BY c.id DESC LIMIT 1) "
            "WHERE id IN (SELECT lead_id FROM check_leads)",
            (vendor,),
        )
    conn.execute(f"UPDATE leads SET verdict = {_VERDICT}")
