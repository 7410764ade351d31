"""TrustedForm retain client against MockTransport: the vendor's own bodies, the v4 spec's examples, every status."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from desktop_app.vendors.errors import ErrorKind, InputError, MissingCredentials
from desktop_app.vendors.results import Flag
from desktop_app.vendors.trustedform import (
    CALL_ERRORS,
    CERTIFICATE_REFUSALS,
    RETRY,
    TrustedFormClient,
    TrustedFormCredentials,
)
from tests.unit.vendors.helpers import FakeSleep, json_response, load, mock_http

KEY = "1f1b96c9150d8050e858c043d543bb4eadae0e6f"
CREDS = TrustedFormCredentials(api_key=KEY)
CERT_ID = "eb9fc4dd9bed9ad451a5648946cf4bf09b5bb947"
CERT_URL = f"https://cert.trustedform.com/{CERT_ID}"

ERROR_EXAMPLES: dict[str, Any] = load("trustedform", "openapi/v4_error_examples_by_status.json")
LEGACY = load("trustedform", "legacy_api_client_errors.json")


def fixture_body(name: str) -> Any:
    return load("trustedform", name)["body"]


def composite() -> dict[str, Any]:
    body: dict[str, Any] = load("trustedform", "openapi/v4_200_composite_from_schema_examples.json")
    body.pop("_note")
    return body


def answer(response: httpx.Response) -> Any:
    return lambda request: response


async def retain(response: httpx.Response, **kwargs: Any) -> Any:
    """Retain CERT_URL against ``response``; the lead's email is the composite example's unless given."""
    http, rec = mock_http(answer(response))
    if not kwargs.get("email") and not kwargs.get("phone"):
        kwargs["email"] = "janedoe@gmail.com"
    result = await TrustedFormClient(http, CREDS).retain(CERT_URL, **kwargs)
    return result, rec


# ---------------------------------------------------------------------------------------------------------------
# Request shape


async def test_request_is_the_documented_post_with_basic_auth_and_v4_header() -> None:
    http, rec = mock_http(answer(json_response(200, composite())))
    result = await TrustedFormClient(http, CREDS).retain(
        f"  {CERT_URL}  ",
        email=" JaneDoe@Gmail.com ",
        phone="+1 (512) 555-1212",
        reference="1128238382829",
        vendor="Acme Co.",
    )
    assert len(rec.requests) == 1
    sent = rec.requests[0]
    assert sent.method == "POST"
    assert str(sent.url) == CERT_URL
    assert sent.headers["api-version"] == "4.0"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["authorization"] == "Basic " + base64.b64encode(f"API:{KEY}".encode()).decode()
    assert json.loads(sent.content) == {
        "match_lead": {"email": "janedoe@gmail.com", "phone": "5125551212"},
        "retain": {"reference": "1128238382829", "vendor": "Acme Co."},
    }
    assert result.vendor == "trustedform" and result.operation == "retain" and result.subject == CERT_URL
    assert result.flag is Flag.GREEN
    assert result.summary == "Retained until 2023-07-18; email and phone match."


@pytest.mark.parametrize("kwargs", [{}, {"email": "   ", "phone": ""}])
async def test_without_email_or_phone_nothing_is_sent(kwargs: dict[str, str]) -> None:
    """The v4 spec makes match_lead mandatory with retain, so a bare retain would be a paid 400."""
    http, rec = mock_http(answer(json_response(200, composite())))
    with pytest.raises(InputError, match="email or phone") as refused:
        await TrustedFormClient(http, CREDS).retain(CERT_URL, **kwargs)
    assert refused.value.field == "email"
    assert rec.requests == []


@pytest.mark.parametrize(
    ("kwargs", "match_lead"),
    [
        ({"email": "a@b.co"}, {"email": "a@b.co"}),
        ({"phone": "512.555.1212"}, {"phone": "5125551212"}),
        ({"email": "   ", "phone": "512.555.1212"}, {"phone": "5125551212"}),
    ],
)
async def test_match_lead_carries_only_what_was_given(kwargs: dict[str, str], match_lead: Any) -> None:
    result, rec = await retain(json_response(200, composite()), **kwargs)
    sent = json.loads(rec.requests[0].content)
    assert sent.get("match_lead") == match_lead
    assert sent["retain"] == {}
    assert result.flag is Flag.GREEN


async def test_bare_certificate_id_is_completed_to_the_certificate_url() -> None:
    http, rec = mock_http(answer(json_response(200, composite())))
    result = await TrustedFormClient(http, CREDS).retain(CERT_ID, email="janedoe@gmail.com")
    assert str(rec.requests[0].url) == CERT_URL
    assert result.subject == CERT_URL and result.details["cert_url"] == CERT_URL


# ---------------------------------------------------------------------------------------------------------------
# Input refused before sending


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cert_url": ""}, "cert_url"),
        ({"cert_url": f"http://cert.trustedform.com/{CERT_ID}"}, "cert_url"),
        ({"cert_url": f"https://cert.trustedform.com.evil.example/{CERT_ID}"}, "cert_url"),
        ({"cert_url": f"https://cert.staging.trustedform.com/{CERT_ID}"}, "cert_url"),
        ({"cert_url": f"https://cert.trustedform-dev.com/{CERT_ID}"}, "cert_url"),
        ({"cert_url": f"{CERT_URL}?api_key=x"}, "cert_url"),
        ({"cert_url": "https://cert.trustedform.com/short"}, "cert_url"),
        ({"cert_url": "not a certificate"}, "cert_url"),
        ({"cert_url": CERT_URL, "email": "jane at example"}, "email"),
        ({"cert_url": CERT_URL, "phone": "555-1212"}, "phone"),
        ({"cert_url": CERT_URL, "phone": "+44 20 7946 0958"}, "phone"),
        ({"cert_url": CERT_URL, "phone": "(011) 555-0123"}, "phone"),
        ({"cert_url": CERT_URL, "email": "a@b.co", "reference": "line one\nline two"}, "reference"),
        ({"cert_url": CERT_URL, "email": "a@b.co", "vendor": "Acme\tCo"}, "vendor"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(kwargs: dict[str, str], field: str) -> None:
    http, rec = mock_http(answer(json_response(200, composite())))
    cert_url = kwargs.pop("cert_url")
    with pytest.raises(InputError) as refused:
        await TrustedFormClient(http, CREDS).retain(cert_url, **kwargs)
    assert refused.value.field == field
    assert str(refused.value)
    assert rec.requests == []


async def test_missing_api_key_is_refused_before_sending() -> None:
    http, rec = mock_http(answer(json_response(200, composite())))
    with pytest.raises(MissingCredentials) as missing:
        await TrustedFormClient(http, TrustedFormCredentials(api_key=" ")).retain(CERT_URL, email="janedoe@gmail.com")
    assert "LEADCHECK_TRUSTEDFORM_API_KEY" in str(missing.value)
    assert rec.requests == []


# ---------------------------------------------------------------------------------------------------------------
# Secrets


async def test_api_key_never_reaches_what_is_stored_even_when_echoed() -> None:
    body = composite()
    body["retain"]["reference"] = f"echo {KEY}"
    result, rec = await retain(json_response(200, body), email="janedoe@gmail.com")
    assert KEY not in str(rec.requests[0].url)
    assert result.request["headers"]["authorization"] == "[redacted]"
    assert KEY not in json.dumps(result.request)
    assert result.response_body is not None and KEY not in result.response_body
    assert KEY not in json.dumps(result.to_public_dict())
    assert result.details["reference"] == "echo [redacted]"


async def test_api_key_echoed_in_an_error_message_is_redacted() -> None:
    result, _ = await retain(json_response(401, {"outcome": "error", "reason": f"Unauthorized key {KEY}"}))
    assert result.error is not None and KEY not in result.error.message
    assert "[redacted]" in result.error.message


# ---------------------------------------------------------------------------------------------------------------
# The vendor's own 200 bodies


async def test_leadconduit_success_email_only_is_green_and_keeps_every_detail() -> None:
    body = fixture_body("v4_leadconduit_01_200_should_correctly_handle_a_success_response.json")
    result, _ = await retain(json_response(200, body), email="superman@activeprospect.com")
    assert result.flag is Flag.GREEN
    # phone_match false in the answer is ignored: no phone was given
    assert result.summary == "Retained until 2023-08-29 (already in your account); email matches."
    d = result.details
    assert d["outcome"] == "success" and d["reason"] is None and d["reason_code"] is None
    assert d["retained"] is True and d["previously_retained"] is True
    assert d["expires_at"] == "2023-08-29T20:43:31Z"
    assert d["masked_cert_url"] == "https://cert.trustedform-dev.com/f1fd052c43f08078a37d840b243daa69a35e8eda"
    assert d["share_url"].startswith("https://cert.trustedform-dev.com/1eb8608bdf5b3bc42bb1e33cb0ed57a4bab643ef?")
    assert d["reference"] == "https://app.leadconduit-development.com/events/647916a0d2c7c9de31fffd13"
    assert d["lead_vendor"] == "Inbound Verbose"
    assert (d["email_match"], d["phone_match"], d["match_success"]) == (True, None, True)
    assert d["verify"]["success"] is True and d["verify"]["one_to_one"] is True
    assert d["verify"]["languages"][0].startswith("I understand that the TrustedForm certificate")
    assert d["scans"] == {
        "success": True,
        "required_found": ["make a claim on Staging"],
        "required_not_found": [],
        "forbidden_found": [],
        "forbidden_not_found": [],
    }
    assert d["insights"]["age_seconds"] == 91430 and d["insights"]["bot_detected"] is False
    assert d["insights"]["approx_location"] == "Austin, Texas, US"
    assert d["insights"]["browser"] == "Firefox 112.0." and d["insights"]["is_mobile"] is False
    json.dumps(result.to_public_dict())  # everything shown is plain JSON


async def test_leadconduit_success_with_a_phone_that_does_not_match_is_yellow() -> None:
    body = fixture_body("v4_leadconduit_01_200_should_correctly_handle_a_success_response.json")
    result, _ = await retain(json_response(200, body), email="superman@activeprospect.com", phone="5125551212")
    assert result.flag is Flag.YELLOW
    assert result.summary == (
        "Retained until 2023-08-29 (already in your account), but the phone does not match the certificate "
        "(email matches)."
    )
    assert result.details["phone_match"] is False and result.details["email_match"] is True


async def test_official_docs_example_with_string_null_and_string_false_is_green() -> None:
    body = load("trustedform", "v4_200_official_docs_example_PARTIAL.json")["body_prefix_verbatim"]
    assert body["reason"] == "null" and body["retain"]["results"]["previously_retained"] == "false"
    result, _ = await retain(json_response(200, body), email="janedoe@gmail.com", phone="5125551212")
    assert result.flag is Flag.GREEN
    assert result.summary == "Retained until 2023-07-18; email and phone match."
    d = result.details
    assert d["reason"] is None
    assert d["previously_retained"] is False
    assert d["expires_at"] == "2023-07-18T12:03:52Z"  # milliseconds dropped
    assert d["reference"] == "1128238382829" and d["lead_vendor"] == "Acme Co."
    assert d["insights"]["approx_location"] == "Dallas, Texas, US"
    assert d["verify"] is None and d["scans"] is None and d["share_url"] is None


async def test_openapi_composite_example_is_green_and_keeps_the_scan_result() -> None:
    result, _ = await retain(json_response(200, composite()), email="janedoe@gmail.com", phone="5125551212")
    assert result.flag is Flag.GREEN
    d = result.details
    assert d["masked_cert_url"] is None and d["previously_retained"] is False
    assert d["scans"]["success"] is False and d["scans"]["required_not_found"] == ["offer"]
    assert d["verify"]["advertiser_name"] == "Acme Inc." and d["verify"]["opt_in_types_satisfied"] is True
    assert d["insights"]["confirmed_owner"] == "ActiveProspect, Inc."


async def test_leadconduit_scan_failure_is_red_with_the_missing_text() -> None:
    body = fixture_body("v4_leadconduit_02_200_should_correctly_handle_a_failure_responses.json")
    result, _ = await retain(json_response(200, body))
    assert result.flag is Flag.RED
    assert result.summary == (
        "TrustedForm failed this certificate: Insights page scans unsuccessful "
        "(required text not found: “make a claim on Production”)."
    )
    assert result.details["retained"] is False and result.details["outcome"] == "failure"
    assert result.error is None


async def test_leadconduit_consent_language_failure_is_red_with_the_reason() -> None:
    body = fixture_body(
        "v4_leadconduit_03_200_should_correctly_handle_a_verify_consent_language_failure_responses.json"
    )
    result, _ = await retain(json_response(200, body), email="a@b.co")
    assert result.flag is Flag.RED
    assert result.summary == "TrustedForm failed this certificate: Consent language not detected in the certificate."
    assert result.details["verify"]["language_approved"] is False
    assert result.details["verify"]["languages"] == [
        'By clicking on the "Get Rates" button below, I consent to be contacted'
    ]


async def test_failure_with_nothing_matched_and_no_reason_says_why_and_when_retained() -> None:
    body = composite()
    body.update(outcome="failure", reason="null")
    body["match_lead"]["result"] = {"email_match": False, "phone_match": False, "success": False}
    result, _ = await retain(json_response(200, body), email="janedoe@gmail.com", phone="5125551212")
    assert result.flag is Flag.RED
    assert "the lead's email/phone does not match the certificate" in result.summary
    assert "Retained until 2023-07-18" in result.summary
    assert result.details["retained"] is True


@pytest.mark.parametrize(
    ("match", "kwargs", "flag", "summary"),
    [
        (
            {"email_match": False, "phone_match": False, "success": False},
            {"email": "a@b.co", "phone": "5125551212"},
            Flag.RED,
            "Retained until 2023-07-18, but the email and phone do not match the certificate: "
            "do not contact this lead.",
        ),
        (
            {"email_match": None, "phone_match": False, "success": False},
            {"phone": "5125551212"},
            Flag.RED,
            "Retained until 2023-07-18, but the phone does not match the certificate: do not contact this lead.",
        ),
        (
            {"email_match": False, "phone_match": True, "success": True},
            {"email": "a@b.co", "phone": "5125551212"},
            Flag.YELLOW,
            "Retained until 2023-07-18, but the email does not match the certificate (phone matches).",
        ),
        (
            {"email_match": "true", "phone_match": None, "success": "true"},
            {"email": "a@b.co"},
            Flag.GREEN,
            "Retained until 2023-07-18; email matches.",
        ),
    ],
)
async def test_match_results_decide_the_colour_when_outcome_is_success(
    match: dict[str, Any], kwargs: dict[str, str], flag: Flag, summary: str
) -> None:
    body = composite()
    body["match_lead"]["result"] = match
    result, _ = await retain(json_response(200, body), **kwargs)
    assert result.flag is flag
    assert result.summary == summary


@pytest.mark.parametrize(
    ("expires_at", "stored", "shown"),
    [
        ("2023-07-18T12:03:52Z", "2023-07-18T12:03:52Z", "Retained until 2023-07-18"),
        ("2023-07-18T12:03:52.000Z", "2023-07-18T12:03:52Z", "Retained until 2023-07-18"),
        ("2023-07-18T23:30:00-05:00", "2023-07-19T04:30:00Z", "Retained until 2023-07-19"),
        (None, None, "Retained (no expiry date given)"),
    ],
)
async def test_expiry_date_with_or_without_milliseconds(expires_at: Any, stored: Any, shown: str) -> None:
    body = composite()
    body["retain"]["results"]["expires_at"] = expires_at
    result, _ = await retain(json_response(200, body))
    assert result.details["expires_at"] == stored
    assert result.summary.startswith(shown)


# ---------------------------------------------------------------------------------------------------------------
# 200 answers that are not a judgement


async def test_outcome_error_in_a_200_is_a_call_error_not_a_flag() -> None:
    body = {"outcome": "error", "reason": "An unexpected error occurred"}
    result, rec = await retain(json_response(200, body), email="a@b.co")
    assert result.flag is None
    assert result.error is not None and result.error.kind is ErrorKind.VENDOR_DOWN
    assert "unexpected error" in result.error.message and "An unexpected error occurred" in result.error.message
    assert result.error.hint
    assert len(rec.requests) == 1  # not retried: the operations may already have run
    assert result.details["outcome"] == "error"


@pytest.mark.parametrize(
    ("response", "said"),
    [
        (httpx.Response(200, text="<html><body>Welcome</body></html>"), "not in JSON"),
        (httpx.Response(200, text=""), "not in JSON"),
        (json_response(200, ["success"]), "not with the JSON object"),
        (json_response(200, {"reason": None, "retain": {"results": {}}}), "no “outcome”"),
        (json_response(200, {"outcome": "maybe"}), "no “outcome”"),
        (json_response(200, {"outcome": "success", "reason": None}), "without confirming that the certificate"),
    ],
)
async def test_unreadable_200_answers_are_bad_response_never_green(response: httpx.Response, said: str) -> None:
    result, _ = await retain(response)
    assert result.flag is None
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE
    assert said in result.error.message
    assert result.error.hint


async def test_success_without_the_requested_match_is_bad_response_but_keeps_the_retention() -> None:
    body = composite()
    body.pop("match_lead")
    result, _ = await retain(json_response(200, body), email="a@b.co", phone="5125551212")
    assert result.flag is None
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE
    assert "without saying whether the email and phone matched" in result.error.message
    assert result.details["retained"] is True and result.details["expires_at"] == "2023-07-18T12:03:52Z"


# ---------------------------------------------------------------------------------------------------------------
# Every documented error status


EXPECTED_BY_STATUS: dict[int, tuple[Flag | None, ErrorKind | None, str]] = {
    400: (None, ErrorKind.REJECTED, "malformed"),
    401: (None, ErrorKind.AUTH, "did not accept your API key"),
    402: (None, ErrorKind.BILLING, "inactive or out of funds"),
    403: (None, ErrorKind.FORBIDDEN, "your API key was rejected or your account is not enabled for retention"),
    404: (Flag.RED, None, "expired or does not exist"),
    405: (Flag.RED, None, "sandbox (test) certificate"),
    422: (Flag.RED, None, "claimed too many times"),
}


@pytest.mark.parametrize("status", sorted(ERROR_EXAMPLES))
async def test_every_openapi_error_example(status: str) -> None:
    example = ERROR_EXAMPLES[status]["example_body"]
    result, rec = await retain(json_response(int(status), example), email="a@b.co")
    flag, kind, words = EXPECTED_BY_STATUS[int(status)]
    assert len(rec.requests) == 1  # a 4xx is never retried
    assert result.http_status == int(status)
    assert result.flag is flag
    assert words in result.summary
    assert example["reason"] in result.summary  # TrustedForm's own words are shown
    if kind is None:
        assert result.error is None
        assert result.details["retained"] is False
        assert result.details["reason_code"] == CERTIFICATE_REFUSALS[int(status)].reason_code
        assert result.details["reason"] == example["reason"]
    else:
        assert result.error is not None and result.error.kind is kind
        assert result.error.http_status == int(status)
        assert result.error.hint == CALL_ERRORS[int(status)][2]


def test_every_status_in_the_official_spec_is_handled() -> None:
    spec = load("trustedform", "openapi/trustedform_v4_swagger.json")
    statuses = {int(s) for s in spec["paths"]["/{cert_id}"]["post"]["responses"]}
    assert statuses - {200} <= set(CALL_ERRORS) | set(CERTIFICATE_REFUSALS)


@pytest.mark.parametrize(
    ("name", "flag", "kind", "reason_code", "said"),
    [
        ("v3consent_leadconduit_08_401_should_parse_an_unauthorized_failure_response.json", None, ErrorKind.AUTH,
         None, "Unauthorized"),
        ("v3consent_leadconduit_09_404_should_parse_a_404_failure_response.json", Flag.RED, None,
         "expired_or_not_found", "certificate not found"),
        ("v3consent_leadconduit_10_405_should_parse_a_405_failure_response.json", Flag.RED, None,
         "sandbox_certificate", "certificate not claimable"),
        ("v3consent_leadconduit_11_422_should_parse_a_422_failure_response.json", Flag.RED, None,
         "claimed_too_many_times", "certificate has been claimed too many times"),
    ],
)  # fmt: skip
async def test_v3_consent_error_bodies(
    name: str, flag: Flag | None, kind: ErrorKind | None, reason_code: str | None, said: str
) -> None:
    fixture = load("trustedform", name)
    result, rec = await retain(json_response(fixture["_http_status"], fixture["body"]))
    assert len(rec.requests) == 1
    assert result.flag is flag
    assert f"“{said}”" in result.summary
    if kind is None:
        assert result.details["reason_code"] == reason_code and result.details["retained"] is False
    else:
        assert result.error is not None and result.error.kind is kind
        assert "Settings → TrustedForm" in result.error.hint


async def test_410_with_an_empty_body_means_the_retention_window_has_passed() -> None:
    assert "410" in LEGACY["leadconduit_claim_js_note"]
    result, rec = await retain(httpx.Response(410))
    assert len(rec.requests) == 1
    assert result.flag is Flag.RED and result.error is None
    assert result.summary == "Not retained: the window for retaining this certificate has passed; do not retry it."
    assert result.details["reason_code"] == "retention_window_passed"
    assert result.details["retained"] is False and result.details["reason"] is None


async def test_legacy_403_invalid_authentication_blames_the_key_or_the_account() -> None:
    example = LEGACY["examples"][0]
    result, rec = await retain(json_response(example["_http_status"], example["body"]))
    assert len(rec.requests) == 1
    assert result.flag is None and result.error is not None
    assert result.error.kind is ErrorKind.AUTH
    assert result.error.message.startswith(
        "TrustedForm refused: your API key was rejected or your account is not enabled for retention"
    )
    assert "“Invalid Authentication”" in result.error.message
    assert "Settings → TrustedForm" in result.error.hint and "enable certificate retention" in result.error.hint


async def test_legacy_500_html_page_is_vendor_down_in_plain_words() -> None:
    example = LEGACY["examples"][1]
    page = httpx.Response(example["_http_status"], text=example["body"], headers={"content-type": "text/html"})
    result, rec = await retain(page)
    assert len(rec.requests) == RETRY.max_attempts
    assert result.flag is None and result.error is not None
    assert result.error.kind is ErrorKind.VENDOR_DOWN
    assert (
        result.error.message
        == "TrustedForm had a server problem (HTTP 500). TrustedForm said: “Oops! Something went wrong.”"
    )
    assert result.error.retryable
    assert "contact TrustedForm support" in result.error.hint


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, text="unable to access server", headers={"content-type": "text/plain"}),
        json_response(500, "unable to access server"),
    ],
)
async def test_leadconduit_500_plain_text_is_retried_then_reported(response: httpx.Response) -> None:
    fixture = load("trustedform", "v4_leadconduit_04_500_should_correctly_handle_an_error_response.json")
    assert fixture["body"] == "unable to access server"
    sleep = FakeSleep()
    http, rec = mock_http(answer(response), sleep=sleep)
    result = await TrustedFormClient(http, CREDS).retain(CERT_URL, email="janedoe@gmail.com")
    assert len(rec.requests) == 3 and result.attempts == 3
    assert len(sleep.delays) == 2 and all(0 < d <= RETRY.max_delay for d in sleep.delays)
    assert result.error is not None and result.error.kind is ErrorKind.VENDOR_DOWN
    assert result.error.message == (
        "TrustedForm had a server problem (HTTP 500). TrustedForm said: “unable to access server”."
    )


# One row per line of the vendor's troubleshooting table (HTTP 0/timeout is covered below).
@pytest.mark.parametrize(
    ("status", "flag", "kind", "words"),
    [
        (400, None, ErrorKind.REJECTED, "refused the request as malformed (HTTP 400)"),
        (406, None, ErrorKind.REJECTED, "refused the request as malformed (HTTP 406 Not Acceptable)"),
        (402, None, ErrorKind.BILLING, "your account is inactive or out of funds"),
        (403, None, ErrorKind.AUTH, "your API key was rejected or your account is not enabled for retention"),
        (404, Flag.RED, None, "the certificate has expired or does not exist; do not retry it"),
        (405, Flag.RED, None, "sandbox (test) certificate, which cannot be claimed"),
        (410, Flag.RED, None, "the window for retaining this certificate has passed"),
        (500, None, ErrorKind.VENDOR_DOWN, "server problem (HTTP 500)"),
        (502, None, ErrorKind.VENDOR_DOWN, "server problem (HTTP 502)"),
        (503, None, ErrorKind.VENDOR_DOWN, "server problem (HTTP 503)"),
    ],
)
async def test_every_troubleshooting_row_without_a_body(
    status: int, flag: Flag | None, kind: ErrorKind | None, words: str
) -> None:
    result, rec = await retain(httpx.Response(status))
    assert result.flag is flag
    assert words in result.summary
    assert len(rec.requests) == (3 if status >= 500 else 1)
    if kind is not None:
        assert result.error is not None and result.error.kind is kind and result.error.hint
    else:
        assert result.error is None and result.details["retained"] is False


async def test_400_and_406_share_the_check_the_url_hint() -> None:
    bad_request, _ = await retain(json_response(400, ERROR_EXAMPLES["400"]["example_body"]))
    not_acceptable, _ = await retain(httpx.Response(406, text="Not Acceptable"))
    assert bad_request.error is not None and not_acceptable.error is not None
    assert bad_request.error.hint == not_acceptable.error.hint
    assert "certificate URL" in bad_request.error.hint
    assert "“Not Acceptable”" in not_acceptable.error.message


async def test_403_message_prefers_errors_detail_when_reason_is_missing() -> None:
    result, _ = await retain(json_response(403, {"errors": {"detail": "Forbidden for this account"}}))
    assert result.error is not None and "“Forbidden for this account”" in result.error.message


async def test_an_undocumented_429_is_rate_limited_and_not_retried() -> None:
    result, rec = await retain(httpx.Response(429, headers={"Retry-After": "5"}))
    assert len(rec.requests) == 1
    assert result.error is not None and result.error.kind is ErrorKind.RATE_LIMITED


# ---------------------------------------------------------------------------------------------------------------
# Retry


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 405, 406, 409, 410, 422, 429])
async def test_no_4xx_is_ever_retried(status: int) -> None:
    sleep = FakeSleep()
    http, rec = mock_http(answer(httpx.Response(status)), sleep=sleep)
    result = await TrustedFormClient(http, CREDS).retain(CERT_URL, email="janedoe@gmail.com")
    assert len(rec.requests) == 1 and result.attempts == 1
    assert sleep.delays == []


async def test_a_server_error_then_success_is_retried_once_and_judged() -> None:
    answers = iter([httpx.Response(503, text="busy"), json_response(200, composite())])
    sleep = FakeSleep()
    http, rec = mock_http(lambda request: next(answers), sleep=sleep)
    result = await TrustedFormClient(http, CREDS).retain(CERT_URL, email="a@b.co")
    assert len(rec.requests) == 2 and result.attempts == 2 and len(sleep.delays) == 1
    assert result.flag is Flag.GREEN
    assert rec.requests[0].content == rec.requests[1].content


async def test_timeout_is_retried_then_an_error_not_a_flag() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    sleep = FakeSleep()
    http, rec = mock_http(slow, sleep=sleep, timeout=15)
    result = await TrustedFormClient(http, CREDS).retain(CERT_URL, email="janedoe@gmail.com")
    assert len(rec.requests) == 3 and len(sleep.delays) == 2
    assert result.flag is None and result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert result.error.message == (
        "TrustedForm answered too slowly (no complete answer within 15 s). Leadcheck tried 3 times."
    )
    assert "timeout" in result.error.hint


async def test_no_connection_http_0_is_retried_then_a_network_error() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http, rec = mock_http(unreachable)
    result = await TrustedFormClient(http, CREDS).retain(CERT_URL, email="janedoe@gmail.com")
    assert len(rec.requests) == 3
    assert result.flag is None and result.error is not None and result.error.kind is ErrorKind.NETWORK
    assert result.error.message.startswith("Could not connect to TrustedForm (after 3 attempts")
    assert "internet connection" in result.error.hint
