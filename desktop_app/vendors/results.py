"""The result a buyer reads: one call to one vendor about one subject, judged green, yellow or red, or failed.

A vendor client validates its input, sends one request through :class:`~desktop_app.vendors.http.VendorHttp`,
and turns the :class:`~desktop_app.vendors.answers.Exchange` into a :class:`CheckResult` with :func:`judged`
(the call completed) or :func:`failed` (it did not: no flag, the error's words as the summary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from desktop_app.vendors.errors import CallError

if TYPE_CHECKING:
    from desktop_app.vendors.answers import Exchange


class Flag(StrEnum):
    """The colour a buyer acts on. A lead is judged green, yellow or red; a failed call has no flag."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def word(self) -> str:
        return self.value.capitalize()


def utcnow() -> str:
    """An ISO 8601 UTC timestamp with milliseconds, the one format the store and exports use."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class CheckResult:
    """One call to one vendor about one subject (a certificate, token, phone, lead or batch of opt-outs).

    ``flag`` is None when the call failed (``error`` set) or when the operation judges nothing (a lead
    deleted, a status pushed). ``request`` is what was sent with every secret replaced by ``[redacted]``;
    ``response_body`` is the raw answer text, also scrubbed of secrets.
    """

    vendor: str
    operation: str
    subject: str
    flag: Flag | None
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    error: CallError | None = None
    http_status: int | None = None
    request: dict[str, Any] = field(default_factory=dict)
    response_body: str | None = None
    started_at: str = field(default_factory=utcnow)
    finished_at: str = field(default_factory=utcnow)
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_public_dict(self) -> dict[str, Any]:
        """The shape printed by ``leadcheck --json`` (one JSON object per check)."""
        return {
            "vendor": self.vendor,
            "operation": self.operation,
            "subject": self.subject,
            "flag": self.flag.value if self.flag else None,
            "summary": self.summary,
            "details": self.details,
            "error": self.error.to_dict() if self.error else None,
            "http_status": self.http_status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


def failed(
    vendor: str,
    operation: str,
    subject: str,
    error: CallError,
    exchange: Exchange | None = None,
) -> CheckResult:
    """A result for a call that failed: no flag, the error's message as the summary."""
    return CheckResult(
        vendor=vendor,
        operation=operation,
        subject=subject,
        flag=None,
        summary=error.message,
        error=error,
        http_status=error.http_status,
        request=exchange.request_record if exchange else {},
        response_body=exchange.body_text if exchange else None,
        started_at=exchange.started_at if exchange else utcnow(),
        finished_at=exchange.finished_at if exchange else utcnow(),
        attempts=exchange.attempts if exchange else 0,
    )


def judged(
    vendor: str,
    operation: str,
    subject: str,
    flag: Flag | None,
    summary: str,
    details: dict[str, Any],
    exchange: Exchange,
) -> CheckResult:
    """A result for a call that completed and (when ``flag`` is set) judged the subject."""
    return CheckResult(
        vendor=vendor,
        operation=operation,
        subject=subject,
        flag=flag,
        summary=summary,
        details=details,
        http_status=exchange.status_code,
        request=exchange.request_record,
        response_body=exchange.body_text,
        started_at=exchange.started_at,
        finished_at=exchange.finished_at,
        attempts=exchange.attempts,
    )
