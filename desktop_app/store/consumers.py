"""Consumers: who leads are about, found by phone (any layout, stored in E.164) or email (any case).

:func:`lookup` answers the demand letter: every lead bought for the phone or email (and for the consumer's
other phones and emails on those leads), who sold each, its evidence and verdict with reasons, every check of
each (what was sent, what came back, when, which seat made it) and the consumer's suppression entries. All reads
use the lead indexes (phone, email), ``check_leads`` and the evidence log's (kind, ref) index; nothing scans a table.

A seat (user@host: who made it, on which computer) is read from the evidence log: a check's from its own entry
(``seat``), a lead's from its import's entry (``imported_by``). Where there is no such entry (a lead entered by
hand, an import that never finished, a check sealed into the log when the database was upgraded) it is None:
the lookup says nothing rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from desktop_app.store import evidence
from desktop_app.store.backend import Connection
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.validation import normalize_email, normalize_phone
from desktop_app.verdict import VERDICT_VENDORS, VendorAnswer, reasons

LEAD_COLUMNS = (
    "id", "source", "supplier", "cost", "source_file", "source_row", "import_id", "created_at", "phone", "email",
    "first_name", "last_name", "cert_url", "leadid", "cs_cert_url", "verdict", "extra",
)  # fmt: skip
CHECK_COLUMNS = (
    "id", "vendor", "operation", "subject", "flag", "summary", "error_kind", "batch_id", "started_at", "finished_at",
    "sent", "request",
)  # fmt: skip
MAX_LEADS = 1000  # a consumer with more leads than this is listed up to here (the JSON says so)


def contact_key(value: str) -> tuple[str, str]:
    """``("phone", "+19418675309")`` or ``("email", "ann@example.com")`` for a phone in any layout or an email in
    any case; InputError in a buyer's words for anything else."""
    text = value.strip()
    if "@" in text:
        return "email", normalize_email(text)
    try:
        return "phone", normalize_phone(text).e164
    except InputError as exc:
        raise InputError(f"“{text[:60]}” is neither a phone number nor an email address: {exc}") from exc


def subject_variants(value: str) -> list[str]:
    """What a stored check's subject may be for a value typed by the buyer: the value as typed, and its E.164
    or lower-case form when it is a phone or an email."""
    variants = [value.strip()]
    try:
        variants.append(contact_key(value)[1])
    except InputError:
        pass
    return list(dict.fromkeys(variants))


def _rows(conn: Connection, sql: str, params: Sequence[Any], columns: Sequence[str]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in conn.execute(sql, tuple(params)).fetchall()]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _leads_for(conn: Connection, phones: Iterable[str], emails: Iterable[str]) -> list[dict[str, Any]]:
    phones, emails = sorted(set(phones)), sorted(set(emails))
    where = []
    params: list[Any] = []
    if phones:
        where.append(f"phone IN ({_marks(phones)})")
        params.extend(phones)
    if emails:
        where.append(f"email IN ({_marks(emails)})")
        params.extend(emails)
    if not where:
        return []
    sql = f"SELECT {', '.join(LEAD_COLUMNS)} FROM leads WHERE {' OR '.join(where)} ORDER BY id LIMIT ?"
    return _rows(conn, sql, [*params, MAX_LEADS + 1], LEAD_COLUMNS)


