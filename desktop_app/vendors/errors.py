"""The error tree of the vendor layer, and the plain words for a call that failed.

Problems found *before* anything is sent are raised; problems with the call itself come back inside the
result (:class:`~desktop_app.vendors.results.CheckResult`), because they are facts about the buyer's account or
connection, not judgements of the lead (a failed call never carries a flag).

Exception tree (raised before any request is sent)::

    LeadcheckError
    ├── InputError            the buyer's input is refused locally (URL, token, phone, field, CSV row)
    ├── MissingCredentials    a key the operation needs is not configured (names the variable to set)
    ├── OriginMapError        the origin map (LEADCHECK_ORIGINS) is unreadable, malformed, or would send keys
    │                         in clear text to another computer; refused at start-up
    └── UnsafeDestination     a request would carry a key to a host that is not the vendor's https host (a bug)

Call failures after sending (:class:`CallError`, whose ``kind`` is an :class:`ErrorKind`)::

    auth · billing · forbidden · rate_limited · vendor_down · timeout · network
    rejected (the vendor refused the request as sent) · not_found · bad_response (an answer we cannot read)

:func:`transport_or_status_error` sorts what came back into those kinds, in one place for every vendor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_app.vendors.answers import Exchange


class ErrorKind(StrEnum):
    """Why a call failed. Everything here is about the account, the connection or the vendor, never the lead."""

    CREDENTIALS = "credentials"
    AUTH = "auth"
    BILLING = "billing"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    VENDOR_DOWN = "vendor_down"
    TIMEOUT = "timeout"
    NETWORK = "network"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"
    BAD_RESPONSE = "bad_response"


# ---------------------------------------------------------------------------------------------------------------
# Exceptions raised before sending


class LeadcheckError(Exception):
    """Root of everything Leadcheck raises on purpose. ``str(exc)`` is written for a buyer to read."""


class InputError(LeadcheckError, ValueError):
    """The buyer's input was refused locally; no request was made."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class MissingCredentials(LeadcheckError):
    """A credential the operation needs is not set. The message names the variables and the settings screen."""

    def __init__(self, vendor: str, missing: Sequence[str], message: str) -> None:
        super().__init__(message)
        self.vendor = vendor
        self.missing = tuple(missing)


class OriginMapError(LeadcheckError):
    """The origin map cannot be used: unreadable, malformed, or sending a vendor over plain http to another host."""


class UnsafeDestination(LeadcheckError):
    """A request carrying a key was about to leave for a host that is not the vendor's own https host."""


# ---------------------------------------------------------------------------------------------------------------
# A call that failed


@dataclass(frozen=True)
class CallError:
    """A call that could not produce a judgement of the lead.

    ``message`` says in plain words what went wrong; ``hint`` says what the buyer can do about it.
    """

    kind: ErrorKind
    message: str
    http_status: int | None = None
    code: str | int | None = None
    hint: str = ""
    retryable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "message": self.message,
            "http_status": self.http_status,
            "code": self.code,
            "hint": self.hint,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CallError:
        return cls(
            kind=ErrorKind(data["kind"]),
            message=str(data.get("message", "")),
            http_status=data.get("http_status"),
            code=data.get("code"),
            hint=str(data.get("hint") or ""),
        )


def transport_or_status_error(
    exchange: Exchange,
    vendor_label: str,
    settings_hint: str,
    explanations: Mapping[int, tuple[ErrorKind, str]] | None = None,
) -> CallError | None:
    """The error for a transport failure, or for an HTTP status a vendor documents; None if neither applies.

    ``explanations`` maps a status to (kind, plain words); 5xx and unknown 4xx get sensible defaults.
    """
    if exchange.failure is not None:
        return exchange.failure
    status = exchange.status_code
    if status is None or 200 <= status < 300:
        return None
    explanations = explanations or {}
    if status in explanations:
        kind, message = explanations[status]
    elif status == 429:
        kind, message = ErrorKind.RATE_LIMITED, f"{vendor_label} is limiting how fast we can send requests."
    elif status >= 500:
        kind, message = ErrorKind.VENDOR_DOWN, f"{vendor_label} had a server problem (HTTP {status})."
    elif status in (401, 403):
        kind, message = ErrorKind.AUTH, f"{vendor_label} did not accept the credentials (HTTP {status})."
    else:
        kind, message = ErrorKind.REJECTED, f"{vendor_label} refused the request (HTTP {status})."
    return CallError(kind, message, http_status=status, hint=default_hint(kind, vendor_label, settings_hint))


def default_hint(kind: ErrorKind, vendor_label: str, settings_hint: str) -> str:
    """What a buyer can do about an error of this kind."""
    return {
        ErrorKind.CREDENTIALS: settings_hint,
        ErrorKind.AUTH: settings_hint,
        ErrorKind.BILLING: f"Check your {vendor_label} account's billing and subscription, then try again.",
        ErrorKind.FORBIDDEN: f"Ask {vendor_label} support to enable this feature for your account.",
        ErrorKind.RATE_LIMITED: "Wait a minute and try again; Leadcheck slows down automatically in batches.",
        ErrorKind.VENDOR_DOWN: f"{vendor_label} is having trouble; try again in a few minutes.",
        ErrorKind.TIMEOUT: "Check your internet connection, or raise the timeout in Settings; then try again.",
        ErrorKind.NETWORK: "Check your internet connection (or proxy/firewall) and try again.",
        ErrorKind.REJECTED: "Check what you entered; if it looks right, contact the vendor's support.",
        ErrorKind.NOT_FOUND: "Check the ID or URL you entered.",
        ErrorKind.BAD_RESPONSE: (
            f"{vendor_label} sent an answer Leadcheck could not read; try again or contact support."
        ),
    }.get(kind, "")


def bad_response(vendor_label: str, what: str, exchange: Exchange) -> CallError:
    """An answer that arrived but is missing what the documents promise: an error, never a green flag."""
    return CallError(
        ErrorKind.BAD_RESPONSE,
        f"{vendor_label} answered, but {what}.",
        http_status=exchange.status_code,
        hint=default_hint(ErrorKind.BAD_RESPONSE, vendor_label, ""),
    )


def replace_error(error: CallError, **changes: Any) -> CallError:
    return dataclasses.replace(error, **changes)
