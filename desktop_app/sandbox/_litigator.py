"""Simulated TCPA Litigator API (``GET|POST https://api.rrdblive.com/DDM/WebService.cfc?method=process``).

Success and error envelopes are the documented ones (``success``, ``errors``, ``dataIn``, ``dataOut``;
``errorID``, ``errorHeader``, ``errorMessage``). The doc says "4xx HTTP Status Code will be returned for all"
errors, so every error is HTTP 400 except errorID 1000 (401) and 403 (403) -- including errorID 500.

Assumptions where the documents are silent: the check order (no data, auth, CWSID, token, phone); the
wording of messages documented as "Depends on the cause of error"; a missing ClientID or Token is error
1000, a missing CWSID is 35030; a number that does not standardise to 10 digits is 35060; a ``method``
other than ``process`` is error 400.
"""

from __future__ import annotations

import re

from desktop_app.sandbox import scenarios as sc
from desktop_app.sandbox._http import SimContext, SimRequest, SimResponse, json_response

ERRORS: dict[int, tuple[str, str]] = {
    400: ("API Error", "Invalid request"),
    403: ("API Error", "This API supports HTTPS only"),
    500: ("Unexpected Error", "An unexpected error occurred while processing the request"),
    1000: ("Authentication Failed", "API user access denied"),
    2000: ("Validation Error", "Required fields are missing or blank"),
    35030: ("Web Service Error", "Active web service was not found"),
    35040: ("Web Service Error", "The supplied Token is not authorized for use with this CWSID"),
    35050: ("Web Service Error", "No data was submitted"),
    35060: ("Web Service Error", "The web service could not process the record"),
    35070: ("Web Service Error", "This web service supports only one record at a time"),
}
HTTP_STATUS = {1000: 401, 403: 403}
PARAMS = ("ClientID", "CWSID", "Token", "PhoneNumber")
MULTIPLE = re.compile(r"[,;|\n]")


def error(error_id: int, message: str | None = None) -> SimResponse:
    header, default = ERRORS[error_id]
    body = {
        "success": False,
        "errors": [{"errorID": error_id, "errorHeader": header, "errorMessage": message or default}],
    }
    return json_response(HTTP_STATUS.get(error_id, 400), body)


class Litigator:
    """``/litigator/DDM/WebService.cfc``."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    def handle(self, req: SimRequest) -> SimResponse:
        if req.path.lower() != "/ddm/webservice.cfc" or req.method not in ("GET", "POST"):
            return json_response(404, {"success": False, "errors": [{"errorID": 404, "errorHeader": "Not Found"}]})
        params = req.params()
        method = (params.pop("method", [""]) or [""])[-1]
        if not any(any(v.strip() for v in params.get(name, [])) for name in PARAMS):
            return error(35050)
        if method.lower() != "process":
            return error(400, f"Unknown method '{method}'")
        client_id, cwsid, token = (_one(params, name) for name in ("ClientID", "CWSID", "Token"))
        if not client_id or not token or token.startswith(sc.INVALID_PREFIX):
            return error(1000)
        if not cwsid or cwsid == sc.LITIGATOR_CWSID_MISSING:
            return error(35030)
        if token == sc.LITIGATOR_TOKEN_UNAUTHORIZED:
            return error(35040)
        phones = [p for p in params.get("PhoneNumber", []) if p.strip()]
        if not phones:
            return error(2000)
        if len(phones) > 1 or MULTIPLE.search(phones[0]):
            return error(35070)
        phone = phones[0]
        digits = re.sub(r"\D", "", phone)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        for error_id, trigger in sc.LITIGATOR_PHONE_ERROR.items():
            if digits == trigger:
                return error(error_id)
        if len(digits) != 10:
            return error(35060, "Invalid phone number")
        return json_response(
            200,
            {
                "success": True,
                "errors": [],
                "dataIn": [{"PhoneNumber": phone}],
                "dataOut": [{"PhoneIsLitigator": "1" if digits.endswith("6666") else "0", "PhoneNumber": digits}],
            },
        )


def _one(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name) or [""]
    return values[-1].strip()
