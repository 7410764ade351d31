"""Cleaning a lead's cells: one rule per field, and the whole-column fast paths that give the same answers.

Phones are stored in E.164 (``+12025551212``); emails trimmed and lower-cased; TrustedForm certificate URLs
completed and checked; LeadiD tokens upper-cased and checked; Contact State certificate URLs checked; names,
city, address and supplier made single-line; state upper-cased; cost read as a number (``$1,250.00`` becomes
``1250.00``). Each rule is a :data:`CLEANERS` entry that returns the value or raises :class:`InputError`.

Speed (a million rows): :func:`clean_column` cleans a batch of rows one column at a time, the usual cells in one
C-level pass per column (:data:`BATCH_CLEANERS`, built from the same rules: the phone layout is
:data:`desktop_app.vendors.validation.PHONE_LAYOUT`) and the others through the field's cleaner.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import compress
from typing import Any

from desktop_app.imports.reader import MAX_CELL_CHARS
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.validation import (
    EMAIL,
    LEADID_TOKEN,
    PHONE_LAYOUT,
    contactstate_url,
    leadid_token,
    normalize_email,
    normalize_phone,
    trustedform_cert_url,
)

MAX_TEXT_CHARS = 500

_TF_URL = re.compile(r"https://cert\.trustedform\.com/(?:[-_a-zA-Z0-9]{40}|[-_a-zA-Z0-9]{80})")
_COST = re.compile(r"^-?\d+(?:\.\d+)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean_phone(value: str) -> str:
    """E.164 for a stripped phone cell, or InputError saying why not (:func:`normalize_phone`, the one rule)."""
    return normalize_phone(value).e164


def clean_email(value: str) -> str:
    lower = value.lower()
    if len(lower) <= 254 and EMAIL.match(lower):
        return lower
    return normalize_email(value)


def clean_cert_url(value: str) -> str:
    return value if _TF_URL.fullmatch(value) else trustedform_cert_url(value)


def clean_leadid(value: str) -> str:
    return value.upper() if LEADID_TOKEN.match(value) else leadid_token(value)


def clean_cs_cert_url(value: str) -> str:
    return contactstate_url(value, kind="cert")


def clean_text(value: str) -> str:
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(f"{len(value):,} characters is too long for this field (at most {MAX_TEXT_CHARS}).")
    if value.isprintable():  # no control characters (the usual case, without a regex)
        return value
    return _CONTROL.sub(" ", value).strip() if _CONTROL.search(value) else value


def clean_state(value: str) -> str:
    text = clean_text(value)
    return text.upper() if len(text) == 2 else text


def clean_cost(value: str) -> str:
    text = value.replace("$", "").replace(",", "").replace(" ", "")
    if not _COST.match(text):
        raise InputError(f"“{value[:40]}” is not an amount.")
    return text


_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def clean_lead_date(value: str) -> str:
    """A lead's purchase or submission date as ISO UTC (``2026-03-01T14:05:00.000Z``): ISO 8601 (``2026-03-01``,
    ``2026-03-01T14:05:00Z``, with an offset, which is converted) or ``MM/DD/YYYY [HH:MM[:SS]]``. A time without
    a zone is taken as UTC; a date alone as its midnight UTC."""
    text = value.strip()
    moment: datetime | None = None
    if match := _US_DATE.match(text):
        month, day, year, hour, minute, second = match.groups()
        try:
            moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        except ValueError:
            moment = None
    else:
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in ("z", "Z") else text)
        except ValueError:
            moment = None
    if moment is not None and moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            moment = None
    if moment is None or not 1900 <= moment.year <= 9999:
        raise InputError(f"“{value[:40]}” is not a date (use YYYY-MM-DD, MM/DD/YYYY or an ISO date and time).")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


CLEANERS: dict[str, Callable[[str], str]] = {
    "phone": clean_phone,
    "email": clean_email,
    "cert_url": clean_cert_url,
    "leadid": clean_leadid,
    "cs_cert_url": clean_cs_cert_url,
    "first_name": clean_text,
    "last_name": clean_text,
    "address": clean_text,
    "city": clean_text,
    "state": clean_state,
    "zip": clean_text,
    "supplier": clean_text,
    "cost": clean_cost,
    "purchased_at": clean_lead_date,
}


def _batch_phones(column: list[str]) -> tuple[list[Any], list[Any]]:
    usual = list(map(PHONE_LAYOUT.fullmatch, column))
    return ["+1" + "".join(match.groups()) if match else None for match in usual], usual


def _batch_emails(column: list[str]) -> tuple[list[Any], list[Any]]:
    lower = list(map(str.lower, column))
    if max(map(len, lower)) > 254:
        return lower, [None] * len(lower)
    return lower, list(map(EMAIL.match, lower))


def _batch_cert_urls(column: list[str]) -> tuple[list[Any], list[Any]]:
    return column, list(map(_TF_URL.fullmatch, column))


def _batch_leadids(column: list[str]) -> tuple[list[Any], list[Any]]:
    return list(map(str.upper, column)), list(map(LEADID_TOKEN.match, column))


def _batch_texts(column: list[str]) -> tuple[list[Any], list[Any]]:
    return column, list(map(str.isprintable, column))


def _batch_states(column: list[str]) -> tuple[list[Any], list[Any]]:
    return [value.upper() if len(value) == 2 else value for value in column], list(map(str.isprintable, column))


# Whole-column cleaning of a batch of stripped cells no longer than MAX_TEXT_CHARS, with C-level ``map`` calls
# instead of a Python call per cell: (values, ok). Where ``ok`` is true the value is exactly what the field's
# cleaner (or the plain-text rule) gives for that cell; the other non-blank cells go through the cleaner.
BATCH_CLEANERS: dict[str, Callable[[list[str]], tuple[list[Any], list[Any]]]] = {
    "phone": _batch_phones,
    "email": _batch_emails,
    "cert_url": _batch_cert_urls,
    "leadid": _batch_leadids,
    "first_name": _batch_texts,
    "last_name": _batch_texts,
    "address": _batch_texts,
    "city": _batch_texts,
    "state": _batch_states,
    "zip": _batch_texts,
    "supplier": _batch_texts,
}

# Text fields the reader only makes single-line (inline: clean_text costs a call per cell).
PLAIN_FIELDS = frozenset({"first_name", "last_name", "address", "city", "zip", "supplier"})


def clean_column(
    cells: Sequence[str], name: str, cleaner: Callable[[str], str] | None, problems: dict[int, list[tuple[str, str]]]
) -> list[Any]:
    """One mapped column of a batch: its cleaned values (None where blank or unusable); problems by row index.

    The field's :data:`BATCH_CLEANERS` entry cleans the usual cells in one pass over the column; the rest (and
    every cell of a column with an over-long cell) go cell by cell through the field's cleaner, which gives the
    same value or says why not."""
    column = list(map(str.strip, cells))
    rest: Iterable[int]  # the cells to clean one by one
    batch_cleaner = BATCH_CLEANERS.get(name)
    if batch_cleaner is not None and max(map(len, column)) <= MAX_TEXT_CHARS:
        values, ok = batch_cleaner(column)
        if "" in values:
            values = [value or None for value in values]  # a blank cell
        rest = [] if all(ok) else [k for k in compress(range(len(ok)), map(operator.not_, ok)) if column[k]]
    else:
        values = [None] * len(column)
        rest = range(len(column))
    for k in rest:
        cell = column[k]
        values[k] = None
        if not cell:
            continue
        if len(cell) > MAX_TEXT_CHARS:
            if len(cell) > MAX_CELL_CHARS:
                why = f"The {name} cell is {len(cell):,} characters long; not used."
                problems.setdefault(k, []).append((name, why))
                continue
            if cleaner is None:
                problems.setdefault(k, []).append((name, f"{name}: {len(cell):,} characters is too long; not used."))
                continue
        if cleaner is None:
            values[k] = cell if cell.isprintable() else _CONTROL.sub(" ", cell).strip()
            continue
        try:
            values[k] = cleaner(cell)
        except InputError as exc:
            problems.setdefault(k, []).append((name, f"{name}: {exc}"))
    return values


def extra_values(
    extras: Sequence[tuple[int, str]], columns: Sequence[Sequence[str]], problems: dict[int, list[tuple[str, str]]]
) -> list[dict[str, str] | None]:
    """The extra fields of each row of a batch (None for a row without any); over-long cells are problems."""
    values: list[dict[str, str] | None] = [None] * len(columns[0])
    for (_, name), cells in zip(extras, columns, strict=True):
        for k, raw_cell in enumerate(cells):
            if not (cell := raw_cell.strip()):
                continue
            if len(cell) > MAX_CELL_CHARS:
                why = f"The “{name}” cell is {len(cell):,} characters long; it was not kept."
                problems.setdefault(k, []).append((name, why))
                continue
            extra = values[k]
            if extra is None:
                extra = values[k] = {}
            extra[name] = cell
    return values
