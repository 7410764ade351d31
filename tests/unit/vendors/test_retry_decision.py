"""The retry rule as a table: what the last attempt produced, under which policy, decides whether and when."""

from __future__ import annotations

import pytest

from desktop_app.vendors.errors import ErrorKind
from desktop_app.vendors.ratelimit import Attempt, RetryDecision, RetryPolicy, decide_retry

DEFAULT = RetryPolicy()  # 3 attempts, 1 s doubling to 20 s, 5xx, timeouts, network, rate limits up to 120 s
NO_TRANSPORT = RetryPolicy(max_attempts=3, retry_statuses=frozenset({503}), retry_timeouts=False, retry_network=False)
IGNORES_429 = RetryPolicy(honour_rate_limit=False)

CASES = [
    # (policy, attempt, decision) -- jitter 0.5 makes the backoff exact: 1 s, 2 s, 4 s ...
    ("timeout retried", DEFAULT, Attempt(1, failure=ErrorKind.TIMEOUT), RetryDecision(1.0)),
    ("network retried, doubling", DEFAULT, Attempt(2, failure=ErrorKind.NETWORK), RetryDecision(2.0)),
    ("attempts used up", DEFAULT, Attempt(3, failure=ErrorKind.TIMEOUT), RetryDecision(None)),
    ("timeouts not retried", NO_TRANSPORT, Attempt(1, failure=ErrorKind.TIMEOUT), RetryDecision(None)),
    ("network not retried", NO_TRANSPORT, Attempt(1, failure=ErrorKind.NETWORK), RetryDecision(None)),
    ("too large never retried", DEFAULT, Attempt(1, failure=ErrorKind.BAD_RESPONSE), RetryDecision(None)),
    ("503 retried", DEFAULT, Attempt(1, status=503), RetryDecision(1.0)),
    ("500 not in this policy", NO_TRANSPORT, Attempt(1, status=500), RetryDecision(None)),
    ("5xx attempts used up", DEFAULT, Attempt(3, status=502), RetryDecision(None)),
    ("200 is done", DEFAULT, Attempt(1, status=200), RetryDecision(None)),
    ("404 is done", DEFAULT, Attempt(1, status=404), RetryDecision(None)),
    ("vendor says retry", DEFAULT, Attempt(1, status=200, vendor_retryable=True), RetryDecision(1.0)),
    ("vendor retry used up", DEFAULT, Attempt(3, status=200, vendor_retryable=True), RetryDecision(None)),
    (
        "429 waits what it asked",
        DEFAULT,
        Attempt(1, status=429, retry_after=7.0),
        RetryDecision(7.0, after_rate_limit=True, pause_host=7.0),
    ),
    (
        "429 without a time waits a minute",
        DEFAULT,
        Attempt(1, status=429),
        RetryDecision(60.0, after_rate_limit=True, pause_host=60.0),
    ),
    (
        "429 waits do not use up attempts",
        DEFAULT,
        Attempt(3, rate_limit_waits=2, status=429, retry_after=1.0),
        RetryDecision(1.0, after_rate_limit=True, pause_host=1.0),
    ),
    (
        "429 too long: reported, host still paused",
        DEFAULT,
        Attempt(1, status=429, retry_after=121.0),
        RetryDecision(None, pause_host=121.0),
    ),
    (
        "fourth 429: reported",
        DEFAULT,
        Attempt(1, rate_limit_waits=3, status=429, retry_after=1.0),
        RetryDecision(None, pause_host=1.0),
    ),
    ("429 ignored by policy", IGNORES_429, Attempt(1, status=429, retry_after=1.0), RetryDecision(None)),
]


@pytest.mark.parametrize(("policy", "attempt", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_retry_decision(policy: RetryPolicy, attempt: Attempt, expected: RetryDecision) -> None:
    assert decide_retry(policy, attempt, jitter=0.5) == expected


def test_backoff_is_capped_and_jittered_within_a_fifth() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=20.0)
    assert [policy.backoff(n, 0.5) for n in (1, 2, 3, 4, 5, 6)] == [1.0, 2.0, 4.0, 8.0, 16.0, 20.0]
    assert policy.backoff(3, 0.0) == pytest.approx(3.2) and policy.backoff(3, 0.999999) == pytest.approx(4.8)
