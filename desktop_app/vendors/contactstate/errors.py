"""Contact State's errors in the buyer's words: Certify's, Connect's and Perform's error answers, the hints that
say what to do, and rate-limit answers with the time to try again."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from desktop_app.vendors.answers import Exchange
from desktop_app.vendors.errors import CallError, ErrorKind, transport_or_status_error
from desktop_app.vendors.ratelimit import header_number, retry_after_seconds
from desktop_app.vendors.registry import vendor as vendor_facts

VENDOR = "contactstate"


LABEL = vendor_facts(VENDOR).label


API_KEY_HINT = "Open Settings → Contact State to fix the API key (used for Connect leads, stats and exports)."


SECRET_KEY_HINT = "Open Settings → Contact State to fix the secret key (each secret key belongs to one buyer)."


RATE_LIMIT_HINT = (
    "Contact State allows 60 requests a minute, and 10 new leads a minute; wait until the reset time, then "
    "try again (batches slow down automatically)."
)


CONNECT_ERROR_TYPES: dict[str, tuple[ErrorKind, str]] = {
    "invalid_request_error": (ErrorKind.REJECTED, "Contact State refused the request"),
    "authentication_error": (ErrorKind.AUTH, "Contact State did not accept the API key"),
    "resource_missing_error": (ErrorKind.NOT_FOUND, "Contact State could not find it"),
    "rate_limit_error": (ErrorKind.RATE_LIMITED, "Contact State is limiting how fast this account can send requests"),
    "api_error": (ErrorKind.VENDOR_DOWN, "Contact State had an internal error"),
}


STATUS_ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "resource_missing_error",
    429: "rate_limit_error",
    500: "api_error",
}


CONNECT_ERROR_HINTS: dict[str, str] = {
    "invalid_request_error": "Correct the fields named above, then send again.",
    "authentication_error": API_KEY_HINT,
    "resource_missing_error": "Check the Connect lead ID (Contact State returns it when the lead is created).",
    "rate_limit_error": RATE_LIMIT_HINT,
    "api_error": "The problem is on Contact State's side; try again later (their API logs are in your account).",
}


MAINTENANCE_HINT = "Contact State is undergoing maintenance; try again later."


def iso_utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def plain_value(value: Any) -> Any:
    """A JSON value kept only if it is a plain scalar (what the window can show in a cell)."""
    return value if value is None or isinstance(value, str | int | float | bool) else None


def certify_error_message(body: Any) -> str | None:
    """The message of Certify/Perform's documented error answer ``{"error": {"message": …}}``."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
        if isinstance(message, str) and message.strip():
            return message.strip()
    return None


def connect_error(
    exchange: Exchange, now: float, *, uncertain_hint: str | None = None
) -> tuple[CallError, dict[str, Any]] | None:
    """The error for a failed Connect/Perform Bearer call, with the vendor's errors as details; None on 2xx.

    Connect answers ``{"error_type": …, "errors": [{"code", "message", "param"}]}``; Perform may answer
    ``{"error": {"message": …}}``; a 503 (maintenance) may be HTML. All three are read without trusting the shape.
    """
    if exchange.failure is not None:
        error = exchange.failure
        if uncertain_hint and error.kind in (ErrorKind.TIMEOUT, ErrorKind.NETWORK):
            error = dataclasses.replace(error, hint=uncertain_hint, retryable=False)
        return error, {}
    status = exchange.status_code or 0
    if 200 <= status < 300:
        return None
    body = exchange.json()
    errors: list[dict[str, Any]] = []
    error_type: str | None = None
    if isinstance(body, dict):
        if isinstance(body.get("error_type"), str):
            error_type = body["error_type"]
        listed = body.get("errors")
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, dict):
                errors.append({k: plain_value(item.get(k)) for k in ("code", "message", "param")})
        said_single = certify_error_message(body)
        if said_single and not errors:
            errors.append({"code": None, "message": said_single, "param": None})
    details: dict[str, Any] = {"error_type": error_type, "errors": errors}
    if error_type not in CONNECT_ERROR_TYPES:
        error_type = STATUS_ERROR_TYPES.get(status) if status != 503 else None
    validation = error_type == "invalid_request_error"
    said = "; ".join(
        (f"{e['param']}: " if e.get("param") and validation else "") + str(e["message"]).strip().rstrip(".")
        for e in errors
        if e.get("message")
    )
    if status == 503:
        message = "Contact State is down for maintenance (HTTP 503)"
        error = CallError(ErrorKind.VENDOR_DOWN, message, http_status=status, code="maintenance", hint=MAINTENANCE_HINT)
    elif error_type is not None:
        kind, message = CONNECT_ERROR_TYPES[error_type]
        hint = CONNECT_ERROR_HINTS[error_type]
        if kind is ErrorKind.RATE_LIMITED:
            message, limits = _rate_limit_message(exchange, now)
            details.update(limits)
        error = CallError(
            kind,
            message,
            http_status=status,
            code=error_type,
            hint=hint,
            retryable=kind in (ErrorKind.RATE_LIMITED, ErrorKind.VENDOR_DOWN),
        )
    else:
        fallback = transport_or_status_error(exchange, LABEL, API_KEY_HINT)
        assert fallback is not None  # a non-2xx status always has an explanation
        error = dataclasses.replace(fallback, message=fallback.message.rstrip("."))
    if not said:
        message = f"{error.message}."
    elif validation:
        message = f"{error.message}: {said}."
    else:
        message = f"{error.message} (Contact State said: {said})."
    return dataclasses.replace(error, message=message), details


def _rate_limit_message(exchange: Exchange, now: float) -> tuple[str, dict[str, Any]]:
    headers = exchange.response.headers if exchange.response is not None else {}
    details: dict[str, Any] = {"rate_limit_reset": None, "rate_limit_limit": None, "rate_limit_remaining": None}
    for header, key in (("RateLimit-Limit", "rate_limit_limit"), ("RateLimit-Remaining", "rate_limit_remaining")):
        number = header_number(headers.get(header))
        if number is not None and number.is_integer() and 0 <= number < 1e12:
            details[key] = int(number)
    message = "Contact State is limiting how fast this account can send requests"
    wait = retry_after_seconds(exchange.response, lambda: now) if exchange.response is not None else None
    if wait is None:
        return message, details
    details["rate_limit_reset"] = iso_utc(now + wait)
    return f"{message}; try again after {details['rate_limit_reset']}", details
