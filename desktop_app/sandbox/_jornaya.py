"""Simulated Jornaya (Verisk) LeadiD SingleQuery audit (``GET|POST https://api.leadid.com/SingleQuery``).

The success body follows the documented JSON/XML example of the 1st Party Privacy Guardian / TCPA Guardian
page field for field (``audit.authentic``, ``reg_rule``, ``data_integrity_*``, ``fields``,
``market.leadid.tcpafirst``, ``result``, ``token``). The inauthentic body follows the third-party example
in ``fixtures/jornaya/inauthentic_audit_example_THIRD_PARTY.json`` (``reason`` plus a top-level ``transid``).

Assumptions where the documents are silent:

* The error body is not documented. We answer HTTP 400 (500 for code 100) with
  ``{"error": {"code": 1001, "message": "Malformed LeadiD"}}`` (XML: ``<error><code/><message/></error>``).
* Account codes, audit keys and agency codes are "xxxxxxxx-xxxx-xxxx-xxxx" in the doc; we accept that layout
  or a full UUID. The LeadiD token is only checked for its documented length (36 characters).
* A missing ``data`` parameter audits no fields (empty lists, data_integrity 1) instead of failing.
* Without a matching disclosure the doc says some responses "will not be included" but not which; we keep
  ``raw_response`` with an empty ``disclosures`` list so the structure stays stable.
* Overall ``data_integrity`` is 0 if any value failed, else 3 if only defaults were sent, else 1.
* For a failed email, the local part, domain and full address all go to ``data_integrity_failed`` (as in
  the documented example ``"123", "TEST.COM", "123@TEST.COM"``).
* XML lists repeat their element; an answer with two top-level keys is wrapped in ``<response>``.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

from desktop_app.sandbox import scenarios as sc
from desktop_app.sandbox._http import XML_TYPE, SimContext, SimRequest, SimResponse, json_response, text_response

ACCOUNT_CODE = re.compile(r"^[0-9A-Za-z]{8}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{12})?$")
XML_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class JornayaError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(sc.JORNAYA_ERROR_MESSAGES.get(code, "Internal Error"))
        self.code = code if code in sc.JORNAYA_ERROR_MESSAGES else 100


class Jornaya:
    """``/leadid/SingleQuery``."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.flaky_seen: set[str] = set()

    def handle(self, req: SimRequest) -> SimResponse:
        if req.path.rstrip("/").lower() != "/singlequery" or req.method not in ("GET", "POST"):
            return json_response(404, {"error": {"code": 404, "message": "Not Found"}})
        params = {k: v[-1] for k, v in req.params().items()}
        xml = params.get("format", "json").strip().lower() == "xml"
        try:
            token = self._validate(params)
            payload = self._answer(token, params.get("data"))
        except JornayaError as exc:
            status = 500 if exc.code == 100 else 400
            return _render(status, {"error": {"code": exc.code, "message": str(exc)}}, xml)
        return _render(200, payload, xml)

    @staticmethod
    def _validate(params: dict[str, str]) -> str:
        if "id" not in params:
            raise JornayaError(1000)
        token = params["id"].strip()
        if len(token) != 36:
            raise JornayaError(1001)
        if "lac" not in params:
            raise JornayaError(2000)
        lac = params["lac"].strip()
        if not ACCOUNT_CODE.match(lac):
            raise JornayaError(2001)
        lak = params.get("lak", "").strip()
        if not ACCOUNT_CODE.match(lak):
            raise JornayaError(4001)
        if lac.startswith("00000000") or lak.startswith("00000000"):
            raise JornayaError(6000)
        if not params.get("lpc", "").strip():
            raise JornayaError(5000)
        return token

    def _answer(self, token: str, data: str | None) -> dict[str, Any]:
        scenario = token[:8].upper()
        if scenario == "AAAAAAAA":
            last = int(token[-1], 16) if token[-1] in "0123456789abcdefABCDEF" else 4
            reason = last if 1 <= last <= 4 else 4
            return {
                "audit": {"authentic": 0, "reason": reason, "reg_rule": 3, "result": 3, "token": token},
                "transid": self.ctx.new_id().upper(),
            }
        if scenario == "EEEEEEEE":
            code = int(token[-4:]) if token[-4:].isdigit() else 100
            raise JornayaError(code)
        if scenario == "FFFFFFFF":
            return {"audit": {"token": token}}
        if scenario == "99999999":
            with self.ctx.lock:
                first = token not in self.flaky_seen
                self.flaky_seen.add(token)
            if first:
                raise JornayaError(100)
        return {"audit": green_audit(token, data, scenario)}


