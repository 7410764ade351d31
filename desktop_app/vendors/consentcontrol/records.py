"""Opt-out records: what one holds, the local checks before it may be sent, and what became of each one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_app.vendors.consentcontrol.terms import (
    CONTACT_FIELDS,
    DEFAULT_VALIDATION,
    FIELD_LABELS,
    FIELDS,
    MAX_SIZES,
    US_STATES,
    ZIP,
)
from desktop_app.vendors.errors import CallError, ErrorKind, InputError
from desktop_app.vendors.results import CheckResult, Flag
from desktop_app.vendors.validation import Phone, normalize_email, normalize_phone


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
        if total == 1:
            parts = ["The opt-out was stored" if counts["stored"] else "The opt-out was not stored"]
        else:
            parts = [f"{counts['stored']} of {total} opt-outs stored"]
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
