"""TCPA Litigator API (api.rrdblive.com): is this phone number a known serial TCPA plaintiff?

One number per request (the API refuses more, error 35070). The phone is normalised and impossible
numbers are refused before anything is sent. Credentials (ClientID, CWSID, Token) travel as form fields
of an https POST, never in the URL, so they cannot leak through logs of addresses.

Flags: ``PhoneIsLitigator`` 1 -> red, 0 -> green. Every documented ``errorID`` has its own explanation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import httpx

from desktop_app.vendors.answers import Exchange, decode_json, truthy
from desktop_app.vendors.credentials import require
from desktop_app.vendors.errors import CallError, ErrorKind, bad_response, default_hint, transport_or_status_error
from desktop_app.vendors.http import Redactor, VendorHttp
from desktop_app.vendors.ratelimit import RetryPolicy
from desktop_app.vendors.results import CheckResult, Flag, failed, judged
from desktop_app.vendors.validation import normalize_phone

VENDOR = "litigator"
LABEL = "TCPA Litigator"
ENDPOINT = "https://api.rrdblive.com/DDM/WebService.cfc?method=process"
SETTINGS_HINT = "Open Settings → TCPA Litigator to fix the Client ID, CWSID and Token."
MAX_SAID = 300
RETRY = RetryPolicy(max_attempts=3, retry_statuses=frozenset({500, 502, 503, 504}))

# errorID -> (kind, plain words). From the vendor's table; the header/message it sends is shown alongside.
ERROR_IDS: dict[int, tuple[ErrorKind, str]] = {
    400: (ErrorKind.REJECTED, "The litigator service rejected the request (API error)."),
    403: (ErrorKind.REJECTED, "The litigator service only accepts secure (HTTPS) requests."),
    500: (ErrorKind.VENDOR_DOWN, "The litigator service had an unexpected error."),
    1000: (ErrorKind.AUTH, "The litigator service did not accept your credentials (authentication failed)."),
    2000: (ErrorKind.REJECTED, "The litigator service says required fields are missing or blank."),
    35030: (ErrorKind.AUTH, "The litigator service has no active web service for your CWSID."),
    35040: (ErrorKind.AUTH, "Your Token is not authorised for this CWSID."),
    35050: (ErrorKind.REJECTED, "The litigator service says no data was submitted."),
    35060: (ErrorKind.VENDOR_DOWN, "The litigator web service reported an error."),
    35070: (ErrorKind.REJECTED, "The litigator service accepts only one phone number per request."),
}
ERROR_HINTS: dict[int, str] = {
    1000: SETTINGS_HINT,
    35030: "Open Settings → TCPA Litigator and check the CWSID (Client Web Service ID).",
    35040: "Open Settings → TCPA Litigator and check that the Token belongs to this CWSID.",
    403: "Leadcheck always uses HTTPS; if a proxy rewrites requests, check its settings.",
    35070: "Check one phone number at a time.",
}


@dataclass(frozen=True)
class LitigatorCredentials:
    client_id: str
    cwsid: str
    token: str


class LitigatorClient:
    """Checks phone numbers against the TCPA litigator database."""

    vendor = VENDOR

    def __init__(self, http: VendorHttp, credentials: LitigatorCredentials) -> None:
        self._http = http
        self._credentials = credentials

    async def check_phone(self, phone: str) -> CheckResult:
        """Look up one phone number. Raises InputError for an impossible number (nothing is sent)."""
        number = normalize_phone(phone)
        creds = self._credentials
        require(VENDOR, dataclasses.asdict(creds), "client_id", "cwsid", "token")
        redactor = Redactor([creds.client_id, creds.cwsid, creds.token])
        exchange = await self._http.send(
            "POST",
            ENDPOINT,
            form={
                "ClientID": creds.client_id,
                "CWSID": creds.cwsid,
                "Token": creds.token,
                "PhoneNumber": number.digits10,
            },
            headers={"Accept": "application/json"},
            redactor=redactor,
            secret_fields=("ClientID", "CWSID", "Token"),
            retry=RETRY,
            retry_if=_is_retryable_answer,
            label=LABEL,
        )
        return parse_check(exchange, number.e164)


def _is_retryable_answer(response: httpx.Response) -> bool:
    """The service's own "unexpected error" (errorID 500) inside an answer is worth another try."""
    return any(_error_id(e) == 500 for e in _errors(decode_json(response.content)))


def _errors(body: Any) -> list[Any]:
    """The ``errors`` list of an answer, or [] when there is none or it is not a list."""
    errors = body.get("errors") if isinstance(body, dict) else None
    return errors if isinstance(errors, list) else []


def _error_id(error: Any) -> int | None:
    if not isinstance(error, dict):
        return None
    raw = error.get("errorID")
    try:
        return int(raw) if isinstance(raw, int | str) else None
    except ValueError:
        return None


def _said(value: Any) -> str:
    """A piece of the service's own wording, when it is text (or a number), on one line and not too long."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_SAID else text[: MAX_SAID - 1] + "…"


def error_from_body(body: Any, status: int | None) -> CallError | None:
    """The documented error envelope ``{"success": false, "errors": [{errorID, errorHeader, errorMessage}]}``."""
    if not isinstance(body, dict) or truthy(body.get("success")) is not False:
        return None
    errors = _errors(body)
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    error_id = _error_id(first)
    header = _said(first.get("errorHeader"))
    vendor_text = _said(first.get("errorMessage"))
    kind, message = ERROR_IDS.get(error_id or -1, (ErrorKind.REJECTED, "The litigator service reported an error."))
    said = ": ".join(p for p in (header, vendor_text) if p)
    if said:
        message = f"{message} (The service said: {said}.)"
    return CallError(
        kind,
        message,
        http_status=status,
        code=error_id,
        hint=ERROR_HINTS.get(error_id or -1) or default_hint(kind, LABEL, SETTINGS_HINT),
        retryable=kind is ErrorKind.VENDOR_DOWN,
    )


def parse_check(exchange: Exchange, subject: str) -> CheckResult:
    """Turn the answer into a red/green flag, or an error that says what went wrong."""
    op = "check"
    body = exchange.json()
    error = exchange.failure or error_from_body(body, exchange.status_code)
    if error is None:
        error = transport_or_status_error(exchange, LABEL, SETTINGS_HINT)
    if error is not None:
        return failed(VENDOR, op, subject, error, exchange)
    if not isinstance(body, dict):
        return failed(VENDOR, op, subject, bad_response(LABEL, "not in JSON", exchange), exchange)
    if truthy(body.get("success")) is not True:
        return failed(VENDOR, op, subject, bad_response(LABEL, "without saying it succeeded", exchange), exchange)
    out = body.get("dataOut")
    row = out[0] if isinstance(out, list) and out and isinstance(out[0], dict) else None
    if row is None:
        return failed(VENDOR, op, subject, bad_response(LABEL, "with no result for the number", exchange), exchange)
    is_litigator = truthy(row.get("PhoneIsLitigator"))
    if is_litigator is None:
        return failed(
            VENDOR, op, subject, bad_response(LABEL, "without saying whether it is a litigator", exchange), exchange
        )
    standardized = _said(row.get("PhoneNumber"))
    details = {"phone_is_litigator": is_litigator, "standardized_phone": standardized, "phone_e164": subject}
    if is_litigator:
        summary = "Known TCPA litigator: do not call this number."
        return judged(VENDOR, op, subject, Flag.RED, summary, details, exchange)
    return judged(VENDOR, op, subject, Flag.GREEN, "Not a known TCPA litigator.", details, exchange)
