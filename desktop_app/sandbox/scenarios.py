"""Trigger values for the vendor simulator: which input makes which vendor answer what.

Every deterministic behaviour of :class:`desktop_app.sandbox.VendorSimulator` is keyed on a value defined
here, so tests, benchmarks and demo data import the names instead of repeating magic strings. Anything not
listed gets the vendor's normal, documented *success* answer.

TrustedForm v4 (``POST /tf/<cert_id>``; Basic auth user ``API``; header ``api-version: 4.0``)

==============================  ==========================================================================
``TF_CERT_OK`` (and any id)     200, ``outcome: success``; ``retain`` / ``match_lead`` results as requested
``TF_CERT_OK_MOBILE``           same, 80-character mobile id
``TF_CERT_OK_META``             same, Meta lead-ads id ``0.x.y.z``
``TF_CERT_MALFORMED``           400 "Malformed certificate id" (spec body)
``TF_CERT_STATUS[s]``           HTTP ``s`` for s in 400 401 402 403 404 405 406 410 422 (spec example bodies;
                                406 invented JSON; 410 empty body) and 500 (text/plain "unable to access
                                server"), 502 (HTML), 503 (JSON ``{"errors": {"detail": ...}}``)
``TF_CERT_FLAKY``               503 the first time this simulator sees the id, 200 afterwards
``TF_CERT_SLOW``                waits ``TF_SLOW_SECONDS`` (5 s) before answering 200
``TF_CERT_NOJSON``              200 with a ``text/html`` body
``TF_API_KEY_INVALID``          401 ``{"outcome": "error", "reason": "Unauthorized"}`` (any key starting
                                ``invalid``; a missing header or a user other than ``API`` does the same)
``TF_EMAIL_MISMATCH``           ``match_lead.result.email_match`` false (any email containing ``mismatch``)
``TF_PHONE_MISMATCH``           ``match_lead.result.phone_match`` false (any phone whose digits end ``0000``)
==============================  ==========================================================================

``match_lead.result.success`` is true when any supplied field matched (the spec's definition); when nothing
supplied matched it is false and the answer is ``outcome: failure``, reason ``TF_MISMATCH_REASON``.

``tf_cert_id(prefix, n)`` builds further 40-character ids with the same prefix (a fresh flaky id per test).

Jornaya (``GET|POST /leadid/SingleQuery``; the first 8 characters of the token pick the scenario)

====================================  ====================================================================
``JORNAYA_TOKEN_OK`` (and any token)  green audit (authentic 1, disclosure 1, capture 1, result 1)
``JORNAYA_TOKEN_INAUTHENTIC[r]``      ``AAAAAAAA``: authentic 0, ``reason`` r (1-4, the last hex digit),
                                      reg_rule 3, result 3, plus a ``transid``
``JORNAYA_TOKEN_CAPTURE_PARTIAL``     ``BBBBBBBB``: capture 2, capture_rule 2, results 2 (yellow)
``JORNAYA_TOKEN_NO_DISCLOSURE``       ``CCCCCCCC``: disclosure 0, disclosure_rule 3, results 3 (red)
``JORNAYA_TOKEN_CALL_CENTER``         ``DDDDDDDD``: ``call_center: 1``, overall result 2
``JORNAYA_TOKEN_ERROR[code]``         ``EEEEEEEE``: error ``code`` (the last 4 digits); HTTP 500 for 100,
                                      400 otherwise
``JORNAYA_TOKEN_MALFORMED_ANSWER``    ``FFFFFFFF``: 200 ``{"audit": {"token": ...}}`` (no ``authentic``)
``JORNAYA_TOKEN_FLAKY``               ``99999999``: error 100 the first time per token, green afterwards
``JORNAYA_ACCOUNT_CODE_INVALID``      error 6000 (any lac or lak starting ``00000000``)
``JORNAYA_DATA_WRONG`` in a value     that field fails data integrity (0); data_integrity_rule 2
``JORNAYA_DATA_DEFAULT`` in a value   that field is a default value (3)
====================================  ====================================================================

Missing or malformed parameters give the documented codes 1000, 1001, 2000, 2001, 4001, 5000.

TCPA Litigator (``GET|POST /litigator/DDM/WebService.cfc?method=process``)

================================  ========================================================================
``LITIGATOR_PHONE_HIT``           ``PhoneIsLitigator: "1"`` (any number whose last 4 digits are 6666)
``LITIGATOR_PHONE_CLEAN``         ``PhoneIsLitigator: "0"``
``LITIGATOR_PHONE_ERROR[id]``     errorID ``id`` for 400, 403, 500 and 35060 (HTTP 400/403/400/400)
``LITIGATOR_TOKEN_INVALID``       errorID 1000, HTTP 401 (any Token starting ``invalid``)
``LITIGATOR_TOKEN_UNAUTHORIZED``  errorID 35040, HTTP 400
``LITIGATOR_CWSID_MISSING``       errorID 35030, HTTP 400
``LITIGATOR_PHONE_MULTIPLE``      errorID 35070 (a comma, semicolon, pipe or newline, or PhoneNumber twice)
================================  ========================================================================

No PhoneNumber gives 2000; no parameters at all gives 35050.

Contact State (``/cs-certgen``, ``/cs-cert``, ``/cs-connect``, ``/cs-perform``)

===================================  =====================================================================
``CS_SECRET_KEY_INVALID``            claim / Perform push: 500 "Invalid secret key" (prefix ``invalid``)
``CS_CLAIM_TOKEN_EXPIRED``           claim: 500 "Certificate claim window has expired" (prefix ``expired``)
``CS_CLAIM_TOKEN_ON_PIPE``           reclaim (``/cs-cert/...``): 500 "Certificate cannot be reclaimed"
                                     (prefix ``pipe``)
``CS_CLAIM_TOKEN_SCORING``           claim issues a cert id starting ``c1a1`` (so its JSON says ``claimed``)
``CS_CERT_ID_CLAIMED``               certificate JSON: status ``claimed``, ``scored_at`` null (``c1a1...``)
``CS_CERT_ID_CERTIFIED`` (any id)    certificate JSON: status ``certified`` with ``scored_at``
``CS_CERT_ID_MISSING``               certificate JSON: 404 "Certificate not found" (prefix ``dead``)
``CS_API_KEY_INVALID``               Connect / Perform stats: 401 ``authentication_error`` (prefix
                                     ``invalid``; a missing Bearer header does the same)
``CS_FIRST_NAME_RATE_LIMIT``         POST /leads: one 429 with ``RateLimit-Reset`` = now + 1, then 201
``CS_FIRST_NAME_MAINTENANCE``        POST /leads: 503 with an HTML body
``CS_FIRST_NAME_SERVER_ERROR``       POST /leads: 500 ``api_error``
``CS_CONNECT_CODE_OK``               lead gets one ``delivered`` delivery (no code: no deliveries)
``CS_CONNECT_CODE_FAILED``           lead gets one ``failed`` delivery with a message
``CS_CONNECT_CODE_PENDING``          lead gets one ``pending`` delivery
``CS_LEAD_ID_MISSING``               GET /stats/<id>, Perform push by connect_id: not found (prefix ``dead``)
===================================  =====================================================================

Real rate limits (when ``enforce_rate_limits``): more than ``CS_RATE_LIMIT_PER_MINUTE`` (60) requests per
minute per API key across Connect and Perform, or more than ``CS_LEAD_CREATE_LIMIT_PER_MINUTE`` (10)
``POST /leads`` per minute, give 429 ``rate_limit_error``.

Consent Control (``POST /cc/RestServices/OptOut/Upload``; header ``api-key``)

==============================  ==========================================================================
``CC_API_KEY_INVALID``          401 ``{"status": false, "message": "Invalid API key"}`` (prefix ``invalid``;
                                a missing header does the same)
more than ``CC_MAX_RECORDS``    400 ``{"status": false, "message": "Maximum of 100 records per request"}``
``CC_INVALID_ADDRESS_MARKER``   in ``address1``: that record is unsuccessful, "Invalid Address"
no phone / email / address1     that record is unsuccessful, "Missing contact information"
over ``CC_FIELD_MAX_LENGTHS``   that record is unsuccessful, "<field> exceeds maximum length"
==============================  ==========================================================================

Every vendor: header ``SIM_DELAY_HEADER`` (``X-Sim-Delay: <seconds>``) delays that response.
"""

