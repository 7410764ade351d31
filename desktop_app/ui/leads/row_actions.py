"""What the lead table's row actions say and open: a lead's title, one vendor's part of a re-check in a sentence,
and the certificate link of a row. Plain functions of stored values; :class:`.tab.LeadsTab` runs the actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop_app.jobs.recheck import RecheckOutcome
from desktop_app.ui import theme
from desktop_app.ui.leads.columns import VENDOR_TITLES


def lead_title(lead: Mapping[str, Any]) -> str:
    """``Ann Smith (lead #12)``, or ``lead #12`` for a lead without a name."""
    name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)
    return f"{name} (lead #{lead['id']})" if name else f"lead #{lead['id']}"


def recheck_line(outcome: RecheckOutcome) -> str:
    """One vendor's part of a re-check, in a sentence for the message line."""
    title = VENDOR_TITLES[outcome.vendor]
    if outcome.refused:
        return f"{title}: not sent: {outcome.refused}"
    result = outcome.result
    assert result is not None
    if result.error is not None:
        hint = f" {result.error.hint}" if result.error.hint else ""
        return f"{title}: the call failed: {result.error.message}{hint}"
    word = theme.flag_word(result.flag.value) if result.flag else "done"
    return f"{title}: {word}: {result.summary}"


def certificate_link(values: Mapping[str, Any]) -> str | None:
    """The address of a lead's certificate (TrustedForm, else Contact State; a bare TrustedForm id gets its host)."""
    url = values.get("cert_url") or values.get("cs_cert_url")
    if not url:
        return None
    url = str(url)
    return url if "://" in url else f"https://cert.trustedform.com/{url}"
