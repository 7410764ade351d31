"""The shared plumbing: origin map, rate limiter, Retry-After/RateLimit-Reset, https-only, redaction."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from desktop_app.vendors.base import (
    REDACTED,
    LeadcheckError,
    OriginMap,
    RateLimiter,
    Redactor,
    RetryPolicy,
    UnsafeDestination,
    retry_after_seconds,
)
from tests.unit.vendors.helpers import FakeSleep, json_response, mock_http


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_origin_map_appends_path_and_query() -> None:
    origins = OriginMap({"https://cert.trustedform.com": "http://127.0.0.1:8765/tf/"})
    assert origins.resolve("https://cert.trustedform.com/abc?x=1") == "http://127.0.0.1:8765/tf/abc?x=1"
    assert origins.resolve("https://api.leadid.com/SingleQuery") == "https://api.leadid.com/SingleQuery"


def test_origin_map_wildcard_matches_account_hosts_only() -> None:
    origins = OriginMap({"https://*.digitalsegment.com": "http://127.0.0.1:1/cc"})
    assert origins.resolve("https://acme.digitalsegment.com/RestServices/OptOut/Upload") == (
        "http://127.0.0.1:1/cc/RestServices/OptOut/Upload"
    )
    assert origins.resolve("https://digitalsegment.com/x") == "https://digitalsegment.com/x"
    assert origins.resolve("https://evil.com/?h=.digitalsegment.com") == "https://evil.com/?h=.digitalsegment.com"


def test_origin_map_from_env(tmp_path: Path) -> None:
    path = tmp_path / "origins.json"
    path.write_text(json.dumps({"https://api.leadid.com": "http://127.0.0.1:9/j"}))
    assert OriginMap.from_env({"LEADCHECK_ORIGINS": str(path)}).resolve("https://api.leadid.com/a") == (
        "http://127.0.0.1:9/j/a"
    )
    path.write_text("not json")
    with pytest.raises(LeadcheckError, match="not a readable JSON file"):
        OriginMap.from_env({"LEADCHECK_ORIGINS": str(path)})


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


async def test_429_waits_until_reset_then_retries() -> None:
    clock = FakeClock()
    answers = iter(
        [
            json_response(429, {"error_type": "rate_limit_error"}, {"RateLimit-Reset": str(int(clock.now) + 9)}),
            json_response(200, {"ok": True}),
        ]
    )
    sleep = FakeSleep()
    http, rec = mock_http(lambda r: next(answers), clock=clock, sleep=sleep)
    exchange = await http.send("GET", "https://connect.contactstate.com/leads/x", retry=RetryPolicy())
    assert exchange.status_code == 200 and len(rec.requests) == 2
    assert sleep.delays == [pytest.approx(9.0)]


async def test_server_errors_back_off_and_stop_at_the_cap() -> None:
    sleep = FakeSleep()
    http, rec = mock_http(lambda r: httpx.Response(502), sleep=sleep)
    exchange = await http.send("GET", "https://api.leadid.com/x", retry=RetryPolicy(max_attempts=4, base_delay=1))
    assert exchange.status_code == 502 and exchange.attempts == 4 and len(rec.requests) == 4
    assert len(sleep.delays) == 3 and sleep.delays[0] < sleep.delays[2]


async def test_plain_http_destination_is_refused() -> None:
    http, rec = mock_http(lambda r: httpx.Response(200))
    with pytest.raises(UnsafeDestination):
        await http.send("POST", "http://cert.trustedform.com/abc", auth=("API", "secret-key"))
    assert rec.requests == []


async def test_origin_map_delivers_elsewhere_but_records_real_url_without_secrets() -> None:
    http, rec = mock_http(
        lambda r: httpx.Response(200, json={"echo": "secret-key-123"}),
        origins=OriginMap({"https://cert.trustedform.com": "http://127.0.0.1:9/tf"}),
    )
    exchange = await http.send(
        "POST",
        "https://cert.trustedform.com/abc",
        auth=("API", "secret-key-123"),
        json_body={"retain": {}, "secret_key": "other-secret-999"},
        secret_fields=("secret_key",),
    )
    assert str(rec.requests[0].url) == "http://127.0.0.1:9/tf/abc"
    record = json.dumps(exchange.request_record)
    assert "secret-key-123" not in record and "other-secret-999" not in record
    assert exchange.request_record["url"] == "https://cert.trustedform.com/abc"
    assert exchange.request_record["headers"]["authorization"] == REDACTED
    assert exchange.body_text is not None and "secret-key-123" not in exchange.body_text


def test_redactor_scrubs_nested_data_longest_first() -> None:
    redactor = Redactor(["abcd", "abcdef12"])
    assert redactor.data({"a": ["x abcdef12 y", {"b": "abcd"}]}) == {"a": [f"x {REDACTED} y", {"b": REDACTED}]}
