"""Consent Control files a buyer has: opt-outs to upload (:func:`records_from_csv`) and suppression files
downloaded from Consent Control (:func:`suppression_from_file`).

Both are read the way a lead import reads a CSV (:func:`desktop_app.imports.reader.read_records`: never a named
pipe or a device, a ZIP, Excel or binary file refused, the encoding and delimiter detected, an unreadable row
reported and the rest still read). One problem per unusable row, never stopping at one. What an opt-out record
may hold is Consent Control's rule (:func:`desktop_app.vendors.consentcontrol.prepare_record`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.imports.reader import read_records
from desktop_app.vendors.consentcontrol import (
    COLUMN_ALIASES,
    CONTACT_FIELDS,
    DEFAULT_VALIDATION,
    SECOND_SLOT,
    OptOutRecord,
    checked_project_id,
    prepare_record,
    single_line,
)
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.validation import normalize_email, normalize_phone


@dataclass(frozen=True)
class RowProblem:
    """A CSV row (or suppression-file line) that could not be used. ``row`` counts the header as row 1."""

    row: int
    reason: str


def _header_key(cell: str) -> str:
    return re.sub(r"[\s\-.]+", "_", cell.strip().lstrip("\ufeff").lower()).strip("_")


def _map_columns(header: list[str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    taken: set[str] = set()
    for position, cell in enumerate(header):
        target = COLUMN_ALIASES.get(_header_key(cell))
        if target in taken and target in SECOND_SLOT:
            target = SECOND_SLOT[target]
        if target is None or target in taken:
            continue
        columns[position] = target
        taken.add(target)
    return columns


def records_from_csv(
    path_or_text: str | Path | bytes, *, project_id: str | None = None
) -> tuple[list[OptOutRecord], list[RowProblem]]:
    """Opt-out records from a CSV with a header row; every unusable row is reported and the rest still read.

    Columns use Consent Control's names (any case) or the usual aliases (first_name, phone, email, zipcode…).
    A blank ``validation`` becomes ``"1"``; a blank ``projectid`` becomes ``project_id``. Returned records are
    normalised (:func:`prepare_record`). ``path_or_text`` is a path, the file's bytes, or CSV text (a string
    with a line break). Raises InputError only when the file as a whole cannot be used.
    """
    project = checked_project_id(project_id)
    records: list[OptOutRecord] = []
    problems: list[RowProblem] = []
    columns: dict[int, str] | None = None
    for number, cells, _ in read_records(path_or_text, what="opt-out file"):
        if cells is None:
            problems.append(RowProblem(number, "The row is not valid CSV (check its quotes)."))
            continue
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            columns = _map_columns(cells)
            if not any(f in columns.values() for f in CONTACT_FIELDS):
                found = ", ".join(c.strip() for c in cells if c.strip())
                raise InputError(
                    "The first row must name the columns, including at least one phone, email or address column "
                    f"(like phone, email, address1); this file's first row is: {found}.",
                    field="file",
                )
            continue
        values = {name: cells[pos] if pos < len(cells) else "" for pos, name in columns.items()}
        if not single_line(values.get("validation")):
            values["validation"] = DEFAULT_VALIDATION
        if not single_line(values.get("projectid")):
            values["projectid"] = project
        record, reasons = prepare_record(OptOutRecord(**values))
        if reasons:
            problems.append(RowProblem(number, " ".join(reasons)))
        else:
            records.append(record)
    if columns is None:
        raise InputError("The opt-out file is empty.", field="file")
    return records, problems


@dataclass(frozen=True)
class SuppressionEntry:
    """One suppressed contact point: ``kind`` is "phone" (``value`` in E.164) or "email" (lower-cased)."""

    line: int
    kind: str
    value: str


class SuppressionEntries(list[SuppressionEntry]):
    """The usable entries of a suppression file, with ``problems`` for the lines that were skipped."""

    def __init__(self, entries: Iterable[SuppressionEntry] = (), problems: Iterable[RowProblem] = ()) -> None:
        super().__init__(entries)
        self.problems: list[RowProblem] = list(problems)

    @property
    def phones(self) -> set[str]:
        return {e.value for e in self if e.kind == "phone"}

    @property
    def emails(self) -> set[str]:
        return {e.value for e in self if e.kind == "email"}


PHONE_HEADERS = frozenset(
    {"phone", "phone1", "phone2", "phone_1", "phone_2", "phone_number", "phonenumber", "telephone", "mobile"}
    | {"mobile_phone", "cell", "cell_phone", "number", "dnc", "dnc_phone", "suppression", "wireless"}
)
EMAIL_HEADERS = frozenset(
    {"email", "email1", "email2", "email_1", "email_2", "email_address", "emailaddress", "e_mail"}
)


def _entry(line: int, cell: str, kind: str) -> SuppressionEntry:
    if kind == "email":
        return SuppressionEntry(line, "email", normalize_email(cell))
    return SuppressionEntry(line, "phone", normalize_phone(cell).e164)


def _guess_kind(cell: str) -> str | None:
    if "@" in cell:
        return "email"
    if len(re.sub(r"\D", "", cell)) >= 7:
        return "phone"
    return None


def suppression_from_file(path: str | Path) -> SuppressionEntries:
    """Phones (E.164) and emails from a Consent Control suppression file the buyer downloaded.

    The format is not published, so this accepts a CSV/TXT with phone and/or email columns (named in a header
    row) or one value per line (several values per line also work). Unusable lines are skipped and reported in
    ``.problems``; blank lines and lines starting with ``#`` are ignored.
    """
    entries: list[SuppressionEntry] = []
    problems: list[RowProblem] = []
    columns: dict[int, str] | None = None  # None until the first line is seen; {} when there is no header
    for number, cells, _ in read_records(Path(path), what="suppression file"):
        if cells is None:
            problems.append(RowProblem(number, "The line is not valid CSV (check its quotes)."))
            continue
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if columns is None:
            keys = [_header_key(c) for c in cells]
            named = {i: "phone" for i, k in enumerate(keys) if k in PHONE_HEADERS}
            named |= {i: "email" for i, k in enumerate(keys) if k in EMAIL_HEADERS}
            if named:
                columns = named
                continue
            columns = {}
            if not any(_guess_kind(c) for c in cells):
                continue  # a header naming no phone or email column; every cell is scanned instead
        if columns:
            candidates = [(cells[i], kind) for i, kind in columns.items() if i < len(cells) and cells[i]]
        else:
            candidates = [(c, kind) for c in cells if c and (kind := _guess_kind(c))]
        if not candidates:
            problems.append(RowProblem(number, "The line has no phone number or email address."))
            continue
        found: list[SuppressionEntry] = []
        unusable: list[str] = []
        for cell, kind in candidates:
            try:
                found.append(_entry(number, cell, kind))
            except InputError as exc:
                unusable.append(str(exc))
        entries += found
        # Without a header a cell is only guessed to be a phone (a date has digits too): report it only when
        # nothing on the line was usable.
        if columns or not found:
            problems += [RowProblem(number, reason) for reason in unusable]
    return SuppressionEntries(entries, problems)
