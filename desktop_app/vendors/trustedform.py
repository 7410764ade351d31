"""TrustedForm Certificate API v4.0 "retain" operation: store a consent certificate in the buyer's account.

One POST to the certificate URL itself (``https://cert.trustedform.com/<id>``; a bare id is completed), with
``api-version: 4.0`` and HTTP Basic auth (username ``API``, password the API key; the key never appears in a
URL). The body always carries ``retain`` (with the optional ``reference`` and ``vendor``) and carries
``match_lead`` only when an email and/or phone was given; the phone goes as its 10 digits.

Flags (what a buyer acts on):

* ``outcome`` success, retention confirmed, every supplied email/phone matched -> green.
* ``outcome`` success but some supplied field did not match -> yellow, naming it; nothing supplied
  matched (``match_lead.result.success`` false, "a strong signal that the lead should not be contacted") -> red.
* ``outcome`` failure (nothing matched, consent language not detected, page scans failed...) -> red with
  TrustedForm's reason.
* HTTP 404 (expired or not found), 405 (sandbox certificate), 410 (retention window passed, often with an
  empty body) and 422 (claimed too many times) judge the certificate: red, ``details["retained"] = False`` and a
  ``details["reason_code"]``.

Call failures (no flag, a :class:`CallError` with a hint): 400/406 malformed request, 401 wrong key, 402 billing,
403 key rejected or retention not enabled, 5xx (JSON, HTML or plain text), timeouts and lost connections
(retried, with capped backoff; nothing else is ever retried), an ``outcome`` of "error" inside a 200, and any
answer without a readable ``outcome``.

The vendor's quirks are tolerated: ``reason`` may be the string "null", ``previously_retained`` the string
"false", ``expires_at`` with or without milliseconds.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from desktop_app.vendors.answers import Exchange, decode_json
from desktop_app.vendors.credentials import require
from desktop_app.vendors.errors import CallError, ErrorKind, InputError, bad_response, transport_or_status_error
from desktop_app.vendors.http import Redactor, VendorHttp
from desktop_app.vendors.ratelimit import RetryPolicy
from desktop_app.vendors.results import CheckResult, Flag, failed, judged
from desktop_app.vendors.validation import normalize_email, normalize_phone, trustedform_cert_url

VENDOR = "trustedform"
LABEL = "TrustedForm"
OPERATION = "retain"
SETTINGS_HINT = "Open Settings → TrustedForm to fix the API key."
HEADERS = {"api-version": "4.0", "Accept": "application/json", "Content-Type": "application/json"}
# Only timeouts, lost connections and server errors are worth a second try; a 4xx never changes on retry.
RETRY = RetryPolicy(max_attempts=3, retry_statuses=frozenset({500, 502, 503, 504}), honour_rate_limit=False)
MAX_VENDOR_TEXT = 200

MALFORMED_HINT = (
    "Check the certificate URL (https://cert.trustedform.com/ followed by its ID); "
    "if it looks right, contact TrustedForm support."
)
FORBIDDEN_HINT = (
    "Open Settings → TrustedForm to check the API key; if it is right, ask TrustedForm support "
    "to enable certificate retention for your account."
)
VENDOR_DOWN_HINT = (
    "TrustedForm is having trouble; try again in a few minutes, and contact TrustedForm support if it persists."
)

# HTTP status -> (kind, plain words, hint) for answers that say nothing about the certificate.
CALL_ERRORS: dict[int, tuple[ErrorKind, str, str]] = {
    400: (
        ErrorKind.REJECTED,
        "TrustedForm refused the request as malformed (HTTP 400): usually a badly formed certificate ID.",
        MALFORMED_HINT,
    ),
    406: (
        ErrorKind.REJECTED,
        "TrustedForm refused the request as malformed (HTTP 406 Not Acceptable).",
        MALFORMED_HINT,
    ),
    401: (ErrorKind.AUTH, "TrustedForm did not accept your API key (HTTP 401).", SETTINGS_HINT),
    402: (
        ErrorKind.BILLING,
        "TrustedForm refused because of billing: your account is inactive or out of funds (HTTP 402).",
        "Check your TrustedForm account's billing status and resolve any payment issue, then try again.",
    ),
    403: (
        ErrorKind.AUTH,
        "TrustedForm refused: your API key was rejected or your account is not enabled for retention (HTTP 403).",
        FORBIDDEN_HINT,
    ),
}


@dataclass(frozen=True)
class CertificateRefusal:
    """An HTTP status that is TrustedForm's judgement of the certificate itself: a red flag, not a call error."""

    reason_code: str
    summary: str


