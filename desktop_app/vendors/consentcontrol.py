"""Consent Control (Digital Segment) opt-outs: upload a buyer's opt-outs, read which were stored, read suppressions.

Consent Control keeps a buyer's consumer opt-outs in the buyer's own account
(``https://{account}.digitalsegment.com``) and returns daily, weekly or monthly suppression files. This module:

* checks opt-out records locally against the documented field limits (:func:`check_record`),
* uploads them, at most 100 per request as documented, and maps the answer back to each record
  (:meth:`ConsentControlClient.upload`).

Reading opt-outs from a buyer's CSV and suppression files the buyer downloaded is
:mod:`desktop_app.imports.optouts` (it reads them the way a lead import reads a CSV).

Flags, per opt-out record (:class:`RecordOutcome`):

* green  — Consent Control stored the opt-out (``successful: true``, or not listed in ``unsuccessful_ids``);
* red    — Consent Control rejected it; ``reason`` is the vendor's ``unsuccessful_reason``;
* none   — it was refused locally (``problems``), its request failed (``error``: key, host, network, outage…),
  or the answer did not say clearly whether it was stored (``error`` of kind ``bad_response``).

Per request (one :class:`CheckResult` each): green when every opt-out in it was stored, red when any was
rejected, yellow when none was rejected but some could not be confirmed, no flag when the request failed.

Decisions where the document is silent:

* ``validation`` is required, one character, allowed values not published. Leadcheck sends ``"1"`` — the value
  in every record of the vendor's sample request — when the buyer gives none, and passes any other single
  character through unchanged, so the vendor's verdict on it shows up per record.
* Phones are sent as ``NNN-NNN-NNNN`` (the layout of the sample's ``phone1``), after the same checks as every
  other phone in Leadcheck; emails are trimmed and lower-cased; states upper-cased; a 9-digit zip gets its dash.
  Blank fields are left out of the JSON, since the vendor says presenting some fields makes others required.
* Refused locally, besides the documented sizes: a record with no phone, email or street address (nothing to
  opt out); a street address alone without a zip or city and state (it cannot be matched to anyone); phones
  and emails Leadcheck cannot read; a state that is not a two-letter US code; a zip that is not 12345 or
  12345-6789.
* ``unsuccessful_ids`` are 0-based positions in the request (the sample's second record failed with id 1).
  ``results`` are matched by position when there is one per record, otherwise by the echoed phone, email,
  street and zip. Where ``results`` and ``unsuccessful_ids`` contradict each other, the record is unclear
  (never green). Without ``results``, a record is green only when ``unsuccessful_ids`` (or counts saying all
  succeeded) leave it out and the ``successful``/``unsuccessful`` counts, where given, agree.
* Error answers are not documented. ``message``/``error`` text (any case, nested one level) or a short plain-text
  body is quoted to the buyer; HTML pages are not. 401/403 mean the key or host is wrong; 404 means the account
  host is wrong; a ``status: false`` or 400 whose text mentions the API key or authentication is treated as auth.
* Only 5xx answers and timeouts are retried (3 attempts, capped backoff). An upload that timed out may already
  have been stored; retrying is safe because storing the same opt-out twice changes nothing. After a failure
  that would repeat for every request (auth, host, rate limit, outage, timeout, network) the remaining
  requests are not sent; their records carry the reason and can be uploaded again.

Errors: invalid input and a malformed host raise :class:`InputError`, missing credentials raise
:class:`MissingCredentials` (both before anything is sent). Call failures come back inside the results.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.vendors.answers import Exchange, truthy
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
from desktop_app.vendors.ratelimit import Clock, RetryPolicy, retry_after_seconds
from desktop_app.vendors.results import CheckResult, Flag, failed, judged
from desktop_app.vendors.validation import Phone, consentcontrol_host, normalize_email, normalize_phone

VENDOR = "consentcontrol"
LABEL = "Consent Control"
OPERATION = "optout_upload"
UPLOAD_PATH = "/RestServices/OptOut/Upload"
MAX_RECORDS_PER_REQUEST = 100
DEFAULT_VALIDATION = "1"
SETTINGS_HINT = "Open Settings → Consent Control to fix the API key or account host."
HOST_HINT = "Open Settings → Consent Control and check the account host (the name before .digitalsegment.com)."

# Only outages and timeouts are tried again; a 4xx or a dropped connection is reported at once.
RETRY = RetryPolicy(
    max_attempts=3,
    base_delay=2.0,
    max_delay=20.0,
    retry_statuses=frozenset(range(500, 600)),
    retry_timeouts=True,
    retry_network=False,
    honour_rate_limit=False,
)

FIELDS: tuple[str, ...] = (
    "firstname",
    "lastname",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "phone1",
    "phone2",
    "email1",
    "email2",
    "validation",
    "projectid",
)
MAX_SIZES: dict[str, int] = {
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
FIELD_LABELS: dict[str, str] = {
    "firstname": "First name",
    "lastname": "Last name",
    "address1": "Address line 1",
    "address2": "Address line 2",
    "city": "City",
    "state": "State",
    "zip": "Zip",
    "phone1": "Phone 1",
    "phone2": "Phone 2",
    "email1": "Email 1",
    "email2": "Email 2",
    "validation": "Validation",
    "projectid": "Project ID",
}
ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM FM MH PW AA AE AP".split()
)

# CSV header (lower-cased, spaces/dashes as underscores) -> field. Documented names first, then usual aliases.
COLUMN_ALIASES: dict[str, str] = {name: name for name in FIELDS} | {
    "first_name": "firstname",
    "fname": "firstname",
    "first": "firstname",
    "last_name": "lastname",
    "lname": "lastname",
    "last": "lastname",
    "surname": "lastname",
    "address": "address1",
    "address_1": "address1",
    "address_line_1": "address1",
    "street": "address1",
    "street_address": "address1",
    "address_2": "address2",
    "address_line_2": "address2",
    "apt": "address2",
    "suite": "address2",
    "st": "state",
    "zipcode": "zip",
    "zip_code": "zip",
    "postal_code": "zip",
    "postalcode": "zip",
    "postcode": "zip",
    "phone": "phone1",
    "phone_1": "phone1",
    "phone_number": "phone1",
    "phonenumber": "phone1",
    "telephone": "phone1",
    "mobile": "phone1",
    "mobile_phone": "phone1",
    "cell": "phone1",
    "cell_phone": "phone1",
    "phone_2": "phone2",
    "email": "email1",
    "email_1": "email1",
    "email_address": "email1",
    "e_mail": "email1",
    "email_2": "email2",
    "project_id": "projectid",
    "project": "projectid",
}
# A second phone or email column (e.g. "phone" and "cell") fills the second slot.
SECOND_SLOT = {"phone1": "phone2", "email1": "email2"}
CONTACT_FIELDS = ("phone1", "phone2", "email1", "email2", "address1")

# Error answers are undocumented; these are the statuses an upload can meet, explained for a buyer.
STATUS_EXPLANATIONS: dict[int, tuple[ErrorKind, str]] = {
    400: (ErrorKind.REJECTED, "Consent Control refused the upload as sent (HTTP 400)."),
    401: (ErrorKind.AUTH, "Consent Control did not accept the API key (HTTP 401)."),
    403: (ErrorKind.AUTH, "Consent Control refused this API key access to opt-out uploads (HTTP 403)."),
    404: (ErrorKind.NOT_FOUND, "Consent Control has no opt-out upload service at this account host (HTTP 404)."),
    413: (ErrorKind.REJECTED, "Consent Control said the upload was too large (HTTP 413)."),
    429: (ErrorKind.RATE_LIMITED, "Consent Control is limiting how fast we can send uploads (HTTP 429)."),
}
STATUS_HINTS: dict[int, str] = {
    400: "Check the opt-outs in this request; if they look right, send Consent Control support the message above.",
    401: SETTINGS_HINT,
    403: SETTINGS_HINT,
    404: HOST_HINT,
    413: "Leadcheck sends at most 100 opt-outs per request; try again, and contact Consent Control support "
    "if it keeps happening.",
}
AUTH_WORDS = re.compile(r"api[-_ ]?key|unauthori[sz]ed|authenticat|access denied|invalid key", re.IGNORECASE)
# After one of these, every later request would fail the same way, so the rest are not sent.
STOP_AFTER = frozenset(
    {
        ErrorKind.AUTH,
        ErrorKind.FORBIDDEN,
        ErrorKind.BILLING,
        ErrorKind.NOT_FOUND,
        ErrorKind.RATE_LIMITED,
        ErrorKind.VENDOR_DOWN,
        ErrorKind.TIMEOUT,
        ErrorKind.NETWORK,
    }
)
MAX_QUOTED = 300


# ---------------------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class ConsentControlCredentials:
    """The account's API key (secret) and host: the account name or ``name.digitalsegment.com``."""

    api_key: str
    host: str


