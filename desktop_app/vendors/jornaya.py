"""Jornaya LeadiD audits (1st Party Privacy Guardian / TCPA Guardian): is this token real, and what did it witness?

One ``SingleQuery`` per LeadiD token. The token, the lead data and the other fields are checked before anything
is sent. The request is an https POST of form fields, so the account code (``lac``) and the audit key (``lak``)
never appear in an address; both are redacted from everything stored. The provider code (``lpc``) is not a
secret: it names the supplier the lead came from.

Lead data (``data``) is optional here although the document marks it required: without it Jornaya can still
say whether the token is authentic and what the TCPA disclosure, visual playback and call-center checks found,
it just has nothing to compare for data integrity. So ``data`` is sent only when the buyer gives some, and the
``data_integrity`` rule then reads "not checked".

Flag rules:

* ``audit.authentic`` 0 -> red, with the ``reason`` (1 token expired, 2 query limit reached, 3 consumer opted out
  under CCPA, 4 not a Jornaya token; these codes come from a third-party source) or, without one, the four
  conditions the document lists.
* ``audit.authentic`` 1 -> the overall audit ``result`` (1 green, 2 yellow, 3 red). The document says that result
  is set by the portal's call-center and data-integrity settings, so when the TCPA First ``result`` (or the
  ``market``/``leadid`` results) is worse, the worse colour wins: a lead is never shown greener than any of
  Jornaya's own results.
* No ``authentic``, or authentic without an overall ``result``, is an unreadable answer (``bad_response``),
  never green. Fields the document marks with * (absent when no disclosure matched) may be missing.

Every rule keeps its own colour, raw number and documented meaning in ``details["rules"]``. Email integrity is
checked in parts: when the whole address does not match, Jornaya also returns results for its components, which
appear in ``details["fields"]`` under whatever names Jornaya gives them.

The error body's shape is not documented, so error codes are read from several layouts (``{"error": {...}}``,
``{"code": N}``, ``{"audit": {"error": ...}}``, ``{"errors": [...]}``, a bare number, XML ``<error>``). Code 100
(Jornaya's internal error) is retried with capped backoff, as are timeouts, network failures and 5xx answers.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from desktop_app.vendors.answers import MAX_JSON_DEPTH, Exchange, answer_text, decode_json
from desktop_app.vendors.credentials import require
from desktop_app.vendors.errors import (
    CallError,
    ErrorKind,
    InputError,
    bad_response,
    default_hint,
    replace_error,
    transport_or_status_error,
)
from desktop_app.vendors.http import Redactor, VendorHttp
from desktop_app.vendors.ratelimit import RetryPolicy
from desktop_app.vendors.results import CheckResult, Flag, failed, judged
from desktop_app.vendors.validation import leadid_token

VENDOR = "jornaya"
OPERATION = "audit"
LABEL = "Jornaya"
ENDPOINT = "https://api.leadid.com/SingleQuery"
SETTINGS_HINT = "Open Settings → Jornaya to fix the Account code (lac) and Audit key (lak)."
RETRY = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=20.0)
SECRET_FIELDS = ("lac", "lak", "agency")

FIELD_LABELS = ("f_name", "l_name", "email", "phone1", "phone2", "address1", "address2", "city", "state", "zip")
MAX_VALUE_LENGTH = 250
MAX_RECORD_ID_LENGTH = 255
MAX_PROVIDER_CODE_LENGTH = 100
RESPONSE_FORMATS = ("json", "xml")
# The document draws account codes as xxxxxxxx-xxxx-xxxx-xxxx (and an agency as xxxxxxxx-xxxx-xxxx-xxxxxxxxxxxxxxxx);
# real ones look like UUIDs. Accept any of these layouts rather than guess which is exact.
ACCOUNT_CODE_LAYOUT = re.compile(r"^[0-9A-Za-z]{8}(?:-[0-9A-Za-z]{4,16}){2,4}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

RULE_COLOURS: dict[int, str] = {1: "green", 2: "yellow", 3: "red"}
COLOUR_ORDER = ("green", "yellow", "red")

# Error code -> (kind, plain words, what to do). Names and descriptions are Jornaya's, from its error table.
ERROR_NAMES: dict[int, str] = {
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
ERROR_CODES: dict[int, tuple[ErrorKind, str, str]] = {
    100: (
        ErrorKind.VENDOR_DOWN,
        "Jornaya had an internal error while running the audit.",
        "Jornaya is having trouble (Leadcheck already tried again); try again in a few minutes.",
    ),
    1000: (
        ErrorKind.REJECTED,
        "Jornaya says no LeadiD token reached it (the request did not carry the token in a form it could read).",
        "Try again; if it keeps happening, a proxy or firewall may be altering Leadcheck's requests. "
        "Contact Jornaya support if it persists.",
    ),
    1001: (
        ErrorKind.REJECTED,
        "Jornaya says the LeadiD token is malformed or blank.",
        "Check the token: a LeadiD token has 36 characters, like 58990313-03FB-43B8-AD0B-08CEF791D49B.",
    ),
    2000: (
        ErrorKind.AUTH,
        "Jornaya says no account code was sent.",
        "Open Settings → Jornaya and enter your Account code (lac).",
    ),
    2001: (
        ErrorKind.AUTH,
        "Jornaya says your account code is malformed or blank.",
        "Open Settings → Jornaya and check the Account code (lac); it looks like xxxxxxxx-xxxx-xxxx-xxxx.",
    ),
    4001: (
        ErrorKind.AUTH,
        "Jornaya says your audit key is malformed or blank.",
        "Open Settings → Jornaya and check the Audit key (lak).",
    ),
    5000: (
        ErrorKind.AUTH,
        "Jornaya did not accept the entity code sent with the audit (the provider code, lpc, "
        "or the agency account code if one was sent).",
        "Open Settings → Jornaya and check the default Provider code (lpc), or the provider code given for this "
        "lead; your supplier or Jornaya support can tell you the right one.",
    ),
    6000: (
        ErrorKind.AUTH,
        "Jornaya did not accept your account code and/or audit key.",
        "Open Settings → Jornaya and re-enter the Account code (lac) and Audit key (lak) from your Jornaya portal.",
    ),
    7000: (
        ErrorKind.FORBIDDEN,
        "This Jornaya account is not set up for testing.",
        "Contact support@jornaya.com to have testing enabled for your account.",
    ),
}
RETRYABLE_CODES = frozenset({100})

HTTP_EXPLANATIONS: dict[int, tuple[ErrorKind, str]] = {
    400: (ErrorKind.REJECTED, "Jornaya refused the audit request as sent (HTTP 400)."),
    401: (ErrorKind.AUTH, "Jornaya did not accept the account code or audit key (HTTP 401)."),
    403: (ErrorKind.AUTH, "Jornaya refused access for this account (HTTP 403)."),
    404: (ErrorKind.REJECTED, "Jornaya's audit address was not found (HTTP 404)."),
}
HTTP_HINTS: dict[int, str] = {
    404: "If Leadcheck is set to use a proxy or sandbox address, check it; otherwise contact Jornaya support.",
}

# Reasons for authentic 0. The codes come from a third-party summary of the API; the conditions from Jornaya.
REASONS: dict[int, tuple[str, str]] = {
    1: ("token expired", "The token expired: it was created more than a year ago, or Jornaya cannot find it."),
    2: ("query limit reached", "This token has been queried too many times (the query limit was reached)."),
    3: (
        "consumer opted out (CCPA)",
        "The consumer exercised their CCPA right to opt out, so Jornaya returns nothing for this token.",
    ),
    4: ("invalid token", "Jornaya did not create this token."),
}
INAUTHENTIC_CONDITIONS = (
    "This was not a token that Jornaya created.",
    "This token has been queried too many times (hundreds or thousands of times).",
    "This token was created over a year ago.",
    "This token is associated with a consumer who has exercised their CCPA Right to Opt-out.",
)

DISCLOSURE = {
    0: "No matching TCPA disclosures were captured during the lead event.",
    1: "A single matching TCPA disclosure was captured during the event.",
    2: "Multiple matching TCPA disclosures were captured during the event.",
}
INTERACTION = {
    0: "No interaction is required for the disclosure.",
    1: "Consumer interaction with the disclosure was captured.",
    2: "No consumer interaction with the disclosure was captured.",
}
CAPTURE = {
    0: "The visual playback has not been captured.",
    1: "The visual playback has been captured.",
    2: "The visual playback has been partially captured.",
}
STORED = {0: "The visual playback has not been stored.", 1: "The visual playback has been stored."}
DATA_INTEGRITY = {
    0: "Mismatch: the value provided was not matched to any data witnessed by Jornaya during the lead event.",
    1: "Match: the value of the data you submitted is what was actually entered on the lead form.",
    2: "Mismatch with disclosure: the value of the data you submitted is not what was actually entered "
    "but may have been changed by the generator.",
    3: "Default value: the data sent was the default field value.",
}
CALL_CENTER = {
    0: "Not entered by a third party.",
    1: "Information was entered by a 3rd party: the campaign that created the token was identified as a call center.",
}
REG_RULE_MEANING = "Jornaya's 'reg_rule' flag colour (its documentation does not describe this rule)."
NOT_MATCHED = (
    "Not returned: Jornaya could not identify a TCPA disclosure on the form, or it did not match any disclosure "
    "text in your audit profile."
)

# Short words for the one-line summary, by (rule, value).
PHRASES: dict[tuple[str, int], str] = {
    ("disclosure", 0): "no matching TCPA disclosure captured",
    ("disclosure", 1): "one matching TCPA disclosure captured",
    ("disclosure", 2): "several matching TCPA disclosures captured",
    ("capture", 0): "visual playback not captured",
    ("capture", 1): "visual playback captured",
    ("capture", 2): "visual playback only partially captured",
    ("stored", 0): "visual playback not stored",
    ("stored", 1): "visual playback stored",
    ("data_integrity", 0): "lead data does not match what was entered",
    ("data_integrity", 1): "lead data matches what was entered",
    ("data_integrity", 2): "lead data differs from what was entered (may have been changed by the generator)",
    ("data_integrity", 3): "lead data is the form's default values",
    ("call_center", 1): "entered by a third party (call center)",
}
LIST_KEYS = frozenset({"data_integrity_failed", "data_integrity_passed", "data_integrity_default", "disclosures"})


@dataclass(frozen=True)
class JornayaCredentials:
    account_code: str
    audit_key: str
    provider_code: str = ""


@dataclass(frozen=True)
class _VendorError:
    code: int | None
    said: str


class JornayaClient:
    """Audits LeadiD tokens with Jornaya's SingleQuery (authenticity, TCPA disclosure, playback, data integrity)."""

    vendor = VENDOR

    def __init__(self, http: VendorHttp, credentials: JornayaCredentials) -> None:
        self._http = http
        self._credentials = credentials

    async def audit(
        self,
        token: str,
        *,
        provider_code: str | None = None,
        data: Mapping[str, str] | None = None,
        record_id: str | None = None,
        agency: str | None = None,
        response_format: str = "json",
    ) -> CheckResult:
        """Audit one LeadiD token. Raises InputError or MissingCredentials before sending anything it cannot send.

        ``provider_code`` overrides the default in the credentials; ``data`` maps Jornaya's field labels
        (f_name, l_name, email, phone1, phone2, address1, address2, city, state, zip) to what the lead says.
        """
        subject = leadid_token(token)
        data_field = encode_data(data)
        record = _record_id(record_id)
        agency_code = _agency(agency)
        fmt = (response_format or "").strip().lower()
        if fmt not in RESPONSE_FORMATS:
            raise InputError(f"“{response_format}” is not an answer format Jornaya offers; use json or xml.", "format")
        creds = self._credentials
        lpc = _provider_code((provider_code or "").strip() or (creds.provider_code or "").strip())
        values = dataclasses.asdict(creds) | {"provider_code": lpc}
        require(VENDOR, values, "account_code", "audit_key", "provider_code")

        form = {"lac": creds.account_code.strip(), "id": subject, "lak": creds.audit_key.strip(), "lpc": lpc}
        if data_field:
            form["data"] = data_field
        if record:
            form["recordid"] = record
        if agency_code:
            form["agency"] = agency_code
        form["format"] = fmt
        redactor = Redactor([creds.account_code.strip(), creds.audit_key.strip(), agency_code])
        exchange = await self._http.send(
            "POST",
            ENDPOINT,
            form=form,
            headers={"Accept": "application/xml" if fmt == "xml" else "application/json"},
            redactor=redactor,
            secret_fields=SECRET_FIELDS,
            retry=RETRY,
            retry_if=is_retryable_answer,
            label=LABEL,
        )
        sent = {
            "provider_code": lpc,
            "data_labels": [pair.split(";", 1)[0] for pair in data_field.split("|")] if data_field else [],
            "record_id": record or None,
        }
        return _scrubbed(parse_audit(exchange, subject, sent), redactor)