from __future__ import annotations

from typing import Final


def tf_cert_id(prefix: str, n: int | str = "") -> str:
    """A 40-character TrustedForm cert id starting with ``prefix`` (e.g. ``tf_cert_id("flaky", 7)``)."""
    body = f"{prefix}{n}"
    if len(body) > 40:
        raise ValueError("prefix too long for a 40-character certificate id")
    return body + "0" * (40 - len(body))


# ---------------------------------------------------------------------------------------------------------------
# Generic

SIM_DELAY_HEADER: Final = "X-Sim-Delay"
INVALID_PREFIX: Final = "invalid"

# ---------------------------------------------------------------------------------------------------------------
# TrustedForm

TF_API_KEY: Final = "sim-trustedform-api-key-0001"
TF_API_KEY_INVALID: Final = "invalid-trustedform-api-key"
TF_CERT_OK: Final = "eb9fc4dd9bed9ad451a5648946cf4bf09b5bb947"  # the v4 spec's example id
TF_CERT_OK_MOBILE: Final = "1CgT5lnszfHVYeb-_YxqZ0tZmOCDfWp_Si_qOTdbZsKu9UQdfrj8KUZSGFp7ZxEjwMyeySxoLRfJspnD"
TF_CERT_OK_META: Final = (  # verbatim Meta lead-ads example from fixtures/token_regexes.py
    "0.rpM21ddljS9BNNUOm6FZVVqb5C5JMk1cofI4nDGdwy5ezucyxjok9qLyUXMu9diW62Xac8xNMpomBf1B-XDpfbYvaFMr0YC-54TzHcLrni4"
    ".OHOMoMFXaX9YW9DoX_xeng.1vnf6DTWU7sJo6XAxlRP_w"
)
TF_CERT_MALFORMED: Final = "not-a-certificate-id"
TF_STATUS_TRIGGERS: Final = (400, 401, 402, 403, 404, 405, 406, 410, 422, 500, 502, 503)
TF_CERT_STATUS: Final[dict[int, str]] = {status: tf_cert_id(f"s{status}") for status in TF_STATUS_TRIGGERS}
TF_CERT_FLAKY: Final = tf_cert_id("flaky")
TF_CERT_SLOW: Final = tf_cert_id("slow")
TF_CERT_NOJSON: Final = tf_cert_id("nojson")
TF_SLOW_SECONDS: Final = 5.0
TF_EMAIL_OK: Final = "jane.doe@example.com"
TF_EMAIL_MISMATCH: Final = "mismatch@example.com"
TF_PHONE_OK: Final = "2025551212"
TF_PHONE_MISMATCH: Final = "2025550000"
TF_RETENTION_DAYS: Final = 90
TF_MISMATCH_REASON: Final = "Lead data did not match the certificate"

