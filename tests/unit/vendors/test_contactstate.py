"""Contact State client (Certify, Connect, Perform) against MockTransport with the documented bodies and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from desktop_app.vendors.contactstate.client import (
    ContactStateClient,
    ContactStateCredentials,
    ContactStateLimits,
)
from desktop_app.vendors.contactstate.fields import LEAD_FIELDS, PERFORM_STATUSES, Kind, validate_lead_fields
from desktop_app.vendors.errors import ErrorKind, InputError, MissingCredentials
from desktop_app.vendors.results import Flag
from tests.unit.vendors.helpers import Recorder, json_response, load, mock_http

SECRET = "sk-secret-0123456789abcdef"
API_KEY = "ak-live-9876543210fedcba"
CREDS = ContactStateCredentials(secret_key=SECRET, api_key=API_KEY)
CLAIM_URL = "https://cert-gen.contactstate.com/certs/534ede1d-9430-4bc9-8aa5-6626d2ab5a12/claim"
RECLAIM_URL = "https://cert.contactstate.com/certs/534ede1d-9430-4bc9-8aa5-6626d2ab5a12/claim"
CERT_ID = "f7cb639a-2e90-4703-b35c-f416dd68573e"
CERT_URL = f"https://cert.contactstate.com/certs/{CERT_ID}"
LEAD_ID = "71ebc642-0d25-4c6a-84f5-efc22f495ac0"
CONNECT_ID = "eb908232-4a92-4de0-95df-f511aa8d9f8b"
JOB_URL = "https://perform.contactstate.com/jobs/7481cfc5-43c8-4148-8cea-8d6fdd319723"
START = 1_700_000_000.0
MINIMAL_LEAD = {"first_name": "Jane", "last_name": "Smith", "email": "jane.smith@example.com"}


class FakeClock:
    """Wall time that only moves when something sleeps, so rate limiters and polling never really wait."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client_for(
    answer: Callable[[httpx.Request], httpx.Response],
    creds: ContactStateCredentials = CREDS,
    limits: ContactStateLimits | None = None,
) -> tuple[ContactStateClient, Recorder, FakeClock]:
    clock = FakeClock()
    http, rec = mock_http(answer, clock=clock, sleep=clock.sleep)
    return ContactStateClient(http, creds, limiters=limits), rec, clock


def doc(name: str) -> dict[str, Any]:
    body: dict[str, Any] = load("contactstate", name)
    return body


def sequence(*responses: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    """Answer with each response in turn, repeating the last one."""
    queue = list(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return answer


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content.decode())


def full_lead() -> dict[str, str]:
    connect = doc("connect_documented.json")
    lead: dict[str, str] = {}
    for group in ("consumer", "product", "applicant2", "marketing", "consent", "technical", "contact_state"):
        lead.update(connect[f"{group}_fields_example"])
    return lead


# ---------------------------------------------------------------------------------------------------------------
# Certify: claim and reclaim


async def test_claim_posts_secret_key_in_body_and_is_green() -> None:
    client, rec, _ = client_for(lambda r: json_response(201, doc("certify_documented.json")["claim_success_201"]))
    result = await client.claim(CLAIM_URL)
    assert result.flag is Flag.GREEN
    assert result.summary.startswith("Certificate claimed")
    assert result.details == {
        "cert_url": "https://cert.contactstate.com/certs/ac5e67f3-d280-4209-a2d6-06474d3eae23",
        "cert_id": "ac5e67f3-d280-4209-a2d6-06474d3eae23",
        "reclaim_cert_url": RECLAIM_URL,
    }
    sent = rec.requests[0]
    documented = doc("certify_claim_from_examples.json")["claim_request"]
    assert sent.method == documented["method"] == "POST"
    assert str(sent.url) == CLAIM_URL
    assert sent.headers["content-type"] == "application/json"
    assert sent_json(sent) == {"secret_key": SECRET}
    assert set(sent_json(sent)) == set(documented["body"])
    assert "authorization" not in sent.headers
    assert SECRET not in str(result.request) and result.request["body"] == {"secret_key": "[redacted]"}


async def test_reclaim_posts_to_reclaim_url() -> None:
    client, rec, _ = client_for(lambda r: json_response(201, doc("certify_documented.json")["claim_success_201"]))
    result = await client.reclaim(RECLAIM_URL)
    assert result.flag is Flag.GREEN and result.operation == "reclaim"
    assert "reclaimed" in result.summary
    assert str(rec.requests[0].url) == RECLAIM_URL and sent_json(rec.requests[0]) == {"secret_key": SECRET}


@pytest.mark.parametrize(
    ("op", "url", "constraint"),
    [("claim", CLAIM_URL, "30 seconds"), ("reclaim", RECLAIM_URL, "15 minutes")],
)
async def test_claim_error_shows_vendor_message_and_the_documented_constraints(
    op: str, url: str, constraint: str
) -> None:
    body = {"error": {"message": "Claim token has expired"}}
    client, rec, _ = client_for(lambda r: json_response(500, body))
    result = await getattr(client, op)(url)
    assert result.flag is None and result.error is not None
    assert result.error.kind is ErrorKind.REJECTED
    assert "Claim token has expired" in result.error.message
    assert constraint in result.error.hint
    if op == "reclaim":
        assert "Seller account" in result.error.hint and "Sales Pipe" in result.error.hint
    assert len(rec.requests) == 1  # the documented 500 is an answer, not an outage: not retried


async def test_documented_claim_error_body() -> None:
    client, _, _ = client_for(lambda r: json_response(500, doc("certify_documented.json")["error_500"]))
    result = await client.claim(CLAIM_URL)
    assert result.error is not None and result.error.message == "Contact State refused the claim: Error message"


async def test_claim_server_error_without_envelope_is_vendor_down() -> None:
    client, _, _ = client_for(lambda r: httpx.Response(500, text="<html>Internal Server Error</html>"))
    result = await client.claim(CLAIM_URL)
    assert result.error is not None and result.error.kind is ErrorKind.VENDOR_DOWN


async def test_claim_is_not_retried_after_timeout_because_it_may_have_succeeded() -> None:
    client, rec, _ = client_for(timeout)
    result = await client.claim(CLAIM_URL)
    assert len(rec.requests) == 1
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert "may have gone through" in result.error.hint


async def test_claim_is_retried_once_quickly_on_503() -> None:
    success = json_response(201, doc("certify_documented.json")["claim_success_201"])
    client, rec, clock = client_for(sequence(httpx.Response(503, text="busy"), success))
    result = await client.claim(CLAIM_URL)
    assert result.flag is Flag.GREEN and len(rec.requests) == 2
    assert sum(clock.sleeps) < 2  # the claim window is only 30 seconds


@pytest.mark.parametrize(
    "body",
    [
        {"cert_url": "https://cert.example.com/certs/abc"},
        {"cert_url": "http://cert.contactstate.com/certs/abc"},
        {"reclaim_cert_url": RECLAIM_URL},
        {"cert_url": CERT_URL, "reclaim_cert_url": "https://evil.example.com/certs/x/claim"},
        ["not", "an", "object"],
    ],
)
async def test_claim_answer_without_a_contactstate_cert_url_is_bad_response(body: Any) -> None:
    client, _, _ = client_for(lambda r: json_response(201, body))
    result = await client.claim(CLAIM_URL)
    assert result.flag is None and result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "http://cert-gen.contactstate.com/certs/abc/claim",
        "https://cert-gen.contactstate.evil.com/certs/abc/claim",
        "https://cert.contactstate.com/certs/abc",
        "https://cert-gen.contactstate.com/certs/abc/claim#x",
    ],
)
async def test_bad_claim_urls_are_refused_before_sending(bad: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(201, {}))
    with pytest.raises(InputError):
        await client.claim(bad)
    with pytest.raises(InputError):
        await client.reclaim(bad)
    assert rec.requests == []