def _scrubbed(result: CheckResult, redactor: Redactor) -> CheckResult:
    """Jornaya may echo what it was sent; keep the secrets out of the details, summary and error words too."""
    result.details = dict(redactor.data(result.details))
    result.summary = redactor.text(result.summary)
    if result.error is not None:
        result.error = replace_error(result.error, message=redactor.text(result.error.message))
    return result


# ---------------------------------------------------------------------------------------------------------------
# Input


def encode_data(data: Mapping[str, str] | None) -> str:
    """``label;value|label;value`` in the documented label order, or "" when no value is given.

    Labels are matched case-insensitively; blank values are left out; unknown labels, values over 250
    characters and values containing ``|`` or ``;`` (which would corrupt the encoding) are refused.
    """
    if not data:
        return ""
    values: dict[str, str] = {}
    for raw_label, raw_value in data.items():
        label = str(raw_label).strip().lower()
        if label not in FIELD_LABELS:
            raise InputError(
                f"“{raw_label}” is not a field Jornaya can check; use one of: {', '.join(FIELD_LABELS)}.", "data"
            )
        value = "" if raw_value is None else str(raw_value).strip()
        if not value:
            continue
        if len(value) > MAX_VALUE_LENGTH:
            raise InputError(
                f"The {label} value has {len(value)} characters; Jornaya accepts at most {MAX_VALUE_LENGTH}.", "data"
            )
        if "|" in value or ";" in value:
            raise InputError(
                f"The {label} value “{value}” contains “|” or “;”, which Jornaya uses to separate fields; "
                "remove them and try again.",
                "data",
            )
        if CONTROL_CHARACTERS.search(value):
            raise InputError(f"The {label} value contains a line break or other control character.", "data")
        values[label] = value
    return "|".join(f"{label};{values[label]}" for label in FIELD_LABELS if label in values)


