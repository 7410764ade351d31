"""What every vendor answer goes through before it is stored, whichever path made the call.

One-off checks (:class:`~desktop_app.service.CheckService`), the Leads tab's re-check and batches
(:mod:`desktop_app.jobs`) all store through these rules, so a buyer never sees two answers to one question:

* :func:`scrub`: every configured secret is replaced in every field that is stored or shown;
* :func:`normalised_sent`: the lead data a call carried, blanks left out, phone in E.164 and email lower-cased;
* :func:`suppression_for`: a TCPA litigator hit puts the phone on the local suppression list;
* :func:`simulated`: in demo mode a failed call's advice says the simulator answered so on purpose, and what
  the advice would be with real keys (in the demo there are no keys to re-enter and no proxy to check);
* :func:`call_cost`: what a stored call cost — its vendor's price (``price.<vendor>``) for a completed call of a
  billed operation (:data:`BILLED_OPERATIONS`), 0 for a failed, refused, cached or free one;
* :data:`EVIDENCE_OPERATIONS`: the operation that checks a lead's evidence, per vendor (only its answer makes a
  lead, or counts for one); :data:`JORNAYA_DATA`: which lead field goes under which Jornaya data label.

Nothing here sends, stores or imports Qt; it sits below the service and the jobs.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from desktop_app.vendors.http import Redactor
from desktop_app.vendors.registry import VENDORS
from desktop_app.vendors.results import CheckResult

SuppressionRow = tuple[str, str, str, str]  # (kind, value, reason, source)

EVIDENCE_OPERATIONS: Mapping[str, str] = {
    "trustedform": "retain",
    "jornaya": "audit",
    "litigator": "check",
    "contactstate": "cert",
}

# vendor -> the operation each of whose completed calls it bills: the evidence check of a vendor whose batch calls
# are billed (a TrustedForm retain, a Jornaya audit, a litigator check; a Contact State status read is free)
BILLED_OPERATIONS: Mapping[str, str] = {
    v.key: EVIDENCE_OPERATIONS[v.key] for v in VENDORS if v.batch_billed and v.key in EVIDENCE_OPERATIONS
}

# (Jornaya data label, lead field): what an audit sends for Jornaya's data-integrity rule
JORNAYA_DATA: tuple[tuple[str, str], ...] = (
    ("f_name", "first_name"),
    ("l_name", "last_name"),
    ("email", "email"),
    ("phone1", "phone"),
    ("address1", "address"),
    ("city", "city"),
    ("state", "state"),
    ("zip", "zip"),
)


def is_evidence_check(result: CheckResult) -> bool:
    """Whether ``result`` answers the operation that checks a lead's evidence (a retain, an audit, a litigator
    check, a Contact State certificate read) rather than a claim, a stats read or an export."""
    return EVIDENCE_OPERATIONS.get(result.vendor) == result.operation


def call_cost(result: CheckResult, prices: Mapping[str, float]) -> float:
    """What the stored call cost: its vendor's price when it completed a billed operation, else 0 (a failed call,
    a claim or status read, a vendor without a price). A refused or cached call is never stored as a call."""
    if result.error is not None or BILLED_OPERATIONS.get(result.vendor) != result.operation:
        return 0.0
    return float(prices.get(result.vendor, 0.0))


def scrub(result: CheckResult, redactor: Redactor) -> CheckResult:
    """The result with every known secret replaced, in every field that is stored or shown."""
    error = result.error
    if error is not None:
        error = dataclasses.replace(error, message=redactor.text(error.message), hint=redactor.text(error.hint))
    return dataclasses.replace(
        result,
        subject=redactor.text(result.subject),
        summary=redactor.text(result.summary),
        details=redactor.data(result.details),
        error=error,
        request=redactor.data(result.request),
        response_body=redactor.text(result.response_body) if result.response_body is not None else None,
    )


SIMULATED_ADVICE = (
    "Demo: the built-in simulator gave this answer on purpose, to show what a failed call looks like. Nothing "
    "needs fixing and nothing was billed. With your real keys the advice would be: {hint}"
)


def simulated(result: CheckResult) -> CheckResult:
    """In demo mode: a failed call the simulator answered says so in its hint, keeping the real-keys advice.

    A call that got no answer (network, timeout: no HTTP status) is a real problem even in the demo; left alone."""
    error = result.error
    if error is None or error.http_status is None:
        return result
    hint = SIMULATED_ADVICE.format(hint=error.hint or "the call failed as the message says; try it again later.")
    return dataclasses.replace(result, error=dataclasses.replace(error, hint=hint))


def suppression_for(result: CheckResult, source: str = "TCPA Litigator check") -> list[SuppressionRow]:
    """The suppression rows a stored answer adds: the phone of a completed litigator check that found a litigator."""
    if result.vendor == "litigator" and result.ok and result.details.get("phone_is_litigator"):
        return [("phone", result.subject, "litigator", source)]
    return []


def sent_words(sent: Mapping[str, Any] | None) -> str:
    """What a check carried besides its subject, in one line a buyer reads ("email: ann@example.com, phone: +1…");
    None is a check stored before Leadcheck kept what was sent. The window, ``leadcheck lookup`` and the packet."""
    if sent is None:
        return "not recorded (checked before Leadcheck kept it)"
    if not sent:
        return "nothing but the subject"
    return ", ".join(
        f"{key}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in sent.items()
    )


def normalised_sent(sent: Mapping[str, str | None] | None) -> dict[str, str]:
    """The lead data sent, blanks left out, phone in E.164 and email lower-cased where they parse."""
    from desktop_app.vendors.validation import normalize_email, normalize_phone

    out: dict[str, str] = {}
    for name, value in (sent or {}).items():
        if value is None or not str(value).strip():
            continue
        text = str(value).strip()
        try:
            text = normalize_phone(text).e164 if name == "phone" else normalize_email(text) if name == "email" else text
        except ValueError:
            pass
        out[name] = text
    return out
