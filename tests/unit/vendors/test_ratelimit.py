"""The rate limiter's window and pauses, and Retry-After / RateLimit-Reset read safely from any header."""

from __future__ import annotations

import httpx
import pytest

from desktop_app.vendors.ratelimit import RateLimiter, retry_after_seconds
from tests.unit.vendors.helpers import FakeSleep


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_rate_limiter_waits_for_the_window_and_for_a_reset() -> None:
    clock, sleep = FakeClock(), FakeSleep()

    async def advancing_sleep(seconds: float) -> None:
        sleep.delays.append(seconds)
        clock.now += seconds

    limiter = RateLimiter(2, 60.0, clock=clock, sleep=advancing_sleep)
    assert await limiter.acquire() == 0
    assert await limiter.acquire() == 0
    assert await limiter.acquire() == pytest.approx(60.0)
    limiter.pause_until(clock.now + 5)
    assert limiter.delay() == pytest.approx(5.0)


def test_retry_after_reads_unix_reset_delta_and_http_date() -> None:
    clock = FakeClock(1_700_000_000.0)
    assert retry_after_seconds(httpx.Response(429, headers={"RateLimit-Reset": "1700000012"}), clock) == 12
    assert retry_after_seconds(httpx.Response(429, headers={"RateLimit-Reset": "7"}), clock) == 7
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "3"}), clock) == 3
    assert retry_after_seconds(httpx.Response(429), clock) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"RateLimit-Reset": "soon", "Retry-After": "whenever"},
        {"RateLimit-Reset": "nan"},
        {"Retry-After": "inf"},
        {"Retry-After": "Mon, 99 Foo 2020 99:99:99 GMT"},
        {"RateLimit-Reset": "-3"},
    ],
)
def test_retry_after_ignores_garbage(headers: dict[str, str]) -> None:
    assert retry_after_seconds(httpx.Response(429, headers=headers), FakeClock()) is None


def test_retry_after_is_never_more_than_a_day() -> None:
    clock = FakeClock()
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "1e300"}), clock) == 86_400
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "-5"}), clock) == 0
