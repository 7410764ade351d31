"""Which CSV column holds which lead field: recognise the usual names, guess from values, let the buyer change it.

Header names are compared case-, space-, dash-, dot- and underscore-insensitively (``Phone Number``,
``phone_number`` and ``PHONE-NUMBER`` are the same). A column whose name is not recognised (or a file without
a header) is judged by its values: most sample values a phone number, an email address, a TrustedForm or
Contact State certificate URL, or a LeadiD token. Other named columns are kept with the lead as extra fields
(the first :data:`MAX_EXTRA_COLUMNS`; beyond that they are ignored and the import says how many).

A mapping is a :class:`ColumnMapping`: one :class:`ColumnChoice` per column, each with a target field, one of
:data:`TARGETS` (the lead fields, ``extra`` or ``ignore``). The window shows :attr:`ColumnMapping.columns`
and calls :meth:`ColumnMapping.with_field` when the buyer picks another target; the CLI applies
``--map COLUMN=FIELD`` through :meth:`ColumnMapping.apply`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from desktop_app.imports.reader import ImportRefused
from desktop_app.store.fields import IMPORT_FIELDS
from desktop_app.vendors.validation import EMAIL, LEADID_TOKEN

IDENTITY_FIELDS = ("phone", "email", "cert_url", "leadid", "cs_cert_url")
TARGETS = (*IMPORT_FIELDS, "extra", "ignore")
MAX_EXTRA_COLUMNS = 50

FIELD_LABELS = {
    "phone": "Phone",
    "email": "Email",
    "cert_url": "TrustedForm certificate URL",
    "leadid": "Jornaya LeadiD token",
    "cs_cert_url": "Contact State certificate URL",
    "first_name": "First name",
    "last_name": "Last name",
    "address": "Street address",
    "city": "City",
    "state": "State",
    "zip": "ZIP code",
    "supplier": "Supplier",
    "cost": "Cost",
    "purchased_at": "Lead date (when it was bought)",
    "extra": "Keep as an extra field",
    "ignore": "Ignore",
}

_NAMES: dict[str, tuple[str, ...]] = {
    "phone": (
        "phone",
        "phone_number",
        "phone1",
        "phone_1",
        "mobile",
        "cell",
        "mobile_phone",
        "cell_phone",
        "telephone",
        "tel",
        "primary_phone",
        "home_phone",
        "phonenumber",
        "contact_phone",
        "caller_id",
    ),
    "email": ("email", "email_address", "e-mail", "email1", "emailaddress", "e_mail", "mail"),
    "cert_url": (
        "cert_url",
        "xxTrustedFormCertUrl",
        "trustedform_cert_url",
        "trustedform",
        "trustedform_url",
        "tf_cert_url",
        "trusted_form",
        "trustedform_certificate",
        "xxTrustedFormToken",
        "certificate_url",
    ),
    "leadid": (
        "leadid",
        "universal_leadid",
        "leadid_token",
        "lead_id_token",
        "jornaya",
        "jornaya_leadid",
        "jornaya_token",
        "universalleadid",
        "leadid_code",
    ),
    "cs_cert_url": (
        "cs_cert_url",
        "contactstate_cert_url",
        "contact_state_cert_url",
        "contactstate",
        "contact_state",
        "contactstate_url",
        "contact_state_url",
        "contactstate_certificate",
        "contact_state_certificate",
        "cs_certificate",
        "cs_url",
    ),
    "first_name": ("first_name", "fname", "first", "firstname", "given_name"),
    "last_name": ("last_name", "lname", "last", "lastname", "surname", "family_name"),
    "address": ("address", "address1", "street", "street_address", "address_1", "addr"),
    "city": ("city", "town"),
    "state": ("state", "st", "province", "region"),
    "zip": ("zip", "zipcode", "zip_code", "postal_code", "postcode", "zip5"),
    "supplier": ("supplier", "source", "vendor", "lead_source", "publisher", "affiliate", "seller"),
    "cost": ("cost", "price", "lead_cost", "lead_price", "cpl", "payout"),
    "purchased_at": (
        "purchased_at",
        "lead_date",
        "date",
        "lead date",
        "created",
        "created_at",
        "timestamp",
        "submitted",
        "submitted_at",
        "date_added",
        "purchase_date",
        "purchased",
    ),
}


def header_key(name: str) -> str:
    """``Phone Number`` -> ``phonenumber``: the form header names are compared in."""
    return re.sub(r"[\s_\-.]+", "", name.strip().lstrip("\ufeff").lower())


ALIASES: dict[str, str] = {header_key(alias): target for target, names in _NAMES.items() for alias in names}

_PHONE_LIKE = re.compile(r"^\s*(?:\+?1[\s.\-]?)?\(?[2-9]\d{2}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}\s*$")


def value_kind(value: str) -> str | None:
    """The identity field a single value looks like (phone, email, cert_url, cs_cert_url, leadid), if any."""
    text = value.strip()
    if not text or len(text) > 2000:
        return None
    lower = text.lower()
    if "trustedform.com/" in lower:
        return "cert_url"
    if "contactstate.com/" in lower:
        return "cs_cert_url"
    if "@" in text and EMAIL.match(lower):
        return "email"
    if LEADID_TOKEN.match(text):
        return "leadid"
    if _PHONE_LIKE.match(text):
        return "phone"
    return None


def _column_kind(values: Iterable[str]) -> str | None:
    seen = [v for v in values if v.strip()]
    if not seen:
        return None
    kinds: dict[str, int] = {}
    for value in seen:
        kind = value_kind(value)
        if kind:
            kinds[kind] = kinds.get(kind, 0) + 1
    if not kinds:
        return None
    kind, n = max(kinds.items(), key=lambda kv: kv[1])
    return kind if n / len(seen) >= 0.6 else None


def looks_like_header(first: Sequence[str], following: Sequence[Sequence[str]]) -> bool:
    """Whether ``first`` names the columns: known names and no data-looking values, or values below it only."""
    if any(value_kind(c) for c in first):
        return False
    if any(header_key(c) in ALIASES for c in first):
        return True
    for row in following:
        if any(value_kind(c) for c in row):
            return True  # data below, none in the first row: the first row is names
    import csv

    sample = "\n".join(",".join(f'"{c}"' for c in row) for row in [first, *following])
    try:
        return csv.Sniffer().has_header(sample)
    except csv.Error:
        return False


@dataclass(frozen=True)
class ColumnChoice:
    """One column and what it is imported as. ``source``: header, content (from its values), default or buyer."""

    index: int
    name: str
    field: str
    source: str
    samples: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass(frozen=True)
class ColumnMapping:
    """Column -> target field for one file; immutable (``with_field`` and ``apply`` return a new mapping)."""

    columns: tuple[ColumnChoice, ...]
    has_header: bool = True

    def field_of(self, index: int) -> str:
        return self.columns[index].field if index < len(self.columns) else "ignore"

    def mapped(self) -> list[tuple[int, str]]:
        """(column index, lead field) for every column imported as a lead field (the lead date included)."""
        return [(c.index, c.field) for c in self.columns if c.field in IMPORT_FIELDS]

    def extras(self) -> list[tuple[int, str]]:
        """(column index, extra-field name) for columns kept as extra fields."""
        return [(c.index, c.name) for c in self.columns if c.field == "extra"]

    @property
    def ignored(self) -> int:
        return sum(1 for c in self.columns if c.field == "ignore")

    def find(self, column: str) -> int:
        """The index of ``column``: a header name (compared like aliases) or a 1-based column number."""
        text = column.strip()
        key = header_key(text)
        for choice in self.columns:
            if header_key(choice.name) == key:
                return choice.index
        if text.isdigit() and 1 <= int(text) <= len(self.columns):
            return int(text) - 1
        names = ", ".join(c.name for c in self.columns[:20])
        raise ImportRefused(f"There is no column “{column}” in the file (columns: {names}).")

    def with_field(self, index: int, target: str) -> ColumnMapping:
        """The buyer's choice for one column. A lead field already taken by another column moves here
        (the other column becomes an extra field), so no field is ever read from two columns."""
        target = resolve_target(target)
        columns = list(self.columns)
        if target in IMPORT_FIELDS:
            for i, choice in enumerate(columns):
                if choice.field == target and i != index:
                    columns[i] = replace(choice, field="extra", source="buyer")
        columns[index] = replace(columns[index], field=target, source="buyer")
        return replace(self, columns=tuple(columns))

    def apply(self, overrides: Iterable[tuple[str, str]]) -> ColumnMapping:
        """``--map COLUMN=FIELD`` pairs applied in order."""
        mapping = self
        for column, target in overrides:
            mapping = mapping.with_field(mapping.find(column), target)
        return mapping

    def check(self) -> None:
        """Raise :class:`ImportRefused` unless at least one column gives a phone, email, certificate or token."""
        if not any(f in IDENTITY_FIELDS for _, f in self.mapped()):
            raise ImportRefused(
                "No column is mapped to a phone, email, TrustedForm or Contact State certificate URL, or LeadiD "
                'token, so there is nothing to check. Map one (for example --map "Tel=phone").'
            )

    def as_dict(self) -> dict[str, str]:
        """Column name -> target, for the import record and for showing."""
        return {c.name: c.field for c in self.columns}


def resolve_target(target: str) -> str:
    """A target field from what a buyer typed: a field name, a known column alias, ``extra`` or ``ignore``."""
    key = header_key(target)
    for name in TARGETS:
        if header_key(name) == key:
            return name
    if key in ALIASES:
        return ALIASES[key]
    raise ImportRefused(f"“{target}” is not a lead field; use one of: {', '.join(TARGETS)}.")


def propose_mapping(
    header: Sequence[str], sample: Sequence[Sequence[str]], *, has_header: bool = True
) -> ColumnMapping:
    """The mapping Leadcheck proposes for a file: recognised names first, then values, then extra/ignore."""
    width = max([len(header), *(len(r) for r in sample)]) if (header or sample) else 0
    names = [
        (header[i].strip() if has_header and i < len(header) and header[i].strip() else f"Column {i + 1}")
        for i in range(width)
    ]
    fields: list[str | None] = [None] * width
    sources = ["default"] * width
    taken: set[str] = set()
    if has_header:
        for i in range(min(width, len(header))):
            target = ALIASES.get(header_key(header[i]))
            if target and target not in taken:
                fields[i], sources[i] = target, "header"
                taken.add(target)
    # Judge unrecognised columns by their values (at most a few hundred columns: a 100,000-column file
    # is not worth sampling cell by cell).
    for i in range(min(width, 500)):
        if fields[i] is None:
            kind = _column_kind(row[i] for row in sample if i < len(row))
            if kind and kind not in taken:
                fields[i], sources[i] = kind, "content"
                taken.add(kind)
    extras = 0
    columns = []
    for i in range(width):
        target = fields[i]
        if target is None:
            if extras < MAX_EXTRA_COLUMNS and (has_header or any(i < len(r) and r[i].strip() for r in sample)):
                target = "extra"
                extras += 1
            else:
                target = "ignore"
        samples = tuple(row[i][:80] for row in sample[:5] if i < len(row))
        columns.append(ColumnChoice(i, names[i], target, sources[i], samples))
    return ColumnMapping(tuple(columns), has_header)


def mapping_from_dict(base: ColumnMapping, chosen: Mapping[str, str]) -> ColumnMapping:
    """Rebuild a mapping from :meth:`ColumnMapping.as_dict` output (e.g. one saved with an import)."""
    mapping = base
    for column, target in chosen.items():
        mapping = mapping.with_field(mapping.find(column), target)
    return mapping
