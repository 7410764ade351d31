"""What the evidence packet's report says about each check: the vendor's answer as rows of a table, in words.

One function per vendor (:data:`VENDOR_ROWS`) turns a stored check's ``details`` into (label, HTML) rows, showing
only what the vendor returned; the small HTML helpers (escaping, times, flag cells) are shared with
:mod:`desktop_app.packet_report`, which assembles the document and draws it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

FLAG_CELL = {  # background, text: readable in colour and on a black-and-white printer (the word is always there)
    "green": ("#d7f0dc", "#0f5132"),
    "yellow": ("#fff1c2", "#664d03"),
    "red": ("#f8d2d2", "#842029"),
    "failed": ("#e2e3e5", "#41464b"),
}
NOT_GIVEN = "—"
TF_VERIFY_LABELS = {
    "success": "all consent checks passed",
    "language_approved": "consent language approved",
    "one_to_one": "one-to-one consent",
    "form_submitted": "form submitted",
    "min_font_size_px_satisfied": "minimum font size met",
    "min_contrast_ratio_satisfied": "minimum contrast met",
    "opt_in_types_satisfied": "opt-in types satisfied",
}
TF_INSIGHT_LABELS = (
    ("page_url", "Page URL"),
    ("parent_page_url", "Parent page URL"),
    ("domain", "Domain"),
    ("created_at", "Certificate created"),
    ("expires_at", "Certificate expires"),
    ("ip", "Consumer's IP address"),
    ("approx_location", "Approximate location"),
    ("browser", "Browser"),
    ("os", "Operating system"),
    ("is_mobile", "Mobile device"),
    ("seconds_on_page", "Seconds on page"),
    ("age_seconds", "Certificate age (seconds)"),
    ("bot_detected", "Bot detected"),
    ("is_framed", "Form in a frame"),
    ("is_masked", "Certificate masked"),
    ("confirmed_owner", "Confirmed owner"),
)
TF_TEXT_LABELS = (
    ("reference", "Reference"),
    ("lead_vendor", "Lead vendor named"),
    ("masked_cert_url", "Masked certificate URL"),
    ("share_url", "Share link"),
)
TF_SCAN_LABELS = (
    ("required_found", "required text found"),
    ("required_not_found", "required text NOT found"),
    ("forbidden_found", "forbidden text found"),
)
JORNAYA_TEXT_LABELS = (
    ("provider_code", "Provider code"),
    ("transid", "Jornaya transaction id"),
    ("record_id", "Record id"),
)
CONTACTSTATE_LABELS = (
    ("cert_url", "Certificate URL"),
    ("status", "Certificate status"),
    ("scored_at", "Scored at"),
    ("reclaim_cert_url", "Reclaim URL"),
)
JORNAYA_RULE_LABELS = {
    "disclosure": "TCPA disclosure",
    "capture": "Visual playback captured",
    "stored": "Visual playback stored",
    "data_integrity": "Data integrity",
    "call_center": "Call centre",
    "reg_rule": "Regulatory rule (reg_rule)",
}


def esc(value: Any) -> str:
    """Text for the document: escaped; an em dash when there is nothing."""
    if value is None or value == "" or value == []:
        return NOT_GIVEN
    return html.escape(str(value))


def when(stamp: str | None) -> str:
    return f"{stamp[:19].replace('T', ' ')} UTC" if stamp else NOT_GIVEN


def yes_no(value: Any) -> str:
    """yes / no for a boolean, "not returned" for nothing, the value itself otherwise."""
    if value is None:
        return "not returned"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return esc(value)


def mono(text: str) -> str:
    return f'<span class="mono">{html.escape(text)}</span>'


def stored_json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def flag_cell(flag: str | None, error: Mapping[str, Any] | None) -> str:
    key = "failed" if error else (flag or "")
    word = "FAILED" if error else (flag.upper() if flag else "DONE")
    bg, fg = FLAG_CELL.get(key, ("#ffffff", "#111111"))
    return f'<td width="13%" style="background-color: {bg}; color: {fg};"><b>{word}</b></td>'


def verdict_chip(verdict: str) -> str:
    bg, fg = FLAG_CELL.get(verdict, ("#ffffff", "#111111"))
    return f'<span style="background-color: {bg}; color: {fg};"><b>&nbsp;{esc(verdict.upper())}&nbsp;</b></span>'


def rows(pairs: Iterable[tuple[str, str]]) -> str:
    """Key/value rows; values are already HTML."""
    return "".join(f'<tr><td class="k" width="24%">{html.escape(k)}</td><td>{v}</td></tr>' for k, v in pairs)


def lines(items: Iterable[str]) -> str:
    return "<br>".join(items) or NOT_GIVEN


# -- what each vendor said -----------------------------------------------------------------------------------


def trustedform_rows(d: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = []
    if d.get("outcome") or d.get("reason"):
        outcome = esc(d.get("outcome")) + (f" — {esc(d.get('reason'))}" if d.get("reason") else "")
        out.append(("TrustedForm outcome", outcome))
    if d.get("retained"):
        until = f"yes, until {when(d.get('expires_at'))}" if d.get("expires_at") else "yes (no expiry date given)"
        previously = " (already retained in the account before this call)" if d.get("previously_retained") else ""
        out.append(("Retained", until + previously))
    elif "retained" in d:
        code = f" (reason: {esc(d.get('reason_code'))})" if d.get("reason_code") else ""
        out.append(("Retained", "no" + code))
    match = [
        f"{field}: {yes_no(d.get(f'{field}_match'))}"
        for field in ("email", "phone")
        if d.get(f"{field}_match") is not None
    ]
    if match or d.get("match_success") is not None:
        match.append(f"overall match: {yes_no(d.get('match_success'))}")
        out.append(("Match to the lead's data", "; ".join(match)))
    for key, label in TF_TEXT_LABELS:
        if d.get(key):
            out.append((label, esc(d[key])))
    verify = d.get("verify") or {}
    if verify:
        languages = [f"“{esc(text)}”" for text in verify.get("languages") or []]
        out.append(("Consent language on the page", lines(languages)))
        checks = [f"{label}: {yes_no(verify.get(key))}" for key, label in TF_VERIFY_LABELS.items() if key in verify]
        out.append(("Consent checks (verify)", "; ".join(checks)))
        if verify.get("advertiser_name"):
            out.append(("Advertiser named", esc(verify["advertiser_name"])))
    scans = d.get("scans") or {}
    if scans:
        parts = [f"passed: {yes_no(scans.get('success'))}"]
        for key, label in TF_SCAN_LABELS:
            if scans.get(key):
                parts.append(f"{label}: " + "; ".join(f"“{esc(t)}”" for t in scans[key]))
        out.append(("Page scans", "<br>".join(parts)))
    insights = d.get("insights") or {}
    facts = []
    for key, label in TF_INSIGHT_LABELS:
        value = insights.get(key)
        if value is not None:
            shown = when(value) if key in ("created_at", "expires_at") and isinstance(value, str) else yes_no(value)
            facts.append(f"{label}: {shown}")
    if facts:
        out.append(("Insights (the visit that made the certificate)", lines(facts)))
    return out


def jornaya_rows(d: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = [("Authentic", yes_no(d["authentic"]))] if "authentic" in d else []
    if d.get("reason"):
        out.append(("Why not authentic", esc(d["reason"])))
    if d.get("possible_reasons"):
        out.append(("Possible reasons", lines(esc(r) for r in d["possible_reasons"])))
    if d.get("result"):
        out.append(("Overall result", esc(str(d["result"]).upper())))
    rules = []
    for name, rule in (d.get("rules") or {}).items():
        colour = f" ({rule['rule']})" if rule.get("rule") else ""
        value = "" if rule.get("value") is None else f" = {rule['value']}"
        rules.append(
            f"<b>{esc(JORNAYA_RULE_LABELS.get(name, name))}</b>{html.escape(value)}{colour}: {esc(rule.get('meaning'))}"
        )
    if rules:
        out.append(("Rules", "<br>".join(rules)))
    disclosures = [
        f"{esc(item.get('label'))}"
        + (f" — {esc(item.get('interaction_meaning'))}" if item.get("interaction_meaning") else "")
        for item in d.get("disclosures") or []
    ]
    if disclosures:
        out.append(("Disclosures witnessed", lines(disclosures)))
    integrity = [
        f"{label}: {', '.join(esc(f) for f in d.get(key) or [])}"
        for key, label in (
            ("data_integrity_failed", "failed"),
            ("data_integrity_passed", "passed"),
            ("data_integrity_default", "default values"),
        )  # fmt: skip
        if d.get(key)
    ]
    integrity += [
        f"{esc(name)}: {esc(f.get('meaning') or f.get('value'))}" for name, f in (d.get("fields") or {}).items()
    ]
    if integrity:
        out.append(("Data integrity", lines(integrity)))
    if "call_center" in d:
        out.append(("Call centre", yes_no(d.get("call_center"))))
    for key, label in JORNAYA_TEXT_LABELS:
        if d.get(key):
            out.append((label, esc(d[key])))
    return out


def contactstate_rows(d: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = []
    for key, label in CONTACTSTATE_LABELS:
        if d.get(key):
            out.append((label, when(d[key]) if key == "scored_at" else esc(d[key])))
    if "found" in d:
        out.append(("Certificate found", yes_no(d.get("found"))))
    return out


def litigator_rows(d: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = [("Known TCPA litigator", yes_no(d["phone_is_litigator"]))] if "phone_is_litigator" in d else []
    if d.get("phone_e164") or d.get("standardized_phone"):
        out.append(("Number checked", esc(d.get("phone_e164") or d.get("standardized_phone"))))
    return out


def consentcontrol_rows(d: Mapping[str, Any]) -> list[tuple[str, str]]:
    counts = ", ".join(
        f"{key.replace('_', ' ')} {d[key]}" for key in ("records_sent", "stored", "rejected", "unclear") if key in d
    )
    out = [("Opt-outs", esc(counts))] if counts else []
    if d.get("transaction_id"):
        out.append(("Transaction id", esc(d["transaction_id"])))
    return out


def generic_rows(d: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(k).replace("_", " ").capitalize(), esc(v)) for k, v in d.items() if isinstance(v, str | int | float | bool)
    ][:20]


VENDOR_ROWS: dict[str, Callable[[Mapping[str, Any]], list[tuple[str, str]]]] = {
    "trustedform": trustedform_rows,
    "jornaya": jornaya_rows,
    "contactstate": contactstate_rows,
    "litigator": litigator_rows,
    "consentcontrol": consentcontrol_rows,
}


# -- the document ----------------------------------------------------------------------------------------------
