"""Consent Control opt-out client against MockTransport: the documented sample, limits, chunking, errors, files."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from desktop_app.imports.optouts import records_from_csv
from desktop_app.vendors.consentcontrol import (
    DEFAULT_VALIDATION,
    MAX_SIZES,
    SETTINGS_HINT,
    ConsentControlClient,
    ConsentControlCredentials,
    OptOutRecord,
    check_record,
    prepare_record,
)
from desktop_app.vendors.errors import ErrorKind, InputError, MissingCredentials
from desktop_app.vendors.results import Flag
from tests.unit.vendors.helpers import FakeSleep, json_response, load, mock_http

API_KEY = "cc-live-key-0123456789abcdef"
CREDS = ConsentControlCredentials(api_key=API_KEY, host="acme")
URL = "https://acme.digitalsegment.com/RestServices/OptOut/Upload"

SAMPLE_REQUEST: list[dict[str, str]] = load("consentcontrol", "sample_request_from_docs.json")["body"]
SAMPLE_RESPONSE: dict[str, Any] = load("consentcontrol", "sample_response_from_docs.json")["body"]


def sample_records() -> list[OptOutRecord]:
    return [OptOutRecord(**item) for item in SAMPLE_REQUEST]


def phone_record(n: int, **extra: str) -> OptOutRecord:
    """A valid opt-out with a distinct phone number (941-555-0000 + n)."""
    return OptOutRecord(phone1=f"941-555-{n:04d}", **extra)


def sent_body(request: httpx.Request) -> list[dict[str, str]]:
    body: list[dict[str, str]] = json.loads(request.content)
    return body


def echo(fail: Callable[[int, dict[str, str]], str | None] = lambda i, r: None) -> Callable[..., httpx.Response]:
    """An answer in the documented shape: each record echoed, ``fail`` giving a reason for the ones refused."""

    def answer(request: httpx.Request) -> httpx.Response:
        results, bad = [], []
        for i, record in enumerate(sent_body(request)):
            reason = fail(i, record)
            if reason is None:
                results.append({**record, "recordID": str(uuid.uuid4()), "successful": True})
            else:
                bad.append(i)
                results.append({**record, "successful": False, "unsuccessful_reason": reason})
        body = {
            "status": True,
            "transaction_id": str(uuid.uuid4()),
            "successful": len(results) - len(bad),
            "unsuccessful": len(bad),
            "unsuccessful_ids": bad,
            "results": results,
        }
        return json_response(200, body)

    return answer


def client(answer: Callable[[httpx.Request], httpx.Response], creds: ConsentControlCredentials = CREDS) -> Any:
    sleep = FakeSleep()
    http, rec = mock_http(answer, sleep=sleep)
    return ConsentControlClient(http, creds), rec, sleep


# ---------------------------------------------------------------------------------------------------------------
# The documented request and response


async def test_documented_sample_is_sent_as_documented_and_read_back_per_record() -> None:
    cc, rec, _ = client(lambda r: json_response(200, SAMPLE_RESPONSE))
    outcome = await cc.upload(sample_records())

    sent = rec.requests[0]
    assert sent.method == "POST"
    assert str(sent.url) == URL
    assert sent.headers["api-key"] == API_KEY
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["accept"] == "application/json"
    # Every documented field, in the documented order; phones in the sample's NNN-NNN-NNNN layout.
    expected = [dict(item, phone2=item["phone2"].replace("(727) ", "727-")) for item in SAMPLE_REQUEST]
    assert sent_body(sent) == expected
    assert [list(item) for item in sent_body(sent)] == [list(item) for item in SAMPLE_REQUEST]

    first, second = outcome.records
    assert first.flag is Flag.GREEN and first.record_id == "f7612c21-3305-452b-aa68-24af569e5daa"
    assert second.flag is Flag.RED and second.reason == "Invalid Address" and second.record_id is None
    assert [o.status for o in outcome.records] == ["stored", "rejected"]
    [check] = outcome.results
    assert (check.vendor, check.operation, check.subject) == ("consentcontrol", "optout_upload", "2 opt-outs (1–2)")
    assert check.flag is Flag.RED
    assert check.summary == "Consent Control stored 1 of 2 opt-outs and rejected 1."
    assert check.details["transaction_id"] == "ca58b0e3-94c3-4c24-a8b8-bc4fe3c4c2af"
    assert check.details["unsuccessful_ids"] == [1]
    assert check.details["records"][1] == {
        "index": 1,
        "status": "rejected",
        "flag": "red",
        "record_id": None,
        "reason": "Invalid Address",
    }
    json.dumps(check.to_public_dict())  # what --json prints must serialise
    assert outcome.summary == "1 of 2 opt-outs stored; 1 rejected by Consent Control."
    single = dataclasses.replace(outcome, records=outcome.records[:1])
    assert single.summary in ("The opt-out was stored.", "The opt-out was not stored; 1 rejected by Consent Control.")
    assert not outcome.all_stored


async def test_all_stored_is_green() -> None:
    cc, _, _ = client(echo())
    outcome = await cc.upload([phone_record(1), phone_record(2)])
    assert outcome.results[0].flag is Flag.GREEN
    assert outcome.results[0].summary == "Consent Control stored all 2 opt-outs."
    assert all(o.flag is Flag.GREEN and o.record_id for o in outcome.records)
    assert outcome.all_stored


@pytest.mark.parametrize("host", ["acme", "ACME", "acme.digitalsegment.com", "https://acme.digitalsegment.com/"])
async def test_account_host_forms(host: str) -> None:
    cc, rec, _ = client(echo(), ConsentControlCredentials(api_key=API_KEY, host=host))
    await cc.upload([phone_record(1)])
    assert str(rec.requests[0].url) == URL


@pytest.mark.parametrize("host", ["acme.example.com/x", "http://acme.digitalsegment.com", "bad host", "-acme"])
async def test_malformed_host_is_refused_before_sending(host: str) -> None:
    cc, rec, _ = client(echo(), ConsentControlCredentials(api_key=API_KEY, host=host))
    with pytest.raises(InputError, match="Consent Control"):
        await cc.upload([phone_record(1)])
    assert rec.requests == []


@pytest.mark.parametrize(
    ("creds", "missing"),
    [
        (ConsentControlCredentials(api_key="", host="acme"), "LEADCHECK_CONSENTCONTROL_API_KEY"),
        (ConsentControlCredentials(api_key=API_KEY, host=" "), "LEADCHECK_CONSENTCONTROL_HOST"),
    ],
)
async def test_missing_credentials_are_refused_before_sending(creds: ConsentControlCredentials, missing: str) -> None:
    cc, rec, _ = client(echo(), creds)
    with pytest.raises(MissingCredentials) as info:
        await cc.upload([phone_record(1)])
    assert info.value.missing == (missing,)
    assert rec.requests == []


async def test_api_key_never_reaches_what_is_stored() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return json_response(401, {"message": f"Invalid api-key {API_KEY}"})

    cc, rec, _ = client(answer)
    outcome = await cc.upload([phone_record(1)])
    check = outcome.results[0]
    assert rec.requests[0].headers["api-key"] == API_KEY
    assert API_KEY not in str(rec.requests[0].url)
    assert check.request["headers"]["api-key"] == "[redacted]"
    for text in (str(check.request), check.response_body or "", json.dumps(check.to_public_dict())):
        assert API_KEY not in text
    assert API_KEY not in str(outcome.records[0].error)


# ---------------------------------------------------------------------------------------------------------------
# Batches of at most 100


async def test_large_input_goes_in_requests_of_at_most_100() -> None:
    cc, rec, _ = client(echo(lambda i, r: "Duplicate" if r["phone1"] == "941-555-0150" else None))
    outcome = await cc.upload([phone_record(n) for n in range(1, 251)])
    assert [len(sent_body(r)) for r in rec.requests] == [100, 100, 50]
    assert [c.subject for c in outcome.results] == [
        "100 opt-outs (1–100)",
        "100 opt-outs (101–200)",
        "50 opt-outs (201–250)",
    ]
    assert [c.flag for c in outcome.results] == [Flag.GREEN, Flag.RED, Flag.GREEN]
    assert [o.index for o in outcome.records] == list(range(250))
    rejected = outcome.with_status("rejected")
    assert [(o.index, o.reason, o.result_index) for o in rejected] == [(149, "Duplicate", 1)]
    assert len(outcome.with_status("stored")) == 249


async def test_exactly_100_is_one_request() -> None:
    cc, rec, _ = client(echo())
    await cc.upload([phone_record(n) for n in range(100)])
    assert len(rec.requests) == 1


async def test_invalid_records_are_excluded_and_reported_while_valid_ones_go() -> None:
    records = [
        phone_record(1),
        OptOutRecord(firstname="Nobody"),
        phone_record(3),
        OptOutRecord(phone1="555-0123"),
        phone_record(5),
    ]
    # The vendor rejects the second record *it received* (id 1): that is input record 2.
    cc, rec, _ = client(echo(lambda i, r: "Invalid Phone" if i == 1 else None))
    outcome = await cc.upload(records)
    assert [r["phone1"] for r in sent_body(rec.requests[0])] == ["941-555-0001", "941-555-0003", "941-555-0005"]
    assert [p.index for p in outcome.refused] == [1, 3]
    assert "nothing to opt out" in outcome.refused[0].message
    assert "7 digits" in outcome.refused[1].message
    assert [o.status for o in outcome.records] == ["stored", "refused", "rejected", "refused", "stored"]
    assert outcome.records[2].reason == "Invalid Phone"
    assert outcome.records[1].reason.startswith("Not sent:")
    assert outcome.results[0].subject == "3 opt-outs (1–5)"
    assert (
        outcome.summary == "2 of 5 opt-outs stored; 1 rejected by Consent Control; 2 not sent (fix the record first)."
    )


async def test_when_every_record_is_refused_nothing_is_sent_not_even_a_credentials_check() -> None:
    cc, rec, _ = client(echo(), ConsentControlCredentials(api_key="", host=""))
    outcome = await cc.upload([OptOutRecord(), OptOutRecord(firstname="Jo", phone1="12")])
    assert rec.requests == [] and outcome.results == []
    assert [o.status for o in outcome.records] == ["refused", "refused"]


async def test_no_records_is_refused() -> None:
    cc, rec, _ = client(echo())
    with pytest.raises(InputError, match="no opt-outs"):
        await cc.upload([])
    assert rec.requests == []


async def test_project_id_fills_blank_projectids_only() -> None:
    cc, rec, _ = client(echo())
    await cc.upload([phone_record(1), phone_record(2, projectid="Own")], project_id="Spring Promo")
    assert [r["projectid"] for r in sent_body(rec.requests[0])] == ["Spring Promo", "Own"]


async def test_too_long_project_id_is_refused_before_sending() -> None:
    cc, rec, _ = client(echo())
    with pytest.raises(InputError, match="at most 20"):
        await cc.upload([phone_record(1)], project_id="x" * 21)
    assert rec.requests == []


# ---------------------------------------------------------------------------------------------------------------
# Record checks


@pytest.mark.parametrize("name", ["firstname", "lastname", "address1", "address2", "city", "projectid"])
def test_text_fields_enforce_documented_maximum(name: str) -> None:
    limit = MAX_SIZES[name]
    base = {"phone1": "9418675309", "zip": "34323"}
    assert check_record(OptOutRecord(**base, **{name: "a" * limit})) == []
    [problem] = check_record(OptOutRecord(**base, **{name: "a" * (limit + 1)}))
    assert f"{limit + 1} characters" in problem and f"at most {limit}" in problem


@pytest.mark.parametrize("name", ["email1", "email2"])
def test_email_maximum_is_200(name: str) -> None:
    ok = "a" * 188 + "@example.com"  # 200 characters
    assert check_record(OptOutRecord(**{name: ok})) == []
    [problem] = check_record(OptOutRecord(**{name: "a" + ok}))
    assert "201 characters" in problem and "at most 200" in problem


@pytest.mark.parametrize("name", ["phone1", "phone2"])
def test_phones_are_normalised_to_fit_15_and_impossible_ones_refused(name: str) -> None:
    record, problems = prepare_record(OptOutRecord(**{name: "+1 (941) 867-5309 "}))  # 18 characters as typed
    assert problems == [] and getattr(record, name) == "941-867-5309"
    [problem] = check_record(OptOutRecord(**{name: "(011) 867-5309"}))
    assert problem.startswith("Phone") and "area code" in problem


def test_emails_are_trimmed_and_lower_cased_and_bad_ones_refused() -> None:
    record, _ = prepare_record(OptOutRecord(email1=" John.Doe@Gmail.com "))
    assert record.email1 == "john.doe@gmail.com"
    [problem] = check_record(OptOutRecord(email1="john.doe.gmail.com"))
    assert problem.startswith("Email 1") and "not an email address" in problem


@pytest.mark.parametrize(
    ("given", "sent"), [("34323", "34323"), ("34323-1234", "34323-1234"), ("343231234", "34323-1234")]
)
def test_zip_forms_accepted(given: str, sent: str) -> None:
    record, problems = prepare_record(OptOutRecord(address1="1 Main St", zip=given))
    assert problems == [] and record.zip == sent


@pytest.mark.parametrize("given", ["3432", "ABCDE", "34323-12", "34323-12345", "34323 1234 5"])
def test_bad_zips_are_refused(given: str) -> None:
    problems = check_record(OptOutRecord(phone1="9418675309", zip=given))
    assert len(problems) == 1 and "5-digit zip" in problems[0]


def test_zip_missing_a_leading_zero_says_so() -> None:
    [problem] = check_record(OptOutRecord(phone1="9418675309", zip="2134"))
    assert "leading zero" in problem


@pytest.mark.parametrize(("given", "ok"), [("fl", True), ("FL", True), ("Florida", False), ("XX", False)])
def test_state_is_a_two_letter_code(given: str, ok: bool) -> None:
    record, problems = prepare_record(OptOutRecord(phone1="9418675309", state=given))
    assert (problems == []) is ok
    if ok:
        assert record.state == "FL"
    else:
        assert "two-letter US state" in problems[0]


def test_validation_defaults_to_1_is_required_and_one_character() -> None:
    assert OptOutRecord(phone1="9418675309").validation == DEFAULT_VALIDATION == "1"
    assert check_record(OptOutRecord(phone1="9418675309", validation="2")) == []
    [empty] = check_record(OptOutRecord(phone1="9418675309", validation=""))
    assert "requires it" in empty
    [long] = check_record(OptOutRecord(phone1="9418675309", validation="12"))
    assert "at most 1" in long


@pytest.mark.parametrize(
    ("record", "ok"),
    [
        (OptOutRecord(firstname="John", lastname="Doe", city="Sarasota", state="FL"), False),
        (OptOutRecord(address1="123 Main St"), False),
        (OptOutRecord(address1="123 Main St", zip="34323"), True),
        (OptOutRecord(address1="123 Main St", city="Sarasota", state="FL"), True),
        (OptOutRecord(phone2="727-867-5309"), True),
        (OptOutRecord(email2="a@b.co"), True),
    ],
)
def test_a_record_needs_something_to_opt_out(record: OptOutRecord, ok: bool) -> None:
    assert (check_record(record) == []) is ok


def test_blank_fields_are_left_out_of_the_json() -> None:
    assert OptOutRecord(phone1="941-867-5309").to_json() == {"phone1": "941-867-5309", "validation": "1"}


# ---------------------------------------------------------------------------------------------------------------
# Reading the answer when it is not shaped like the sample


def answer_with(body: Any, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: json_response(status, body)


async def test_only_unsuccessful_ids_without_results() -> None:
    body = {"status": True, "transaction_id": "t1", "successful": 2, "unsuccessful": 1, "unsuccessful_ids": [1]}
    cc, _, _ = client(answer_with(body))
    outcome = await cc.upload([phone_record(1), phone_record(2), phone_record(3)])
    assert [o.flag for o in outcome.records] == [Flag.GREEN, Flag.RED, Flag.GREEN]
    assert outcome.records[1].reason == "Consent Control rejected it without giving a reason."
    assert outcome.records[0].record_id is None


async def test_only_unsuccessful_ids_with_counts_that_disagree_is_never_green() -> None:
    body = {"status": True, "successful": 1, "unsuccessful": 1, "unsuccessful_ids": [1]}
    cc, _, _ = client(answer_with(body))
    outcome = await cc.upload([phone_record(1), phone_record(2), phone_record(3)])
    assert [o.status for o in outcome.records] == ["unclear", "rejected", "unclear"]
    assert outcome.results[0].flag is Flag.RED
    assert outcome.records[0].error is not None and outcome.records[0].error.kind is ErrorKind.BAD_RESPONSE


async def test_counts_alone_saying_all_stored_are_green() -> None:
    cc, _, _ = client(answer_with({"status": True, "successful": 2, "unsuccessful": 0}))
    outcome = await cc.upload([phone_record(1), phone_record(2)])
    assert outcome.all_stored


async def test_fewer_results_than_records_are_matched_by_echo() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        records = sent_body(request)
        results = [
            {**records[2], "recordID": "id-3", "successful": True},
            {**records[0], "recordID": "id-1", "successful": True},
        ]
        body = {"status": True, "successful": 2, "unsuccessful": 1, "unsuccessful_ids": [1], "results": results}
        return json_response(200, body)

    cc, _, _ = client(answer)
    outcome = await cc.upload([phone_record(1), phone_record(2), phone_record(3)])
    assert [(o.flag, o.record_id) for o in outcome.records] == [
        (Flag.GREEN, "id-1"),
        (Flag.RED, None),
        (Flag.GREEN, "id-3"),
    ]


async def test_unmatched_record_without_ids_is_unclear() -> None:
    results = [{"phone1": "941-555-0001", "successful": True, "recordID": "id-1"}]
    cc, _, _ = client(answer_with({"status": True, "results": results}))
    outcome = await cc.upload([phone_record(1), phone_record(2)])
    assert [o.status for o in outcome.records] == ["stored", "unclear"]
    assert outcome.results[0].flag is Flag.YELLOW
    assert outcome.results[0].summary == "Consent Control stored 1 of 2 opt-outs; 1 could not be confirmed."


async def test_results_contradicting_unsuccessful_ids_are_unclear_never_green() -> None:
    # Both records say successful, but id 0 is listed as failed (as a 1-based vendor might do).
    results = [{"successful": True, "recordID": "a"}, {"successful": True, "recordID": "b"}]
    body = {"status": True, "successful": 1, "unsuccessful": 1, "unsuccessful_ids": [0], "results": results}
    cc, _, _ = client(answer_with(body))
    outcome = await cc.upload([phone_record(1), phone_record(2)])
    assert [o.status for o in outcome.records] == ["unclear", "stored"]


async def test_out_of_range_unsuccessful_ids_are_ignored_in_favour_of_results() -> None:
    results = [{"successful": True, "recordID": "a"}, {"successful": False, "unsuccessful_reason": "Bad"}]
    body = {"status": True, "unsuccessful_ids": [2], "results": results}
    cc, _, _ = client(answer_with(body))
    outcome = await cc.upload([phone_record(1), phone_record(2)])
    assert [o.status for o in outcome.records] == ["stored", "rejected"]
    assert outcome.results[0].details["unsuccessful_ids"] is None


@pytest.mark.parametrize("successful", ["true", 1, "True"])
async def test_successful_as_string_or_number(successful: Any) -> None:
    cc, _, _ = client(answer_with({"status": "true", "results": [{"successful": successful, "recordID": "x"}]}))
    outcome = await cc.upload([phone_record(1)])
    assert outcome.records[0].flag is Flag.GREEN


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ({"status": True, "transaction_id": "t"}, "did not say which opt-outs were stored"),
        ({"transaction_id": "t", "results": [{"successful": True}]}, "without the status"),
        ([{"successful": True}], "not with the JSON object"),
        ({"status": True, "results": [{"recordID": "x"}]}, "did not say which opt-outs were stored"),
    ],
)
async def test_answers_missing_what_the_documents_promise_are_bad_response(body: Any, what: str) -> None:
    cc, _, _ = client(answer_with(body))
    outcome = await cc.upload([phone_record(1)])
    check = outcome.results[0]
    assert check.flag is None and check.error is not None and check.error.kind is ErrorKind.BAD_RESPONSE
    assert what in check.error.message
    assert outcome.records[0].flag is None and outcome.records[0].error is not None


async def test_non_json_success_answer_is_bad_response() -> None:
    cc, _, _ = client(lambda r: httpx.Response(200, text="<html>OK</html>"))
    outcome = await cc.upload([phone_record(1)])
    assert outcome.results[0].error is not None and outcome.results[0].error.kind is ErrorKind.BAD_RESPONSE
    assert outcome.records[0].status == "unclear"  # a 200 may have been stored: upload again to be sure
    assert outcome.records[0].flag is None


async def test_status_false_is_a_failed_request() -> None:
    cc, rec, _ = client(answer_with({"status": False, "message": "Batch could not be processed"}))
    outcome = await cc.upload([phone_record(n) for n in range(150)])
    first = outcome.results[0]
    assert first.flag is None and first.error is not None and first.error.kind is ErrorKind.REJECTED
    assert "status false" in first.error.message and "Batch could not be processed" in first.error.message
    assert all(o.flag is None and o.error is first.error for o in outcome.records[:100])
    assert len(rec.requests) == 2  # a refused batch does not stop the next one


async def test_status_false_about_the_api_key_is_auth() -> None:
    cc, _, _ = client(answer_with({"status": False, "error": "Invalid API Key"}))
    outcome = await cc.upload([phone_record(1)])
    error = outcome.results[0].error
    assert error is not None and error.kind is ErrorKind.AUTH and error.hint == SETTINGS_HINT


async def test_bad_request_about_the_api_key_is_auth() -> None:
    cc, _, _ = client(answer_with({"Message": "The api-key header is missing or invalid."}, status=400))
    outcome = await cc.upload([phone_record(1)])
    error = outcome.results[0].error
    assert error is not None and error.kind is ErrorKind.AUTH and error.hint == SETTINGS_HINT
    assert "api-key header is missing" in error.message


# ---------------------------------------------------------------------------------------------------------------
# Failed requests


STATUS_CASES = [
    (400, ErrorKind.REJECTED, "refused the upload as sent", "Check the opt-outs"),
    (401, ErrorKind.AUTH, "did not accept the API key", SETTINGS_HINT),
    (403, ErrorKind.AUTH, "refused this API key", SETTINGS_HINT),
    (404, ErrorKind.NOT_FOUND, "no opt-out upload service at this account host", "check the account host"),
    (413, ErrorKind.REJECTED, "too large", "at most 100 opt-outs"),
    (429, ErrorKind.RATE_LIMITED, "limiting how fast", "Wait a minute"),
    (500, ErrorKind.VENDOR_DOWN, "server problem (HTTP 500)", "try again in a few minutes"),
    (502, ErrorKind.VENDOR_DOWN, "server problem (HTTP 502)", "try again in a few minutes"),
    (503, ErrorKind.VENDOR_DOWN, "server problem (HTTP 503)", "try again in a few minutes"),
    (418, ErrorKind.REJECTED, "refused the request (HTTP 418)", "Check what you entered"),
]
BODIES: list[tuple[str, Callable[[int], httpx.Response], str | None]] = [
    ("json message", lambda s: json_response(s, {"message": "Something went wrong here"}), "Something went wrong here"),
    ("json error", lambda s: json_response(s, {"error": "Something went wrong here"}), "Something went wrong here"),
    (
        "asp.net Message",
        lambda s: json_response(s, {"Message": "Something went wrong here"}),
        "Something went wrong here",
    ),
    (
        "nested",
        lambda s: json_response(s, {"error": {"message": "Something went wrong here"}}),
        "Something went wrong here",
    ),
    ("empty", lambda s: httpx.Response(s), None),
    ("html page", lambda s: httpx.Response(s, html="<html><body>IIS Error</body></html>"), None),
    ("plain text", lambda s: httpx.Response(s, text="Something went wrong here"), "Something went wrong here"),
]


@pytest.mark.parametrize(("status", "kind", "words", "hint"), STATUS_CASES)
@pytest.mark.parametrize(("shape", "make", "said"), BODIES, ids=[b[0] for b in BODIES])
async def test_every_error_status_with_and_without_a_body(
    status: int,
    kind: ErrorKind,
    words: str,
    hint: str,
    shape: str,
    make: Callable[[int], httpx.Response],
    said: str | None,
) -> None:
    cc, _, _ = client(lambda r: make(status))
    outcome = await cc.upload([phone_record(1)])
    check = outcome.results[0]
    assert check.flag is None and check.error is not None
    assert check.error.kind is kind and check.error.http_status == status == check.http_status
    assert words in check.error.message
    assert hint in check.error.hint
    if said:
        assert f"Consent Control said: “{said}”" in check.error.message
    else:
        assert "said:" not in check.error.message and "IIS" not in check.error.message
    record = outcome.records[0]
    assert record.flag is None and record.error == check.error and record.status == "failed"


async def test_auth_failure_stops_the_remaining_requests() -> None:
    cc, rec, _ = client(lambda r: json_response(401, {"message": "Unauthorized"}))
    outcome = await cc.upload([phone_record(n) for n in range(250)])
    assert len(rec.requests) == 1
    assert len(outcome.results) == 3 and all(c.flag is None for c in outcome.results)
    later = outcome.results[2].error
    assert later is not None and later.kind is ErrorKind.AUTH and later.message.startswith("Not sent")
    assert later.hint == SETTINGS_HINT
    assert outcome.results[2].attempts == 0
    assert all(o.status == "failed" for o in outcome.records)
    assert outcome.summary == "0 of 250 opt-outs stored; 250 not stored because the request failed."


async def test_server_errors_are_retried_with_capped_backoff_then_reported() -> None:
    cc, rec, sleep = client(lambda r: httpx.Response(503, text="Service Unavailable"))
    outcome = await cc.upload([phone_record(1)])
    assert len(rec.requests) == 3 and outcome.results[0].attempts == 3
    assert len(sleep.delays) == 2 and all(0 < d <= 20 for d in sleep.delays)
    error = outcome.results[0].error
    assert error is not None and error.kind is ErrorKind.VENDOR_DOWN and error.retryable


async def test_server_error_then_success() -> None:
    answers = iter([httpx.Response(500), echo()])

    def answer(request: httpx.Request) -> httpx.Response:
        nxt = next(answers)
        return nxt if isinstance(nxt, httpx.Response) else nxt(request)

    cc, rec, _ = client(answer)
    outcome = await cc.upload([phone_record(1)])
    assert len(rec.requests) == 2 and outcome.all_stored and outcome.results[0].attempts == 2


async def test_timeouts_are_retried_then_reported_without_a_flag() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    cc, rec, sleep = client(slow)
    outcome = await cc.upload([phone_record(n) for n in range(120)])
    assert len(rec.requests) == 3  # the second batch is not sent after the first timed out
    assert len(sleep.delays) == 2
    assert [c.error.kind if c.error else None for c in outcome.results] == [ErrorKind.TIMEOUT, ErrorKind.TIMEOUT]
    assert all(o.flag is None and o.error is not None for o in outcome.records)


async def test_network_failure_is_not_retried() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    cc, rec, _ = client(down)
    outcome = await cc.upload([phone_record(1)])
    assert len(rec.requests) == 1
    error = outcome.results[0].error
    assert error is not None and error.kind is ErrorKind.NETWORK and "acme.digitalsegment.com" in error.message


async def test_rate_limit_is_not_retried_and_says_how_long_to_wait() -> None:
    cc, rec, sleep = client(lambda r: json_response(429, {"message": "Too many requests"}, {"Retry-After": "30"}))
    outcome = await cc.upload([phone_record(1)])
    assert len(rec.requests) == 1 and sleep.delays == []
    error = outcome.results[0].error
    assert error is not None and error.kind is ErrorKind.RATE_LIMITED and "wait 30 seconds" in error.message


async def test_long_vendor_messages_are_shortened() -> None:
    cc, _, _ = client(lambda r: json_response(400, {"message": "x" * 5000}))
    outcome = await cc.upload([phone_record(1)])
    error = outcome.results[0].error
    assert error is not None and len(error.message) < 400


# ---------------------------------------------------------------------------------------------------------------
# Opt-outs read from a CSV (the reading itself: tests/unit/imports/test_optouts.py)


async def test_csv_records_upload_as_read() -> None:
    records, _ = records_from_csv("phone,email\n(941) 867-5309,A@B.co\n")
    cc, rec, _ = client(echo())
    await cc.upload(records)
    assert sent_body(rec.requests[0]) == [{"phone1": "941-867-5309", "email1": "a@b.co", "validation": "1"}]
