"""Simulated Consent Control opt-out upload (``POST https://{host}.digitalsegment.com/RestServices/OptOut/Upload``).

The success body is the documented sample response: ``status``, ``transaction_id``, ``successful``,
``unsuccessful``, ``unsuccessful_ids`` (0-based indexes into the posted array, as in the sample where the
second record has id 1) and ``results`` (every record echoed, plus ``recordID`` and ``successful: true``, or
``successful: false`` and ``unsuccessful_reason``). Field names are case-sensitive; maximum sizes are the
documented ones.

Assumptions where the documents are silent: the 401 body ``{"status": false, "message": "Invalid API key"}``
and every other request-level error body (same shape, HTTP 400); the allowed ``validation`` values (the doc's
list is missing, so any one-character value passes); per-record checks run in the order validation present,
field lengths (documented field order), contact information, address.
"""

from __future__ import annotations

from typing import Any

from desktop_app.sandbox import scenarios as sc
from desktop_app.sandbox._http import SimContext, SimRequest, SimResponse, json_response

CONTACT_FIELDS = ("phone1", "phone2", "email1", "email2", "address1")


def request_error(status: int, message: str) -> SimResponse:
    return json_response(status, {"status": False, "message": message})


def record_problem(record: Any) -> str | None:
    """Why one record cannot be accepted, or None."""
    if not isinstance(record, dict):
        return "Invalid record"
    if not str(record.get("validation") or "").strip():
        return "validation is required"
    for name, limit in sc.CC_FIELD_MAX_LENGTHS.items():
        value = record.get(name)
        if value is not None and len(str(value)) > limit:
            return f"{name} exceeds maximum length"
    if not any(str(record.get(name) or "").strip() for name in CONTACT_FIELDS):
        return "Missing contact information"
    if sc.CC_INVALID_ADDRESS_MARKER in str(record.get("address1") or "").lower():
        return "Invalid Address"
    return None


class ConsentControl:
    """``/cc/RestServices/OptOut/Upload``."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.records: list[dict[str, Any]] = []

    def handle(self, req: SimRequest) -> SimResponse:
        if req.path.rstrip("/").lower() != "/restservices/optout/upload" or req.method != "POST":
            return request_error(404, "Not Found")
        api_key = (req.header("api-key") or "").strip()
        if not api_key or api_key.startswith(sc.INVALID_PREFIX):
            return request_error(401, "Invalid API key")
        try:
            records = req.json()
        except (ValueError, UnicodeDecodeError):
            return request_error(400, "Request body must be a JSON array of records")
        if not isinstance(records, list):
            return request_error(400, "Request body must be a JSON array of records")
        if not records:
            return request_error(400, "No records were submitted")
        if len(records) > sc.CC_MAX_RECORDS:
            return request_error(400, f"Maximum of {sc.CC_MAX_RECORDS} records per request")

        results: list[Any] = []
        unsuccessful_ids: list[int] = []
        accepted: list[dict[str, Any]] = []
        for index, record in enumerate(records):
            problem = record_problem(record)
            echoed: dict[str, Any] = dict(record) if isinstance(record, dict) else {"record": record}
            if problem is None:
                echoed["recordID"] = self.ctx.new_id()
                echoed["successful"] = True
                accepted.append(echoed)
            else:
                echoed["successful"] = False
                echoed["unsuccessful_reason"] = problem
                unsuccessful_ids.append(index)
            results.append(echoed)
        with self.ctx.lock:
            self.records.extend(accepted)
        return json_response(
            200,
            {
                "status": True,
                "transaction_id": self.ctx.new_id(),
                "successful": len(records) - len(unsuccessful_ids),
                "unsuccessful": len(unsuccessful_ids),
                "unsuccessful_ids": unsuccessful_ids,
                "results": results,
            },
        )