CERTIFICATE_REFUSALS: dict[int, CertificateRefusal] = {
    404: CertificateRefusal(
        "expired_or_not_found",
        "Not retained: the certificate has expired or does not exist; do not retry it.",
    ),
    405: CertificateRefusal(
        "sandbox_certificate",
        "Not retained: this is a sandbox (test) certificate, which cannot be claimed; ask for the production one.",
    ),
    410: CertificateRefusal(
        "retention_window_passed",
        "Not retained: the window for retaining this certificate has passed; do not retry it.",
    ),
    422: CertificateRefusal(
        "claimed_too_many_times",
        "Not retained: the certificate has been claimed too many times.",
    ),
}

VERIFY_CHECKS = (
    "success",
    "language_approved",
    "one_to_one",
    "form_submitted",
    "min_font_size_px_satisfied",
    "min_contrast_ratio_satisfied",
    "opt_in_types_satisfied",
)
INSIGHT_FIELDS = (
    "age_seconds",
    "created_at",
    "expires_at",
    "domain",
    "page_url",
    "parent_page_url",
    "ip",
    "bot_detected",
    "is_framed",
    "is_masked",
    "seconds_on_page",
    "confirmed_owner",
)


@dataclass(frozen=True)
class TrustedFormCredentials:
    api_key: str


class TrustedFormClient:
    """Retains TrustedForm certificates and matches them against the lead's email and phone."""

    vendor = VENDOR

    def __init__(self, http: VendorHttp, credentials: TrustedFormCredentials) -> None:
        self._http = http
        self._credentials = credentials

    async def retain(
        self,
        cert_url: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        reference: str | None = None,
        vendor: str | None = None,
    ) -> CheckResult:
        """Retain one certificate. Nothing is sent when this raises InputError (bad URL, email, phone, neither
        email nor phone, or a multi-line reference/vendor) or MissingCredentials (no API key).

        A blank email or phone counts as not given; at least one is required (the v4 spec makes ``match_lead``
        mandatory with ``retain``). ``reference`` (your lead ID or URL) and ``vendor`` (who
        sold you the lead) are recorded on your copy of the certificate.
        """
        url = trustedform_cert_url(cert_url)
        match_lead: dict[str, str] = {}
        if email is not None and email.strip():
            match_lead["email"] = normalize_email(email)
        if phone is not None and phone.strip():
            match_lead["phone"] = normalize_phone(phone).digits10
        if not match_lead:
            # The v4 spec: "The `match_lead` operation is required when running the `retain` operation."
            raise InputError(
                "TrustedForm needs the lead's email or phone to retain a certificate (it matches them against "
                "what the consumer typed). Add --email and/or --phone.",
                field="email",
            )
        retain: dict[str, str] = {}
        for name, value in (("reference", reference), ("vendor", vendor)):
            if value is not None and value.strip():
                if any(ord(c) < 32 for c in value.strip()):
                    raise InputError(f"The {name} must be a single line of text.", field=name)
                retain[name] = value.strip()
        creds = self._credentials
        require(VENDOR, dataclasses.asdict(creds), "api_key")
        body: dict[str, Any] = {"match_lead": match_lead, "retain": retain}
        exchange = await self._http.send(
            "POST",
            url,
            headers=HEADERS,
            json_body=body,
            auth=("API", creds.api_key),
            redactor=Redactor([creds.api_key]),
            retry=RETRY,
            label=LABEL,
        )
        return parse_retain(exchange, url, supplied=tuple(match_lead))


