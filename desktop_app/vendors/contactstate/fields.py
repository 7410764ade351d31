"""What Contact State accepts: the Connect lead field catalogue and the Perform sales-status push fields.

Both are checked here, before anything is sent, so a buyer learns about a misspelt column or a wrong
enumeration value from Leadcheck rather than from a 400 (Connect) or a 500 (Perform) answer.

Connect (``POST /leads``): every documented field with its documented validation. All values are strings;
blank optional values are left out of the request (a blank CSV cell is "not given", and an empty string
would fail the vendor's "must be one of" rules). Enumerations are matched without regard to case and sent
in the documented spelling. Dates are ``yyyy-mm-dd`` and must be real calendar dates; the document gives
no rule for ``mortgage_deal_expiry`` but says all date values use that format, so it is checked as a date
too. Email fields must look like an email address (the vendor's own rule is only "must be filled", but an
address without an ``@`` cannot be delivered to any buyer).

Perform (``POST https://perform.contactstate.com/leads``): one of the 15 CRM sales statuses, exactly one of
``connect_id`` / ``certificate_url``, ISO 8601 timestamps with a time (``2020-01-15T12:00:45+0100``; the
vendor's PHP example ``…Z+0100`` is not ISO 8601 and is refused), a 3-letter ISO 4217 currency and
decimals written as strings (``99.99``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from desktop_app.vendors.errors import InputError
from desktop_app.vendors.validation import contactstate_url

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")
SIGNED_DECIMAL = re.compile(r"^-?\d+(?:\.\d+)?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
# Lead (Connect) ids go into URL paths: letters, digits, dashes and underscores only, so nothing can be injected.
LEAD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"
    DATE_OR_CHOICE = "date_or_choice"
    EMAIL = "email"
    CERT_URL = "cert_url"
    CLAIM_URL = "claim_url"


@dataclass(frozen=True)
class LeadField:
    """One documented Connect lead field."""

    name: str
    group: str
    description: str
    kind: Kind = Kind.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False


TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Other")
GENDERS = ("Male", "Female", "Non-binary", "Transgender", "Intersex", "Not disclosed")
YES_NO = ("Yes", "No")
CONTACT_TIMES = ("Anytime", "Morning", "Afternoon", "Evening", "Today", "Tomorrow", "This week", "Next week")
PRODUCT_TYPES = (
    "No product",
    "Corporate Health",
    "Relevant Life",
    "Equity Release",
    "Funeral Planning",
    "Health",
    "Income Protection",
    "Life",
    "Mortgage",
)
EMPLOYMENT_STATUSES = (
    "Not employed",
    "Employed full-time",
    "Employed part-time",
    "Contractor",
    "Freelancer",
    "Self-employed",
    "Business owner",
    "Carer",
    "Retired",
)
CREDIT_GRADES = ("Poor", "Fair", "Good", "Very good", "Exceptional")
COVER_FOR = ("Me", "Myself and partner", "My family", "Other")
COVER_TYPES = ("LT", "DT")
CLICK_ID_TYPES = ("gclid", "gbraid", "wbraid", "msclkid", "fbclid", "Other")
TRUE_FALSE = ("true", "false")


def _f(name: str, group: str, description: str, kind: Kind = Kind.TEXT, choices: tuple[str, ...] = ()) -> LeadField:
    return LeadField(name, group, description, kind, choices, required=name in ("first_name", "last_name", "email"))


def _choice(name: str, group: str, description: str, choices: tuple[str, ...]) -> LeadField:
    return _f(name, group, description, Kind.CHOICE, choices)


_CATALOGUE: tuple[LeadField, ...] = (
    # Consumer
    _choice("title", "consumer", "Title", TITLES),
    _f("first_name", "consumer", "First name"),
    _f("middle_name", "consumer", "Middle name"),
    _f("last_name", "consumer", "Last name"),
    _f("company_name", "consumer", "Company name"),
    _f("date_of_birth", "consumer", "Date of birth", Kind.DATE),
    _choice("gender", "consumer", "Gender", GENDERS),
    _f("home_phone", "consumer", "Home phone number"),
    _f("mobile_phone", "consumer", "Mobile phone number"),
    _f("business_phone", "consumer", "Business phone number"),
    _f("email", "consumer", "Primary email address", Kind.EMAIL),
    _f("alt_email", "consumer", "Alternative email address", Kind.EMAIL),
    _f("contact_time", "consumer", "Preferred contact time", Kind.DATE_OR_CHOICE, CONTACT_TIMES),
    _f("address_line1", "consumer", "Address line 1"),
    _f("address_line2", "consumer", "Address line 2"),
    _f("city", "consumer", "City"),
    _f("county", "consumer", "County"),
    _f("state", "consumer", "State"),
    _f("country", "consumer", "Country"),
    _f("postal_code", "consumer", "Postal code"),
    _f("twitter", "consumer", "Twitter profile URL"),
    _f("linkedin", "consumer", "Linkedin profile URL"),
    _f("facebook", "consumer", "Facebook profile URL"),
    _f("skype", "consumer", "Skype username"),
    _f("alt_social", "consumer", "Alternative social media name"),
    # Product
    _choice("product_type", "product", "Product type being sold to consumer", PRODUCT_TYPES),
    _f("product", "product", "Specific product being sold to the consumer"),
    _choice("employment_status", "product", "Employment status", EMPLOYMENT_STATUSES),
    _f("employment_title", "product", "Job title"),
    _f("annual_income", "product", "Annual income"),
    _choice("homeowner", "product", "Is the consumer a homeowner?", YES_NO),
    _f("house_value", "product", "House value"),
    _choice("credit_grade", "product", "Credit grade", CREDIT_GRADES),
    _choice("credit_missed_payments", "product", "Has the consumer missed any payments?", YES_NO),
    _choice("cover_for", "product", "Who is the cover for?", COVER_FOR),
    _choice("cover_existing", "product", "Does the consumer have existing cover?", YES_NO),
    _f("cover_required_from", "product", "When is the cover required from?", Kind.DATE),
    _choice("cover_type", "product", "LT = Level Term, DT = Decreasing Term", COVER_TYPES),
    _f("cover_amount", "product", "How much cover does the consumer require?"),
    _f("cover_additional_amount", "product", "Additional cover required (e.g. critical illness)"),
    _f("cover_term", "product", "How many years of cover?"),
    _choice("cover_cancer", "product", "Cancer cover?", YES_NO),
    _choice("cover_smoker", "product", "Is the consumer a smoker?", YES_NO),
    _f("company_employees", "product", "How many employees at your company?"),
    _f("mortgage_balance", "product", "Balance on mortgage remaining"),
    _f("mortgage_required", "product", "Amount required for mortgage"),
    _f("mortgage_deposit", "product", "Mortgage deposit available"),
    _f("mortgage_term", "product", "Term in years for the mortgage"),
    _f("mortgage_deal_expiry", "product", "When the current mortgage deal expires", Kind.DATE),
    # Applicant 2
    _choice("applicant2_title", "applicant2", "Title", TITLES),
    _f("applicant2_first_name", "applicant2", "First name"),
    _f("applicant2_middle_name", "applicant2", "Middle name"),
    _f("applicant2_last_name", "applicant2", "Last name"),
    _f("applicant2_email", "applicant2", "Email address", Kind.EMAIL),
    _f("applicant2_date_of_birth", "applicant2", "Date of birth", Kind.DATE),
    _choice("applicant2_gender", "applicant2", "Gender", GENDERS),
    _choice("applicant2_cover_smoker", "applicant2", "Is applicant 2 a smoker?", YES_NO),
    # Marketing
    _f("advert_code", "marketing", "Advert code"),
    _f("marketing_campaign", "marketing", "Marketing campaign"),
    _f("marketing_keyword", "marketing", "Marketing keyword"),
    _f("marketing_medium", "marketing", "Marketing medium"),
    _f("marketing_source", "marketing", "Marketing source"),
    _f("marketing_website_url", "marketing", "Website URL"),
    # Consent
    _choice("consent_marketing", "consent", "Consent for all marketing", YES_NO),
    _choice("consent_marketing_email", "consent", "Consent for email marketing", YES_NO),
    _choice("consent_marketing_phone", "consent", "Consent for phone marketing", YES_NO),
    _choice("consent_marketing_sms", "consent", "Consent for SMS marketing", YES_NO),
    _choice("consent_marketing_mail", "consent", "Consent for mail marketing", YES_NO),
    _choice("consent_marketing_whatsapp", "consent", "Consent for Whatsapp marketing", YES_NO),
    # Technical
    _f("seller_internal_id", "technical", "Internal ID of the lead in the seller system"),
    _f("ip_address", "technical", "IP address"),
    _f("user_agent", "technical", "Browser user agent"),
    _f("cost", "technical", "Lead cost"),
    _f("click_id", "technical", "Click ID"),
    _choice("click_id_type", "technical", "Click ID type", CLICK_ID_TYPES),
    _f("message", "technical", "Message from consumer, or message from seller to buyer"),
    _f("notes", "technical", "Internal notes for seller. Not shared with buyers"),
    _f("alt1", "technical", "Alternative field 1"),
    _f("alt2", "technical", "Alternative field 2"),
    _f("alt3", "technical", "Alternative field 3"),
    # Contact State
    _f("contact_state_connect_code", "contact_state", "Where the lead is delivered (a distribution group)"),
    _choice("contact_state_test_mode", "contact_state", "Route the delivery to the test environment", TRUE_FALSE),
    _f("contact_state_cert_url", "contact_state", "Certificate URL from Certify", Kind.CERT_URL),
    _f("contact_state_claim_url", "contact_state", "Claim URL, for Contact State to claim for you", Kind.CLAIM_URL),
    _f("contact_state_landing_page_id", "contact_state", "ID of the landing page this lead came from"),
)

LEAD_FIELDS: dict[str, LeadField] = {f.name: f for f in _CATALOGUE}
REQUIRED_LEAD_FIELDS: tuple[str, ...] = tuple(f.name for f in _CATALOGUE if f.required)


def _canonical_choice(value: str, choices: tuple[str, ...]) -> str | None:
    folded = value.casefold()
    for choice in choices:
        if choice.casefold() == folded:
            return choice
    return None


def _check_date(name: str, value: str) -> str:
    if DATE.match(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise InputError(f"{name} must be a date written yyyy-mm-dd (like 1970-05-10); “{value}” is not.", field=name)


def _choices_text(choices: tuple[str, ...]) -> str:
    return ", ".join(choices)


def _check_lead_value(spec: LeadField, value: str) -> str:
    name = spec.name
    if spec.kind is Kind.CHOICE:
        chosen = _canonical_choice(value, spec.choices)
        if chosen is None:
            raise InputError(f"{name} must be one of: {_choices_text(spec.choices)} (not “{value}”).", field=name)
        return chosen
    if spec.kind is Kind.DATE:
        return _check_date(name, value)
    if spec.kind is Kind.DATE_OR_CHOICE:
        chosen = _canonical_choice(value, spec.choices)
        if chosen is not None:
            return chosen
        if DATE.match(value):
            return _check_date(name, value)
        raise InputError(
            f"{name} must be a yyyy-mm-dd date or one of: {_choices_text(spec.choices)} (not “{value}”).", field=name
        )
    if spec.kind is Kind.EMAIL:
        if not EMAIL.match(value) or len(value) > 254:
            raise InputError(f"{name} “{value}” is not an email address.", field=name)
        return value
    if spec.kind is Kind.CERT_URL:
        try:
            return contactstate_url(value, kind="cert")
        except InputError as exc:
            raise InputError(f"{name}: {exc}", field=name) from exc
    if spec.kind is Kind.CLAIM_URL:
        try:
            return contactstate_url(value, kind="claim")
        except InputError as exc:
            raise InputError(f"{name}: {exc}", field=name) from exc
    return value


def validate_lead_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """The lead as it will be sent (blank optional values dropped, enumerations in their documented spelling).

    Raises InputError for an unknown field name, a missing required field, or a value the catalogue refuses.
    """
    if not isinstance(fields, Mapping) or not fields:
        raise InputError("A Contact State lead needs at least first_name, last_name and email.")
    unknown = [name for name in fields if name not in LEAD_FIELDS]
    if unknown:
        parts = []
        for name in unknown:
            close = difflib.get_close_matches(str(name), list(LEAD_FIELDS), n=1)
            parts.append(f"“{name}”" + (f" (did you mean {close[0]}?)" if close else ""))
        raise InputError(
            f"Contact State Connect does not accept the field{'s' if len(unknown) > 1 else ''} {', '.join(parts)}.",
            field=str(unknown[0]),
        )
    cleaned: dict[str, str] = {}
    for name, raw in fields.items():
        if not isinstance(raw, str):
            raise InputError(f"{name} must be sent as text (Contact State takes every value as a string).", name)
        value = raw.strip()
        if value:
            cleaned[name] = _check_lead_value(LEAD_FIELDS[name], value)
    missing = [name for name in REQUIRED_LEAD_FIELDS if name not in cleaned]
    if missing:
        raise InputError(f"A Contact State lead needs {', '.join(missing)}.", field=missing[0])
    if "contact_state_claim_url" in cleaned and "contact_state_landing_page_id" not in cleaned:
        raise InputError(
            "contact_state_landing_page_id is required when contact_state_claim_url is given "
            "(Contact State needs the landing page to claim the certificate for you).",
            field="contact_state_landing_page_id",
        )
    return cleaned


def validate_lead_id(text: str, *, field: str = "lead_id") -> str:
    """A Contact State Connect lead id (a UUID in practice), safe to put in a URL path."""
    value = (text or "").strip() if isinstance(text, str) else ""
    if not value:
        raise InputError("Enter a Contact State Connect lead ID.", field=field)
    if not LEAD_ID.match(value):
        raise InputError(
            f"“{value}” is not a Contact State Connect ID (expected letters, digits and dashes, "
            "like eb908232-4a92-4de0-95df-f511aa8d9f8b).",
            field=field,
        )
    return value


# ---------------------------------------------------------------------------------------------------------------
# Perform


PERFORM_STATUSES: dict[str, str] = {
    "NEW": "New lead",
    "CONTACTED": "The lead has been contacted",
    "TRANSFER": "Lead is with an advisor",
    "QUOTE": "The lead has been quoted",
    "SOLD": "The lead has been sold to",
    "INELIGIBLE": "The lead is outside of product criteria",
    "NOT_INTERESTED": "The lead was not interested",
    "CANCELLED": "The lead cancelled",
    "NO_CONTACT": "The lead was uncontactable",
    "INVALID": "The lead data was invalid",
    "INVALID_PHONE": "The phone number was invalid",
    "INVALID_EMAIL": "The email was invalid",
    "INVALID_HOAX": "The lead was a hoax",
    "DUPLICATE": "The lead is a duplicate",
    "TEST": "The lead was a test",
}


class PushKind(StrEnum):
    TEXT = "text"
    TIMESTAMP = "timestamp"
    CURRENCY = "currency"
    DECIMAL = "decimal"
    SIGNED_DECIMAL = "signed_decimal"


PERFORM_OPTIONAL_FIELDS: dict[str, PushKind] = {
    "status_at": PushKind.TIMESTAMP,
    "status_by": PushKind.TEXT,
    "received_at": PushKind.TIMESTAMP,
    "internal_identifier": PushKind.TEXT,
    "internal_status": PushKind.TEXT,
    "internal_status_at": PushKind.TIMESTAMP,
    "notes": PushKind.TEXT,
    "sale_sold_at": PushKind.TIMESTAMP,
    "sale_sold_by": PushKind.TEXT,
    "sale_currency": PushKind.CURRENCY,
    "sale_revenue": PushKind.DECIMAL,
    "sale_lead_cost": PushKind.DECIMAL,
    "sale_costs": PushKind.DECIMAL,
    # Profit is revenue minus costs, so it may be negative.
    "sale_gross_profit": PushKind.SIGNED_DECIMAL,
}


def validate_status(text: str) -> str:
    """One of the 15 CRM sales statuses; ``not interested`` and ``Not-Interested`` become ``NOT_INTERESTED``."""
    value = re.sub(r"[\s-]+", "_", (text or "").strip()).upper() if isinstance(text, str) else ""
    if value not in PERFORM_STATUSES:
        raise InputError(
            f"“{text}” is not a Contact State sales status; use one of: {', '.join(PERFORM_STATUSES)}.",
            field="status",
        )
    return value


def _check_timestamp(name: str, value: str) -> str:
    if TIMESTAMP.match(value):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise InputError(
        f"{name} must be an ISO 8601 date and time, like 2020-01-15T12:00:45+01:00; “{value}” is not.", field=name
    )


def _check_push_value(name: str, kind: PushKind, value: str) -> str:
    if kind is PushKind.TIMESTAMP:
        return _check_timestamp(name, value)
    if kind is PushKind.CURRENCY:
        code = value.upper()
        if not CURRENCY.match(code):
            raise InputError(f"{name} must be a 3-letter ISO 4217 currency code like GBP or USD, not “{value}”.", name)
        return code
    if kind is PushKind.DECIMAL and not DECIMAL.match(value):
        raise InputError(
            f"{name} must be an amount written with digits and a decimal point, like 99.99 (not “{value}”).", name
        )
    if kind is PushKind.SIGNED_DECIMAL and not SIGNED_DECIMAL.match(value):
        raise InputError(f"{name} must be an amount like 944.76 or -12.50 (not “{value}”).", name)
    return value


def validate_status_push(
    status: str,
    *,
    connect_id: str | None,
    certificate_url: str | None,
    optional: Mapping[str, str | None],
) -> dict[str, str]:
    """The Perform push body without the secret key: the entity, the status, and the optional fields given."""
    has_connect = bool(connect_id and str(connect_id).strip())
    has_cert = bool(certificate_url and str(certificate_url).strip())
    if has_connect == has_cert:
        raise InputError(
            "Give exactly one of a Connect ID or a certificate URL to attach the sales status to.", field="connect_id"
        )
    body: dict[str, str] = {}
    if has_connect:
        body["connect_id"] = validate_lead_id(str(connect_id), field="connect_id")
    else:
        body["certificate_url"] = contactstate_url(str(certificate_url), kind="cert")
    body["status"] = validate_status(status)
    unknown = [name for name in optional if name not in PERFORM_OPTIONAL_FIELDS]
    if unknown:
        raise InputError(
            f"Contact State Perform does not accept {', '.join(unknown)}; "
            f"the fields are: {', '.join(PERFORM_OPTIONAL_FIELDS)}.",
            field=unknown[0],
        )
    for name, kind in PERFORM_OPTIONAL_FIELDS.items():
        raw = optional.get(name)
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise InputError(f"{name} must be given as text (decimals as strings, like '99.99').", field=name)
        value = raw.strip()
        if value:
            body[name] = _check_push_value(name, kind, value)
    return body