def checks_of(conn: Connection, lead_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    by_lead: dict[int, list[dict[str, Any]]] = {i: [] for i in lead_ids}
    columns = ("lead_id", "counts", *CHECK_COLUMNS)
    select = ", ".join(f"c.{c}" for c in CHECK_COLUMNS)
    for start in range(0, len(lead_ids), 500):
        part = lead_ids[start : start + 500]
        sql = (
            f"SELECT cl.lead_id, cl.counts, {select} FROM check_leads cl JOIN checks c ON c.id = cl.check_id "
            f"WHERE cl.lead_id IN ({_marks(part)}) ORDER BY c.id"
        )
        for row in _rows(conn, sql, part, columns):
            by_lead[row["lead_id"]].append(row)
    return by_lead


def _sent(check: dict[str, Any]) -> dict[str, Any]:
    """What the call carried: the lead data recorded with it, or (checks stored before that was recorded) the
    request body as sent."""
    if check["sent"]:
        return dict(json.loads(check["sent"]))
    request = json.loads(check["request"]) if check["request"] else {}
    body = request.get("body") if isinstance(request, dict) else None
    return {"request_body": body} if body not in (None, "", {}) else {}


def public_check(check: dict[str, Any], seat: str | None = None) -> dict[str, Any]:
    """A check as the lookup lists it; ``seat``: who made it (user@host, from its evidence entry), None unknown."""
    return {
        "id": check["id"],
        "vendor": check["vendor"],
        "operation": check["operation"],
        "subject": check["subject"],
        "flag": check["flag"],
        "summary": check["summary"],
        "error": check["error_kind"],
        "batch_id": check["batch_id"],
        "started_at": check["started_at"],
        "finished_at": check["finished_at"],
        "sent": _sent(check),
        "counts_for_lead": bool(check["counts"]),
        "seat": seat,
    }


def latest_counted(checks: Sequence[dict[str, Any]]) -> dict[str, VendorAnswer]:
    """Each verdict vendor's latest counted completed answer, from a lead's checks (rows with ``counts``,
    ``vendor``, ``flag``, ``summary``, ``error_kind``, oldest first)."""
    latest: dict[str, VendorAnswer] = {}
    for check in checks:
        if check["counts"] and check["vendor"] in VERDICT_VENDORS and check["flag"] and not check["error_kind"]:
            latest[check["vendor"]] = VendorAnswer(check["vendor"], check["flag"], check["summary"])
    return latest


def lead_reasons(checks: Sequence[dict[str, Any]]) -> list[str]:
    """The verdict's reasons from a lead's checks (as :func:`latest_counted` reads them)."""
    return reasons(latest_counted(checks))


def lookup(conn: Connection, value: str) -> dict[str, Any]:
    """The consumer behind a phone or email (see the module doc). Raises InputError for a value that is
    neither. The leads found by the value name the consumer's other phones and emails, whose leads are added
    (one step, so two strangers sharing an old number are not chained together further)."""
    kind, key = contact_key(value)
    phones = [key] if kind == "phone" else []
    emails = [key] if kind == "email" else []
    first = _leads_for(conn, phones, emails)
    phones = sorted({*phones, *(lead["phone"] for lead in first if lead["phone"])})
    emails = sorted({*emails, *(lead["email"] for lead in first if lead["email"])})
    leads = _leads_for(conn, phones, emails) if first else []
    truncated = len(leads) > MAX_LEADS
    leads = leads[:MAX_LEADS]
    phones = sorted({*phones, *(lead["phone"] for lead in leads if lead["phone"])})
    emails = sorted({*emails, *(lead["email"] for lead in leads if lead["email"])})
    checks = checks_of(conn, [lead["id"] for lead in leads])
    check_seats = evidence.seats(conn, "check", [check["id"] for own in checks.values() for check in own])
    import_seats = evidence.seats(conn, "import", [lead["import_id"] for lead in leads if lead["import_id"]])
    out_leads = []
    for lead in leads:
        own = checks[lead["id"]]
        out_leads.append(
            {
                **{k: lead[k] for k in LEAD_COLUMNS if k not in ("created_at", "extra")},
                "imported_at": lead["created_at"],
                "imported_by": import_seats.get(lead["import_id"]) if lead["import_id"] else None,
                "extra": json.loads(lead["extra"]) if lead["extra"] else {},
                "reasons": lead_reasons(own),
                "checks": [public_check(c, check_seats.get(c["id"])) for c in own],
            }
        )
    values = [*phones, *emails]
    suppression = (
        _rows(
            conn,
            f"SELECT kind, value, reason, source, added_at FROM suppression WHERE value IN ({_marks(values)}) "
            "ORDER BY id",
            values,
            ("kind", "value", "reason", "source", "added_at"),
        )
        if values
        else []
    )
    return {
        "query": value,
        "phones": phones,
        "emails": emails,
        "leads": out_leads,
        "truncated": truncated,
        "suppression": suppression,
    }