async def test_claim_without_secret_key_is_refused_before_sending() -> None:
    client, rec, _ = client_for(lambda r: json_response(201, {}), creds=ContactStateCredentials(api_key=API_KEY))
    with pytest.raises(MissingCredentials) as info:
        await client.claim(CLAIM_URL)
    assert "LEADCHECK_CONTACTSTATE_SECRET_KEY" in str(info.value)
    assert rec.requests == []


# ---------------------------------------------------------------------------------------------------------------
# Certify: certificate JSON


def certificate_body(status: str, cert_id: str = CERT_ID) -> dict[str, Any]:
    body: dict[str, Any] = doc("certify_documented.json")["certificate_json_200"]
    body["data"]["id"] = cert_id
    body["data"]["attributes"]["status"] = status
    return body


@pytest.mark.parametrize("pasted", [CERT_URL, CERT_URL + ".json", f"  {CERT_URL}/  "])
async def test_certified_certificate_is_green_and_read_from_public_json(pasted: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(200, doc("certify_documented.json")["certificate_json_200"]))
    result = await client.certificate(pasted)
    assert result.flag is Flag.GREEN
    assert result.subject == CERT_URL
    assert result.details["cert_id"] == CERT_ID
    assert result.details["status"] == "certified"
    assert result.details["scored_at"] == "2019-10-05T15:16:33.577+01:00"
    assert result.details["cert_url"] == CERT_URL
    sent = rec.requests[0]
    assert sent.method == "GET" and str(sent.url) == CERT_URL + ".json"
    assert "authorization" not in sent.headers and SECRET not in str(sent.url) and API_KEY not in str(sent.url)


async def test_certificate_needs_no_credentials() -> None:
    client, _, _ = client_for(lambda r: json_response(200, certificate_body("certified")), ContactStateCredentials())
    assert (await client.certificate(CERT_URL)).flag is Flag.GREEN


async def test_claimed_certificate_is_yellow_not_yet_scored() -> None:
    client, _, _ = client_for(lambda r: json_response(200, certificate_body("claimed")))
    result = await client.certificate(CERT_URL)
    assert result.flag is Flag.YELLOW
    assert "not scored yet" in result.summary and "minute" in result.summary


@pytest.mark.parametrize("status", ["rejected", "expired", "pending"])
async def test_other_certificate_status_is_yellow_naming_it(status: str) -> None:
    client, _, _ = client_for(lambda r: json_response(200, certificate_body(status)))
    result = await client.certificate(CERT_URL)
    assert result.flag is Flag.YELLOW and status in result.summary


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404, text="<html>Not Found</html>"),
        json_response(404, {"error": {"message": "Not found"}}),
        json_response(500, {"error": {"message": "Certificate not found"}}),
    ],
)
async def test_missing_certificate_is_red(response: httpx.Response) -> None:
    client, rec, _ = client_for(lambda r: response)
    result = await client.certificate(CERT_URL)
    assert result.flag is Flag.RED and result.error is None
    assert "No such Contact State certificate" in result.summary
    assert result.details["found"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"id": CERT_ID, "attributes": {}}},
        {"data": {"id": CERT_ID}},
        {"something": "else"},
        certificate_body("certified", cert_id="00000000-0000-0000-0000-000000000000"),
    ],
)
async def test_certificate_answer_missing_status_or_for_another_cert_is_bad_response(body: Any) -> None:
    client, _, _ = client_for(lambda r: json_response(200, body))
    result = await client.certificate(CERT_URL)
    assert result.flag is None and result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


