"""Jornaya SingleQuery client against MockTransport: the documented example (JSON and XML), every rule value,
every documented error code in every error layout we accept, retries, redaction and input refusal."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from desktop_app.vendors.errors import ErrorKind, InputError, MissingCredentials
from desktop_app.vendors.http import REDACTED
from desktop_app.vendors.jornaya import (
    ERROR_CODES,
    FIELD_LABELS,
    INAUTHENTIC_CONDITIONS,
    NOT_MATCHED,
    RETRY,
    JornayaClient,
    JornayaCredentials,
)
from desktop_app.vendors.results import Flag
from tests.unit.vendors.helpers import DATA, FakeSleep, json_response, load, mock_http

ACCOUNT_CODE = "A1B2C3D4-1111-2222-3333"
AUDIT_KEY = "F00DFACE-4444-5555-6666"
CREDS = JornayaCredentials(account_code=ACCOUNT_CODE, audit_key=AUDIT_KEY, provider_code="SUPPLIER1")
TOKEN = "58990313-03fb-43b8-ad0b-08cef791d49b"
SUBJECT = TOKEN.upper()
DOC_ERRORS: dict[str, list[str]] = load("jornaya", "error_codes_from_doc.json")["codes"]


def doc_audit() -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(load("jornaya", "audit_example_from_doc.json")["body"])
    return body


def tcpa(body: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = body["audit"]["market"]["leadid"]["tcpafirst"]
    return section


def all_green() -> dict[str, Any]:
    body = doc_audit()
    body["audit"].update(result=1, data_integrity=1, data_integrity_rule=1, data_integrity_failed=[])
    body["audit"]["fields"] = {"f_name": 1, "l_name": 1, "phone1": 1, "email": 1}
    return body


def form_of(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


async def run(body: Any, status: int = 200, **kwargs: Any) -> Any:
    http, _ = mock_http(lambda r: json_response(status, body))
    return await JornayaClient(http, CREDS).audit(TOKEN, **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# The documented example


async def test_documented_example_is_yellow_for_data_mismatch_and_request_is_a_form_post() -> None:
    http, rec = mock_http(lambda r: json_response(200, doc_audit()))
    result = await JornayaClient(http, CREDS).audit(TOKEN, data={"email": "joe@smith.com", "f_name": "joe"})

    assert result.flag is Flag.YELLOW
    assert result.summary == "Authentic; yellow: lead data does not match what was entered"
    assert (result.vendor, result.operation, result.subject) == ("jornaya", "audit", SUBJECT)
    rules = result.details["rules"]
    assert rules["disclosure"] == {
        "value": 1,
        "rule": "green",
        "rule_value": 1,
        "meaning": "A single matching TCPA disclosure was captured during the event.",
    }
    assert rules["capture"]["rule"] == "green" and rules["stored"]["rule"] == "green"
    assert rules["data_integrity"]["value"] == 0 and rules["data_integrity"]["rule"] == "yellow"
    assert rules["data_integrity"]["meaning"].startswith("Mismatch")
    assert result.details["disclosures"] == [
        {
            "disclosure_id": 3,
            "label": "Disclosure Text 1",
            "interaction": 2,
            "interaction_meaning": "No consumer interaction with the disclosure was captured.",
        }
    ]
    assert result.details["fields"]["email"] == {"value": 0, "meaning": rules["data_integrity"]["meaning"]}
    assert result.details["data_integrity_failed"] == ["123", "TEST.COM", "123@TEST.COM"]
    assert result.details["results"]["tcpa_first"] == {"value": 1, "rule": "green"}
    assert result.details["result"] == "yellow" and result.details["authentic"] is True
    json.dumps(result.to_public_dict())

    sent = rec.requests[0]
    assert sent.method == "POST"
    assert str(sent.url) == "https://api.leadid.com/SingleQuery"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.headers["accept"] == "application/json"
    assert form_of(sent) == {
        "lac": ACCOUNT_CODE,
        "id": SUBJECT,
        "lak": AUDIT_KEY,
        "lpc": "SUPPLIER1",
        "data": "f_name;joe|email;joe@smith.com",
        "format": "json",
    }


async def test_secrets_never_reach_the_url_or_what_is_stored() -> None:
    agency = "0A0B0C0D-7777-8888-9999"
    echo = doc_audit()
    echo["audit"]["token"] = f"{ACCOUNT_CODE} {AUDIT_KEY} {agency}"  # a hostile echo of everything we sent
    http, rec = mock_http(lambda r: json_response(200, echo))
    result = await JornayaClient(http, CREDS).audit(TOKEN, agency=agency)

    assert ACCOUNT_CODE not in str(rec.requests[0].url) and AUDIT_KEY not in str(rec.requests[0].url)
    assert form_of(rec.requests[0])["agency"] == agency
    stored = json.dumps(result.request) + (result.response_body or "") + json.dumps(result.to_public_dict())
    for secret in (ACCOUNT_CODE, AUDIT_KEY, agency):
        assert secret not in stored
    body = result.request["body"]
    assert body["lac"] == body["lak"] == body["agency"] == REDACTED
    assert body["lpc"] == "SUPPLIER1" and body["id"] == SUBJECT


async def test_xml_answer_reads_the_same_as_json() -> None:
    xml = (DATA / "jornaya" / "audit_example_from_doc.xml").read_text(encoding="utf-8")
    http, rec = mock_http(lambda r: httpx.Response(200, text=xml, headers={"content-type": "application/xml"}))
    from_xml = await JornayaClient(http, CREDS).audit(TOKEN, response_format="XML")
    from_json = await run(doc_audit())

    assert form_of(rec.requests[0])["format"] == "xml"
    assert rec.requests[0].headers["accept"] == "application/xml"
    assert from_xml.flag is Flag.YELLOW
    assert from_xml.summary == from_json.summary
    assert from_xml.details == from_json.details


async def test_all_green() -> None:
    result = await run(all_green())
    assert result.flag is Flag.GREEN
    assert result.summary == "Authentic LeadiD; all rules green"


async def test_partially_captured_playback_is_yellow() -> None:
    body = all_green()
    tcpa(body).update(capture=2, capture_rule=2, result=2)
    body["audit"]["result"] = 2
    result = await run(body)
    assert result.flag is Flag.YELLOW
    assert result.summary == "Authentic; yellow: visual playback only partially captured"
    assert result.details["rules"]["capture"]["meaning"] == "The visual playback has been partially captured."


async def test_summary_lists_red_before_yellow() -> None:
    body = all_green()
    tcpa(body).update(stored=0, stored_rule=3, capture=2, capture_rule=2, result=3)
    body["audit"]["result"] = 3
    result = await run(body)
    assert result.flag is Flag.RED
    assert (
        result.summary == "Authentic; red: visual playback not stored; yellow: visual playback only partially captured"
    )


@pytest.mark.parametrize(("value", "flag"), [(1, Flag.GREEN), (2, Flag.YELLOW), (3, Flag.RED), ("3", Flag.RED)])
async def test_overall_result_sets_the_flag(value: Any, flag: Flag) -> None:
    body = all_green()
    body["audit"]["result"] = value
    assert (await run(body)).flag is flag


async def test_a_worse_tcpa_first_result_is_never_hidden_by_a_green_audit_result() -> None:
    body = all_green()
    tcpa(body).update(disclosure=0, disclosure_rule=3, result=3)
    result = await run(body)
    assert result.details["results"]["audit"]["rule"] == "green"
    assert result.flag is Flag.RED
    assert result.summary == "Authentic; red: no matching TCPA disclosure captured"


# ---------------------------------------------------------------------------------------------------------------
# Every documented value


@pytest.mark.parametrize(
    ("rule", "value", "meaning"),
    [
        ("disclosure", 0, "No matching TCPA disclosures were captured during the lead event."),
        ("disclosure", 1, "A single matching TCPA disclosure was captured during the event."),
        ("disclosure", 2, "Multiple matching TCPA disclosures were captured during the event."),
        ("capture", 1, "The visual playback has been captured."),
        ("capture", 2, "The visual playback has been partially captured."),
        ("capture", 0, "The visual playback has not been captured."),
        ("stored", 1, "The visual playback has been stored."),
        ("stored", 0, "The visual playback has not been stored."),
        ("data_integrity", 0, "Mismatch: the value provided was not matched to any data witnessed by Jornaya"),
        ("data_integrity", 1, "Match: the value of the data you submitted is what was actually entered"),
        ("data_integrity", 2, "Mismatch with disclosure: the value of the data you submitted is not what was"),
        ("data_integrity", 3, "Default value: the data sent was the default field value."),
        ("call_center", 1, "Information was entered by a 3rd party"),
    ],
)
async def test_every_documented_rule_value_has_its_meaning(rule: str, value: int, meaning: str) -> None:
    body = all_green()
    section = body["audit"] if rule in ("data_integrity", "call_center") else tcpa(body)
    section[rule] = str(value)  # numbers may arrive as strings
    result = await run(body)
    assert result.details["rules"][rule]["value"] == value
    assert result.details["rules"][rule]["meaning"].startswith(meaning)


@pytest.mark.parametrize(("number", "word"), [(1, "green"), (2, "yellow"), (3, "red")])
@pytest.mark.parametrize("rule", ["disclosure", "capture", "stored", "data_integrity"])
async def test_every_rule_colour_is_kept_as_a_word(rule: str, number: int, word: str) -> None:
    body = all_green()
    section = body["audit"] if rule == "data_integrity" else tcpa(body)
    section[f"{rule}_rule"] = number
    result = await run(body)
    assert result.details["rules"][rule]["rule"] == word
    assert result.details["rules"][rule]["rule_value"] == number
    if word != "green":
        assert f"{word}: " in result.summary


@pytest.mark.parametrize(
    ("interaction", "meaning"),
    [
        (0, "No interaction is required for the disclosure."),
        (1, "Consumer interaction with the disclosure was captured."),
        (2, "No consumer interaction with the disclosure was captured."),
    ],
)
async def test_every_interaction_value_is_explained(interaction: int, meaning: str) -> None:
    body = all_green()
    tcpa(body)["raw_response"]["disclosures"][0]["interaction"] = interaction
    result = await run(body)
    assert result.details["disclosures"][0]["interaction_meaning"] == meaning


async def test_no_matching_disclosure_leaves_starred_fields_out_without_error() -> None:
    body = load("jornaya", "audit_no_disclosure_matched_built.json")["body"]
    result = await run(body, data={"f_name": "Joe", "email": "joe@smith.com", "phone1": "2025550123"})
    assert result.error is None
    assert result.flag is Flag.RED
    assert result.summary == "Authentic; red: no matching TCPA disclosure captured"
    rules = result.details["rules"]
    assert rules["capture"] == {"value": None, "rule": None, "rule_value": None, "meaning": NOT_MATCHED}
    assert rules["stored"]["value"] is None and rules["stored"]["meaning"] == NOT_MATCHED
    assert rules["data_integrity"]["rule"] == "green" and rules["data_integrity"]["value"] == 1
    assert result.details["disclosures"] == []
    assert result.details["data_integrity_passed"] == ["JOE", "JOE@SMITH.COM", "2025550123"]
    assert result.details["transid"] == "A26CE6E3-F92B-4528-9A7E-0696450E6B8F"


async def test_call_center_lead_is_noted() -> None:
    body = all_green()
    body["audit"]["call_center"] = 1
    result = await run(body)
    assert result.details["call_center"] is True
    assert "entered by a third party (call center)" in result.summary


async def test_absent_call_center_and_unsent_data_are_explained() -> None:
    body = all_green()
    for key in ("data_integrity", "data_integrity_rule", "fields", "data_integrity_failed"):
        body["audit"].pop(key)
    result = await run(body)
    assert result.details["call_center"] is False
    assert result.details["rules"]["call_center"]["value"] is None
    assert "not identified as a call center" in result.details["rules"]["call_center"]["meaning"]
    assert result.details["rules"]["data_integrity"]["meaning"] == "Not checked: no lead data was sent."


async def test_email_parts_are_kept() -> None:
    body = doc_audit()
    body["audit"]["fields"] = {"email": 0, "email_user": 1, "email_domain": 0}
    result = await run(body)
    assert result.details["fields"]["email_user"]["value"] == 1
    assert result.details["fields"]["email_domain"]["value"] == 0


# ---------------------------------------------------------------------------------------------------------------
# Not authentic


async def test_third_party_inauthentic_example_is_red_token_expired() -> None:
    body = load("jornaya", "inauthentic_audit_example_THIRD_PARTY.json")["body"]
    result = await run(body)
    assert result.flag is Flag.RED
    assert result.summary == "Not authentic: token expired"
    assert result.details["authentic"] is False and result.details["reason_code"] == 1
    assert "more than a year ago" in result.details["reason"]
    assert result.details["rules"]["reg_rule"]["rule"] == "red"


@pytest.mark.parametrize(
    ("reason", "summary", "explains"),
    [
        (1, "Not authentic: token expired", "more than a year ago"),
        (2, "Not authentic: query limit reached", "queried too many times"),
        ("3", "Not authentic: consumer opted out (CCPA)", "CCPA right to opt out"),
        (4, "Not authentic: invalid token", "Jornaya did not create this token"),
    ],
)
async def test_every_inauthentic_reason_is_explained(reason: Any, summary: str, explains: str) -> None:
    result = await run({"audit": {"authentic": 0, "reason": reason, "result": 3}})
    assert result.flag is Flag.RED
    assert result.summary == summary
    assert explains in result.details["reason"]


async def test_inauthentic_without_reason_lists_the_documented_conditions() -> None:
    result = await run({"audit": {"authentic": "0", "token": SUBJECT}})
    assert result.flag is Flag.RED
    assert result.summary.startswith("Not authentic: Jornaya did not say why")
    assert result.details["possible_reasons"] == list(INAUTHENTIC_CONDITIONS)
    assert len(INAUTHENTIC_CONDITIONS) == 4


async def test_details_have_the_same_keys_whether_authentic_or_not() -> None:
    authentic = await run(all_green())
    inauthentic = await run({"audit": {"authentic": 0, "reason": 1}})
    assert set(authentic.details) == set(inauthentic.details)
    assert inauthentic.details["disclosures"] == [] and inauthentic.details["fields"] == {}


async def test_inauthentic_with_unknown_reason() -> None:
    result = await run({"audit": {"authentic": 0, "reason": 9}})
    assert result.flag is Flag.RED and result.summary == "Not authentic: reason 9"
    assert result.details["possible_reasons"] == list(INAUTHENTIC_CONDITIONS)


# ---------------------------------------------------------------------------------------------------------------
# Answers we cannot read are never green


def _no_result() -> dict[str, Any]:
    body = all_green()
    del body["audit"]["result"]
    return body


def _unknown_result() -> dict[str, Any]:
    body = all_green()
    body["audit"]["result"] = 7
    return body


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"audit": {"result": 1, "token": SUBJECT}}, "authentic"),
        ({"audit": {"authentic": "yes", "result": 1}}, "authentic"),
        (_no_result(), "without an overall audit result"),
        (_unknown_result(), "unknown overall result (7)"),
        ({"transid": "X"}, "without an audit"),
        ([1, 2], "without an audit"),
        (load("jornaya", "authenticate_examples_from_docs.json")["json_verbatim"], "without an audit"),
    ],
)
async def test_missing_promised_fields_is_bad_response(body: Any, words: str) -> None:
    result = await run(body)
    assert result.flag is None
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE
    assert words in result.error.message


@pytest.mark.parametrize(
    "text",
    [
        "<html><body>Hello</body></html>",
        "",
        "not json at all",
        '<?xml version="1.0"?><!DOCTYPE audit [<!ENTITY x "1">]><audit><authentic>&x;</authentic></audit>',
        "<audit><authentic>1</authentic>",
    ],
)
async def test_unreadable_answers_are_bad_response(text: str) -> None:
    http, _ = mock_http(lambda r: httpx.Response(200, text=text))
    result = await JornayaClient(http, CREDS).audit(TOKEN)
    assert result.flag is None
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE
    assert result.error.hint


# ---------------------------------------------------------------------------------------------------------------
# Documented error codes


@pytest.mark.parametrize("code", sorted(int(c) for c in DOC_ERRORS))
async def test_every_documented_error_code_is_explained(code: int) -> None:
    name = DOC_ERRORS[str(code)][0]
    result = await run({"error": {"code": code, "message": name}})
    assert result.flag is None and result.error is not None
    kind, words, hint = ERROR_CODES[code]
    assert result.error.code == code
    assert result.error.kind is kind
    assert result.error.message.startswith(words)
    assert f"Jornaya error {code}" in result.error.message
    assert result.error.hint == hint
    assert result.summary == result.error.message


def test_every_documented_code_has_an_entry() -> None:
    assert (
        sorted(ERROR_CODES)
        == sorted(int(c) for c in DOC_ERRORS)
        == [100, 1000, 1001, 2000, 2001, 4001, 5000, 6000, 7000]
    )


@pytest.mark.parametrize("code", [2000, 2001, 4001, 5000, 6000])
async def test_credential_problems_send_the_buyer_to_settings(code: int) -> None:
    result = await run({"error": {"code": code}})
    assert result.error is not None and result.error.kind is ErrorKind.AUTH
    assert result.error.hint.startswith("Open Settings → Jornaya")


@pytest.mark.parametrize("code", [1000, 1001])
async def test_token_problems_are_rejected(code: int) -> None:
    result = await run({"error": {"code": code}})
    assert result.error is not None and result.error.kind is ErrorKind.REJECTED


async def test_testing_not_enabled_points_to_support() -> None:
    result = await run({"error": {"code": 7000, "message": "Testing not enabled for account"}})
    assert result.error is not None and result.error.kind is ErrorKind.FORBIDDEN
    assert "support@jornaya.com" in result.error.hint
    assert "not set up for testing" in result.error.message


ERROR_LAYOUTS: list[tuple[str, int, str]] = [
    ('{"error": {"code": 6000, "message": "Invalid Account Code and/or Audit Key"}}', 200, "json"),
    ('{"error": {"code": "6000"}}', 403, "json"),
    ('{"code": 6000, "message": "Invalid Account Code and/or Audit Key"}', 200, "json"),
    ('{"Code": "6000", "Message": "Invalid"}', 401, "json"),
    ('{"audit": {"error": {"code": 6000, "message": "Invalid"}}}', 200, "json"),
    ('{"audit": {"error": 6000}}', 200, "json"),
    ('{"audit": {"errors": [{"code": 6000}]}}', 200, "json"),
    ('{"errors": [{"code": 6000, "message": "Invalid"}]}', 400, "json"),
    ('{"error": 6000}', 200, "json"),
    ("6000", 200, "text/plain"),
    ('"6000"', 200, "json"),
    ("<error><code>6000</code><message>Invalid</message></error>", 200, "xml"),
    ("<error>6000</error>", 200, "xml"),
    ("<audit><error><code>6000</code></error></audit>", 200, "xml"),
    ("<response><error><code>6000</code></error></response>", 200, "xml"),
]


@pytest.mark.parametrize(("text", "status", "kind"), ERROR_LAYOUTS)
async def test_error_code_is_read_from_every_layout(text: str, status: int, kind: str) -> None:
    http, _ = mock_http(lambda r: httpx.Response(status, text=text))
    result = await JornayaClient(http, CREDS).audit(TOKEN)
    assert result.flag is None and result.error is not None
    assert result.error.code == 6000
    assert result.error.kind is ErrorKind.AUTH
    assert result.error.http_status == status
    assert result.error.hint.startswith("Open Settings → Jornaya")


async def test_vendor_words_are_shown_alongside() -> None:
    result = await run({"error": {"code": 6000, "message": "Bad key for account"}})
    assert result.error is not None and "; Jornaya said: Bad key for account.)" in result.error.message


async def test_vendor_words_equal_to_the_documented_name_are_not_repeated() -> None:
    result = await run({"error": {"code": 6000, "message": "Invalid Account Code and/or Audit Key"}})
    assert result.error is not None
    assert result.error.message.count("Invalid Account Code and/or Audit Key") == 1, result.error.message
    assert "Jornaya said" not in result.error.message


async def test_vendor_words_echoing_a_secret_are_scrubbed() -> None:
    result = await run({"error": {"code": 6000, "message": f"Unknown account {ACCOUNT_CODE}"}})
    assert result.error is not None and ACCOUNT_CODE not in result.error.message + result.summary
    assert f"Unknown account {REDACTED}" in result.error.message


async def test_unknown_error_code_is_rejected_with_the_code() -> None:
    result = await run({"error": {"code": 9999, "message": "Something new"}})
    assert result.error is not None and result.error.kind is ErrorKind.REJECTED
    assert "9999" in result.error.message and "Something new" in result.error.message


async def test_non_numeric_error_on_401_is_auth_with_the_vendor_words() -> None:
    body = load("jornaya", "inauthentic_audit_example_THIRD_PARTY.json")["activate_api_error_envelope_probed"]["body"]
    result = await run(body, status=401)
    assert result.error is not None and result.error.kind is ErrorKind.AUTH
    assert "Missing Authorization Token" in result.error.message
    assert result.error.hint.startswith("Open Settings → Jornaya")


# ---------------------------------------------------------------------------------------------------------------
# Retries and HTTP trouble


async def test_internal_error_100_is_retried_with_capped_backoff_then_reported() -> None:
    sleep = FakeSleep()
    http, rec = mock_http(
        lambda r: json_response(200, {"error": {"code": 100, "message": "Internal Error"}}), sleep=sleep
    )
    result = await JornayaClient(http, CREDS).audit(TOKEN)
    assert len(rec.requests) == RETRY.max_attempts == 3
    assert len(sleep.delays) == 2
    assert all(0 < d <= RETRY.max_delay * 1.2 for d in sleep.delays)
    assert result.error is not None and result.error.kind is ErrorKind.VENDOR_DOWN
    assert result.error.code == 100 and result.error.retryable
    assert result.attempts == 3


async def test_internal_error_100_then_success() -> None:
    answers = [json_response(200, {"error": {"code": "100"}}), json_response(200, all_green())]
    http, rec = mock_http(lambda r: answers.pop(0))
    result = await JornayaClient(http, CREDS).audit(TOKEN)
    assert len(rec.requests) == 2
    assert result.flag is Flag.GREEN and result.attempts == 2


async def test_xml_internal_error_is_retried_too() -> None:
    http, rec = mock_http(lambda r: httpx.Response(200, text="<error><code>100</code></error>"))
    result = await JornayaClient(http, CREDS).audit(TOKEN, response_format="xml")
    assert len(rec.requests) == 3
    assert result.error is not None and result.error.code == 100


async def test_other_error_codes_are_not_retried() -> None:
    http, rec = mock_http(lambda r: json_response(200, {"error": {"code": 6000}}))
    await JornayaClient(http, CREDS).audit(TOKEN)
    assert len(rec.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("text", ["", "<html><h1>Service Unavailable</h1></html>"])
async def test_server_errors_are_retried_then_vendor_down(status: int, text: str) -> None:
    http, rec = mock_http(lambda r: httpx.Response(status, text=text))
    result = await JornayaClient(http, CREDS).audit(TOKEN)
    assert len(rec.requests) == 3
    assert result.flag is None and result.error is not None
    assert result.error.kind is ErrorKind.VENDOR_DOWN and result.error.http_status == status


@pytest.mark.parametrize(
    ("status", "kind", "hint"),
    [
        (400, ErrorKind.REJECTED, "Check what you entered"),
        (401, ErrorKind.AUTH, "Open Settings → Jornaya"),
        (403, ErrorKind.AUTH, "Open Settings → Jornaya"),
        (404, ErrorKind.REJECTED, "proxy or sandbox"),
        (418, ErrorKind.REJECTED, "Check what you entered"),
    ],
)
async def test_client_errors_without_a_body(status: int, kind: ErrorKind, hint: str) -> None:
    http, rec = mock_http(lambda r: httpx.Response(status))
    result = await JornayaClient(http, CREDS).audit(TOKEN)
    assert len(rec.requests) == 1
    assert result.error is not None and result.error.kind is kind
    assert f"HTTP {status}" in result.error.message
    assert hint in result.error.hint


async def test_rate_limited_waits_then_reports() -> None:
    sleep = FakeSleep()
    http, rec = mock_http(lambda r: httpx.Response(429, headers={"Retry-After": "2"}), sleep=sleep)
    result = await JornayaClient(http, CREDS).audit(TOKEN)
    assert sleep.delays == [2.0, 2.0, 2.0]
    assert len(rec.requests) == 4
    assert result.error is not None and result.error.kind is ErrorKind.RATE_LIMITED


@pytest.mark.parametrize(
    ("exc", "kind"),
    [(httpx.ReadTimeout("slow"), ErrorKind.TIMEOUT), (httpx.ConnectError("no route"), ErrorKind.NETWORK)],
)
async def test_timeouts_and_network_errors_are_retried_then_reported(exc: Exception, kind: ErrorKind) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise exc

    http, rec = mock_http(boom)
    result = await JornayaClient(http, CREDS).audit(TOKEN)
    assert len(rec.requests) == 3
    assert result.flag is None and result.error is not None and result.error.kind is kind
    assert result.error.hint


# ---------------------------------------------------------------------------------------------------------------
# What is sent


async def test_data_is_encoded_in_documented_label_order_and_blanks_are_left_out() -> None:
    http, rec = mock_http(lambda r: json_response(200, all_green()))
    data = {"ZIP": "20500", "Email": " joe@smith.com ", "phone2": "", "f_name": "Joe", "city": "Washington"}
    result = await JornayaClient(http, CREDS).audit(TOKEN, data=data)
    assert form_of(rec.requests[0])["data"] == "f_name;Joe|email;joe@smith.com|city;Washington|zip;20500"
    assert result.details["data_labels"] == ["f_name", "email", "city", "zip"]


async def test_every_documented_label_is_accepted_and_250_characters_is_the_limit() -> None:
    http, rec = mock_http(lambda r: json_response(200, all_green()))
    data = {label: "x" * 250 for label in FIELD_LABELS}
    await JornayaClient(http, CREDS).audit(TOKEN, data=data)
    assert form_of(rec.requests[0])["data"].count("|") == len(FIELD_LABELS) - 1


@pytest.mark.parametrize("data", [None, {}, {"email": "  "}])
async def test_without_data_no_data_field_is_sent(data: Any) -> None:
    http, rec = mock_http(lambda r: json_response(200, all_green()))
    await JornayaClient(http, CREDS).audit(TOKEN, data=data)
    assert "data" not in form_of(rec.requests[0])


async def test_per_lead_provider_code_record_id_and_agency() -> None:
    http, rec = mock_http(lambda r: json_response(200, all_green()))
    result = await JornayaClient(http, CREDS).audit(
        TOKEN, provider_code=" ACME2 ", record_id="LMS-42", agency="0a0b0c0d-7777-8888-9999-aaaabbbbcccc"
    )
    form = form_of(rec.requests[0])
    assert form["lpc"] == "ACME2" and form["recordid"] == "LMS-42"
    assert form["agency"] == "0a0b0c0d-7777-8888-9999-aaaabbbbcccc"
    assert list(form) == ["lac", "id", "lak", "lpc", "recordid", "agency", "format"]
    assert result.details["provider_code"] == "ACME2" and result.details["record_id"] == "LMS-42"


async def test_provider_code_from_the_call_works_without_a_default() -> None:
    http, rec = mock_http(lambda r: json_response(200, all_green()))
    creds = JornayaCredentials(account_code=ACCOUNT_CODE, audit_key=AUDIT_KEY)
    await JornayaClient(http, creds).audit(TOKEN, provider_code="ACME2")
    assert form_of(rec.requests[0])["lpc"] == "ACME2"


# ---------------------------------------------------------------------------------------------------------------
# Refused before sending


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"token": ""}, "Paste a Jornaya LeadiD token"),
        ({"token": "58990313-03FB-43B8-AD0B"}, "36 characters"),
        ({"token": "58990313-03FB-43B8-AD0B-08CEF791D49Z"}, "not a LeadiD token"),
        ({"data": {"first_name": "Joe"}}, "not a field Jornaya can check"),
        ({"data": {"email": "x" * 251}}, "at most 250"),
        ({"data": {"address1": "1 Main St|Apt 2"}}, "“|” or “;”"),
        ({"data": {"city": "Springfield;IL"}}, "“|” or “;”"),
        ({"data": {"f_name": "Jo\ne"}}, "control character"),
        ({"agency": "my-agency"}, "not a Jornaya account code"),
        ({"response_format": "csv"}, "json or xml"),
        ({"record_id": "x" * 256}, "record ID"),
        ({"provider_code": "A\tB"}, "provider code"),
    ],
)
async def test_bad_input_is_refused_before_sending(kwargs: dict[str, Any], words: str) -> None:
    http, rec = mock_http(lambda r: json_response(200, all_green()))
    token = kwargs.pop("token", TOKEN)
    with pytest.raises(InputError, match=words):
        await JornayaClient(http, CREDS).audit(token, **kwargs)
    assert rec.requests == []


@pytest.mark.parametrize(
    ("creds", "env"),
    [
        (JornayaCredentials(ACCOUNT_CODE, AUDIT_KEY, ""), "LEADCHECK_JORNAYA_PROVIDER_CODE"),
        (JornayaCredentials("", AUDIT_KEY, "P1"), "LEADCHECK_JORNAYA_ACCOUNT_CODE"),
        (JornayaCredentials(ACCOUNT_CODE, " ", "P1"), "LEADCHECK_JORNAYA_AUDIT_KEY"),
    ],
)
async def test_missing_credentials_are_refused_before_sending(creds: JornayaCredentials, env: str) -> None:
    http, rec = mock_http(lambda r: json_response(200, all_green()))
    with pytest.raises(MissingCredentials) as caught:
        await JornayaClient(http, creds).audit(TOKEN)
    assert caught.value.missing == (env,)
    assert env in str(caught.value)
    assert rec.requests == []
