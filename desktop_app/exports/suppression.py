"""Suppression lists (the phones and emails not to contact) and Consent Control suppression files read into them.

**Suppression lists** (:func:`write_suppression`): the phones and/or emails not to contact, from the chosen
sources (:data:`SOURCES`: ``litigator`` hits, ``optout`` uploads, ``imported`` suppression files, any other
stored reason, and colours — ``red`` means the lead's verdict is red (:mod:`desktop_app.verdict`),
``trustedform:red`` only that vendor's latest flag). Formats: ``phone10`` (10 digits), ``e164``
(``+12025551212``), ``email`` (lower-cased), ``md5`` /
``sha256`` (hex digest of the normalised value: E.164 for phones, as Google Customer Match expects; the
lower-cased address for emails). Optional ``reason`` and ``date`` columns; a colour's reason names the vendor
and its answer (``TrustedForm: The email does not match the certificate.``), not the bare colour. UTF-8
without a BOM (machines
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.exports.cells import E164_SAFE, export_writer, log_export, neutralise
from desktop_app.store import reports
from desktop_app.store.db import Store
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.registry import LEAD_VENDORS
from desktop_app.vendors.results import Flag

FORMATS = ("phone10", "e164", "email", "md5", "sha256")
SOURCES = ("litigator", "optout", "imported")
FLAG_WORDS = tuple(f.value for f in Flag)
DEFAULT_INCLUDE = ("litigator", "optout", "imported")


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


def collect_suppression(
    store: Store, include: Sequence[str], *, skip_reviewed: bool = False
) -> dict[tuple[str, str], _Suppressed]:
    """(kind, value) -> reasons and earliest date, from the suppression table and the chosen flag colours.

    A lead marked reviewed (a false positive, a known customer) stays in unless ``skip_reviewed``: then its colour
    is not counted and a litigator entry for its phone is left out (opt-outs and imported entries never are)."""
    conn = store.connection
    reviewed = reports.reviewed_phones(conn) if skip_reviewed else set()
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
        if reason == "litigator" and kind == "phone" and value in reviewed:
            continue
        add(kind, value, reason, added)
    for name in include:
        selector = _flag_selector(name)
        if selector is None:
            continue
        vendor, colour = selector
        label = f"{vendor} {colour}" if vendor else colour
        for phone, email, checked, causes in reports.leads_coloured(conn, colour, vendor, skip_reviewed=skip_reviewed):
            for cause in causes or [label]:  # the vendors' own words; the bare colour only if none is stored
                add("phone", phone if isinstance(phone, str) and E164_SAFE.match(phone) else None, cause, checked)
                add("email", email, cause, checked)
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
    skip_reviewed: bool = False,
) -> int:
    """Write a suppression list; returns the number of values written. Leads marked reviewed are kept unless
    ``skip_reviewed`` (see :func:`collect_suppression`)."""
    if fmt not in FORMATS:
        raise InputError(f"“{fmt}” is not an export format; use one of {', '.join(FORMATS)}.", field="format")
    found = collect_suppression(store, include, skip_reviewed=skip_reviewed)
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
    with export_writer(Path(path), bom=False) as handle:
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
    log_export(store, path, "suppression", detail)
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