async def test_certificate_outage_is_retried_then_vendor_down() -> None:
    client, rec, _ = client_for(lambda r: httpx.Response(503, text="<html>down</html>"))
    result = await client.certificate(CERT_URL)
    assert len(rec.requests) == 3
    assert result.flag is None and result.error is not None and result.error.kind is ErrorKind.VENDOR_DOWN


@pytest.mark.parametrize(
    "bad",
    [
        "https://cert.example.com/certs/abc",
        "http://cert.contactstate.com/certs/abc",
        "https://cert.contactstate.com/certs/abc/claim",
        "https://cert.contactstate.com:8443/certs/abc",
        "",
    ],
)
async def test_certificate_only_goes_to_contactstate_https(bad: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(200, certificate_body("certified")))
    with pytest.raises(InputError):
        await client.certificate(bad)
    assert rec.requests == []


# ---------------------------------------------------------------------------------------------------------------
# Connect: create


async def test_create_lead_sends_every_documented_field_with_bearer_key() -> None:
    lead = full_lead()
    client, rec, _ = client_for(lambda r: json_response(201, doc("connect_documented.json")["create_success_201"]))
    result = await client.create_lead(lead)
    assert result.ok and result.flag is None
    assert result.operation == "lead_create" and result.subject == "jane.smith@example.com"
    assert result.details["lead_id"] == LEAD_ID
    assert [d["status"] for d in result.details["deliveries"]] == ["delivered", "pending"]
    assert result.details["deliveries"][0]["buyer_name"] == "Buyer 1"
    assert result.details["test_mode"] is True
    assert LEAD_ID in result.summary and "1 delivered, 1 pending" in result.summary and "Test mode" in result.summary
    sent = rec.requests[0]
    assert sent.method == "POST" and str(sent.url) == "https://connect.contactstate.com/leads"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["content-type"] == "application/json"
    assert sent_json(sent) == lead
    assert all(isinstance(v, str) for v in sent_json(sent).values())
    assert API_KEY not in str(result.request) and result.request["headers"]["authorization"] == "[redacted]"


async def test_create_lead_matches_the_connect_example_request() -> None:
    example = doc("connect_from_examples.json")["create_lead_request"]
    client, rec, _ = client_for(lambda r: json_response(201, {"id": LEAD_ID}))
    body = dict(example["body_example"], home_phone="07887898900")
    result = await client.create_lead(body)
    assert str(rec.requests[0].url) == example["url"]
    assert sent_json(rec.requests[0]) == body
    assert "not delivered to any buyer until a connect code" in result.summary


async def test_create_lead_normalises_choices_and_drops_blank_optional_values() -> None:
    client, rec, _ = client_for(lambda r: json_response(201, {"id": LEAD_ID}))
    lead = dict(
        MINIMAL_LEAD,
        homeowner="yes",
        cover_type="lt",
        contact_state_test_mode="TRUE",
        gender="not disclosed",
        contact_time=" this week ",
        city="",
        contact_state_cert_url=CERT_URL + ".json",
    )
    await client.create_lead(lead)
    assert sent_json(rec.requests[0]) == dict(
        MINIMAL_LEAD,
        homeowner="Yes",
        cover_type="LT",
        contact_state_test_mode="true",
        gender="Not disclosed",
        contact_time="This week",
        contact_state_cert_url=CERT_URL,
    )


def test_every_documented_choice_is_accepted() -> None:
    for spec in LEAD_FIELDS.values():
        for choice in spec.choices:
            extra = {"contact_state_landing_page_id": "x"} if spec.name == "contact_state_claim_url" else {}
            assert validate_lead_fields({**MINIMAL_LEAD, **extra, spec.name: choice})[spec.name] == choice


@pytest.mark.parametrize("name", sorted(n for n, f in LEAD_FIELDS.items() if f.choices))
async def test_every_enumerated_field_refuses_an_undocumented_value(name: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(201, {"id": LEAD_ID}))
    with pytest.raises(InputError) as info:
        await client.create_lead({**MINIMAL_LEAD, name: "Nonsense"})
    assert info.value.field == name and LEAD_FIELDS[name].choices[0] in str(info.value)
    assert rec.requests == []


@pytest.mark.parametrize(
    "name", sorted(n for n, f in LEAD_FIELDS.items() if f.kind in (Kind.DATE, Kind.DATE_OR_CHOICE))
)
@pytest.mark.parametrize("value", ["10/05/1970", "1970-5-10", "1970-02-30", "May 1970"])
async def test_every_date_field_needs_a_real_yyyy_mm_dd_date(name: str, value: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(201, {"id": LEAD_ID}))
    with pytest.raises(InputError) as info:
        await client.create_lead({**MINIMAL_LEAD, name: value})
    assert info.value.field == name and "yyyy-mm-dd" in str(info.value)
    assert rec.requests == []


def test_contact_time_takes_a_date_or_a_word() -> None:
    assert validate_lead_fields({**MINIMAL_LEAD, "contact_time": "2024-01-15"})["contact_time"] == "2024-01-15"
    assert validate_lead_fields({**MINIMAL_LEAD, "contact_time": "anytime"})["contact_time"] == "Anytime"


