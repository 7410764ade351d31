"""Small wording helpers shared by cards and lists: times, yes/no, operation names, masked addresses."""

from __future__ import annotations

import re
from datetime import UTC, datetime

OPERATION_LABELS: dict[str, str] = {
    "retain": "Retain certificate",
    "audit": "LeadiD audit",
    "check": "Litigator check",
    "claim": "Claim certificate",
    "reclaim": "Reclaim certificate",
    "cert": "Certificate status",
    "lead_create": "Create lead",
    "lead_get": "Get lead",
    "lead_delete": "Delete lead",
    "lead_delete_many": "Delete leads",
    "status": "Sales status",
    "stats": "Lead stats",
    "export": "Bulk export",
    "export_poll": "Bulk export",
    "optout_upload": "Opt-out upload",
}


def operation_label(operation: str) -> str:
    return OPERATION_LABELS.get(operation, operation.replace("_", " ").capitalize())


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def local_time(value: str | None, *, seconds: bool = False) -> str:
    """An ISO timestamp in the computer's time zone, ``2025-03-04 14:05``; the raw text when unreadable."""
    parsed = parse_time(value)
    if parsed is None:
        return value or "—"
    return parsed.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")


def localise_times(text: str) -> str:
    """``text`` with every ISO timestamp in it shown in the computer's time zone (a vendor's summary, say:
    "scored 2026-11-30T07:00:18.968+00:00" -> "scored 2026-11-30 08:00")."""
    return ISO_TIMESTAMP.sub(lambda m: local_time(m.group(0)), text)


def yes_no(value: object, *, none: str = "—") -> str:
    if value is None:
        return none
    return "Yes" if bool(value) else "No"


def match_word(value: object) -> str:
    """TrustedForm's email/phone match: Yes, No, or "Not sent" when the buyer gave none."""
    return yes_no(value, none="Not sent")


def text_or_dash(value: object) -> str:
    if value is None or value == "":
        return "—"
    return str(value)