def _record_id(record_id: str | None) -> str:
    value = "" if record_id is None else str(record_id).strip()
    if len(value) > MAX_RECORD_ID_LENGTH or CONTROL_CHARACTERS.search(value):
        raise InputError(
            f"The record ID must be one line of at most {MAX_RECORD_ID_LENGTH} characters.", field="recordid"
        )
    return value


def _agency(agency: str | None) -> str:
    value = (agency or "").strip()
    if value and not ACCOUNT_CODE_LAYOUT.match(value):
        raise InputError(
            f"“{value}” is not a Jornaya account code (it looks like xxxxxxxx-xxxx-xxxx-xxxx); "
            "the agency must be your own agency's account code.",
            field="agency",
        )
    return value


def _provider_code(value: str) -> str:
    if len(value) > MAX_PROVIDER_CODE_LENGTH or CONTROL_CHARACTERS.search(value):
        raise InputError(
            f"The provider code must be one line of at most {MAX_PROVIDER_CODE_LENGTH} characters.", "provider_code"
        )
    return value


# ---------------------------------------------------------------------------------------------------------------
# Reading the answer


def _tag(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _xml_to_data(element: ElementTree.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(_tag(child), []).append(_xml_to_data(child))
    return {k: (v if k in LIST_KEYS or len(v) > 1 else v[0]) for k, v in grouped.items()}


def decode_body(text: str) -> Any:
    """The answer as JSON, or XML turned into the same dict layout, or None when it is neither."""
    stripped = text.strip()
    if not stripped:
        return None
    if not stripped.startswith("<"):
        return decode_json(stripped)
    if "<!DOCTYPE" in stripped.upper() or "<!ENTITY" in stripped.upper():
        return None
    try:
        root = ElementTree.fromstring(stripped)
    except ElementTree.ParseError:
        return None
    return {_tag(root): _xml_to_data(root)} if _xml_depth(root) <= MAX_JSON_DEPTH else None


def _xml_depth(root: ElementTree.Element) -> int:
    """How deep the elements nest, counted without recursion (a hostile answer may nest thousands deep)."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def _as_int(value: Any) -> int | None:
    """An integer from an int, an integral float or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _lower_keys(value: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in value.items()}


def _unwrap(body: Any) -> Any:
    """Step inside one wrapper element (``<response><audit>…``) when the answer has one."""
    if isinstance(body, dict) and len(body) == 1:
        ((key, inner),) = body.items()
        if str(key).lower() not in ("audit", "error", "errors") and isinstance(inner, dict):
            lowered = _lower_keys(inner)
            if any(k in lowered for k in ("audit", "error", "errors")):
                return inner
    return body


def _error_value(value: Any) -> _VendorError | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, list):
        return next((e for e in (_error_value(v) for v in value) if e is not None), None)
    code = _as_int(value)
    if code is not None:
        return _VendorError(code, "")
    if isinstance(value, str):
        return _VendorError(None, value.strip()) if value.strip() else None
    if isinstance(value, Mapping):
        fields = _lower_keys(value)
        raw_code = next((fields[k] for k in ("code", "error_code", "errorcode", "id") if k in fields), None)
        said = next(
            (str(fields[k]).strip() for k in ("message", "description", "msg", "error_message", "text") if k in fields),
            "",
        )
        code = _as_int(raw_code)
        if code is None and raw_code not in (None, ""):
            said = f"{raw_code}: {said}" if said else str(raw_code)
        if code is None and not said:
            return None
        return _VendorError(code, said)
    return None


def vendor_error(body: Any) -> _VendorError | None:
    """An error code and/or message in any of the layouts Jornaya might use; None when the body holds none."""
    body = _unwrap(body)
    if isinstance(body, bool):
        return None
    if isinstance(body, int | str):
        return _error_value(body)
    if not isinstance(body, Mapping):
        return None
    fields = _lower_keys(body)
    audit = fields.get("audit")
    if isinstance(audit, Mapping):
        inner = _lower_keys(audit)
        for key in ("error", "errors"):
            if key in inner and (found := _error_value(inner[key])) is not None:
                return found
    for key in ("error", "errors"):
        if key in fields and (found := _error_value(fields[key])) is not None:
            return found
    if audit is None and any(k in fields for k in ("code", "error_code", "errorcode")):
        return _error_value(fields)
    return None


def is_retryable_answer(response: httpx.Response) -> bool:
    """True when Jornaya answered with its internal error (code 100), which it asks callers to retry."""
    found = vendor_error(decode_body(answer_text(response)))
    return found is not None and found.code in RETRYABLE_CODES


def error_for(found: _VendorError, status: int | None) -> CallError:
    """Plain words and a hint for an error Jornaya reported in its answer."""
    said = f" (Jornaya said: {found.said.rstrip('.')}.)" if found.said else ""
    if found.code in ERROR_CODES:
        kind, words, hint = ERROR_CODES[found.code]
        message = f"{words} (Jornaya error {found.code}: {ERROR_NAMES[found.code]}.){said}"
        return CallError(
            kind, message, http_status=status, code=found.code, hint=hint, retryable=kind is ErrorKind.VENDOR_DOWN
        )
    if found.code is not None:
        kind = ErrorKind.REJECTED
        message = (
            f"Jornaya refused the audit with error code {found.code}, which its documentation does not list.{said}"
        )
    elif status is not None and status >= 400:
        kind, words = HTTP_EXPLANATIONS.get(
            status, (ErrorKind.VENDOR_DOWN if status >= 500 else ErrorKind.REJECTED, "")
        )
        words = words or f"Jornaya refused the audit (HTTP {status})."
        message = f"{words}{said}"
    else:
        kind = ErrorKind.REJECTED
        message = f"Jornaya reported an error instead of an audit.{said}"
    hint = HTTP_HINTS.get(status or 0) or default_hint(kind, LABEL, SETTINGS_HINT)
    return CallError(kind, message, http_status=status, code=found.code, hint=hint)


def _colour(value: Any) -> str | None:
    number = _as_int(value)
    return RULE_COLOURS.get(number) if number is not None else None


def _result(value: Any) -> dict[str, Any]:
    number = _as_int(value)
    return {"value": number, "rule": RULE_COLOURS.get(number) if number is not None else None}


def _rule(
    section: Mapping[str, Any], key: str, meanings: Mapping[int, str], absent: str, rule_key: str | None = None
) -> dict[str, Any]:
    value = _as_int(section.get(key))
    rule_value = _as_int(section.get(rule_key)) if rule_key else None
    if value is None:
        meaning = absent if section.get(key) in (None, "") else f"Jornaya returned “{section.get(key)}”."
    else:
        meaning = meanings.get(value, f"Jornaya returned {value}, a value its documentation does not describe.")
    return {
        "value": value,
        "rule": RULE_COLOURS.get(rule_value) if rule_value is not None else None,
        "rule_value": rule_value,
        "meaning": meaning,
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _string_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if v is not None and not isinstance(v, Mapping | list)]


def _disclosures(raw: Any) -> list[dict[str, Any]]:
    items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Mapping):
            interaction = _as_int(item.get("interaction"))
            disclosure_id = item.get("disclosure_id")
            out.append(
                {
                    "disclosure_id": _as_int(disclosure_id) if _as_int(disclosure_id) is not None else disclosure_id,
                    "label": None if item.get("label") is None else str(item.get("label")),
                    "interaction": interaction,
                    "interaction_meaning": INTERACTION.get(interaction, "") if interaction is not None else "",
                }
            )
        elif isinstance(item, str | int):
            out.append({"disclosure_id": None, "label": str(item), "interaction": None, "interaction_meaning": ""})
    return out


