"""TCPA Litigator client against MockTransport with the documented bodies and every documented errorID."""

from __future__ import annotations

import httpx
import pytest

from desktop_app.vendors.answers import Exchange
from desktop_app.vendors.errors import ErrorKind, InputError
from desktop_app.vendors.litigator import ERROR_IDS, LitigatorClient, LitigatorCredentials, parse_check
from desktop_app.vendors.results import Flag
from tests.unit.vendors.helpers import json_response, load, mock_http

CREDS = LitigatorCredentials(client_id="client-123", cwsid="cws-4567", token="tok-secret-890")


def success(is_litigator: str, phone: str = "2025550123") -> httpx.Response:
    body = load("litigator", "rrdblive_tcpa_litigator_api_doc.json")["success_template_verbatim"]
    body["dataIn"][0]["PhoneNumber"] = phone
    body["dataOut"][0].update(PhoneIsLitigator=is_litigator, PhoneNumber=phone)
    return json_response(200, body)


async def test_clean_number_is_green_and_request_is_documented_shape() -> None:
    http, rec = mock_http(lambda r: success("0"))
    result = await LitigatorClient(http, CREDS).check_phone("+1 (202) 555-0123")
    assert result.flag is Flag.GREEN
    assert result.details["standardized_phone"] == "2025550123"
    assert result.subject == "+12025550123"
    sent = rec.requests[0]
    assert sent.method == "POST"
    assert str(sent.url) == "https://api.rrdblive.com/DDM/WebService.cfc?method=process"
    form = dict(httpx.QueryParams(sent.content.decode()))
    assert form == {
        "ClientID": "client-123",
        "CWSID": "cws-4567",
        "Token": "tok-secret-890",
        "PhoneNumber": "2025550123",
    }
    # secrets never reach what is stored
    assert "tok-secret-890" not in str(result.request) and "client-123" not in str(result.request)
    assert "tok-secret-890" not in str(sent.url)


async def test_litigator_is_red() -> None:
    http, _ = mock_http(lambda r: success("1"))
    result = await LitigatorClient(http, CREDS).check_phone("2025556666")
    assert result.flag is Flag.RED
    assert "litigator" in result.summary.lower()


@pytest.mark.parametrize(
    "bad", ["", "12345", "555-0123", "(011) 555-0123", "202-055-0123", "+44 20 7946 0958", "call me"]
)
async def test_impossible_numbers_are_refused_before_sending(bad: str) -> None:
    http, rec = mock_http(lambda r: success("0"))
    with pytest.raises(InputError):
        await LitigatorClient(http, CREDS).check_phone(bad)
    assert rec.requests == []


@pytest.mark.parametrize("error_id", sorted(ERROR_IDS))
async def test_every_documented_error_id_is_explained(error_id: int) -> None:
    body = {"success": False, "errors": [{"errorID": error_id, "errorHeader": "Hdr", "errorMessage": "Msg"}]}
    http, _ = mock_http(lambda r: json_response(400 if error_id != 500 else 500, body))
    result = await LitigatorClient(http, CREDS).check_phone("2025550123")
    assert result.flag is None
    assert result.error is not None
    assert result.error.code == error_id
    assert result.error.message.startswith(ERROR_IDS[error_id][1])
    assert result.error.kind is ERROR_IDS[error_id][0]
    assert result.error.hint


async def test_documented_auth_failure_sample() -> None:
    body = load("litigator", "rrdblive_tcpa_litigator_api_doc.json")["error_example_verbatim"]
    http, _ = mock_http(lambda r: json_response(401, body))
    result = await LitigatorClient(http, CREDS).check_phone("2025550123")
    assert result.error is not None and result.error.kind is ErrorKind.AUTH
    assert "API user access denied" in result.error.message
    assert "Settings" in result.error.hint


async def test_server_error_is_retried_then_reported() -> None:
    http, rec = mock_http(lambda r: httpx.Response(503, text="<html>down</html>"))
    result = await LitigatorClient(http, CREDS).check_phone("2025550123")
    assert len(rec.requests) == 3
    assert result.error is not None and result.error.kind is ErrorKind.VENDOR_DOWN


async def test_timeout_is_an_error_not_a_flag() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    http, rec = mock_http(boom)
    result = await LitigatorClient(http, CREDS).check_phone("2025550123")
    assert result.flag is None and result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert len(rec.requests) == 3


async def test_success_without_result_is_bad_response_never_green() -> None:
    http, _ = mock_http(lambda r: json_response(200, {"success": True, "errors": [], "dataOut": []}))
    result = await LitigatorClient(http, CREDS).check_phone("2025550123")
    assert result.flag is None and result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


async def test_non_json_answer_is_bad_response() -> None:
    http, _ = mock_http(lambda r: httpx.Response(200, text="<html>hello</html>"))
    result = await LitigatorClient(http, CREDS).check_phone("2025550123")
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


def test_litigator_known_crashes_are_clear_errors() -> None:
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
