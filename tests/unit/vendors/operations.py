"""Every vendor operation that reads an answer, as one call each, with a well-formed answer to start fuzzing from.

Shared by the Hypothesis fuzz tests (answers through ``httpx.MockTransport``) and the misbehaving-peer tests
(answers from a real socket on 127.0.0.1). Each seed answer is shaped like the vendor's documents, so mutating
one field at a time reaches the parser's deeper branches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from desktop_app.vendors.consentcontrol import ConsentControlClient, ConsentControlCredentials, OptOutRecord
from desktop_app.vendors.contactstate.client import ContactStateClient, ContactStateCredentials
from desktop_app.vendors.http import VendorHttp
from desktop_app.vendors.jornaya import JornayaClient, JornayaCredentials
from desktop_app.vendors.litigator import LitigatorClient, LitigatorCredentials
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.trustedform import TrustedFormClient, TrustedFormCredentials

TF_URL = "https://cert.trustedform.com/eb9fc4dd9bed9ad451a5648946cf4bf09b5bb947"
TOKEN = "58990313-03FB-43B8-AD0B-08CEF791D49B"
CS_CERT_ID = "f7cb639a-2e90-4703-b35c-f416dd68573e"
CS_CERT_URL = f"https://cert.contactstate.com/certs/{CS_CERT_ID}"
CS_CLAIM_URL = "https://cert-gen.contactstate.com/certs/534ede1d-9430-4bc9-8aa5-6626d2ab5a12/claim"
LEAD_ID = "71ebc642-0d25-4c6a-84f5-efc22f495ac0"
JOB_URL = "https://perform.contactstate.com/jobs/7481cfc5-43c8-4148-8cea-8d6fdd319723"
PHONE = "202-555-0123"
EMAIL = "jane.doe@example.com"

# Every origin a vendor call can go to, for routing all of them to one local peer.
VENDOR_ORIGINS = (
    "https://cert.trustedform.com",
    "https://api.leadid.com",
    "https://api.rrdblive.com",
    "https://cert.contactstate.com",
    "https://cert-gen.contactstate.com",
    "https://connect.contactstate.com",
    "https://perform.contactstate.com",
    "https://*.digitalsegment.com",
)


def trustedform(http: VendorHttp) -> Awaitable[CheckResult]:
    return TrustedFormClient(http, TrustedFormCredentials("tf-key-0123456789")).retain(TF_URL, email=EMAIL, phone=PHONE)


def jornaya(http: VendorHttp) -> Awaitable[CheckResult]:
    creds = JornayaCredentials("A1B2C3D4-1111-2222-3333", "F00DFACE-4444-5555-6666", "SUPPLIER1")
    return JornayaClient(http, creds).audit(TOKEN, data={"email": EMAIL})


def jornaya_xml(http: VendorHttp) -> Awaitable[CheckResult]:
    creds = JornayaCredentials("A1B2C3D4-1111-2222-3333", "F00DFACE-4444-5555-6666", "SUPPLIER1")
    return JornayaClient(http, creds).audit(TOKEN, response_format="xml")


def litigator(http: VendorHttp) -> Awaitable[CheckResult]:
    return LitigatorClient(http, LitigatorCredentials("client-123", "cws-4567", "tok-secret-890")).check_phone(PHONE)


def _contactstate(http: VendorHttp) -> ContactStateClient:
    return ContactStateClient(http, ContactStateCredentials("sk-secret-0123456789", "ak-live-9876543210"))


async def consentcontrol(http: VendorHttp) -> CheckResult:
    client = ConsentControlClient(http, ConsentControlCredentials("cc-live-key-0123456789", "acme"))
    outcome = await client.upload([OptOutRecord(phone1=PHONE, email1=EMAIL)])
    return outcome.results[0]


@dataclass(frozen=True)
class Operation:
    name: str
    call: Callable[[VendorHttp], Awaitable[CheckResult]]
    seed: Any  # a well-formed answer body (JSON value, or XML text)
    reads_body: bool = True  # False when any 2xx answer completes the operation, whatever its body


OPERATIONS = (
    Operation(
        "trustedform.retain",
        trustedform,
        {
            "outcome": "success",
            "reason": None,
            "match_lead": {"result": {"email_match": True, "phone_match": True, "success": True}},
            "retain": {
                "results": {"expires_at": "2030-01-01T00:00:00Z", "previously_retained": False, "share_url": "x"},
                "reference": "lead-1",
                "vendor": "Acme",
            },
            "verify": {
                "result": {"success": True, "language_approved": True, "one_to_one": True},
                "languages": [{"text": "I agree"}],
                "advertiser_name": "Acme",
            },
            "insights": {
                "scans": {"result": {"success": True, "required": {"found": ["a"], "not_found": []}}},
                "properties": {"age_seconds": 3, "os": {"is_mobile": False, "full": "Linux"}, "approx_ip_geo": {}},
            },
            "errors": {"detail": "none"},
            "message": "ok",
        },
    ),
    Operation(
        "jornaya.audit",
        jornaya,
        {
            "transid": "t-1",
            "audit": {
                "authentic": 1,
                "result": 1,
                "token": TOKEN,
                "data_integrity": 1,
                "data_integrity_rule": 1,
                "call_center": 0,
                "reg_rule": 1,
                "fields": {"email": 1},
                "data_integrity_failed": [],
                "data_integrity_passed": ["email"],
                "market": {
                    "result": 1,
                    "leadid": {
                        "result": 1,
                        "tcpafirst": {
                            "result": 1,
                            "disclosure": 1,
                            "disclosure_rule": 1,
                            "capture": 1,
                            "stored": 1,
                            "raw_response": {"disclosures": [{"disclosure_id": 1, "label": "x", "interaction": 1}]},
                        },
                    },
                },
            },
        },
    ),
    Operation(
        "jornaya.audit (xml)",
        jornaya_xml,
        "<response><transid>t</transid><audit><authentic>1</authentic><result>1</result><reason>1</reason>"
        "<error><code>100</code></error></audit></response>",
    ),
    Operation(
        "litigator.check",
        litigator,
        {
            "success": True,
            "errors": [{"errorID": 1000, "errorHeader": "Auth", "errorMessage": "failed"}],
            "dataOut": [{"PhoneNumber": "2025550123", "PhoneIsLitigator": 0}],
        },
    ),
    Operation(
        "contactstate.cert",
        lambda http: _contactstate(http).certificate(CS_CERT_URL),
        {
            "data": {"id": CS_CERT_ID, "type": "certificate", "attributes": {"status": "certified", "scored_at": "x"}},
            "error": {"message": "not found"},
        },
    ),
    Operation(
        "contactstate.claim",
        lambda http: _contactstate(http).claim(CS_CLAIM_URL),
        {"cert_url": CS_CERT_URL, "reclaim_cert_url": CS_CLAIM_URL, "error": {"message": "expired"}},
    ),
    Operation(
        "contactstate.lead_get",
        lambda http: _contactstate(http).get_lead(LEAD_ID),
        {
            "lead": {"id": LEAD_ID, "first_name": "Jane", "email": EMAIL},
            "deliveries": [{"id": "d", "status": "delivered"}],
            "error_type": "invalid_request_error",
            "errors": [{"code": "c", "message": "m", "param": "p"}],
        },
    ),
    Operation(
        "contactstate.lead_create",
        lambda http: _contactstate(http).create_lead({"first_name": "Jane", "last_name": "Doe", "email": EMAIL}),
        {"id": LEAD_ID, "deliveries": [{"id": "d", "status": "failed"}], "error": {"message": "m"}},
    ),
    Operation(
        "contactstate.status",
        lambda http: _contactstate(http).push_status("SOLD", connect_id=LEAD_ID),
        {"status": "ok", "error": {"message": "unknown lead"}},
        reads_body=False,
    ),
    Operation(
        "contactstate.stats",
        lambda http: _contactstate(http).stats(LEAD_ID),
        {"stats": {"status": "SOLD", "status_at": "x", "sale_revenue": "10", "sale_currency": "USD"}},
    ),
    Operation(
        "contactstate.export",
        lambda http: _contactstate(http).start_export(),
        {"job_url": JOB_URL},
    ),
    Operation(
        "contactstate.export_poll",
        lambda http: _contactstate(http).poll_export(JOB_URL),
        {"status": "success", "download_url": "https://files.example.com/x.xlsx"},
    ),
    Operation(
        "consentcontrol.upload",
        consentcontrol,
        {
            "status": True,
            "transaction_id": "t-1",
            "successful": 1,
            "unsuccessful": 0,
            "unsuccessful_ids": [],
            "results": [{"successful": True, "recordID": "r1", "unsuccessful_reason": "", "phone1": PHONE}],
            "message": "ok",
        },
    ),
)