def _fields(raw: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for label, value in _mapping(raw).items():
        number = _as_int(value)
        meaning = DATA_INTEGRITY.get(number, "") if number is not None else ""
        out[str(label)] = {"value": number, "meaning": meaning}
    return out


def _worst(colours: list[str | None]) -> str | None:
    known = [c for c in colours if c in COLOUR_ORDER]
    return max(known, key=COLOUR_ORDER.index) if known else None


def parse_audit(exchange: Exchange, subject: str, sent: Mapping[str, Any] | None = None) -> CheckResult:
    """Turn a SingleQuery answer into a flag, or an error saying what went wrong."""
    sent = dict(sent or {})
    if exchange.failure is not None:
        return failed(VENDOR, OPERATION, subject, exchange.failure, exchange)
    response = exchange.response
    body = decode_body(answer_text(response)) if response is not None else None
    found = vendor_error(body)
    error = error_for(found, exchange.status_code) if found is not None else None
    if error is None:
        error = transport_or_status_error(exchange, LABEL, SETTINGS_HINT, HTTP_EXPLANATIONS)
        if error is not None and error.http_status in HTTP_HINTS:
            error = replace_error(error, hint=HTTP_HINTS[error.http_status])
    if error is not None:
        return failed(VENDOR, OPERATION, subject, error, exchange)
    if body is None:
        return failed(VENDOR, OPERATION, subject, bad_response(LABEL, "not in JSON or XML", exchange), exchange)
    fields = _lower_keys(body) if isinstance(body, Mapping) else {}
    audit = fields.get("audit")
    if not isinstance(audit, Mapping):
        return failed(VENDOR, OPERATION, subject, bad_response(LABEL, "without an audit", exchange), exchange)
    authentic = _as_int(audit.get("authentic"))
    if authentic not in (0, 1):
        what = "without saying whether the LeadiD token is authentic"
        return failed(VENDOR, OPERATION, subject, bad_response(LABEL, what, exchange), exchange)

    market = _mapping(audit.get("market"))
    leadid = _mapping(market.get("leadid"))
    tcpa = _mapping(leadid.get("tcpafirst"))
    results = {
        "audit": _result(audit.get("result")),
        "tcpa_first": _result(tcpa.get("result")),
        "leadid": _result(leadid.get("result")),
        "market": _result(market.get("result")),
    }
    details: dict[str, Any] = {
        "token": subject,
        "authentic": authentic == 1,
        "result": None,
        "results": results,
        "rules": {},
        "transid": None if fields.get("transid") is None else str(fields.get("transid")),
        "provider_code": sent.get("provider_code"),
        "data_labels": list(sent.get("data_labels") or []),
        "record_id": sent.get("record_id"),
        "token_echoed": None if audit.get("token") is None else str(audit.get("token")),
        "disclosures": [],
        "fields": {},
        "data_integrity_failed": [],
        "data_integrity_passed": [],
        "data_integrity_default": [],
        "call_center": False,
        "reason_code": None,
        "reason": None,
        "possible_reasons": [],
    }
    if authentic == 0:
        return _inauthentic(exchange, subject, audit, details)

    overall = results["audit"]["rule"]
    if overall is None:
        raw = audit.get("result")
        what = "without an overall audit result" if raw in (None, "") else f"with an unknown overall result ({raw})"
        return failed(VENDOR, OPERATION, subject, bad_response(LABEL, what, exchange), exchange)

    integrity_absent = "Not returned by Jornaya." if sent.get("data_labels") else "Not checked: no lead data was sent."
    call_center_absent = "Not reported: the campaign that created the token was not identified as a call center."
    rules = {
        "disclosure": _rule(tcpa, "disclosure", DISCLOSURE, "Not returned by Jornaya.", "disclosure_rule"),
        "capture": _rule(tcpa, "capture", CAPTURE, NOT_MATCHED, "capture_rule"),
        "stored": _rule(tcpa, "stored", STORED, NOT_MATCHED, "stored_rule"),
        "data_integrity": _rule(audit, "data_integrity", DATA_INTEGRITY, integrity_absent, "data_integrity_rule"),
        "call_center": _rule(audit, "call_center", CALL_CENTER, call_center_absent),
        "reg_rule": {**_result(audit.get("reg_rule")), "meaning": REG_RULE_MEANING},
    }
    rules["reg_rule"]["rule_value"] = rules["reg_rule"]["value"]
    colour = _worst([overall, *(r["rule"] for name, r in results.items() if name != "audit")]) or overall
    flag = Flag(colour)
    details.update(
        result=colour,
        rules=rules,
        disclosures=_disclosures(_mapping(tcpa.get("raw_response")).get("disclosures")),
        fields=_fields(audit.get("fields")),
        data_integrity_failed=_string_list(audit.get("data_integrity_failed")),
        data_integrity_passed=_string_list(audit.get("data_integrity_passed")),
        data_integrity_default=_string_list(audit.get("data_integrity_default")),
        call_center=rules["call_center"]["value"] == 1,
    )
    return judged(VENDOR, OPERATION, subject, flag, _authentic_summary(flag, rules), details, exchange)


def _authentic_summary(flag: Flag, rules: Mapping[str, Mapping[str, Any]]) -> str:
    by_colour: dict[str, list[str]] = {"red": [], "yellow": []}
    for name, rule in rules.items():
        if rule["rule"] in by_colour:
            value = rule["value"]
            phrase = "Jornaya's reg_rule" if name == "reg_rule" else PHRASES.get((name, value), f"{name} {value}")
            by_colour[rule["rule"]].append(phrase)
    call_center = rules["call_center"]["value"] == 1 and not any(
        PHRASES[("call_center", 1)] in p for p in by_colour["red"] + by_colour["yellow"]
    )
    note = f" ({PHRASES[('call_center', 1)]})" if call_center else ""
    parts = [f"{colour}: {', '.join(phrases)}" for colour, phrases in by_colour.items() if phrases]
    if parts:
        return f"Authentic; {'; '.join(parts)}{note}"
    if flag is Flag.GREEN:
        return f"Authentic LeadiD; all rules green{note}"
    return f"Authentic; overall result {flag.value} (from your Jornaya portal's flag settings){note}"


def _inauthentic(exchange: Exchange, subject: str, audit: Mapping[str, Any], details: dict[str, Any]) -> CheckResult:
    reason = _as_int(audit.get("reason"))
    details.update(
        result="red",
        reason_code=reason,
        rules={"reg_rule": {**_result(audit.get("reg_rule")), "meaning": REG_RULE_MEANING}},
    )
    details["rules"]["reg_rule"]["rule_value"] = details["rules"]["reg_rule"]["value"]
    if reason in REASONS:
        short, text = REASONS[reason]
        details["reason"] = text
        summary = f"Not authentic: {short}"
    elif reason is not None or audit.get("reason") not in (None, ""):
        details["reason"] = f"Jornaya gave reason {audit.get('reason')}, which Leadcheck does not know."
        details["possible_reasons"] = list(INAUTHENTIC_CONDITIONS)
        summary = f"Not authentic: reason {audit.get('reason')}"
    else:
        details["possible_reasons"] = list(INAUTHENTIC_CONDITIONS)
        summary = (
            "Not authentic: Jornaya did not say why (not a Jornaya token, queried too many times, "
            "over a year old, or a CCPA opt-out)"
        )
    return judged(VENDOR, OPERATION, subject, Flag.RED, summary, details, exchange)
