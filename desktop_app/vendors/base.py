"""What every vendor client shares: the result a buyer reads, the error tree, and the HTTP plumbing.

A vendor client validates its input, sends one request through :class:`VendorHttp`, and turns the answer
into a :class:`CheckResult`. Problems found *before* anything is sent are raised; problems with the call
itself come back inside the result, because they are facts about the buyer's account or connection, not
judgements of the lead (a failed call never carries a flag).

Exception tree (raised before any request is sent)::

    LeadcheckError
    ├── InputError            the buyer's input is refused locally (URL, token, phone, field, CSV row)
    ├── MissingCredentials    a key the operation needs is not configured (names the variable to set)
    ├── OriginMapError        the origin map (LEADCHECK_ORIGINS) is unreadable, malformed, or would send keys
    │                         in clear text to another computer; refused at start-up
    └── UnsafeDestination     a request would carry a key to a host that is not the vendor's https host (a bug)

Call failures after sending (``CheckResult.error.kind``, an :class:`ErrorKind`)::

    auth · billing · forbidden · rate_limited · vendor_down · timeout · network
    rejected (the vendor refused the request as sent) · not_found · bad_response (an answer we cannot read)

Every call is bounded: one deadline (the timeout setting) covers connecting, sending, every read and the waits
between retries, and an answer is read only up to :data:`MAX_RESPONSE_BYTES` (decompressed size counted).
Answers are decoded once, defensively, by :func:`decode_json`; no vendor parses raw text itself.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import email.utils
import ipaddress
import json
import math
import os
import random
import time
import zlib
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


class OriginMapError(LeadcheckError):
    """The origin map cannot be used: unreadable, malformed, or sending a vendor over plain http to another host."""


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


LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host: str) -> bool:
    """True for this computer's own addresses: 127.0.0.0/8, ::1 (also IPv4-mapped) and ``localhost``."""
    host = host.strip("[]").lower().rstrip(".")
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


class OriginMap:
    """Where an already-validated request is delivered: the real vendor origin, or a replacement.

    ``LEADCHECK_ORIGINS`` names a JSON file ``{"https://cert.trustedform.com": "http://127.0.0.1:8765/tf"}``.
    The real URL's path and query are appended to the replacement. A key may use one leading wildcard
    label (``https://*.digitalsegment.com``) for vendors with a host per account. Validation always runs on
    the real URL first; this only changes the destination. It serves tests, sandboxes and proxies.

    Keys travel only over https: a replacement must be an https URL, or plain http to this computer (the demo
    and test simulators). Anything else raises :class:`OriginMapError` here, before any request is built.
    ``source`` names where the mapping came from, for that message.
    """

    def __init__(self, mapping: Mapping[str, str] | None = None, *, source: str = "The origin map") -> None:
        self._exact: dict[str, str] = {}
        self._wildcard: list[tuple[str, str, str]] = []
        for origin, target in (mapping or {}).items():
            origin = origin.rstrip("/").lower()
            target = target.rstrip("/")
            _check_target(origin, target, source)
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
        except (OSError, ValueError, RecursionError) as exc:
            raise OriginMapError(f"LEADCHECK_ORIGINS points to {path!r}, which is not a readable JSON file.") from exc
        if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
            raise OriginMapError(f"LEADCHECK_ORIGINS file {path!r} must map origin strings to base URL strings.")
        return cls(raw, source=f"The LEADCHECK_ORIGINS file {path!r}")

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


def _check_target(origin: str, target: str, source: str) -> None:
    """Refuse a replacement that is not https, unless it is plain http to this computer."""
    parts = urlsplit(target)
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        host = ""
    if parts.scheme not in ("http", "https") or not host:
        raise OriginMapError(f"{source} maps {origin} to {target!r}, which is not an http(s) address.")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise OriginMapError(
            f"{source} maps {origin} to {target}, a plain http:// address on another computer: the vendor's keys "
            "would travel unencrypted. Use an https:// address, or http:// only to this computer "
            "(127.0.0.1, ::1 or localhost)."
        )


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
MAX_RETRY_AFTER = 86_400.0


