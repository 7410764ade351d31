"""What every vendor client shares: the result a buyer reads, the error tree, and the HTTP plumbing.

A vendor client validates its input, sends one request through :class:`VendorHttp`, and turns the answer
into a :class:`CheckResult`. Problems found *before* anything is sent are raised; problems with the call
itself come back inside the result, because they are facts about the buyer's account or connection, not
judgements of the lead (a failed call never carries a flag).

Exception tree (raised before any request is sent)::

    LeadcheckError
    ├── InputError            the buyer's input is refused locally (URL, token, phone, field, CSV row)
    ├── MissingCredentials    a key the operation needs is not configured (names the variable to set)
    └── UnsafeDestination     a request would carry a key to a host that is not the vendor's https host (a bug)

Call failures after sending (``CheckResult.error.kind``, an :class:`ErrorKind`)::

    auth · billing · forbidden · rate_limited · vendor_down · timeout · network
    rejected (the vendor refused the request as sent) · not_found · bad_response (an answer we cannot read)
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import email.utils
import json
import os
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

REDACTED = "[redacted]"


class Flag(StrEnum):
    """The colour a buyer acts on. A lead is judged green, yellow or red; a failed call has no flag."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def word(self) -> str:
        return self.value.capitalize()


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


class UnsafeDestination(LeadcheckError):
    """A request carrying a key was about to leave for a host that is not the vendor's own https host."""


# ---------------------------------------------------------------------------------------------------------------
# The result


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


# ---------------------------------------------------------------------------------------------------------------
# Secrets