# ---------------------------------------------------------------------------------------------------------------
# Reading the answer


def _body(exchange: Exchange) -> Any:
    """The answer parsed from the already-redacted text, so nothing derived from it can carry the key."""
    return decode_json(exchange.body_text)


def _text(value: Any) -> str | None:
    """A vendor string, or None for absent, empty or the literal "null" the documents sometimes show."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or text.lower() in {"null", "none"}:
        return None
    return text if len(text) <= MAX_VENDOR_TEXT else text[: MAX_VENDOR_TEXT - 1] + "…"


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    """ScansResult lists may be a single string or a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _iso(value: Any) -> str | None:
    """``expires_at`` as ``YYYY-MM-DDTHH:MM:SSZ``, whether or not TrustedForm sent milliseconds."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):  # not a date, or one that cannot be moved to UTC (year 1 or 9999)
        return _text(value)


def vendor_text(exchange: Exchange) -> str | None:
    """What TrustedForm said, in its own words: ``reason``, ``message``, ``errors.detail``, or a short text body."""
    body = _body(exchange)
    if isinstance(body, dict):
        for candidate in (body.get("reason"), body.get("message"), _dict(body.get("errors")).get("detail")):
            if said := _text(candidate):
                return said
        return _text(body.get("error"))  # the legacy API's {"error": "Invalid Authentication"}
    if isinstance(body, str):
        return _text(body)
    raw = exchange.body_text or ""
    if body is None and "<" in raw and ">" in raw:
        raw = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", raw)
        raw = re.sub(r"<[^>]*>", " ", raw)
    return _text(raw) if body is None else None


def _with_said(message: str, said: str | None) -> str:
    if not said:
        return message
    return f"{message} TrustedForm said: “{said}”" + ("" if said[-1] in ".!?…" else ".")


def call_error(exchange: Exchange) -> CallError | None:
    """The error for a transport failure or a status that says nothing about the certificate; None otherwise.

    404, 405, 410 and 422 are not errors here: they are TrustedForm's verdict on the certificate.
    """
    failure = exchange.failure
    tries = f"after {exchange.attempts} attempt{'s' if exchange.attempts != 1 else ''}"
    if failure is not None and failure.kind is ErrorKind.TIMEOUT and exchange.attempts > 1:
        return dataclasses.replace(failure, message=f"{failure.message} Leadcheck tried {exchange.attempts} times.")
    if failure is not None and failure.kind in (ErrorKind.TIMEOUT, ErrorKind.BAD_RESPONSE):
        return failure
    if failure is not None:
        message = f"Could not connect to TrustedForm ({tries}; no answer at all, “HTTP 0”)."
        return dataclasses.replace(failure, message=message)
    status = exchange.status_code
    if status is None or 200 <= status < 300 or status in CERTIFICATE_REFUSALS:
        return None
    said = vendor_text(exchange)
    if status in CALL_ERRORS:
        kind, message, hint = CALL_ERRORS[status]
        if status == 403 and said and re.search(r"product|operation|not enabled", said, re.IGNORECASE):
            kind = ErrorKind.FORBIDDEN
        return CallError(kind, _with_said(message, said), http_status=status, code=status, hint=hint)
    error = transport_or_status_error(exchange, LABEL, SETTINGS_HINT)
    assert error is not None  # a non-2xx status always has an explanation
    down = error.kind is ErrorKind.VENDOR_DOWN
    hint = VENDOR_DOWN_HINT if down else error.hint
    return dataclasses.replace(error, message=_with_said(error.message, said), code=status, hint=hint, retryable=down)


def _verify_summary(verify: dict[str, Any]) -> dict[str, Any] | None:
    if not verify:
        return None
    result = _dict(verify.get("result"))
    summary: dict[str, Any] = {check: _bool(result.get(check)) for check in VERIFY_CHECKS}
    languages = verify.get("languages")
    summary["languages"] = [
        text for item in (languages if isinstance(languages, list) else []) if (text := _text(_dict(item).get("text")))
    ]
    summary["advertiser_name"] = _text(verify.get("advertiser_name"))
    return summary


def _scans_summary(scans: dict[str, Any]) -> dict[str, Any] | None:
    if not scans:
        return None
    result = _dict(scans.get("result"))
    required, forbidden = _dict(result.get("required")), _dict(result.get("forbidden"))
    return {
        "success": _bool(result.get("success")),
        "required_found": _strings(required.get("found")),
        "required_not_found": _strings(required.get("not_found")),
        "forbidden_found": _strings(forbidden.get("found")),
        "forbidden_not_found": _strings(forbidden.get("not_found")),
    }


def _insights_summary(properties: dict[str, Any]) -> dict[str, Any] | None:
    if not properties:
        return None
    summary: dict[str, Any] = {}
    for name in INSIGHT_FIELDS:
        value = properties.get(name)
        summary[name] = value if isinstance(value, str | int | float | bool) else None
    summary["is_mobile"] = _bool(_dict(properties.get("os")).get("is_mobile"))
    summary["browser"] = _text(_dict(properties.get("browser")).get("full"))
    summary["os"] = _text(_dict(properties.get("os")).get("full"))
    geo = _dict(properties.get("approx_ip_geo"))
    place = [p for key in ("city", "state", "country_code") if (p := _text(geo.get(key)))]
    summary["approx_location"] = ", ".join(place) or None
    return summary


def parse_details(body: dict[str, Any], cert_url: str, supplied: tuple[str, ...]) -> dict[str, Any]:
    """The v4 answer as flat, stable keys. ``email_match``/``phone_match`` are None for fields not supplied."""
    match = _dict(_dict(body.get("match_lead")).get("result"))
    retain = _dict(body.get("retain"))
    results = retain.get("results")
    found = _dict(results)
    insights = _dict(body.get("insights"))
    return {
        "cert_url": cert_url,
        "outcome": body.get("outcome") if isinstance(body.get("outcome"), str) else None,
        "reason": _text(body.get("reason")),
        "reason_code": None,
        "retained": isinstance(results, dict),
        "expires_at": _iso(found.get("expires_at")),
        "previously_retained": _bool(found.get("previously_retained")),
        "masked_cert_url": _text(found.get("masked_cert_url")),
        "share_url": found.get("share_url") if isinstance(found.get("share_url"), str) else None,
        "reference": _text(retain.get("reference")),
        "lead_vendor": _text(retain.get("vendor")),
        "email_match": _bool(match.get("email_match")) if "email" in supplied else None,
        "phone_match": _bool(match.get("phone_match")) if "phone" in supplied else None,
        "match_success": _bool(match.get("success")),
        "verify": _verify_summary(_dict(body.get("verify"))),
        "scans": _scans_summary(_dict(insights.get("scans"))),
        "insights": _insights_summary(_dict(insights.get("properties"))),
    }


def _retained_phrase(details: dict[str, Any]) -> str:
    expires = details["expires_at"]
    phrase = f"Retained until {expires[:10]}" if expires else "Retained (no expiry date given)"
    return phrase + (" (already in your account)" if details["previously_retained"] else "")


def _and(words: list[str]) -> str:
    return " and ".join(words)


def _failure_reason(details: dict[str, Any]) -> str:
    """TrustedForm's reason, with the detail a buyer needs (which text was missing, which field did not match)."""
    reason: str | None = details["reason"]
    scans = details["scans"] or {}
    verify = details["verify"] or {}
    extra: list[str] = []
    if scans.get("required_not_found"):
        extra.append("required text not found: " + ", ".join(f"“{t}”" for t in scans["required_not_found"]))
    if scans.get("forbidden_found"):
        extra.append("forbidden text found: " + ", ".join(f"“{t}”" for t in scans["forbidden_found"]))
    if reason is None:
        if details["match_success"] is False:
            reason = "the lead's email/phone does not match the certificate"
        elif verify.get("success") is False:
            reason = "the consent language was not approved"
        elif scans.get("success") is False:
            reason = "the page scan failed"
        else:
            reason = "no reason given"
    return reason.rstrip(".") + (f" ({'; '.join(extra)})" if extra else "")