def header_number(value: str | None) -> float | None:
    """A header's value as a finite number, or None when it is absent or anything else ("soon", "nan", "1e999")."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def retry_after_seconds(response: httpx.Response, clock: Clock) -> float | None:
    """Seconds to wait from ``RateLimit-Reset`` (UNIX time, or seconds if small) or ``Retry-After`` (seconds or
    an HTTP date); None when neither says anything readable. Never negative, never more than a day."""
    reset = header_number(response.headers.get("RateLimit-Reset"))
    if reset is not None and reset >= 0:
        # Vendors disagree: Contact State sends a UNIX timestamp; the IETF draft sends delta-seconds.
        return _bounded_wait(reset - clock() if reset > 1_000_000_000 else reset)
    after = response.headers.get("Retry-After")
    if after is None:
        return None
    seconds = header_number(after)
    if seconds is None:
        try:
            seconds = email.utils.parsedate_to_datetime(after).timestamp() - clock()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    return _bounded_wait(seconds)


def _bounded_wait(seconds: float) -> float:
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


# ---------------------------------------------------------------------------------------------------------------
# Reading answers

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_STORED_BODY = 256 * 1024


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _nesting_within(value: Any, limit: int) -> bool:
    """True when no list or object in ``value`` is nested more than ``limit`` deep (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def decode_json(content: str | bytes | None) -> Any:
    """An answer's JSON, or None when it is not JSON Leadcheck can safely use.

    Every vendor reads its answers through here. Refused: text that is not JSON, ``NaN``/``Infinity`` (not JSON,
    and ``bool(nan)`` is true), numbers too long to convert, and lists or objects nested more than
    :data:`MAX_JSON_DEPTH` deep (which would exhaust the stack here or in whatever walks the value later).
    """
    if not content:
        return None
    try:
        value = json.loads(content, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    return value if _nesting_within(value, MAX_JSON_DEPTH) else None


def answer_text(response: httpx.Response) -> str:
    """The body as text in its declared charset, never raising (``response.text`` does for some: utf-16
    without a byte-order mark); what cannot be decoded becomes U+FFFD."""
    try:
        return response.content.decode(response.encoding or "utf-8", errors="replace")
    except (LookupError, UnicodeError):
        return response.content.decode("utf-8", errors="replace")


_NOT_DECODED: Any = object()


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
    _decoded: Any = field(default=_NOT_DECODED, init=False, repr=False, compare=False)

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    def json(self) -> Any:
        """The body as JSON through :func:`decode_json` (None when it is not usable JSON); decoded once."""
        if self.response is None:
            return None
        if self._decoded is _NOT_DECODED:
            self._decoded = decode_json(self.response.content)
        return self._decoded


class AnswerTooLarge(Exception):
    """More than the size cap arrived (counted after decompression)."""


class AnswerUndecodable(Exception):
    """The answer's compression is not one Leadcheck asked for, or it is broken."""


class CappedBody:
    """Collects an answer's body up to ``limit`` bytes, counting both what arrived and what it decompresses to.

    gzip and deflate are inflated here rather than by httpx, asking zlib for no more than the bytes still
    allowed, so a gzip bomb stops at the cap instead of unfolding a whole network chunk (up to ~1000x) first.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c for c in (c.strip().lower() for c in content_encoding.split(",")) if c not in ("", "identity")]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise AnswerUndecodable(content_encoding)
        self.limit = limit
        self.received = 0
        self.size = 0
        self._parts: list[bytes] = []
        self._raw_deflate_tried = not codings or codings[0] != "deflate"
        self._inflater = None
        if codings:
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if "gzip" in codings[0] else zlib.MAX_WBITS)

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        self._keep(chunk if self._inflater is None else self._inflate(chunk))

    def content(self) -> bytes:
        if self._inflater is not None:
            try:
                self._keep(self._inflater.flush())
            except zlib.error as exc:
                raise AnswerUndecodable(str(exc)) from exc
        return b"".join(self._parts)

    def _inflate(self, chunk: bytes) -> bytes:
        assert self._inflater is not None
        try:
            return self._inflater.decompress(chunk, self.limit - self.size + 1)
        except zlib.error as exc:
            if self._raw_deflate_tried or self.received != len(chunk):
                raise AnswerUndecodable(str(exc)) from exc
            # Some servers send "deflate" without its zlib header (as httpx also tolerates).
            self._raw_deflate_tried = True
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._inflate(chunk)

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit or self.received > self.limit:
            raise AnswerTooLarge()
        if data:
            self._parts.append(data)


_FRAMING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _with_content(response: httpx.Response, content: bytes) -> httpx.Response:
    """The answer as read: status and headers, with the decoded body in memory (its connection is closed)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _FRAMING_HEADERS]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=response.request,
        extensions=response.extensions,
    )


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