class Redactor:
    """Replaces every known secret value in text and in nested data with ``[redacted]``.

    Clients register the secrets they send; everything stored, logged or shown passes through here.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        # Very short values would redact innocent text everywhere; real keys are long.
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value


SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "cookie"})


# ---------------------------------------------------------------------------------------------------------------
# Origin map


class OriginMap:
    """Where an already-validated request is delivered: the real vendor origin, or a replacement.

    ``LEADCHECK_ORIGINS`` names a JSON file ``{"https://cert.trustedform.com": "http://127.0.0.1:8765/tf"}``.
    The real URL's path and query are appended to the replacement. A key may use one leading wildcard
    label (``https://*.digitalsegment.com``) for vendors with a host per account. Validation always runs on
    the real URL first; this only changes the destination. It serves tests, sandboxes and proxies.
    """

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self._exact: dict[str, str] = {}
        self._wildcard: list[tuple[str, str, str]] = []
        for origin, target in (mapping or {}).items():
            origin = origin.rstrip("/").lower()
            target = target.rstrip("/")
            if "://*." in origin:
                scheme, rest = origin.split("://*.", 1)
                self._wildcard.append((scheme, "." + rest, target))
            else:
                self._exact[origin] = target

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OriginMap:
        env = os.environ if environ is None else environ
        path = env.get("LEADCHECK_ORIGINS", "").strip()
        if not path:
            return cls()
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LeadcheckError(f"LEADCHECK_ORIGINS points to {path!r}, which is not a readable JSON file.") from exc
        if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
            raise LeadcheckError(f"LEADCHECK_ORIGINS file {path!r} must map origin strings to base URL strings.")
        return cls(raw)

    def __bool__(self) -> bool:
        return bool(self._exact or self._wildcard)

    def target_for(self, url: str) -> str | None:
        """The replacement base for ``url``'s origin, or None when it is delivered as is."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if origin in self._exact:
            return self._exact[origin]
        host = (parts.hostname or "").lower()
        for scheme, suffix, target in self._wildcard:
            if parts.scheme.lower() == scheme and host.endswith(suffix) and len(host) > len(suffix):
                return target
        return None

    def resolve(self, url: str) -> str:
        target = self.target_for(url)
        if target is None:
            return url
        parts = urlsplit(url)
        rest = parts.path or "/"
        if parts.query:
            rest += "?" + parts.query
        return target + rest


# ---------------------------------------------------------------------------------------------------------------
# Rate limits and retries


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """At most ``limit`` requests in any ``period`` seconds, plus a pause until a vendor-given reset time.

    One instance per vendor host (or per endpoint where the vendor sets a tighter limit), shared by every
    request to it. ``clock`` (wall time, seconds) and ``sleep`` are injectable for tests.
    """

    def __init__(
        self, limit: int, period: float, *, clock: Clock = time.time, sleep: Sleep = asyncio.sleep, name: str = ""
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a rate limit needs limit >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self.name = name
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause_until(self, timestamp: float) -> None:
        """Hold every request until ``timestamp`` (e.g. a 429's ``RateLimit-Reset``)."""
        self._paused_until = max(self._paused_until, timestamp)

    def delay(self) -> float:
        """Seconds until the next request may go, without taking a slot."""
        now = self._clock()
        wait = max(0.0, self._paused_until - now)
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        if len(self._sent) >= self.limit:
            wait = max(wait, self._sent[0] + self.period - now)
        return wait

    async def acquire(self) -> float:
        """Wait for a slot and take it; returns how long it waited."""
        waited = 0.0
        async with self._lock:
            while (wait := self.delay()) > 0:
                await self._sleep(wait)
                waited += wait
            self._sent.append(self._clock())
        return waited


@dataclass(frozen=True)
class RetryPolicy:
    """Which failures are tried again, how often, and how long to wait (capped exponential backoff)."""

    max_attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 20.0
    retry_statuses: frozenset[int] = frozenset({500, 502, 503, 504})
    retry_timeouts: bool = True
    retry_network: bool = True
    honour_rate_limit: bool = True
    max_rate_limit_wait: float = 120.0

    def backoff(self, attempt: int) -> float:
        """Delay before attempt ``attempt + 1`` (attempt counts from 1), with a little jitter."""
        delay: float = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return delay * (0.8 + 0.4 * random.random())


NO_RETRY = RetryPolicy(max_attempts=1)


def retry_after_seconds(response: httpx.Response, clock: Clock) -> float | None:
    """Seconds to wait from ``RateLimit-Reset`` (UNIX time, or seconds if small) or ``Retry-After``."""
    reset = response.headers.get("RateLimit-Reset")
    if reset:
        try:
            value = float(reset)
        except ValueError:
            value = -1.0
        if value >= 0:
            # Vendors disagree: Contact State sends a UNIX timestamp; the IETF draft sends delta-seconds.
            return max(0.0, value - clock()) if value > 1_000_000_000 else value
    after = response.headers.get("Retry-After")
    if after:
        try:
            return max(0.0, float(after))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(after) if after else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - clock())
    return None


# ---------------------------------------------------------------------------------------------------------------
# HTTP


@dataclass
class Exchange:
    """What happened on the wire for one logical request (possibly several attempts)."""

    response: httpx.Response | None
    failure: CallError | None
    request_record: dict[str, Any]
    body_text: str | None
    attempts: int
    started_at: str
    finished_at: str

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        if self.response is None:
            return None
        try:
            return self.response.json()
        except (ValueError, UnicodeDecodeError):
            return None


MAX_STORED_BODY = 256 * 1024


def _body_for_record(content: bytes, content_type: str) -> Any:
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if "x-www-form-urlencoded" in content_type:
        return dict(httpx.QueryParams(text))
    return text


def _scrub_fields(value: Any, secret_fields: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: (REDACTED if k in secret_fields else _scrub_fields(v, secret_fields)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_fields(v, secret_fields) for v in value]
    return value


class VendorHttp:
    """Sends vendor requests: https only, through the origin map, bounded by a timeout, retried by policy.

    Collaborators come in through the constructor: the shared ``httpx.AsyncClient``, the origin map, the
    per-request timeout, and (for tests) the clock and sleep used by backoff.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        origins: OriginMap | None = None,
        timeout: float = 30.0,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.origins = origins or OriginMap()
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        redactor: Redactor | None = None,
        secret_fields: Iterable[str] = (),
        retry: RetryPolicy = NO_RETRY,
        limiters: Sequence[RateLimiter] = (),
        retry_if: Callable[[httpx.Response], bool] | None = None,
    ) -> Exchange:
        """Send one logical request and report what happened. Never raises for network or HTTP trouble.

        ``url`` is the real vendor URL, already validated by the caller; it must be https. ``retry_if``
        lets a vendor mark an answer retryable that HTTP alone does not (Jornaya's error code 100).
        """
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise UnsafeDestination(f"Refusing to send credentials to a non-https address ({parts.scheme}://…).")
        redactor = redactor or Redactor()
        if auth:
            redactor.add(auth[1])
        secret_field_set = frozenset(secret_fields)
        destination = self.origins.resolve(url)
        started = utcnow()
        attempts = 0
        rate_limit_waits = 0
        response: httpx.Response | None = None
        failure: CallError | None = None
        request: httpx.Request | None = None

        while True:
            attempts += 1
            for limiter in limiters:
                await limiter.acquire()
            request_headers = dict(headers or {})
            if auth:
                token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
                request_headers["Authorization"] = f"Basic {token}"
            request = self.client.build_request(
                method,
                destination,
                headers=request_headers,
                json=json_body,
                data=dict(form) if form is not None else None,
                timeout=self.timeout,
            )
            response, failure = None, None
            try:
                response = await self.client.send(request)
                await response.aread()
            except httpx.TimeoutException:
                failure = CallError(
                    ErrorKind.TIMEOUT,
                    f"No answer within {self.timeout:g} seconds.",
                    hint="Check your internet connection, or raise the timeout in Settings; then try again.",
                    retryable=True,
                )
            except (httpx.NetworkError, httpx.ProtocolError, httpx.ProxyError, httpx.UnsupportedProtocol):
                failure = CallError(
                    ErrorKind.NETWORK,
                    f"Could not reach {parts.hostname}.",
                    hint="Check your internet connection (or proxy/firewall) and try again.",
                    retryable=True,
                )

            retry_delay: float | None = None
            if failure is not None:
                retryable = (failure.kind is ErrorKind.TIMEOUT and retry.retry_timeouts) or (
                    failure.kind is ErrorKind.NETWORK and retry.retry_network
                )
                if retryable and attempts < retry.max_attempts:
                    retry_delay = retry.backoff(attempts)
            elif response is not None:
                if response.status_code == 429 and retry.honour_rate_limit:
                    wait = retry_after_seconds(response, self.clock)
                    wait = 60.0 if wait is None else wait
                    for limiter in limiters:
                        limiter.pause_until(self.clock() + wait)
                    if wait <= retry.max_rate_limit_wait and rate_limit_waits < 3:
                        rate_limit_waits += 1
                        attempts -= 1  # waiting out a rate limit is not a failed attempt
                        retry_delay = 0.0 if limiters else wait
                elif (response.status_code in retry.retry_statuses or (retry_if and retry_if(response))) and (
                    attempts < retry.max_attempts
                ):
                    retry_delay = retry.backoff(attempts)
            if retry_delay is None:
                break
            if retry_delay > 0:
                await self.sleep(retry_delay)

        record = self._request_record(request, destination != url, url, redactor, secret_field_set)
        body_text: str | None = None
        if response is not None:
            raw = response.content[:MAX_STORED_BODY].decode(response.encoding or "utf-8", errors="replace")
            body_text = redactor.text(raw)
        return Exchange(
            response=response,
            failure=failure,
            request_record=record,
            body_text=body_text,
            attempts=attempts,
            started_at=started,
            finished_at=utcnow(),
        )

    @staticmethod
    def _request_record(
        request: httpx.Request | None,
        mapped: bool,
        real_url: str,
        redactor: Redactor,
        secret_fields: frozenset[str],
    ) -> dict[str, Any]:
        if request is None:
            return {}
        headers = {
            k: (REDACTED if k.lower() in SECRET_HEADERS else redactor.text(v)) for k, v in request.headers.items()
        }
        body = _body_for_record(request.content, request.headers.get("content-type", ""))
        record: dict[str, Any] = {
            "method": request.method,
            "url": redactor.text(real_url),
            "headers": headers,
            "body": redactor.data(_scrub_fields(body, secret_fields)),
        }
        if mapped:
            record["delivered_to"] = redactor.text(str(request.url))
        return record


# ---------------------------------------------------------------------------------------------------------------
# Shared status explanations


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


def truthy(value: Any) -> bool | None:
    """A vendor's yes/no in any of the shapes vendors send (true, "true", 1, "1", "yes"); None if neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "no"}:
        return False
    return None


def replace_error(error: CallError, **changes: Any) -> CallError:
    return dataclasses.replace(error, **changes)
