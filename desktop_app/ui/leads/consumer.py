"""The consumer line above the lead table: everything bought for the phone or email typed in the filter."""

from __future__ import annotations

from typing import Any

from desktop_app.ui.leads.model import display_phone
from desktop_app.verdict import count_line

CONSUMER_HINT = "Type a phone number (any layout) or an email above to see everything bought for that consumer."


def consumer_summary(found: dict[str, Any]) -> str:
    """One line about a consumer: phones and emails, leads bought and from whom, verdicts, suppression."""
    who = " · ".join([*(display_phone(p) for p in found["phones"]), *found["emails"]]) or found["query"]
    leads = found["leads"]
    if not leads:
        return f"No lead was bought for {who}."
    suppliers = sorted({lead["supplier"] for lead in leads if lead["supplier"]})
    counts: dict[str, int] = {}
    for lead in leads:
        counts[lead["verdict"]] = counts.get(lead["verdict"], 0) + 1
    text = f"Consumer {who}: {count_line(counts)}"
    if suppliers:
        text += f", bought from {', '.join(suppliers)}"
    reasons = sorted({entry["reason"] for entry in found["suppression"]})
    text += f". On the suppression list: {', '.join(reasons)}." if reasons else ". Not on the suppression list."
    return text