def _integrity(data: str | None) -> tuple[list[str], list[str], list[str], dict[str, int]]:
    failed: list[str] = []
    passed: list[str] = []
    default: list[str] = []
    fields: dict[str, int] = {}
    for pair in (data or "").split("|"):
        label, sep, value = pair.partition(";")
        label = label.strip()
        if not sep or not label:
            continue
        lowered = value.lower()
        if sc.JORNAYA_DATA_WRONG in lowered:
            fields[label] = 0
            if "email" in label.lower() and "@" in value:
                local, _, domain = value.partition("@")
                failed.extend([local, domain, value])
            else:
                failed.append(value)
        elif sc.JORNAYA_DATA_DEFAULT in lowered:
            fields[label] = 3
            default.append(value)
        else:
            fields[label] = 1
            passed.append(value)
    return failed, passed, default, fields


def green_audit(token: str, data: str | None, scenario: str = "") -> dict[str, Any]:
    """The documented audit structure; ``scenario`` (the token's first 8 characters) adjusts it."""
    failed, passed, default, fields = _integrity(data)
    data_integrity = 0 if failed else (3 if default and not passed else 1)
    data_integrity_rule = 2 if failed else 1
    disclosure, disclosure_rule = 1, 1
    capture, capture_rule = 1, 1
    stored, stored_rule = 1, 1
    disclosures: list[dict[str, Any]] = [{"disclosure_id": 3, "label": "Disclosure Text 1", "interaction": 1}]
    if scenario == "BBBBBBBB":
        capture, capture_rule = 2, 2
    if scenario == "CCCCCCCC":
        disclosure, disclosure_rule, disclosures = 0, 3, []
    tcpa_result = max(disclosure_rule, capture_rule, stored_rule)
    call_center = scenario == "DDDDDDDD"
    reg_rule = 1
    result = max(reg_rule, data_integrity_rule, tcpa_result, 2 if call_center else 1)
    audit: dict[str, Any] = {
        "authentic": 1,
        "reg_rule": reg_rule,
        "data_integrity_failed": failed,
        "data_integrity_passed": passed,
        "data_integrity_default": default,
        "data_integrity": data_integrity,
        "data_integrity_rule": data_integrity_rule,
        "fields": fields,
        "market": {
            "leadid": {
                "tcpafirst": {
                    "disclosure": disclosure,
                    "raw_response": {"disclosures": disclosures},
                    "disclosure_rule": disclosure_rule,
                    "capture": capture,
                    "capture_rule": capture_rule,
                    "stored": stored,
                    "stored_rule": stored_rule,
                    "result": tcpa_result,
                },
                "result": tcpa_result,
            },
            "result": tcpa_result,
        },
    }
    if call_center:
        audit["call_center"] = 1
    audit["result"] = result
    audit["token"] = token
    return audit


def _render(status: int, payload: dict[str, Any], xml: bool) -> SimResponse:
    if not xml:
        return json_response(status, payload)
    if len(payload) == 1:
        ((root, value),) = payload.items()
        text = _xml(root, value)
    else:
        text = "<response>" + "".join(_xml(k, v) for k, v in payload.items()) + "</response>"
    return text_response(status, '<?xml version="1.0" encoding="UTF-8"?>\n' + text, XML_TYPE)


def _xml(name: str, value: Any) -> str:
    tag = XML_NAME.sub("_", name) or "item"
    if tag[0].isdigit() or tag[0] in "-.":
        tag = "_" + tag
    if isinstance(value, list):
        return "".join(_xml(name, item) for item in value)
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml(k, v) for k, v in value.items()) + f"</{tag}>"
    if value is None:
        return f"<{tag}/>"
    return f"<{tag}>{escape(str(value))}</{tag}>"
