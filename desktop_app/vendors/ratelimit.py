"""Pacing and retrying vendor calls: per-host rate limits, the retry policy, and when to try again.

:class:`RateLimiter` keeps one host's (or one endpoint's) pace with an injectable clock and sleep;
:class:`RetryPolicy` says which failures are tried again and how long to back off; :func:`retry_after_seconds`
reads a 429's ``RateLimit-Reset`` / ``Retry-After``. :func:`decide_retry` is the whole retry rule as a pure
function of the policy and what the last attempt produced (:class:`Attempt`), so a table of cases can test it;
:class:`~desktop_app.vendors.http.VendorHttp` carries out its :class:`RetryDecision`.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from desktop_app.vendors.errors import ErrorKind

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

    def backoff(self, attempt: int, jitter: float | None = None) -> float:
        """Delay before attempt ``attempt + 1`` (attempt counts from 1), with a little jitter: ``jitter`` in [0, 1)
        scales it from 0.8x to 1.2x (random when not given)."""
        delay: float = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return delay * (0.8 + 0.4 * (random.random() if jitter is None else jitter))


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
# When to try again

DEFAULT_RATE_LIMIT_WAIT = 60.0  # a 429 that does not say how long to wait
MAX_RATE_LIMIT_WAITS = 3  # rate limits waited out per call before it is reported


@dataclass(frozen=True)
class Attempt:
    """What the retry decision needs to know about a call after its latest attempt.

    ``attempts`` counts requests sent, not those answered with a rate limit that was then waited out;
    ``failure`` is why there was no answer (timeout, network, …), else ``status`` is the answer's;
    ``retry_after`` is what a 429 asked for (seconds, None when it did not say); ``vendor_retryable`` is the
    vendor's own rule for an answer HTTP alone does not mark (Jornaya's error code 100).
    """

    attempts: int
    rate_limit_waits: int = 0
    failure: ErrorKind | None = None
    status: int | None = None
    retry_after: float | None = None
    vendor_retryable: bool = False


@dataclass(frozen=True)
class RetryDecision:
    """Try again after ``wait`` seconds (None: do not); ``after_rate_limit`` when the wait is a vendor's rate
    limit; ``pause_host`` seconds every request to the host waits (a 429, whether or not this call retries)."""

    wait: float | None
    after_rate_limit: bool = False
    pause_host: float | None = None

    @property
    def retry(self) -> bool:
        return self.wait is not None


NO_MORE_TRIES = RetryDecision(None)


def decide_retry(policy: RetryPolicy, attempt: Attempt, jitter: float = 0.5) -> RetryDecision:
    """Whether and when to try again, from the retry policy and what the last attempt produced.

    Timeouts and network failures are retried when the policy allows, up to ``max_attempts``; a 429 (when the
    policy honours rate limits) waits what the vendor asked, at most ``max_rate_limit_wait`` and
    :data:`MAX_RATE_LIMIT_WAITS` times, without using up an attempt; the policy's statuses and the vendor's own
    retryable answers back off (``jitter``: see :meth:`RetryPolicy.backoff`).
    """
    if attempt.failure is not None:
        retryable = (attempt.failure is ErrorKind.TIMEOUT and policy.retry_timeouts) or (
            attempt.failure is ErrorKind.NETWORK and policy.retry_network
        )
        if retryable and attempt.attempts < policy.max_attempts:
            return RetryDecision(policy.backoff(attempt.attempts, jitter))
        return NO_MORE_TRIES
    if attempt.status == 429 and policy.honour_rate_limit:
        wait = DEFAULT_RATE_LIMIT_WAIT if attempt.retry_after is None else attempt.retry_after
        if wait > policy.max_rate_limit_wait or attempt.rate_limit_waits >= MAX_RATE_LIMIT_WAITS:
            return RetryDecision(None, pause_host=wait)
        return RetryDecision(wait, after_rate_limit=True, pause_host=wait)
    retry_answer = attempt.status in policy.retry_statuses or attempt.vendor_retryable
    if retry_answer and attempt.attempts < policy.max_attempts:
        return RetryDecision(policy.backoff(attempt.attempts, jitter))
    return NO_MORE_TRIES
