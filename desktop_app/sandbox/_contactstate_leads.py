"""The simulated Contact State's rules for Connect leads and its error bodies: field values it accepts, the
required fields, how a lead is validated, and the documented error shapes (see :mod:`._contactstate`)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from desktop_app.sandbox._http import SimResponse, json_response

CERT_URL = re.compile(r"^https://cert\.contactstate\.com/certs/[0-9A-Za-z-]+$")
CLAIM_URL = re.compile(r"^https://cert(?:-gen)?\.contactstate\.com/certs/[^/\s]+/claim$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

YES_NO = ("Yes", "No")
TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Other")
GENDERS = ("Male", "Female", "Non-binary", "Transgender", "Intersex", "Not disclosed")
ENUMS: dict[str, tuple[str, ...]] = {
    "title": TITLES,
    "applicant2_title": TITLES,
    "gender": GENDERS,
    "applicant2_gender": GENDERS,
    "product_type": (
        "No product",
        "Corporate Health",
        "Relevant Life",
        "Equity Release",
        "Funeral Planning",
        "Health",
        "Income Protection",
        "Life",
        "Mortgage",
    ),
    "employment_status": (
        "Not employed",
        "Employed full-time",
        "Employed part-time",
        "Contractor",
        "Freelancer",
        "Self-employed",
        "Business owner",
        "Carer",
        "Retired",
    ),
    "credit_grade": ("Poor", "Fair", "Good", "Very good", "Exceptional"),
    "cover_for": ("Me", "Myself and partner", "My family", "Other"),
    "cover_type": ("LT", "DT"),
    "click_id_type": ("gclid", "gbraid", "wbraid", "msclkid", "fbclid", "Other"),
    "contact_state_test_mode": ("true", "false"),
}
for _name in (
    "homeowner",
    "credit_missed_payments",
    "cover_existing",
    "cover_cancer",
    "cover_smoker",
    "applicant2_cover_smoker",
    "consent_marketing",
    "consent_marketing_email",
    "consent_marketing_phone",
    "consent_marketing_sms",
    "consent_marketing_mail",
    "consent_marketing_whatsapp",
):
    ENUMS[_name] = YES_NO
CONTACT_TIMES = ("Anytime", "Morning", "Afternoon", "Evening", "Today", "Tomorrow", "This week", "Next week")
DATE_FIELDS = ("date_of_birth", "applicant2_date_of_birth", "cover_required_from")
REQUIRED = ("first_name", "last_name", "email")
SALE_FIELDS = ("sale_sold_at", "sale_currency", "sale_revenue", "sale_lead_cost", "sale_costs", "sale_gross_profit")

MAINTENANCE_HTML = (
    "<!DOCTYPE html><html><head><title>Down for maintenance</title></head>"
    "<body><h1>Contact State is undergoing maintenance</h1><p>Please try again shortly.</p></body></html>"
)


def connect_error(status: int, error_type: str, errors: list[dict[str, Any]], **headers: str) -> SimResponse:
    return json_response(status, {"error_type": error_type, "errors": errors}, headers)


def unauthorized() -> SimResponse:
    return connect_error(
        401,
        "authentication_error",
        [{"code": "invalid_credentials", "message": "Invalid credentials", "param": "Authorization Bearer token"}],
    )


def resource_missing(code: str, message: str) -> SimResponse:
    return connect_error(404, "resource_missing_error", [{"code": code, "message": message, "param": None}])


def invalid_request(problems: list[tuple[str | None, str]]) -> SimResponse:
    errors: list[dict[str, Any]] = [
        {
            "code": "invalid_parameters",
            "message": "The request payload is incorrectly formatted, empty, or contains invalid parameters.",
            "param": None,
        }
    ]
    errors.extend({"code": "validation", "message": message, "param": param} for param, message in problems)
    return connect_error(400, "invalid_request_error", errors)


def rate_limited(limit: int, reset: int) -> SimResponse:
    message = f"Rate limit exceeded, 0/{limit} remaining. Check header RateLimit-Reset for next retry time."
    headers = {"RateLimit-Limit": str(limit), "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}
    return connect_error(
        429, "rate_limit_error", [{"code": "rate_limit_exceeded", "message": message, "param": None}], **headers
    )


def certify_error(message: str, status: int = 500) -> SimResponse:
    return json_response(status, {"error": {"message": message}})


def _is_date(value: str) -> bool:
    if not DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate_lead(fields: dict[str, Any]) -> tuple[dict[str, str], list[tuple[str | None, str]]]:
    """Normalise values to strings and check the documented rules; returns (lead, problems)."""
    lead: dict[str, str] = {}
    problems: list[tuple[str | None, str]] = []
    for key, value in fields.items():
        if isinstance(value, bool):
            lead[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            lead[key] = str(value)
        elif value is None:
            lead[key] = ""
        else:
            problems.append((key, "must be a string"))
    for key in REQUIRED:
        if not lead.get(key, "").strip():
            problems.append((key, "must be filled"))
    for key, allowed in ENUMS.items():
        value = lead.get(key)
        if value and value not in allowed:
            problems.append((key, "must be one of: " + ", ".join(allowed)))
    for key in DATE_FIELDS:
        value = lead.get(key)
        if value and not _is_date(value):
            problems.append((key, "must be in the format yyyy-mm-dd"))
    contact_time = lead.get("contact_time")
    if contact_time and contact_time not in CONTACT_TIMES and not _is_date(contact_time):
        problems.append(
            ("contact_time", "must be a date in the format yyyy-mm-dd or one of: " + ", ".join(CONTACT_TIMES))
        )
    cert_url = lead.get("contact_state_cert_url")
    if cert_url and not CERT_URL.match(cert_url):
        problems.append(("contact_state_cert_url", "must be a certificate URL"))
    claim_url = lead.get("contact_state_claim_url")
    if claim_url and not CLAIM_URL.match(claim_url):
        problems.append(("contact_state_claim_url", "must be a claim URL"))
    if claim_url and not lead.get("contact_state_landing_page_id", "").strip():
        problems.append(("contact_state_landing_page_id", "must be filled"))
    return lead, problems


def money(value: str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