@pytest.mark.parametrize(
    ("lead", "field", "words"),
    [
        ({**MINIMAL_LEAD, "frist_name": "Jane"}, "frist_name", "did you mean first_name"),
        ({**MINIMAL_LEAD, "contact_state_routing_code": "X"}, "contact_state_routing_code", "does not accept"),
        ({"last_name": "Smith", "email": "j@example.com"}, "first_name", "needs first_name"),
        ({"first_name": "Jane", "email": "j@example.com"}, "last_name", "needs last_name"),
        ({"first_name": "Jane", "last_name": "Smith"}, "email", "needs email"),
        ({**MINIMAL_LEAD, "first_name": "   "}, "first_name", "needs first_name"),
        ({**MINIMAL_LEAD, "email": "jane at example"}, "email", "not an email"),
        ({**MINIMAL_LEAD, "alt_email": "nope"}, "alt_email", "not an email"),
        ({**MINIMAL_LEAD, "applicant2_email": "nope"}, "applicant2_email", "not an email"),
        ({**MINIMAL_LEAD, "contact_state_cert_url": "https://example.com/certs/x"}, "contact_state_cert_url", "cert"),
        ({**MINIMAL_LEAD, "contact_state_claim_url": CERT_URL}, "contact_state_claim_url", "claim URL"),
        (
            {**MINIMAL_LEAD, "contact_state_claim_url": CLAIM_URL},
            "contact_state_landing_page_id",
            "required when contact_state_claim_url",
        ),
        ({**MINIMAL_LEAD, "cost": 25.5}, "cost", "text"),
        ({}, None, "first_name, last_name and email"),
    ],
)
async def test_lead_refusals_say_what_to_fix_and_send_nothing(lead: Any, field: str | None, words: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(201, {"id": LEAD_ID}))
    with pytest.raises(InputError) as info:
        await client.create_lead(lead)
    assert info.value.field == field and words in str(info.value)
    assert rec.requests == []


async def test_create_without_api_key_is_refused_before_sending() -> None:
    client, rec, _ = client_for(lambda r: json_response(201, {}), creds=ContactStateCredentials(secret_key=SECRET))
    with pytest.raises(MissingCredentials) as info:
        await client.create_lead(MINIMAL_LEAD)
    assert "LEADCHECK_CONTACTSTATE_API_KEY" in str(info.value)
    assert rec.requests == []


@pytest.mark.parametrize(
    ("status", "kind", "code", "words", "hint"),
    [
        (400, ErrorKind.REJECTED, "invalid_request_error", "first_name: must be filled", "Correct the fields"),
        (401, ErrorKind.AUTH, "authentication_error", "did not accept the API key", "Settings → Contact State"),
        (404, ErrorKind.NOT_FOUND, "resource_missing_error", "Lead with id='missing-lead-id' not found", "lead ID"),
        (500, ErrorKind.VENDOR_DOWN, "api_error", "Something went wrong", "try again later"),
    ],
)
async def test_every_documented_connect_error_is_explained(
    status: int, kind: ErrorKind, code: str, words: str, hint: str
) -> None:
    body = doc("connect_documented.json")[f"error_{status}"]
    client, rec, _ = client_for(lambda r: json_response(status, body))
    result = await client.create_lead(MINIMAL_LEAD)
    assert result.flag is None and result.error is not None
    assert result.error.kind is kind and result.error.code == code and result.error.http_status == status
    assert words in result.error.message and hint in result.error.hint
    assert result.details["errors"] == body["errors"]
    assert len(rec.requests) == 1  # lead creation is not retried on 500: it could create a duplicate


async def test_validation_error_lists_every_message_with_its_param() -> None:
    body = doc("connect_documented.json")["error_400"]
    body["errors"].append({"code": "validation", "message": "must be an email", "param": "email"})
    client, _, _ = client_for(lambda r: json_response(400, body))
    result = await client.create_lead(MINIMAL_LEAD)
    assert result.error is not None
    assert result.error.message == (
        "Contact State refused the request: The request payload is incorrectly formatted, empty, or contains "
        "invalid parameters; first_name: must be filled; email: must be an email."
    )


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(503, text="<html><body>Down for maintenance</body></html>"),
        json_response(503, {"error_type": "api_error", "errors": [{"code": "maintenance", "message": "Back soon"}]}),
        httpx.Response(503, text='{"broken json'),
    ],
)
async def test_maintenance_503_html_or_json_is_retried_then_explained(response: httpx.Response) -> None:
    client, rec, _ = client_for(lambda r: response)
    result = await client.create_lead(MINIMAL_LEAD)
    assert len(rec.requests) == 3
    assert result.error is not None and result.error.kind is ErrorKind.VENDOR_DOWN
    assert "maintenance" in result.error.message and "maintenance" in result.error.hint


async def test_lead_creation_is_not_retried_after_timeout() -> None:
    client, rec, _ = client_for(timeout)
    result = await client.create_lead(MINIMAL_LEAD)
    assert len(rec.requests) == 1
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert "duplicate" in result.error.hint


async def test_create_answer_without_id_is_bad_response() -> None:
    client, _, _ = client_for(lambda r: json_response(201, {"deliveries": []}))
    result = await client.create_lead(MINIMAL_LEAD)
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


async def test_rate_limit_waits_for_reset_then_succeeds() -> None:
    limited = json_response(
        429,
        doc("connect_documented.json")["error_429"],
        headers={"RateLimit-Limit": "10", "RateLimit-Remaining": "0", "RateLimit-Reset": str(int(START + 5))},
    )
    client, rec, clock = client_for(sequence(limited, json_response(201, {"id": LEAD_ID})))
    result = await client.create_lead(MINIMAL_LEAD)
    assert result.ok and len(rec.requests) == 2
    assert clock.now >= START + 5