def parse_retain(exchange: Exchange, cert_url: str, *, supplied: tuple[str, ...] = ()) -> CheckResult:
    """Turn TrustedForm's answer into a flag, or an error saying what went wrong. ``supplied``: "email"/"phone"."""
    error = call_error(exchange)
    status = exchange.status_code
    if error is None and status in CERTIFICATE_REFUSALS:
        refusal = CERTIFICATE_REFUSALS[status]
        said = vendor_text(exchange)
        body = _body(exchange)
        details = parse_details(body if isinstance(body, dict) else {}, cert_url, supplied)
        details.update(reason=said, reason_code=refusal.reason_code, retained=False)
        return judged(VENDOR, OPERATION, cert_url, Flag.RED, _with_said(refusal.summary, said), details, exchange)
    if error is not None:
        return failed(VENDOR, OPERATION, cert_url, error, exchange)

    body = _body(exchange)
    if not isinstance(body, dict):
        what = "not in JSON" if body is None else "not with the JSON object the API documents"
        return failed(VENDOR, OPERATION, cert_url, bad_response(LABEL, what, exchange), exchange)
    outcome = body.get("outcome")
    if outcome not in ("success", "failure", "error"):
        error = bad_response(LABEL, "without saying whether the operation succeeded (no “outcome”)", exchange)
        return failed(VENDOR, OPERATION, cert_url, error, exchange)
    details = parse_details(body, cert_url, supplied)

    def failed_with_details(error: CallError) -> CheckResult:
        result = failed(VENDOR, OPERATION, cert_url, error, exchange)
        result.details = details
        return result

    if outcome == "error":
        message = _with_said(
            "TrustedForm reported an unexpected error while processing the certificate.", _text(body.get("reason"))
        )
        hint = "Try again in a few minutes; if it keeps happening, contact TrustedForm support."
        return failed_with_details(
            CallError(ErrorKind.VENDOR_DOWN, message, http_status=status, code="outcome_error", hint=hint)
        )
    if outcome == "failure":
        summary = f"TrustedForm failed this certificate: {_failure_reason(details)}."
        if details["retained"]:
            summary += f" {_retained_phrase(details)}."
        return judged(VENDOR, OPERATION, cert_url, Flag.RED, summary, details, exchange)

    if not details["retained"]:
        what = "said “success” without confirming that the certificate was retained"
        return failed_with_details(bad_response(LABEL, what, exchange))
    unknown = [f for f in supplied if details[f"{f}_match"] is None]
    if unknown:
        what = f"retained the certificate without saying whether the {_and(unknown)} matched"
        return failed_with_details(bad_response(LABEL, what, exchange))

    retained = _retained_phrase(details)
    matched = [f for f in supplied if details[f"{f}_match"]]
    unmatched = [f for f in supplied if not details[f"{f}_match"]]
    if unmatched and (not matched or details["match_success"] is False):
        verb = "do" if len(unmatched) > 1 else "does"
        summary = f"{retained}, but the {_and(unmatched)} {verb} not match the certificate: do not contact this lead."
        return judged(VENDOR, OPERATION, cert_url, Flag.RED, summary, details, exchange)
    if unmatched:
        summary = f"{retained}, but the {_and(unmatched)} does not match the certificate ({_and(matched)} matches)."
        return judged(VENDOR, OPERATION, cert_url, Flag.YELLOW, summary, details, exchange)
    if matched:
        verb = "match" if len(matched) > 1 else "matches"
        summary = f"{retained}; {_and(matched)} {verb}."
    else:
        summary = f"{retained}; no email or phone given to match."
    return judged(VENDOR, OPERATION, cert_url, Flag.GREEN, summary, details, exchange)
