"""Plumbing shared by the simulated vendors: the request a vendor sees, the response it returns, shared state.

The HTTP server in :mod:`desktop_app.sandbox.simulator` turns each wire request into a :class:`SimRequest`
(path already stripped of the vendor prefix), asks the vendor for a :class:`SimResponse`, and writes it out.
Vendors keep their state in memory and take :attr:`SimContext.lock` around every read-modify-write.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


@dataclass(frozen=True)
class SimRequest:
    """One request as a vendor sees it. ``path`` excludes the vendor prefix; ``headers`` keys are lower-case."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not."""
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, list[str]]:
        """The body as ``application/x-www-form-urlencoded`` fields (empty unless it plausibly is a form)."""
        if not self.body or self.content_type not in ("", "application/x-www-form-urlencoded"):
            return {}
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return {}
        return parse_qs(text, keep_blank_values=True)

    def params(self) -> dict[str, list[str]]:
        """Query parameters and form fields together (form values after query values)."""
        merged: dict[str, list[str]] = {k: list(v) for k, v in self.query.items()}
        for key, values in self.form().items():
            merged.setdefault(key, []).extend(values)
        return merged

    def fields(self) -> dict[str, Any] | None:
        """A flat object from a JSON object body or a form body ({} when empty); None when the body is neither."""
        if not self.body.strip():
            return {}
        if self.content_type == "application/json" or self.body.lstrip().startswith(b"{"):
            try:
                data = self.json()
            except (ValueError, UnicodeDecodeError):
                return None
            return data if isinstance(data, dict) else None
        form = self.form()
        if not form and self.body.strip():
            return None
        return {k: v[-1] for k, v in form.items()}


@dataclass
class SimResponse:
    """What a vendor answers. ``delay`` adds vendor-specific waiting on top of the simulator's latency."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SimResponse:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return SimResponse(status, body, JSON_TYPE, dict(headers or {}))


def text_response(status: int, text: str, content_type: str = TEXT_TYPE) -> SimResponse:
    return SimResponse(status, text.encode("utf-8"), content_type)


def empty_response(status: int) -> SimResponse:
    return SimResponse(status, b"", None)


def not_found(req: SimRequest) -> SimResponse:
    """The simulator's own 404 for a path no simulated vendor serves."""
    return json_response(404, {"error": "not_found", "message": f"No simulated endpoint for {req.method} {req.path}"})


class Vendor(Protocol):
    """A simulated vendor: answers one request."""

    def handle(self, req: SimRequest) -> SimResponse: ...


@dataclass
class SimContext:
    """Settings and state shared by every simulated vendor of one simulator."""

    enforce_rate_limits: bool = True
    job_polls_until_done: int = 2
    lock: threading.RLock = field(default_factory=threading.RLock)

    @staticmethod
    def now() -> float:
        return time.time()

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())


def iso_z(moment: datetime) -> str:
    """``2023-07-18T12:03:52Z`` (UTC, whole seconds), TrustedForm's format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(moment: datetime, millis: bool = False) -> str:
    """``2021-05-05T08:57:13+00:00`` (UTC with an offset), Contact State's format."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds" if millis else "seconds")


def utc_now() -> datetime:
    return datetime.now(UTC)


def days_from_now(days: int) -> datetime:
    return utc_now() + timedelta(days=days)
