"""The shared plumbing: origin map, rate limiter, Retry-After/RateLimit-Reset, https-only, redaction."""

from __future__ import annotations

import asyncio
import json
import zlib
from pathlib import Path

import httpx
import pytest

from desktop_app.vendors.answers import MAX_JSON_DEPTH, AnswerTooLarge, CappedBody, Exchange, decode_json
from desktop_app.vendors.errors import ErrorKind, LeadcheckError, OriginMapError, UnsafeDestination
from desktop_app.vendors.http import REDACTED, Redactor
from desktop_app.vendors.origins import OriginMap
from desktop_app.vendors.ratelimit import RateLimiter, RetryPolicy, retry_after_seconds
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


# -- keys travel only over https ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8765/tf",
        "http://127.8.9.10/x",
        "http://[::1]:9/x",
        "http://localhost:1",
        "https://proxy.example",
    ],
)
def test_origin_map_accepts_https_and_plain_http_to_this_computer(target: str) -> None:
    assert OriginMap({"https://api.rrdblive.com": target}).resolve("https://api.rrdblive.com/a") == target + "/a"


@pytest.mark.parametrize(
    "target",
    [
        "http://192.0.2.77:8080/lit",
        "http://127.0.0.1.evil.example/x",
        "http://localhost.evil.example",
        "http://[::2]/x",
        "http://10.0.0.1",
    ],
)
def test_origin_map_refuses_plain_http_to_another_computer(target: str) -> None:
    with pytest.raises(OriginMapError, match="plain http:// address on another computer") as refused:
        OriginMap({"https://api.rrdblive.com": target})
    assert target in str(refused.value) and "https://api.rrdblive.com" in str(refused.value)


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/x", "127.0.0.1:8080", "http://", "http://127.0.0.1:port/"])
def test_origin_map_refuses_what_is_not_an_http_address(target: str) -> None:
    with pytest.raises(OriginMapError, match="not an http"):
        OriginMap({"https://api.leadid.com": target})


def test_origin_map_file_with_plain_http_elsewhere_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "origins.json"
    path.write_text(json.dumps({"https://api.rrdblive.com": "http://192.0.2.77:8080/lit"}))
    with pytest.raises(OriginMapError) as refused:
        OriginMap.from_env({"LEADCHECK_ORIGINS": str(path)})
    assert str(path) in str(refused.value) and "LEADCHECK_ORIGINS" in str(refused.value)
    assert isinstance(refused.value, LeadcheckError)


# -- garbage headers, odd bodies ---------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    "content",
    [b"[" * 200_000, b'{"a":' * 65 + b"1" + b"}" * 65, b"NaN", b'{"x": Infinity}', b"1" * 5000, b"\xff\xfe", b""],
)
def test_decode_json_refuses_what_it_cannot_safely_read(content: bytes) -> None:
    assert decode_json(content) is None


def test_decode_json_reads_nesting_up_to_the_limit() -> None:
    depth = MAX_JSON_DEPTH
    assert decode_json(b"[" * depth + b"]" * depth) is not None


def test_capped_body_stops_a_gzip_bomb_at_the_cap() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    bomb = b"".join(packer.compress(b"\0" * 1_048_576) for _ in range(64)) + packer.flush()
    body = CappedBody("gzip", 100_000)
    with pytest.raises(AnswerTooLarge):
        body.feed(bomb)  # one network read holding 64 MB once inflated
    assert body.size <= 100_001


def test_capped_body_reads_deflate_with_and_without_its_zlib_header() -> None:
    for packed in (zlib.compress(b"hello"), zlib.compress(b"hello")[2:-4]):
        body = CappedBody("deflate", 100)
        body.feed(packed)
        assert body.content() == b"hello"


# -- one deadline per call ---------------------------------------------------------------------------------------


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


def test_litigator_known_crashes_are_clear_errors() -> None:
    from desktop_app.vendors.litigator import parse_check

    def exchange_for(status: int, content: bytes, headers: dict[str, str] | None = None) -> Exchange:
        response = httpx.Response(status, content=content, headers=headers)
        return Exchange(response, None, {}, content.decode(errors="replace"), 1, "", "")

    for exchange in (
        exchange_for(200, b'{"success": "yes", "errors": 7, "dataOut": 7}'),
        exchange_for(200, b"[" * 200_000),
        exchange_for(429, b"{}", {"RateLimit-Reset": "soon", "Retry-After": "whenever"}),
    ):
        result = parse_check(exchange, "+12025550123")
        assert result.flag is None and result.error is not None and result.error.message