async def test_rate_limit_that_outlasts_waiting_is_reported_with_reset_time() -> None:
    reset = int(START + 3600)
    limited = json_response(
        429,
        doc("connect_documented.json")["error_429"],
        headers={"RateLimit-Limit": "10", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)},
    )
    client, rec, _ = client_for(lambda r: limited)
    result = await client.create_lead(MINIMAL_LEAD)
    when = datetime.fromtimestamp(reset, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    assert result.error is not None and result.error.kind is ErrorKind.RATE_LIMITED
    assert result.error.code == "rate_limit_error"
    assert f"try again after {when}" in result.error.message and "0/10 remaining" in result.error.message
    assert result.details["rate_limit_reset"] == when
    assert result.details["rate_limit_limit"] == 10 and result.details["rate_limit_remaining"] == 0
    assert "10 new leads a minute" in result.error.hint
    assert len(rec.requests) == 1


async def test_eleventh_lead_in_a_minute_waits_for_the_lead_creation_limit() -> None:
    client, rec, clock = client_for(lambda r: json_response(201, {"id": LEAD_ID}))
    for _ in range(10):
        await client.create_lead(MINIMAL_LEAD)
    assert clock.now == START
    await client.create_lead(MINIMAL_LEAD)
    assert len(rec.requests) == 11 and clock.now >= START + 60


async def test_shared_limits_count_calls_from_every_client() -> None:
    clock = FakeClock()
    limits = ContactStateLimits.create(clock=clock, sleep=clock.sleep)
    for _ in range(2):
        http, _ = mock_http(lambda r: json_response(200, {"status": "success"}), clock=clock, sleep=clock.sleep)
        client = ContactStateClient(http, CREDS, limiters=limits)
        for _ in range(30):
            await client.delete_lead(LEAD_ID)
    assert clock.now == START
    await client.get_lead(LEAD_ID)  # the 61st Bearer call within the minute
    assert clock.now >= START + 60


# ---------------------------------------------------------------------------------------------------------------
# Connect: get and delete


async def test_get_lead_reads_fields_and_deliveries() -> None:
    body = doc("connect_documented.json")["webhook_delivery_success"]
    client, rec, _ = client_for(lambda r: json_response(200, body))
    result = await client.get_lead(LEAD_ID)
    assert result.ok and result.flag is None and result.operation == "lead_get"
    assert result.details["fields"]["email"] == "jane.smith@example.com"
    assert result.details["created_at"] == "2021-05-05T08:57:13+01:00"
    assert result.details["deliveries"][0]["status"] == "delivered"
    assert "Jane Smith <jane.smith@example.com>" in result.summary and "1 delivered" in result.summary
    sent = rec.requests[0]
    assert sent.method == "GET" and str(sent.url) == f"https://connect.contactstate.com/leads/{LEAD_ID}"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"


async def test_get_lead_also_reads_a_flat_answer() -> None:
    body = {"id": LEAD_ID, **MINIMAL_LEAD, "deliveries": [{"id": "d1", "status": "failed", "message": "Duplicate"}]}
    client, _, _ = client_for(lambda r: json_response(200, body))
    result = await client.get_lead(LEAD_ID)
    assert result.details["fields"]["first_name"] == "Jane"
    assert result.details["deliveries"][0]["message"] == "Duplicate"


async def test_get_lead_for_another_id_is_bad_response() -> None:
    client, _, _ = client_for(lambda r: json_response(200, {"id": "someone-else", **MINIMAL_LEAD}))
    result = await client.get_lead(LEAD_ID)
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


async def test_get_lead_not_found_uses_the_documented_body() -> None:
    client, rec, _ = client_for(lambda r: json_response(404, doc("connect_documented.json")["error_404"]))
    result = await client.get_lead("missing-lead-id")
    assert result.error is not None and result.error.kind is ErrorKind.NOT_FOUND
    assert "Lead with id='missing-lead-id' not found" in result.error.message
    assert len(rec.requests) == 1


async def test_get_lead_server_error_is_retried() -> None:
    body = doc("connect_documented.json")["error_500"]
    client, rec, _ = client_for(sequence(json_response(500, body), json_response(200, {"id": LEAD_ID, **MINIMAL_LEAD})))
    result = await client.get_lead(LEAD_ID)
    assert result.ok and len(rec.requests) == 2


async def test_delete_lead() -> None:
    client, rec, _ = client_for(lambda r: json_response(200, {"status": "success"}))
    result = await client.delete_lead(LEAD_ID)
    assert result.ok and result.flag is None and result.operation == "lead_delete"
    assert result.details == {"lead_ids": [LEAD_ID], "deleted": 1, "status": "success"}
    assert "deleted" in result.summary
    sent = rec.requests[0]
    assert sent.method == "DELETE" and str(sent.url) == f"https://connect.contactstate.com/leads/{LEAD_ID}"


async def test_delete_many_sends_lead_ids_in_json_once_each() -> None:
    client, rec, _ = client_for(lambda r: json_response(200, {"status": "success"}))
    result = await client.delete_leads(["lead-id-1", "lead-id-2", "lead-id-1"])
    sent = rec.requests[0]
    assert sent.method == "DELETE" and str(sent.url) == "https://connect.contactstate.com/leads"
    assert sent_json(sent) == {"lead_ids": ["lead-id-1", "lead-id-2"]}
    assert result.operation == "lead_delete_many" and result.details["deleted"] == 2
    assert result.summary == "2 leads were deleted from Contact State."


async def test_delete_many_is_retried_on_server_error() -> None:
    client, rec, _ = client_for(sequence(httpx.Response(502), json_response(200, {"status": "success"})))
    assert (await client.delete_leads(["a", "b"])).ok and len(rec.requests) == 2


@pytest.mark.parametrize(
    ("ids", "words"),
    [
        ([f"lead-{i}" for i in range(26)], "at most 25"),
        ([], "at least one"),
        ("lead-id-1", "list"),
        (["ok", "../etc"], "not a Contact State Connect ID"),
    ],
)
async def test_delete_many_refusals(ids: Any, words: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(200, {}))
    with pytest.raises(InputError) as info:
        await client.delete_leads(ids)
    assert words in str(info.value)
    assert rec.requests == []


async def test_delete_many_accepts_exactly_25() -> None:
    client, rec, _ = client_for(lambda r: json_response(200, {"status": "success"}))
    assert (await client.delete_leads([f"lead-{i}" for i in range(25)])).ok
    assert len(sent_json(rec.requests[0])["lead_ids"]) == 25


@pytest.mark.parametrize("bad", ["", "   ", "../admin", "a/b", "id?x=1", "id%2Fx", "a b", "x" * 200, "lead#1"])
@pytest.mark.parametrize("call", ["get_lead", "delete_lead", "stats"])
async def test_lead_ids_that_could_change_the_url_are_refused(call: str, bad: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(200, {}))
    with pytest.raises(InputError):
        await getattr(client, call)(bad)
    assert rec.requests == []


# ---------------------------------------------------------------------------------------------------------------
# Perform: status push


async def test_push_status_sends_the_documented_body_with_secret_key() -> None:
    crm = doc("perform_documented.json")["crm_record_example"]
    client, rec, _ = client_for(lambda r: httpx.Response(201, json={"ok": True, "echo": SECRET}))
    result = await client.push_status(
        doc("perform_documented.json")["internal_status_map"][crm["status"]],
        connect_id=crm["connect_id"],
        status_at=crm["sold_at"],
        status_by=crm["sold_by"],
        received_at=crm["received"],
        internal_identifier=crm["id"],
        internal_status=crm["status"],
        internal_status_at=crm["sold_at"],
        notes=crm["notes"],
        sale_sold_at=crm["sold_at"],
        sale_sold_by=crm["sold_by"],
        sale_currency=crm["currency"],
        sale_revenue=crm["revenue"],
        sale_lead_cost=crm["cpl"],
        sale_costs=crm["costs"],
        sale_gross_profit=crm["profit"],
    )
    assert result.ok and result.flag is None and result.operation == "status"
    assert result.subject == CONNECT_ID and result.details["status"] == "SOLD"
    assert result.summary == "Sales status SOLD (the lead has been sold to) sent to Contact State."
    sent = rec.requests[0]
    assert sent.method == "POST" and str(sent.url) == "https://perform.contactstate.com/leads"
    assert "authorization" not in sent.headers
    assert sent_json(sent) == {
        "connect_id": CONNECT_ID,
        "secret_key": SECRET,
        "status": "SOLD",
        "status_at": "2020-01-15T12:00:45+0100",
        "status_by": "John S",
        "received_at": "2020-01-10T15:15:30+0100",
        "internal_identifier": "QWERTY1",
        "internal_status": "Sale",
        "internal_status_at": "2020-01-15T12:00:45+0100",
        "notes": "Lovely stuff",
        "sale_sold_at": "2020-01-15T12:00:45+0100",
        "sale_sold_by": "John S",
        "sale_currency": "GBP",
        "sale_revenue": "1000.90",
        "sale_lead_cost": "35.15",
        "sale_costs": "20.99",
        "sale_gross_profit": "944.76",
    }
    assert SECRET not in str(result.request) and result.request["body"]["secret_key"] == "[redacted]"
    assert result.response_body is not None and SECRET not in result.response_body
    assert SECRET not in str(result.details)


async def test_push_status_against_a_certificate_url() -> None:
    client, rec, _ = client_for(lambda r: httpx.Response(201))
    result = await client.push_status("quote", certificate_url=CERT_URL + ".json")
    assert result.ok and result.details["certificate_url"] == CERT_URL and result.details["connect_id"] is None
    assert sent_json(rec.requests[0]) == {"certificate_url": CERT_URL, "secret_key": SECRET, "status": "QUOTE"}


@pytest.mark.parametrize("status", sorted(PERFORM_STATUSES))
async def test_every_documented_sales_status_can_be_pushed(status: str) -> None:
    client, rec, _ = client_for(lambda r: httpx.Response(201))
    result = await client.push_status(status.lower().replace("_", " "), connect_id=CONNECT_ID)
    assert result.ok and sent_json(rec.requests[0])["status"] == status
    assert PERFORM_STATUSES[status].lower() in result.summary


@pytest.mark.parametrize(
    ("status", "ids", "optional", "field", "words"),
    [
        ("SOLD", {}, {}, "connect_id", "exactly one"),
        ("SOLD", {"connect_id": CONNECT_ID, "certificate_url": CERT_URL}, {}, "connect_id", "exactly one"),
        ("WON", {"connect_id": CONNECT_ID}, {}, "status", "NOT_INTERESTED"),
        ("", {"connect_id": CONNECT_ID}, {}, "status", "sales status"),
        ("SOLD", {"connect_id": "../leads"}, {}, "connect_id", "Connect ID"),
        ("SOLD", {"certificate_url": "https://example.com/certs/x"}, {}, "cert", "contactstate.com"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"received_at": "2020-01-10T15:15:30Z+0100"}, "received_at", "ISO 8601"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"status_at": "15/01/2020 12:00"}, "status_at", "ISO 8601"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_sold_at": "2020-01-15"}, "sale_sold_at", "date and time"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"internal_status_at": "2020-13-45T99:00"}, "internal_status_at", "ISO"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_currency": "POUNDS"}, "sale_currency", "ISO 4217"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_currency": "£"}, "sale_currency", "ISO 4217"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_revenue": "1,000.90"}, "sale_revenue", "99.99"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_lead_cost": "£35"}, "sale_lead_cost", "99.99"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_costs": "-1"}, "sale_costs", "99.99"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_gross_profit": "lots"}, "sale_gross_profit", "944.76"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_revenue": 99.99}, "sale_revenue", "text"),
        ("SOLD", {"connect_id": CONNECT_ID}, {"sale_tax": "1.00"}, "sale_tax", "does not accept"),
    ],
)
async def test_push_refusals_say_what_to_fix_and_send_nothing(
    status: str, ids: dict[str, str], optional: dict[str, Any], field: str, words: str
) -> None:
    client, rec, _ = client_for(lambda r: httpx.Response(201))
    with pytest.raises(InputError) as info:
        await client.push_status(status, **ids, **optional)
    assert info.value.field == field and words in str(info.value)
    assert rec.requests == []


