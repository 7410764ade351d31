"""VendorHttp.send: rate limits and retries, https only, redaction, one deadline per call, the answer size cap."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from desktop_app.vendors.errors import ErrorKind, UnsafeDestination
from desktop_app.vendors.http import REDACTED, Redactor
from desktop_app.vendors.origins import OriginMap
from desktop_app.vendors.ratelimit import RetryPolicy
from tests.helpers import FakeTime
from tests.unit.vendors.helpers import FakeSleep, json_response, mock_http


async def test_429_waits_until_reset_then_retries() -> None:
    fake_time = FakeTime(1_700_000_000.0)
    answers = iter(
        [
            json_response(429, {"error_type": "rate_limit_error"}, {"RateLimit-Reset": str(int(fake_time.now) + 9)}),
            json_response(200, {"ok": True}),
        ]
    )
    sleep = FakeSleep()
    http, rec = mock_http(lambda r: next(answers), clock=fake_time.clock, sleep=sleep)
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


async def test_the_deadline_covers_the_whole_call_not_each_read() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    http, rec = mock_http(never, timeout=0.05)
    exchange = await http.send("GET", "https://api.leadid.com/x", retry=RetryPolicy(), label="Jornaya")
    assert exchange.failure is not None and exchange.failure.kind is ErrorKind.TIMEOUT
    assert exchange.failure.message == "Jornaya answered too slowly (no complete answer within 0.05 s)."
    assert exchange.response is None and exchange.attempts == 1 and len(rec.requests) == 1


async def test_a_retry_that_cannot_finish_before_the_deadline_is_not_started() -> None:
    sleep = FakeSleep()
    http, rec = mock_http(lambda r: httpx.Response(503), sleep=sleep, timeout=5)
    exchange = await http.send("GET", "https://api.leadid.com/x", retry=RetryPolicy(base_delay=10, max_attempts=3))
    assert exchange.status_code == 503 and len(rec.requests) == 1 and sleep.delays == []


async def test_a_rate_limit_longer_than_the_deadline_is_reported_not_waited() -> None:
    sleep = FakeSleep()
    http, rec = mock_http(lambda r: httpx.Response(429, headers={"Retry-After": "100"}), sleep=sleep, timeout=30)
    exchange = await http.send("GET", "https://connect.contactstate.com/leads/x", retry=RetryPolicy())
    assert exchange.status_code == 429 and len(rec.requests) == 1 and sleep.delays == []


async def test_an_answer_over_the_cap_is_a_bad_response_naming_the_vendor() -> None:
    http, _ = mock_http(lambda r: httpx.Response(200, content=b" " * 2_000_000), max_response_bytes=1_048_576)
    exchange = await http.send("GET", "https://api.leadid.com/x", label="Jornaya")
    assert exchange.failure is not None and exchange.failure.kind is ErrorKind.BAD_RESPONSE
    assert exchange.failure.message == ("The answer was larger than any Jornaya answer (over 1 MB); it was not read.")
    assert exchange.response is None and exchange.body_text is None