# ---------------------------------------------------------------------------------------------------------------
# Jornaya

JORNAYA_ACCOUNT_CODE: Final = "5A1C3D2E-7B8F-4A6C-9D0E-1F2A3B4C5D6E"
JORNAYA_AUDIT_KEY: Final = "9E8D7C6B-5A4F-4E3D-8C2B-1A0F9E8D7C6B"
JORNAYA_PROVIDER_CODE: Final = "SIMPROVIDER01"
JORNAYA_ACCOUNT_CODE_INVALID: Final = "00000000-0000-4000-8000-000000000000"
JORNAYA_TOKEN_OK: Final = "58990313-03FB-43B8-AD0B-08CEF791D49B"
JORNAYA_TOKEN_INAUTHENTIC: Final[dict[int, str]] = {r: f"AAAAAAAA-0000-4000-8000-00000000000{r}" for r in (1, 2, 3, 4)}
JORNAYA_TOKEN_CAPTURE_PARTIAL: Final = "BBBBBBBB-0000-4000-8000-000000000000"
JORNAYA_TOKEN_NO_DISCLOSURE: Final = "CCCCCCCC-0000-4000-8000-000000000000"
JORNAYA_TOKEN_CALL_CENTER: Final = "DDDDDDDD-0000-4000-8000-000000000000"
JORNAYA_ERROR_MESSAGES: Final[dict[int, str]] = {
    100: "Internal Error",
    1000: "Leadid not set",
    1001: "Malformed LeadiD",
    2000: "Account code not set",
    2001: "Malformed account code",
    4001: "Malformed Audit Key",
    5000: "Invalid Entry Code",
    6000: "Invalid Account Code and/or Audit Key",
    7000: "Testing not enabled for account",
}
JORNAYA_TOKEN_ERROR: Final[dict[int, str]] = {
    code: f"EEEEEEEE-0000-4000-8000-00000000{code:04d}" for code in JORNAYA_ERROR_MESSAGES
}
JORNAYA_TOKEN_MALFORMED_ANSWER: Final = "FFFFFFFF-0000-4000-8000-000000000000"
JORNAYA_TOKEN_FLAKY: Final = "99999999-0000-4000-8000-000000000100"
JORNAYA_DATA_WRONG: Final = "wrong"
JORNAYA_DATA_DEFAULT: Final = "default"