async def test_push_accepts_iso_timestamps_in_every_documented_shape_and_negative_profit() -> None:
    client, rec, _ = client_for(lambda r: httpx.Response(201))
    await client.push_status(
        "SOLD",
        connect_id=CONNECT_ID,
        status_at="2019-10-05T15:16:33.577+01:00",
        received_at="2020-01-10T15:15:30Z",
        sale_sold_at="2020-01-10T15:15",
        sale_currency="usd",
        sale_gross_profit="-12.50",
        notes=None,
    )
    body = sent_json(rec.requests[0])
    assert body["sale_currency"] == "USD" and body["sale_gross_profit"] == "-12.50" and "notes" not in body


async def test_push_error_shows_the_vendors_message_and_is_not_retried() -> None:
    client, rec, _ = client_for(lambda r: json_response(500, doc("perform_documented.json")["error_500"]))
    result = await client.push_status("SOLD", connect_id=CONNECT_ID)
    assert result.flag is None and result.error is not None
    assert result.error.kind is ErrorKind.REJECTED
    assert result.error.message == "Contact State refused the sales status: Error message"
    assert "Connect ID" in result.error.hint
    assert len(rec.requests) == 1


async def test_push_outage_and_timeout_are_retried_because_resending_a_status_is_harmless() -> None:
    client, rec, _ = client_for(sequence(httpx.Response(503, text="<html>"), httpx.Response(201)))
    assert (await client.push_status("SOLD", connect_id=CONNECT_ID)).ok and len(rec.requests) == 2
    client, rec, _ = client_for(timeout)
    result = await client.push_status("SOLD", connect_id=CONNECT_ID)
    assert len(rec.requests) == 3 and result.error is not None and result.error.kind is ErrorKind.TIMEOUT


