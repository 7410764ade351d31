"""Exports a buyer hands to a dialer or an ad platform: checked leads with every vendor's answer, and
suppression lists; plus importing Consent Control suppression files into the local suppression list.

**Results CSV** (:func:`write_results_csv`): one row per lead — its fields (phone as 10 digits), where it came
from, its ``verdict`` (red, yellow, green or unchecked: :mod:`desktop_app.verdict`), then for each
vendor ``<vendor>_flag`` (Green / Yellow / Red, ``Error`` for a failed call, empty when not checked),
``<vendor>_reason`` (the answer's summary, or the error and its hint) and ``<vendor>_date`` (when the answer
was received, UTC). For a batch, the answers are the batch's (cached pairs show the stored answer they
reused); otherwise each lead's latest answer per vendor made with the lead's own data. Written as UTF-8 with a
BOM so Excel reads accents. The last line names the evidence log's head hash at the time of the export (an outside
anchor for every check before it: :mod:`desktop_app.store.evidence`). Every export is itself logged there, with the
file's SHA-256. A suppression list has no such line, since diallers read every line as a value; its export is
logged the same way and the command or window says the head hash.

**Suppression lists** (:func:`write_suppression`): the phones and/or emails not to contact, from the chosen
sources (:data:`SOURCES`: ``litigator`` hits, ``optout`` uploads, ``imported`` suppression files, any other
stored reason, and colours — ``red`` means the lead's verdict is red (:mod:`desktop_app.verdict`),
``trustedform:red`` only that vendor's latest flag). Formats: ``phone10`` (10 digits), ``e164``
(``+12025551212``), ``email`` (lower-cased), ``md5`` /
``sha256`` (hex digest of the normalised value: E.164 for phones, as Google Customer Match expects; the
lower-cased address for emails). Optional ``reason`` and ``date`` columns. UTF-8 without a BOM (machines
read these). One row per value, sorted.

**Formula injection.** Every cell that begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
written with a leading single quote (``'=HYPERLINK(…)``) so a spreadsheet shows it as text instead of running
it (:func:`neutralise`). The one exception is the ``e164`` column of a suppression list: a value matching
``^\\+\\d{11}$`` — a plus and eleven digits, exactly what Leadcheck's phone normaliser produces — is written
as is. It cannot hold a formula (no letters, no parentheses, no operators after the sign), and the systems
that take E.164 lists need the ``+`` as the first character; a quote would break every row for them. Anything
else in that column (nothing, in practice) is neutralised like any other cell. Numbers like a negative cost
(``-5``) are neutralised too; that is the price of a rule with no exceptions for free text.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from desktop_app.paths import atomic_writer
from desktop_app.store import reports
from desktop_app.store.db import Store
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.registry import LEAD_VENDORS
from desktop_app.vendors.results import Flag, utcnow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
E164_SAFE = re.compile(r"^\+\d{11}$")
FORMATS = ("phone10", "e164", "email", "md5", "sha256")
SOURCES = ("litigator", "optout", "imported")
FLAG_WORDS = tuple(f.value for f in Flag)
DEFAULT_INCLUDE = ("litigator", "optout", "imported")


def neutralise(value: object) -> str:
    """The cell as text, with a leading ``'`` when it begins like a spreadsheet formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _atomic_writer(path: Path, *, bom: bool) -> AbstractContextManager[IO[str]]:
    """The export written whole or not at all (:func:`desktop_app.paths.atomic_writer`), UTF-8 with or without BOM."""
    return atomic_writer(path, encoding="utf-8-sig" if bom else "utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class _Answer:
    flag: str
    reason: str
    date: str


def _answer(flag: str | None, summary: str | None, finished_at: str | None, error: str | None) -> _Answer:
    if error:
        data = json.loads(error)
        hint = data.get("hint") or ""
        return _Answer("Error", f"{data.get('message', '')}" + (f" — {hint}" if hint else ""), finished_at or "")
    word = Flag(flag).word if flag else ("Done" if summary else "")
    return _Answer(word, summary or "", finished_at or "")


def write_results_csv(
    store: Store,
    path: str | Path,
    *,
    batch_id: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write the checked leads (of one batch, or every lead with an answer) with each vendor's answer.
    Returns the number of lead rows."""
    conn = store.connection
    answers: dict[int, dict[str, _Answer]] = {}
    if batch_id is not None:
        batch_vendors = reports.batch_vendors(conn, batch_id)
        if batch_vendors is None:
            raise InputError(f"There is no batch {batch_id}.", field="batch")
        vendors = batch_vendors
        for lead_id, vendor, state, note, flag, summary, finished, error in reports.batch_answers(conn, batch_id):
            entry = answers.setdefault(int(lead_id), {})
            if state in ("pending", "in_flight"):
                entry[vendor] = _Answer("", "not checked yet", "")
            elif summary is None and state == "failed":
                entry[vendor] = _Answer("Error", note or "", "")
            else:
                entry[vendor] = _answer(flag, summary, finished, error)
    else:
        seen: set[str] = set()
        for lead_id, vendor, flag, summary, finished, error in reports.latest_answers(conn):
            answers.setdefault(int(lead_id), {})[vendor] = _answer(flag, summary, finished, error)
            seen.add(vendor)
        vendors = [v for v in LEAD_VENDORS if v in seen] + sorted(seen - set(LEAD_VENDORS))
    lead_columns = (*LEAD_FIELDS, "source_file", "source_row", "verdict")
    header = ["lead_id", *lead_columns]
    for vendor in vendors:
        header += [f"{vendor}_flag", f"{vendor}_reason", f"{vendor}_date"]
    lead_ids = list(answers)
    written = 0
    phone_at = 1 + LEAD_FIELDS.index("phone")
    with _atomic_writer(Path(path), bom=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for leads in reports.leads_by_id(conn, lead_ids, lead_columns):
            for lead_id, lead in leads.items():
                cells: list[Any] = list(lead)
                phone = cells[phone_at]
                if isinstance(phone, str) and E164_SAFE.match(phone):
                    cells[phone_at] = phone[2:]
                for vendor in vendors:
                    answer = answers[lead_id].get(vendor) or _Answer("", "", "")
                    cells += [answer.flag, answer.reason, answer.date]
                writer.writerow([neutralise(c) for c in cells])
                written += 1
            if on_progress is not None:
                on_progress(written)
        head = store.evidence_head()
        writer.writerow([neutralise(f"# {head.line()} (written {utcnow()})")])
    _log_export(store, path, "results", {"rows": written, "batch_id": batch_id})
    return written


def _log_export(store: Store, path: str | Path, what: str, detail: dict[str, Any]) -> None:
    """Record an export in the evidence log: what, where, how many rows, and the file's SHA-256."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    store.log_event("export", {"what": what, "path": str(Path(path).resolve()), "sha256": digest, **detail})


# ---------------------------------------------------------------------------------------------------------------
# Suppression lists


@dataclass
class _Suppressed:
    reasons: set[str] = field(default_factory=set)
    date: str = ""


def _flag_selector(name: str) -> tuple[str | None, str] | None:
    """``red`` -> (None, "red"); ``trustedform:red`` or ``red:trustedform`` -> ("trustedform", "red")."""
    parts = name.split(":")
    if len(parts) == 1:
        return (None, parts[0]) if parts[0] in FLAG_WORDS else None
    if len(parts) == 2:
        a, b = parts
        if b in FLAG_WORDS and a in LEAD_VENDORS:
            return a, b
        if a in FLAG_WORDS and b in LEAD_VENDORS:
            return b, a
    return None


def parse_include(text: str | Sequence[str]) -> list[str]:
    names = [n.strip().lower() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    if not names:
        raise InputError("Choose at least one source to include (litigator, optout, imported, red, ...).", "include")
    return names


def collect_suppression(store: Store, include: Sequence[str]) -> dict[tuple[str, str], _Suppressed]:
    """(kind, value) -> reasons and earliest date, from the suppression table and the chosen flag colours."""
    conn = store.connection
    found: dict[tuple[str, str], _Suppressed] = {}

    def add(kind: str, value: str | None, reason: str, date: str | None) -> None:
        if not value:
            return
        entry = found.setdefault((kind, value), _Suppressed())
        entry.reasons.add(reason)
        if date and (not entry.date or date < entry.date):
            entry.date = date

    reasons = [n for n in include if _flag_selector(n) is None]
    for kind, value, reason, added in reports.suppression_with_reasons(conn, reasons):
        add(kind, value, reason, added)
    for name in include:
        selector = _flag_selector(name)
        if selector is None:
            continue
        vendor, colour = selector
        label = f"{vendor} {colour}" if vendor else colour
        for phone, email, checked in reports.leads_coloured(conn, colour, vendor):
            add("phone", phone if isinstance(phone, str) and E164_SAFE.match(phone) else None, label, checked)
            add("email", email, label, checked)
    return found


def _value(fmt: str, kind: str, value: str) -> str | None:
    if fmt == "phone10":
        return value[2:] if kind == "phone" else None
    if fmt == "e164":
        return value if kind == "phone" else None
    if fmt == "email":
        return value if kind == "email" else None
    digest = hashlib.md5 if fmt == "md5" else hashlib.sha256
    return digest(value.encode("utf-8")).hexdigest()


def write_suppression(
    store: Store,
    path: str | Path,
    *,
    fmt: str = "phone10",
    include: Sequence[str] = DEFAULT_INCLUDE,
    reason: bool = False,
    date: bool = False,
    kinds: Sequence[str] = ("phone", "email"),
) -> int:
    """Write a suppression list; returns the number of values written."""
    if fmt not in FORMATS:
        raise InputError(f"“{fmt}” is not an export format; use one of {', '.join(FORMATS)}.", field="format")
    found = collect_suppression(store, include)
    rows: dict[str, _Suppressed] = {}
    for (kind, value), entry in found.items():
        if kind not in kinds:
            continue
        cell = _value(fmt, kind, value)
        if cell is None:
            continue
        merged = rows.setdefault(cell, _Suppressed())
        merged.reasons |= entry.reasons
        if entry.date and (not merged.date or entry.date < merged.date):
            merged.date = entry.date
    header = [fmt] + (["reason"] if reason else []) + (["date"] if date else [])
    with _atomic_writer(Path(path), bom=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for cell in sorted(rows):
            entry = rows[cell]
            first = cell if fmt == "e164" and E164_SAFE.match(cell) else neutralise(cell)
            line = [first]
            if reason:
                line.append(neutralise("; ".join(sorted(entry.reasons))))
            if date:
                line.append(neutralise(entry.date))
            writer.writerow(line)
    detail = {"rows": len(rows), "format": fmt, "include": list(include), "kinds": list(kinds)}
    _log_export(store, path, "suppression", detail)
    return len(rows)


@dataclass(frozen=True)
class SuppressionImport:
    """How a suppression file import ended: values read, how many were new, lines that could not be used."""

    read: int
    added: int
    problems: list[Any]


def import_suppression_file(store: Store, path: str | Path) -> SuppressionImport:
    """Add a Consent Control suppression file's phones and emails to the local list (reason ``imported``)."""
    from desktop_app.imports.optouts import suppression_from_file

    entries = suppression_from_file(path)
    source = f"Consent Control suppression file {Path(path).name}"
    rows: Iterable[tuple[str, str, str, str]] = [(e.kind, e.value, "imported", source) for e in entries]
    added = store.add_suppression(rows)
    return SuppressionImport(len(entries), added, list(entries.problems))
