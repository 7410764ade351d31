"""The SingleQuery request: the inputs checked and encoded before anything is sent, and the client that sends it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from desktop_app.vendors.credentials import require
from desktop_app.vendors.errors import InputError, replace_error
from desktop_app.vendors.http import Redactor, VendorHttp
from desktop_app.vendors.jornaya.answers import is_retryable_answer, parse_audit
from desktop_app.vendors.jornaya.terms import (
    ACCOUNT_CODE_LAYOUT,
    CONTROL_CHARACTERS,
    ENDPOINT,
    FIELD_LABELS,
    LABEL,
    MAX_PROVIDER_CODE_LENGTH,
    MAX_RECORD_ID_LENGTH,
    MAX_VALUE_LENGTH,
    RESPONSE_FORMATS,
    RETRY,
    SECRET_FIELDS,
    VENDOR,
)
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.validation import leadid_token


@dataclass(frozen=True)
class JornayaCredentials:
    account_code: str
    audit_key: str
    provider_code: str = ""


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