async def test_push_without_secret_key_is_refused_before_sending() -> None:
    client, rec, _ = client_for(lambda r: httpx.Response(201), creds=ContactStateCredentials(api_key=API_KEY))
    with pytest.raises(MissingCredentials):
        await client.push_status("SOLD", connect_id=CONNECT_ID)
    assert rec.requests == []


# ---------------------------------------------------------------------------------------------------------------
# Perform: stats


async def test_stats_reads_every_documented_field() -> None:
    body = doc("perform_documented.json")["stats_200"]
    client, rec, _ = client_for(lambda r: json_response(200, body))
    result = await client.stats(LEAD_ID)
    assert result.ok and result.flag is None and result.operation == "stats"
    for key, value in body.items():
        assert result.details[key] == value
    assert result.details["notes"] is None and result.details["delivery_id"] is None
    assert result.summary == (
        "Sales status SOLD (the lead has been sold to) since 2020-01-15T12:00:45+01:00. Revenue 99.99 GBP."
    )
    sent = rec.requests[0]
    assert sent.method == "GET" and str(sent.url) == f"https://perform.contactstate.com/stats/{LEAD_ID}"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"


async def test_stats_for_one_delivery() -> None:
    client, rec, _ = client_for(lambda r: json_response(200, {"status": None}))
    result = await client.stats(LEAD_ID, "e085fa09-d122-49c1-956a-319c7b2b4609")
    assert str(rec.requests[0].url).endswith(f"/stats/{LEAD_ID}/e085fa09-d122-49c1-956a-319c7b2b4609")
    assert result.summary == "The buyer has not reported a sales status yet."
    assert result.subject == f"{LEAD_ID}/e085fa09-d122-49c1-956a-319c7b2b4609"


async def test_stats_refuses_an_unsafe_delivery_id() -> None:
    client, rec, _ = client_for(lambda r: json_response(200, {}))
    with pytest.raises(InputError):
        await client.stats(LEAD_ID, "../../jobs")
    assert rec.requests == []


@pytest.mark.parametrize("body", [{}, {"unrelated": 1}, [1, 2]])
async def test_stats_without_documented_fields_is_bad_response(body: Any) -> None:
    client, _, _ = client_for(lambda r: json_response(200, body))
    result = await client.stats(LEAD_ID)
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