@dataclass(frozen=True)
class OptOutRecord:
    """One consumer's opt-out, with Consent Control's field names (case sensitive on the wire)."""

    firstname: str = ""
    lastname: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone1: str = ""
    phone2: str = ""
    email1: str = ""
    email2: str = ""
    validation: str = DEFAULT_VALIDATION
    projectid: str = ""

    def to_json(self) -> dict[str, str]:
        """The JSON object sent for this record: documented names and order, blank fields left out."""
        return {name: value for name in FIELDS if (value := getattr(self, name))}


@dataclass(frozen=True)
class RecordProblem:
    """A record refused locally and never sent: ``index`` is its 0-based position in the input."""

    index: int
    record: OptOutRecord
    reasons: tuple[str, ...]

    @property
    def message(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class RecordOutcome:
    """What happened to one input record.

    ``flag`` is green (stored) or red (rejected, ``reason`` says why); None when the record was refused locally
    (``problems``), its request failed or its fate is unclear (``error``). ``record`` is what was sent, or the
    input record when nothing was sent. ``result_index`` points into :attr:`UploadOutcome.results`.
    """

    index: int
    record: OptOutRecord
    flag: Flag | None
    record_id: str | None = None
    reason: str = ""
    error: CallError | None = None
    problems: tuple[str, ...] = ()
    result_index: int | None = None

    @property
    def status(self) -> str:
        if self.problems:
            return "refused"
        if self.flag is Flag.GREEN:
            return "stored"
        if self.flag is Flag.RED:
            return "rejected"
        if self.error is not None and self.error.kind is ErrorKind.BAD_RESPONSE:
            return "unclear"
        return "failed"


@dataclass
class UploadOutcome:
    """One :class:`CheckResult` per request sent (or not sent after a failure) and one outcome per input record."""

    results: list[CheckResult]
    records: list[RecordOutcome]
    refused: list[RecordProblem]

    def with_status(self, status: str) -> list[RecordOutcome]:
        return [r for r in self.records if r.status == status]

    @property
    def all_stored(self) -> bool:
        return bool(self.records) and all(r.flag is Flag.GREEN for r in self.records)

    @property
    def summary(self) -> str:
        counts = {s: len(self.with_status(s)) for s in ("stored", "rejected", "refused", "failed", "unclear")}
        total = len(self.records)
        parts = [f"{counts['stored']} of {total} opt-out{'s' if total != 1 else ''} stored"]
        words = {
            "rejected": "rejected by Consent Control",
            "refused": "not sent (fix the record first)",
            "failed": "not stored because the request failed",
            "unclear": "not confirmed",
        }
        parts += [f"{counts[s]} {w}" for s, w in words.items() if counts[s]]
        return "; ".join(parts) + "."


def single_line(value: object) -> str:
    """Trimmed, with runs of whitespace (including line breaks from spreadsheets) made single spaces."""
    return "" if value is None else " ".join(str(value).split())


def _phone_layout(phone: Phone) -> str:
    d = phone.digits10
    return f"{d[:3]}-{d[3:6]}-{d[6:]}"


def prepare_record(record: OptOutRecord) -> tuple[OptOutRecord, list[str]]:
    """The record as it would be sent (normalised), and every reason it cannot be, in plain words."""
    values = {name: single_line(getattr(record, name)) for name in FIELDS}
    problems: list[str] = []
    checked: set[str] = set()

    for name in ("phone1", "phone2"):
        if values[name]:
            try:
                values[name] = _phone_layout(normalize_phone(values[name]))
            except InputError as exc:
                problems.append(f"{FIELD_LABELS[name]}: {exc}")
                checked.add(name)
    for name in ("email1", "email2"):
        if values[name]:
            try:
                values[name] = normalize_email(values[name])
            except InputError as exc:
                problems.append(f"{FIELD_LABELS[name]}: {exc}")
                checked.add(name)
    if values["state"]:
        values["state"] = values["state"].upper()
        if values["state"] not in US_STATES:
            problems.append(f"State “{values['state']}” is not a two-letter US state code (like FL).")
            checked.add("state")
    if values["zip"]:
        digits = values["zip"].replace(" ", "")
        if re.fullmatch(r"\d{9}", digits):
            digits = f"{digits[:5]}-{digits[5:]}"
        values["zip"] = digits
        if not ZIP.match(digits):
            hint = " (if a spreadsheet dropped a leading zero, put it back)" if re.fullmatch(r"\d{3,4}", digits) else ""
            problems.append(f"Zip “{values['zip']}” is not a 5-digit zip or zip+4 like 34323-1234{hint}.")
            checked.add("zip")
    if not values["validation"]:
        problems.append(f"Validation is empty; Consent Control requires it (Leadcheck uses {DEFAULT_VALIDATION}).")
        checked.add("validation")

    for name in FIELDS:
        limit = MAX_SIZES[name]
        if name not in checked and len(values[name]) > limit:
            problems.append(
                f"{FIELD_LABELS[name]} has {len(values[name])} characters; Consent Control accepts at most {limit}."
            )

    if not any(values[name] for name in CONTACT_FIELDS):
        problems.append("There is no phone number, email address or street address, so there is nothing to opt out.")
    elif not any(values[name] for name in CONTACT_FIELDS[:4]) and not (
        values["zip"] or (values["city"] and values["state"])
    ):
        problems.append("The street address has no zip code or city and state, so it cannot be matched to anyone.")
    return OptOutRecord(**values), problems


def check_record(record: OptOutRecord) -> list[str]:
    """Every reason this record cannot be uploaded, in plain words; an empty list means it can be."""
    return prepare_record(record)[1]


def checked_project_id(project_id: str | None) -> str:
    value = single_line(project_id)
    if len(value) > MAX_SIZES["projectid"]:
        raise InputError(
            f"The project ID “{value}” has {len(value)} characters; Consent Control accepts at most "
            f"{MAX_SIZES['projectid']}.",
            field="projectid",
        )
    return value


# ---------------------------------------------------------------------------------------------------------------
# Upload


def _chunks(items: Sequence[tuple[int, OptOutRecord]]) -> Iterator[list[tuple[int, OptOutRecord]]]:
    for start in range(0, len(items), MAX_RECORDS_PER_REQUEST):
        yield list(items[start : start + MAX_RECORDS_PER_REQUEST])


def _subject(chunk: Sequence[tuple[int, OptOutRecord]]) -> str:
    first, last = chunk[0][0] + 1, chunk[-1][0] + 1
    n = len(chunk)
    span = f"{first}" if first == last else f"{first}–{last}"
    return f"{n} opt-out{'s' if n != 1 else ''} ({span})"


class ConsentControlClient:
    """Uploads opt-outs to the buyer's Consent Control account."""

    vendor = VENDOR

    def __init__(self, http: VendorHttp, credentials: ConsentControlCredentials) -> None:
        self._http = http
        self._credentials = credentials

    async def upload(self, records: Sequence[OptOutRecord], *, project_id: str | None = None) -> UploadOutcome:
        """Upload opt-outs, at most 100 per request, and report each record's fate.

        Every record is checked before anything is sent; refused records are reported (``refused`` and their
        ``RecordOutcome.problems``) and the rest still go. ``project_id`` fills each record's blank
        ``projectid``. Requests go one after another; only 5xx answers and timeouts are retried. A request
        that timed out may already have been stored, and retrying is safe because opt-outs are idempotent:
        storing the same opt-out twice changes nothing. Raises InputError for no records, a too-long
        ``project_id`` or a malformed account host, MissingCredentials for a missing key or host.
        """
        if not records:
            raise InputError("There are no opt-outs to upload.")
        project = checked_project_id(project_id)
        outcomes: list[RecordOutcome | None] = [None] * len(records)
        refused: list[RecordProblem] = []
        ready: list[tuple[int, OptOutRecord]] = []
        for index, record in enumerate(records):
            if project and not single_line(record.projectid):
                record = dataclasses.replace(record, projectid=project)
            clean, reasons = prepare_record(record)
            if reasons:
                refused.append(RecordProblem(index, record, tuple(reasons)))
                outcomes[index] = RecordOutcome(
                    index, record, None, reason="Not sent: " + " ".join(reasons), problems=tuple(reasons)
                )
            else:
                ready.append((index, clean))
        checks: list[CheckResult] = []
        if ready:
            creds = self._credentials
            require(VENDOR, dataclasses.asdict(creds), "api_key", "host")
            url = f"https://{consentcontrol_host(creds.host)}{UPLOAD_PATH}"
            redactor = Redactor([creds.api_key])
            stopped: CallError | None = None
            for chunk in _chunks(ready):
                subject = _subject(chunk)
                if stopped is not None:
                    check = failed(VENDOR, OPERATION, subject, stopped)
                    chunk_outcomes = [RecordOutcome(i, r, None, error=stopped) for i, r in chunk]
                else:
                    exchange = await self._http.send(
                        "POST",
                        url,
                        headers={
                            "api-key": creds.api_key,
                            "Content-Type": "application/json",
                            "Accept": "application/json",
                        },
                        json_body=[record.to_json() for _, record in chunk],
                        redactor=redactor,
                        retry=RETRY,
                        label=LABEL,
                    )
                    check, chunk_outcomes = parse_upload(exchange, chunk, subject, redactor, self._http.clock)
                    if check.error is not None and check.error.kind in STOP_AFTER:
                        stopped = CallError(
                            check.error.kind,
                            f"Not sent, because an earlier request failed: {check.error.message}",
                            hint=check.error.hint,
                            retryable=check.error.retryable,
                        )
                for outcome in chunk_outcomes:
                    outcomes[outcome.index] = dataclasses.replace(outcome, result_index=len(checks))
                checks.append(check)
        return UploadOutcome(checks, [o for o in outcomes if o is not None], refused)


# ---------------------------------------------------------------------------------------------------------------
# Reading the answer


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _message_in(body: Any, depth: int = 0) -> str:
    """The first ``message``/``error``-like text in an error body (keys in any case, one level of nesting)."""
    if isinstance(body, str):
        return body.strip()
    if isinstance(body, list) and depth < 2:
        return "; ".join(t for t in (_message_in(item, depth + 1) for item in body[:3]) if t)
    if not isinstance(body, Mapping) or depth > 1:
        return ""
    lowered = {str(k).lower(): v for k, v in body.items()}
    for key in ("message", "error", "error_description", "errors", "detail", "title", "exceptionmessage"):
        if key in lowered and (text := _message_in(lowered[key], depth + 1)):
            return text
    return ""


def vendor_text(exchange: Exchange, redactor: Redactor) -> str:
    """What the vendor said in an error answer, shortened and scrubbed; '' for HTML pages or nothing useful."""
    body = exchange.json()
    text = _message_in(body) if body is not None else ""
    if body is None and exchange.response is not None:
        raw = (exchange.body_text or "").strip()
        content_type = exchange.response.headers.get("content-type", "")
        if raw and "html" not in content_type and not raw.startswith("<"):
            text = raw
    text = redactor.text(" ".join(text.split()))
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


def upload_error(exchange: Exchange, redactor: Redactor, clock: Clock) -> CallError | None:
    """The error for a failed request (transport, HTTP status, ``status: false``), or None when it went through."""
    if exchange.failure is not None:
        return exchange.failure
    status = exchange.status_code
    said = vendor_text(exchange, redactor)
    error = transport_or_status_error(exchange, LABEL, SETTINGS_HINT, STATUS_EXPLANATIONS)
    if error is None:
        body = exchange.json()
        if not (isinstance(body, Mapping) and truthy(body.get("status")) is False):
            return None
        error = CallError(
            ErrorKind.REJECTED,
            "Consent Control did not accept the upload (status false).",
            http_status=status,
            hint=default_hint(ErrorKind.REJECTED, LABEL, SETTINGS_HINT),
        )
    if status in STATUS_HINTS:
        error = replace_error(error, hint=STATUS_HINTS[status])
    if error.kind is ErrorKind.REJECTED and AUTH_WORDS.search(said):
        error = replace_error(error, kind=ErrorKind.AUTH, hint=SETTINGS_HINT)
    if error.kind is ErrorKind.RATE_LIMITED and exchange.response is not None:
        wait = retry_after_seconds(exchange.response, clock)
        if wait is not None:
            error = replace_error(error, message=f"{error.message[:-1]}; it asked us to wait {wait:.0f} seconds.")
    if said:
        error = replace_error(error, message=f"{error.message} Consent Control said: “{said}”.")
    return replace_error(error, retryable=error.kind in (ErrorKind.VENDOR_DOWN, ErrorKind.TIMEOUT))


def _echo_key(values: Mapping[str, Any]) -> tuple[str, ...]:
    """What identifies an opt-out in an echoed result: its phones, emails, street and zip, loosely compared."""

    def text(name: str) -> str:
        value = values.get(name)
        return " ".join(str(value).lower().split()) if isinstance(value, str | int) else ""

    phones = tuple(re.sub(r"\D", "", text(n))[-10:] for n in ("phone1", "phone2"))
    return phones + (text("email1"), text("email2"), text("address1"), re.sub(r"\D", "", text("zip"))[:5])


def _match_results(records: Sequence[OptOutRecord], results: Sequence[Any]) -> list[Mapping[str, Any] | None]:
    """Each record's result: by position when there is one per record, else by its echoed contact details."""
    items = [r if isinstance(r, Mapping) else None for r in results]
    if len(items) == len(records):
        return items
    unused = list(range(len(items)))
    matched: list[Mapping[str, Any] | None] = []
    for record in records:
        key = _echo_key(record.to_json())
        found = next((i for i in unused if (item := items[i]) is not None and _echo_key(item) == key), None)
        if found is None:
            matched.append(None)
        else:
            unused.remove(found)
            matched.append(items[found])
    return matched


def _failed_ids(value: Any, n: int) -> set[int] | None:
    """``unsuccessful_ids`` as 0-based positions; None when absent or not a list of positions in this request."""
    if not isinstance(value, list):
        return None
    ids: set[int] = set()
    for item in value:
        position = _count(item)
        if position is None or not 0 <= position < n:
            return None
        ids.add(position)
    return ids


def parse_upload(
    exchange: Exchange,
    chunk: Sequence[tuple[int, OptOutRecord]],
    subject: str,
    redactor: Redactor,
    clock: Clock,
) -> tuple[CheckResult, list[RecordOutcome]]:
    """One request's result and each of its records' outcomes."""
    error = upload_error(exchange, redactor, clock)
    body = exchange.json()
    if error is None and not isinstance(body, Mapping):
        error = bad_response(LABEL, "not with the JSON object the documents describe", exchange)
    if error is None and isinstance(body, Mapping) and truthy(body.get("status")) is not True:
        error = bad_response(LABEL, "without the status the documents promise", exchange)
    if error is not None or not isinstance(body, Mapping):
        error = error or bad_response(LABEL, "not in JSON", exchange)
        return failed(VENDOR, OPERATION, subject, error, exchange), [
            RecordOutcome(i, r, None, error=error) for i, r in chunk
        ]

    n = len(chunk)
    records = [r for _, r in chunk]
    raw_results = body.get("results")
    matched = _match_results(records, raw_results) if isinstance(raw_results, list) else [None] * n
    ids = _failed_ids(body.get("unsuccessful_ids"), n)
    successful, unsuccessful = _count(body.get("successful")), _count(body.get("unsuccessful"))
    if ids is None and not isinstance(raw_results, list) and successful == n and unsuccessful in (None, 0):
        ids = set()  # the counts alone say every opt-out was stored
    counts_agree = ids is not None and (
        (successful is None or successful == n - len(ids)) and (unsuccessful is None or unsuccessful == len(ids))
    )
    unclear = CallError(
        ErrorKind.BAD_RESPONSE,
        "Consent Control answered, but did not say clearly whether this opt-out was stored.",
        http_status=exchange.status_code,
        hint="Upload it again (storing an opt-out twice is harmless); contact Consent Control support if it "
        "keeps happening.",
    )

    outcomes: list[RecordOutcome] = []
    for position, (index, record) in enumerate(chunk):
        result = matched[position]
        said = truthy(result.get("successful")) if result is not None else None
        listed = None if ids is None else position in ids
        record_id = str(result["recordID"]) if result is not None and result.get("recordID") else None
        vendor_reason = single_line(result.get("unsuccessful_reason")) if result is not None else ""
        if (said is True and listed is not True) or (said is None and listed is False and counts_agree):
            outcomes.append(RecordOutcome(index, record, Flag.GREEN, record_id=record_id))
        elif (said is False and listed is not False) or (said is None and listed is True):
            reason = redactor.text(vendor_reason) or "Consent Control rejected it without giving a reason."
            outcomes.append(RecordOutcome(index, record, Flag.RED, record_id=record_id, reason=reason))
        else:
            outcomes.append(RecordOutcome(index, record, None, record_id=record_id, error=unclear))

    stored = sum(o.flag is Flag.GREEN for o in outcomes)
    rejected = sum(o.flag is Flag.RED for o in outcomes)
    not_clear = n - stored - rejected
    details: dict[str, Any] = {
        "transaction_id": str(body.get("transaction_id") or ""),
        "records_sent": n,
        "stored": stored,
        "rejected": rejected,
        "unclear": not_clear,
        "vendor_successful": successful,
        "vendor_unsuccessful": unsuccessful,
        "unsuccessful_ids": sorted(ids) if ids is not None else None,
        "records": [
            {
                "index": o.index,
                "status": o.status,
                "flag": o.flag.value if o.flag else None,
                "record_id": o.record_id,
                "reason": o.reason,
            }
            for o in outcomes
        ],
    }
    if not_clear == n:
        error = bad_response(LABEL, "did not say which opt-outs were stored", exchange)
        check = failed(VENDOR, OPERATION, subject, error, exchange)
        check.details = details
        return check, outcomes
    flag = Flag.RED if rejected else Flag.YELLOW if not_clear else Flag.GREEN
    if flag is Flag.GREEN:
        summary = f"Consent Control stored all {n} opt-out{'s' if n != 1 else ''}."
    else:
        summary = f"Consent Control stored {stored} of {n} opt-outs"
        summary += f" and rejected {rejected}" if rejected else ""
        summary += f"; {not_clear} could not be confirmed." if not_clear else "."
    return judged(VENDOR, OPERATION, subject, flag, summary, details, exchange), outcomes
