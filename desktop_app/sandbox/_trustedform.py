"""Simulated TrustedForm Certificate API v4.0 (``POST https://cert.trustedform.com/<cert_id>``).

Shapes come from the official v4 OpenAPI document and ActiveProspect's own LeadConduit fixtures
(``fixtures/trustedform``): error bodies are the spec's per-status examples, the 200 body is
``allOf(Outcome, MatchLeadResponse, RetainResponse)``. Only ``retain`` and ``match_lead`` are simulated;
``insights`` and ``verify`` requests are accepted and ignored.

Assumptions where the documents are silent: the check order (auth, api-version, cert id, body, triggers);
the 400 wording for a wrong api-version or an unreadable body (spec BadRequest shape, our words); the 406
body (invented: ``{"outcome": "error", "reason": "Not Acceptable"}``); the 502 HTML page; ``match_lead``
without email or phone is a 400.

``match_lead.result.success`` follows the spec ("A boolean indicating if any matches were found") and the
vendor's own fixture (``email_match: true, phone_match: false, success: true``): it is true when at least one
supplied field matched. When nothing supplied matched it is false and ``outcome`` is ``failure``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from desktop_app.sandbox import scenarios as sc
from desktop_app.sandbox._http import (
    HTML_TYPE,
    TEXT_TYPE,
    SimContext,
    SimRequest,
    SimResponse,
    days_from_now,
    empty_response,
    iso_z,
    json_response,
    text_response,
)

CERT_ID = re.compile(r"^(?:[-_a-zA-Z0-9]{40}|[-_a-zA-Z0-9]{80})$")
META_ID = re.compile(r"^0\.[-_A-Za-z0-9]+\.[-_A-Za-z0-9]+\.[-_A-Za-z0-9]+$")
STATUS_TRIGGER = re.compile(r"^s(\d{3})0")

# Verbatim "example" bodies of the v4 OpenAPI error responses (fixtures/.../v4_error_examples_by_status.json).
SPEC_ERRORS: dict[int, dict[str, Any]] = {
    400: {
        "errors": {"detail": "Malformed certificate id"},
        "message": "Malformed certificate id",
        "outcome": "error",
        "reason": "Malformed certificate id",
    },
    401: {"outcome": "error", "reason": "Unauthorized"},
    402: {"outcome": "error", "reason": "Account is inactive"},
    403: {"outcome": "error", "reason": "Unavailable product requested"},
    404: {"outcome": "error", "reason": "TrustedForm certificate has expired or could not be found"},
    405: {"outcome": "error", "reason": "Certificate is not claimable"},
    406: {"outcome": "error", "reason": "Not Acceptable"},  # not in the spec: invented
    422: {"outcome": "error", "reason": "Certificate has been claimed too many times"},
}
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
NOJSON_HTML = "<html><body>Oops! Something went wrong.</body></html>"


def bad_request(reason: str) -> SimResponse:
    """A 400 in the spec's BadRequest shape."""
    return json_response(400, {"errors": {"detail": reason}, "message": reason, "outcome": "error", "reason": reason})


def masked_cert_url(cert_id: str) -> str:
    """A stable, real-looking masked certificate URL (40 hex characters)."""
    return "https://cert.trustedform.com/" + hashlib.sha1(cert_id.encode("utf-8")).hexdigest()


def _basic_auth_ok(header: str | None) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, sep, password = decoded.partition(":")
    return bool(sep) and user == "API" and bool(password) and not password.startswith(sc.INVALID_PREFIX)


class TrustedForm:
    """``/tf/<cert_id>``."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.retained: set[str] = set()
        self.flaky_seen: set[str] = set()

    def handle(self, req: SimRequest) -> SimResponse:
        cert_id = req.path.lstrip("/")
        if req.method != "POST" or not cert_id or "/" in cert_id:
            return json_response(404, {"outcome": "error", "reason": "Not Found"})
        if not _basic_auth_ok(req.header("authorization")):
            return json_response(401, SPEC_ERRORS[401])
        if (req.header("api-version") or "").strip() != "4.0":
            return bad_request("Unsupported API version: send the header api-version: 4.0")
        if not (CERT_ID.match(cert_id) or META_ID.match(cert_id)):
            return json_response(400, SPEC_ERRORS[400])
        try:
            body = req.json()
        except (ValueError, UnicodeDecodeError):
            return bad_request("Request body must be a JSON object")
        if not isinstance(body, dict):
            return bad_request("Request body must be a JSON object")

        triggered = self._trigger(cert_id)
        if triggered is not None:
            return triggered

        response: dict[str, Any] = {"outcome": "success", "reason": None}
        match_lead = body.get("match_lead")
        matched_anything = True
        if "match_lead" in body:
            if not isinstance(match_lead, dict) or not (match_lead.get("email") or match_lead.get("phone")):
                return bad_request("match_lead requires an email and/or a phone")
            result, matched_anything = _match(match_lead)
            response["match_lead"] = result
        if "retain" in body:
            retain = body.get("retain")
            if retain is not None and not isinstance(retain, dict):
                return bad_request("retain must be an object")
            response["retain"] = self._retain(cert_id, retain or {})
        if not matched_anything:
            response["outcome"] = "failure"
            response["reason"] = sc.TF_MISMATCH_REASON
        answer = json_response(200, response)
        if cert_id.startswith("slow"):
            answer.delay = sc.TF_SLOW_SECONDS
        return answer

    def _trigger(self, cert_id: str) -> SimResponse | None:
        status_match = STATUS_TRIGGER.match(cert_id)
        if status_match and len(cert_id) == 40:
            status = int(status_match.group(1))
            if status == 410:
                return empty_response(410)
            if status == 500:
                return text_response(500, "unable to access server", TEXT_TYPE)
            if status == 502:
                return text_response(502, BAD_GATEWAY_HTML, HTML_TYPE)
            if status == 503:
                return json_response(503, {"errors": {"detail": "Internal Server Error"}})
            if status in SPEC_ERRORS:
                return json_response(status, SPEC_ERRORS[status])
        if cert_id.startswith("flaky"):
            with self.ctx.lock:
                first = cert_id not in self.flaky_seen
                self.flaky_seen.add(cert_id)
            if first:
                return json_response(503, {"errors": {"detail": "Internal Server Error"}})
        if cert_id.startswith("nojson"):
            return text_response(200, NOJSON_HTML, HTML_TYPE)
        return None

    def _retain(self, cert_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.ctx.lock:
            previously = cert_id in self.retained
            self.retained.add(cert_id)
        result: dict[str, Any] = {}
        for key in ("reference", "vendor"):
            if params.get(key) is not None:
                result[key] = params[key]
        result["results"] = {
            "expires_at": iso_z(days_from_now(sc.TF_RETENTION_DAYS)),
            "masked_cert_url": masked_cert_url(cert_id),
            "previously_retained": previously,
        }
        return result


def _match(params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The ``match_lead`` result and whether anything supplied matched."""
    email = params.get("email")
    phone = params.get("phone")
    email_match: bool | None = None
    phone_match: bool | None = None
    echoed: dict[str, Any] = {}
    if email:
        echoed["email"] = email
        email_match = "mismatch" not in str(email).lower()
    if phone:
        echoed["phone"] = phone
        digits = re.sub(r"\D", "", str(phone))
        phone_match = not digits.endswith("0000")
    supplied = [m for m in (email_match, phone_match) if m is not None]
    echoed["result"] = {"email_match": email_match, "phone_match": phone_match, "success": any(supplied)}
    return echoed, any(supplied)