@pytest.mark.parametrize(("status", "kind"), [(401, ErrorKind.AUTH), (404, ErrorKind.NOT_FOUND), (403, ErrorKind.AUTH)])
async def test_stats_errors(status: int, kind: ErrorKind) -> None:
    body = doc("connect_documented.json").get(f"error_{status}", {"error": {"message": "Forbidden"}})
    client, _, _ = client_for(lambda r: json_response(status, body))
    result = await client.stats(LEAD_ID)
    assert result.error is not None and result.error.kind is kind and result.error.hint


# ---------------------------------------------------------------------------------------------------------------
# Perform: export


def export_server(*job_bodies: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    perform = doc("perform_documented.json")
    jobs = list(job_bodies)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return json_response(200, perform["export_started"])
        return json_response(200, jobs.pop(0) if len(jobs) > 1 else jobs[0])

    return answer


async def test_start_export_returns_the_job_url() -> None:
    client, rec, _ = client_for(export_server({}))
    result = await client.start_export()
    assert result.ok and result.details["job_url"] == JOB_URL and result.operation == "export"
    sent = rec.requests[0]
    assert sent.method == "POST" and str(sent.url) == "https://perform.contactstate.com/stats"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize(
    "job_url",
    [
        "https://evil.example.com/jobs/1",
        "http://perform.contactstate.com/jobs/1",
        "https://cert.contactstate.com/jobs/1",
    ],
)
async def test_start_export_with_a_foreign_job_url_is_bad_response(job_url: str) -> None:
    client, _, _ = client_for(lambda r: json_response(200, {"job_url": job_url}))
    result = await client.start_export()
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


@pytest.mark.parametrize(
    "bad", ["https://cert.contactstate.com/jobs/1", "http://perform.contactstate.com/jobs/1", "https://x.com/jobs/1"]
)
async def test_poll_export_sends_the_key_only_to_perform(bad: str) -> None:
    client, rec, _ = client_for(lambda r: json_response(200, {}))
    with pytest.raises(InputError):
        await client.poll_export(bad)
    assert rec.requests == []


async def test_poll_export_pending_and_success() -> None:
    perform = doc("perform_documented.json")
    client, rec, clock = client_for(lambda r: json_response(200, perform["job_pending"]))
    pending = await client.poll_export(JOB_URL)
    assert pending.ok and pending.details["status"] == "pending" and pending.details["download_url"] is None
    assert str(rec.requests[0].url) == JOB_URL and rec.requests[0].method == "GET"
    client, _, clock = client_for(lambda r: json_response(200, perform["job_success"]))
    done = await client.poll_export(JOB_URL)
    assert done.details["download_url"] == perform["job_success"]["download_url"]
    expected = datetime.fromtimestamp(START + 7 * 86400, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    assert done.details["download_valid_until"] == expected
    assert "7 days" in done.summary


async def test_export_polls_every_ten_seconds_until_success() -> None:
    perform = doc("perform_documented.json")
    client, rec, clock = client_for(
        export_server(perform["job_pending"], perform["job_pending"], perform["job_success"])
    )
    progress: list[tuple[str, float]] = []
    result = await client.export(on_progress=lambda status, waited: progress.append((status, waited)))
    assert result.ok and result.operation == "export"
    assert result.details["download_url"] == perform["job_success"]["download_url"]
    assert result.details["job_url"] == JOB_URL
    assert [r.method for r in rec.requests] == ["POST", "GET", "GET", "GET"]
    assert clock.sleeps == [10.0, 10.0, 10.0]
    assert progress == [("pending", 0.0), ("pending", 10.0), ("pending", 20.0), ("success", 30.0)]


async def test_export_gives_up_after_timeout_keeping_the_job_url() -> None:
    client, rec, clock = client_for(export_server(doc("perform_documented.json")["job_pending"]))
    result = await client.export(poll_interval=10, timeout=25)
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert result.details["job_url"] == JOB_URL and result.flag is None
    assert "25 seconds" in result.error.message
    assert clock.sleeps == [10.0, 10.0, 5.0] and len(rec.requests) == 4


async def test_export_job_failure_is_an_error() -> None:
    client, _, _ = client_for(export_server({"status": "failed", "download_url": None}))
    result = await client.export()
    assert result.error is not None and "could not build the export" in result.error.message
    assert result.details["job_url"] == JOB_URL and result.operation == "export"


async def test_export_success_without_download_url_is_bad_response() -> None:
    client, _, _ = client_for(export_server({"status": "success", "download_url": None}))
    result = await client.export()
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE


async def test_export_start_failure_is_returned_without_polling() -> None:
    client, rec, _ = client_for(lambda r: json_response(401, doc("connect_documented.json")["error_401"]))
    result = await client.export()
    assert result.error is not None and result.error.kind is ErrorKind.AUTH and len(rec.requests) == 1


@pytest.mark.parametrize(("interval", "limit"), [(0, 300), (10, 0), (-1, 10)])
async def test_export_refuses_non_positive_timings(interval: float, limit: float) -> None:
    client, rec, _ = client_for(export_server({}))
    with pytest.raises(InputError):
        await client.export(poll_interval=interval, timeout=limit)
    assert rec.requests == []


async def test_api_key_echoed_in_an_answer_is_redacted() -> None:
    client, _, _ = client_for(lambda r: json_response(401, {"error_type": "authentication_error", "key": API_KEY}))
    result = await client.get_lead(LEAD_ID)
    assert result.response_body is not None and API_KEY not in result.response_body
    assert API_KEY not in json.dumps(result.to_public_dict()) and API_KEY not in str(result.request)