# ---------------------------------------------------------------------------------------------------------------
# TCPA Litigator

LITIGATOR_CLIENT_ID: Final = "SIMCLIENT01"
LITIGATOR_CWSID: Final = "SIMCWSID01"
LITIGATOR_TOKEN: Final = "sim-litigator-token-0001"
LITIGATOR_TOKEN_INVALID: Final = "invalid-litigator-token"
LITIGATOR_TOKEN_UNAUTHORIZED: Final = "unauthorized"
LITIGATOR_CWSID_MISSING: Final = "missing"
LITIGATOR_PHONE_HIT: Final = "2025556666"
LITIGATOR_PHONE_CLEAN: Final = "2025551234"
LITIGATOR_PHONE_ERROR: Final[dict[int, str]] = {
    400: "2025550400",
    403: "2025550403",
    500: "2025550500",
    35060: "2025553506",
}
LITIGATOR_PHONE_MULTIPLE: Final = "2025551234,2025556666"

# ---------------------------------------------------------------------------------------------------------------
# Contact State

CS_SECRET_KEY: Final = "sim-contactstate-secret-0001"
CS_SECRET_KEY_INVALID: Final = "invalid-contactstate-secret"
CS_API_KEY: Final = "sim-contactstate-api-key-0001"
CS_API_KEY_INVALID: Final = "invalid-contactstate-api-key"
CS_LANDING_PAGE_ID: Final = "a0c9b8e7-d494-4073-aee1-2a3baae53eab"
CS_CLAIM_TOKEN_OK: Final = "534ede1d-9430-4bc9-8aa5-6626d2ab5a12"
CS_CLAIM_TOKEN_EXPIRED: Final = "expired0-9430-4bc9-8aa5-6626d2ab5a12"
CS_CLAIM_TOKEN_ON_PIPE: Final = "pipe0000-9430-4bc9-8aa5-6626d2ab5a12"
CS_CLAIM_TOKEN_SCORING: Final = "c1a10000-9430-4bc9-8aa5-6626d2ab5a12"
CS_CERT_ID_CERTIFIED: Final = "ac5e67f3-d280-4209-a2d6-06474d3eae23"
CS_CERT_ID_CLAIMED: Final = "c1a1e67f-d280-4209-a2d6-06474d3eae23"
CS_CERT_ID_MISSING: Final = "dead67f3-d280-4209-a2d6-06474d3eae23"
CS_FIRST_NAME_RATE_LIMIT: Final = "RateLimitMe"
CS_FIRST_NAME_MAINTENANCE: Final = "Maintenance"
CS_FIRST_NAME_SERVER_ERROR: Final = "Boom"
CS_CONNECT_CODE_OK: Final = "JHTZ0HNAL5"
CS_CONNECT_CODE_FAILED: Final = "FAILDELIV1"
CS_CONNECT_CODE_PENDING: Final = "PENDDELIV1"
CS_LEAD_ID_MISSING: Final = "dead8232-4a92-4de0-95df-f511aa8d9f8b"
CS_RATE_LIMIT_PER_MINUTE: Final = 60
CS_LEAD_CREATE_LIMIT_PER_MINUTE: Final = 10
CS_MAX_BULK_DELETE: Final = 25
CS_STATUSES: Final = (
    "NEW",
    "CONTACTED",
    "TRANSFER",
    "QUOTE",
    "SOLD",
    "INELIGIBLE",
    "NOT_INTERESTED",
    "CANCELLED",
    "NO_CONTACT",
    "INVALID",
    "INVALID_PHONE",
    "INVALID_EMAIL",
    "INVALID_HOAX",
    "DUPLICATE",
    "TEST",
)

# ---------------------------------------------------------------------------------------------------------------
# Consent Control

CC_API_KEY: Final = "abc345kk8sdfsdf"  # the documented example value
CC_API_KEY_INVALID: Final = "invalid-consent-control-key"
CC_MAX_RECORDS: Final = 100
CC_INVALID_ADDRESS_MARKER: Final = "invalid"
CC_FIELD_MAX_LENGTHS: Final[dict[str, int]] = {
    "firstname": 45,
    "lastname": 45,
    "address1": 60,
    "address2": 45,
    "city": 45,
    "state": 2,
    "zip": 10,
    "phone1": 15,
    "phone2": 15,
    "email1": 200,
    "email2": 200,
    "validation": 1,
    "projectid": 20,
}