# ---------------------------------------------------------------------------------------------------------------
# Sending

ACCEPT_ENCODING = "gzip, deflate"  # the only codings CappedBody inflates


@dataclass
class _Call:
    """One logical request and how far its attempts got; it lives outside the deadline, so a call cut off
    mid-attempt still reports what was sent and how many times."""

    build: Callable[[], httpx.Request]
    label: str
    host: str
    retry: RetryPolicy
    limiters: Sequence[RateLimiter]
    retry_if: Callable[[httpx.Response], bool] | None
    request: httpx.Request | None = None
    response: httpx.Response | None = None
    failure: CallError | None = None
    sent: int = 0
    rate_limit_waits: int = 0

    @property
    def attempts(self) -> int:
        """Requests sent, not counting those answered with a rate limit that was then waited out."""
        return self.sent - self.rate_limit_waits


@dataclass(frozen=True)
class _NextTry:
    wait: float
    after_rate_limit: bool = False


class VendorHttp:
    """Sends vendor requests: https only, through the origin map, within one deadline, read up to a size cap,
    retried by policy.

    Collaborators come in through the constructor: the shared ``httpx.AsyncClient``, the origin map, the
    deadline per call (``timeout``: the timeout setting, seconds), the size cap, and (for tests) the clock and
    sleep used by backoff.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        origins: OriginMap | None = None,
        timeout: float = 30.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not (math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"a vendor call's deadline must be a positive number of seconds, not {timeout!r}")
        self.client = client
        self.origins = origins or OriginMap()
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
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
        label: str = "",
    ) -> Exchange:
        """Send one logical request and report what happened. Never raises for network or HTTP trouble.

        ``url`` is the real vendor URL, already validated by the caller; it must be https. ``retry_if``
        lets a vendor mark an answer retryable that HTTP alone does not (Jornaya's error code 100). ``label``
        is the vendor's name as a buyer knows it, for the messages of calls that took too long or answered too
        much. Waiting for a turn in ``limiters`` comes before the deadline starts; everything after is inside it.
        """
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise UnsafeDestination(f"Refusing to send credentials to a non-https address ({parts.scheme}://…).")
        redactor = redactor or Redactor()
        if auth:
            redactor.add(auth[1])
        destination = self.origins.resolve(url)

        def build() -> httpx.Request:
            return self._build_request(method, destination, headers, json_body, form, auth)

        call = _Call(build, label, parts.hostname, retry, limiters, retry_if)
        started = utcnow()
        for limiter in limiters:
            await limiter.acquire()
        await self._within_deadline(call)
        record = self._request_record(call.request, destination != url, url, redactor, frozenset(secret_fields))
        body_text: str | None = None
        if call.response is not None:
            body_text = redactor.text(answer_text(call.response)[:MAX_STORED_BODY])
        return Exchange(
            response=call.response,
            failure=call.failure,
            request_record=record,
            body_text=body_text,
            attempts=call.attempts,
            started_at=started,
            finished_at=utcnow(),
        )

    def _build_request(
        self,
        method: str,
        destination: str,
        headers: Mapping[str, str] | None,
        json_body: Any,
        form: Mapping[str, str] | None,
        auth: tuple[str, str] | None,
    ) -> httpx.Request:
        request_headers = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            request_headers["Authorization"] = f"Basic {token}"
        return self.client.build_request(
            method,
            destination,
            headers=request_headers,
            json=json_body,
            data=dict(form) if form is not None else None,
            timeout=self.timeout,
        )

    async def _within_deadline(self, call: _Call) -> None:
        """Run the attempts; if the deadline passes first, whatever was happening, the call ends as a timeout.

        httpx's own timeouts apply to each read, so a peer trickling one byte a second (or ``100 Continue``
        forever) never trips them: this deadline covers connect, send, every read and the waits between tries.
        """
        deadline = asyncio.get_running_loop().time() + self.timeout
        try:
            async with asyncio.timeout_at(deadline):
                await self._attempts(call, deadline)
        except TimeoutError:
            call.response, call.failure = None, self._too_slow(call)

    async def _attempts(self, call: _Call, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            call.sent += 1
            call.request = call.build()
            call.response, call.failure = await self._attempt(call)
            next_try = self._next_try(call)
            if next_try is None or next_try.wait > deadline - loop.time():
                return  # no retry, or none that could be answered before the deadline
            if next_try.after_rate_limit:
                call.rate_limit_waits += 1
            if next_try.wait > 0 and not (next_try.after_rate_limit and call.limiters):
                await self.sleep(next_try.wait)  # (after a rate limit, the paused limiters do the waiting)
            for limiter in call.limiters:
                await limiter.acquire()

    async def _attempt(self, call: _Call) -> tuple[httpx.Response | None, CallError | None]:
        """One request on the wire, its answer read within the size cap; the answer, or why there is none."""
        assert call.request is not None
        status: int | None = None
        try:
            response = await self.client.send(call.request, stream=True)
            status = response.status_code
            try:
                content = await self._read_capped(response)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            return None, self._too_slow(call)
        except (httpx.NetworkError, httpx.ProtocolError, httpx.ProxyError, httpx.UnsupportedProtocol):
            return None, CallError(
                ErrorKind.NETWORK,
                f"Could not reach {call.host}.",
                hint=default_hint(ErrorKind.NETWORK, call.label, ""),
                retryable=True,
            )
        except AnswerTooLarge:
            return None, self._too_large(call, status)
        except AnswerUndecodable:
            message = f"{call.label or 'The vendor'} sent an answer in a compression Leadcheck cannot read."
            return None, CallError(
                ErrorKind.BAD_RESPONSE,
                message,
                http_status=status,
                hint=default_hint(ErrorKind.BAD_RESPONSE, call.label or "The vendor", ""),
            )
        return _with_content(response, content), None

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """The body, decompressed, or AnswerTooLarge as soon as more than the cap has arrived."""
        limit = self.max_response_bytes
        if response.is_stream_consumed:  # built in memory (httpx.MockTransport): already read and decoded
            if len(response.content) > limit:
                raise AnswerTooLarge()
            return response.content
        declared = header_number(response.headers.get("Content-Length"))
        if declared is not None and declared > limit:
            raise AnswerTooLarge()
        body = CappedBody(response.headers.get("Content-Encoding", ""), limit)
        async for chunk in response.aiter_raw():
            body.feed(chunk)
        return body.content()

    def _next_try(self, call: _Call) -> _NextTry | None:
        """Whether and when to try again, from the retry policy and what the last attempt produced."""
        retry = call.retry
        if call.failure is not None:
            kind = call.failure.kind
            retryable = (kind is ErrorKind.TIMEOUT and retry.retry_timeouts) or (
                kind is ErrorKind.NETWORK and retry.retry_network
            )
            return _NextTry(retry.backoff(call.attempts)) if retryable and call.attempts < retry.max_attempts else None
        response = call.response
        assert response is not None
        if response.status_code == 429 and retry.honour_rate_limit:
            wait = retry_after_seconds(response, self.clock)
            wait = 60.0 if wait is None else wait
            for limiter in call.limiters:
                limiter.pause_until(self.clock() + wait)  # every request to this host waits, not only this one
            if wait > retry.max_rate_limit_wait or call.rate_limit_waits >= 3:
                return None
            return _NextTry(wait, after_rate_limit=True)
        retry_answer = response.status_code in retry.retry_statuses or (call.retry_if and call.retry_if(response))
        if retry_answer and call.attempts < retry.max_attempts:
            return _NextTry(retry.backoff(call.attempts))
        return None

    def _too_slow(self, call: _Call) -> CallError:
        who = call.label or "The vendor"
        return CallError(
            ErrorKind.TIMEOUT,
            f"{who} answered too slowly (no complete answer within {self.timeout:g} s).",
            hint=default_hint(ErrorKind.TIMEOUT, who, ""),
            retryable=True,
        )

    def _too_large(self, call: _Call, status: int | None) -> CallError:
        whose = f"any {call.label} answer" if call.label else "any answer this vendor sends"
        size = f"{self.max_response_bytes / (1024 * 1024):g} MB"
        return CallError(
            ErrorKind.BAD_RESPONSE,
            f"The answer was larger than {whose} (over {size}); it was not read.",
            http_status=status,
            hint=default_hint(ErrorKind.BAD_RESPONSE, call.label or "The vendor", ""),
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
