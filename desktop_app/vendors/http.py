"""Sending vendor requests: https only, through the origin map, within one deadline, read up to a size cap,
retried by policy, and recorded with every secret replaced by ``[redacted]``.

:meth:`VendorHttp.send` works in layers, each a screenful (as httpx's ``send`` →
``_send_handling_auth`` → ``_send_handling_redirects`` → ``_send_single_request``):

``send``                      refuse a non-https URL, pick the destination, wait for the rate limiters, record
``_send_within_deadline``     one deadline over everything after the limiters: a trickling peer becomes a timeout
``_send_handling_retries``    attempt, ask :func:`~desktop_app.vendors.ratelimit.decide_retry`, wait, repeat
``_send_single_request``      one request on the wire, its answer read within the size cap; transport trouble
                              becomes a :class:`~desktop_app.vendors.errors.CallError`

Network and HTTP trouble never raises: it comes back in the :class:`~desktop_app.vendors.answers.Exchange`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from desktop_app.vendors.answers import (
    MAX_RESPONSE_BYTES,
    MAX_STORED_BODY,
    AnswerTooLarge,
    AnswerUndecodable,
    CappedBody,
    Exchange,
    answer_text,
    with_content,
)
from desktop_app.vendors.errors import CallError, ErrorKind, UnsafeDestination, default_hint
from desktop_app.vendors.origins import OriginMap
from desktop_app.vendors.ratelimit import (
    NO_RETRY,
    Attempt,
    Clock,
    RateLimiter,
    RetryDecision,
    RetryPolicy,
    Sleep,
    decide_retry,
    header_number,
    retry_after_seconds,
)
from desktop_app.vendors.results import utcnow

REDACTED = "[redacted]"
ACCEPT_ENCODING = "gzip, deflate"  # the only codings CappedBody inflates


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
# Sending


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
        await self._send_within_deadline(call)
        return Exchange(
            response=call.response,
            failure=call.failure,
            request_record=request_record(call.request, url, redactor, frozenset(secret_fields), destination != url),
            body_text=redactor.text(answer_text(call.response)[:MAX_STORED_BODY])
            if call.response is not None
            else None,
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

    async def _send_within_deadline(self, call: _Call) -> None:
        """Run the attempts; if the deadline passes first, whatever was happening, the call ends as a timeout.

        httpx's own timeouts apply to each read, so a peer trickling one byte a second (or ``100 Continue``
        forever) never trips them: this deadline covers connect, send, every read and the waits between tries.
        """
        deadline = asyncio.get_running_loop().time() + self.timeout
        try:
            async with asyncio.timeout_at(deadline):
                await self._send_handling_retries(call, deadline)
        except TimeoutError:
            call.response, call.failure = None, self._too_slow(call)

    async def _send_handling_retries(self, call: _Call, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            call.sent += 1
            call.request = call.build()
            call.response, call.failure = await self._send_single_request(call)
            decision = self._retry_decision(call)
            if decision.wait is None or decision.wait > deadline - loop.time():
                return  # no retry, or none that could be answered before the deadline
            if decision.after_rate_limit:
                call.rate_limit_waits += 1
            if decision.wait > 0 and not (decision.after_rate_limit and call.limiters):
                await self.sleep(decision.wait)  # (after a rate limit, the paused limiters do the waiting)
            for limiter in call.limiters:
                await limiter.acquire()

    def _retry_decision(self, call: _Call) -> RetryDecision:
        """:func:`decide_retry` on the last attempt; a 429 pauses every request to this host, not only this one."""
        response = call.response
        status = response.status_code if response is not None else None
        rate_limited = status == 429 and call.retry.honour_rate_limit
        retry_after = retry_after_seconds(response, self.clock) if response is not None and rate_limited else None
        vendor_retryable = False
        if response is not None and not rate_limited and status not in call.retry.retry_statuses:
            vendor_retryable = call.retry_if is not None and bool(call.retry_if(response))
        attempt = Attempt(
            attempts=call.attempts,
            rate_limit_waits=call.rate_limit_waits,
            failure=call.failure.kind if call.failure is not None else None,
            status=status,
            retry_after=retry_after,
            vendor_retryable=vendor_retryable,
        )
        decision = decide_retry(call.retry, attempt, jitter=random.random())
        if decision.pause_host is not None:
            for limiter in call.limiters:
                limiter.pause_until(self.clock() + decision.pause_host)
        return decision

    async def _send_single_request(self, call: _Call) -> tuple[httpx.Response | None, CallError | None]:
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
        return with_content(response, content), None

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


# ---------------------------------------------------------------------------------------------------------------
# The record of what was sent


def request_record(
    request: httpx.Request | None,
    real_url: str,
    redactor: Redactor,
    secret_fields: frozenset[str],
    mapped: bool,
) -> dict[str, Any]:
    """What was sent, as stored: secret headers, secret fields and every known secret value redacted; the real
    vendor URL, and where it was delivered when the origin map replaced it."""
    if request is None:
        return {}
    headers = {k: (REDACTED if k.lower() in SECRET_HEADERS else redactor.text(v)) for k, v in request.headers.items()}
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
