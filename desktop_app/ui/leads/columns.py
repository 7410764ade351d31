"""The lead table's columns: their numbers (``COL_*``), titles and tooltips, sort keys, item roles, the flag
filters and their labels, and how a stored phone, certificate or time is written in a cell.

:mod:`.model` serves rows in these columns (and re-exports these names, which much of the window imports from
there) and :mod:`.cells` says what each cell shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.store.lead_table import FlagFilter
from desktop_app.ui import theme
from desktop_app.vendors.registry import TAB_ORDER, VENDOR_LABELS
from desktop_app.verdict import Verdict

VENDOR_ORDER = TAB_ORDER
VENDOR_TITLES = VENDOR_LABELS

(
    COL_VERDICT,
    COL_NAME,
    COL_PHONE,
    COL_EMAIL,
    COL_SUPPLIER,
    COL_STATE,
    COL_TRUSTEDFORM,
    COL_JORNAYA,
    COL_CONTACTSTATE,
    COL_CONSENTCONTROL,
    COL_LITIGATOR,
    COL_CERT,
    COL_LEADID,
    COL_ADDED,
) = range(14)
COLUMN_COUNT = 14

FLAG_COLUMNS: dict[int, str] = {
    COL_TRUSTEDFORM: "trustedform",
    COL_JORNAYA: "jornaya",
    COL_CONTACTSTATE: "contactstate",
    COL_CONSENTCONTROL: "consentcontrol",
    COL_LITIGATOR: "litigator",
}
HEADERS: dict[int, str] = {
    COL_VERDICT: "Verdict",
    COL_NAME: "Name",
    COL_PHONE: "Phone",
    COL_EMAIL: "Email",
    COL_SUPPLIER: "Supplier",
    COL_STATE: "State",
    **{col: VENDOR_TITLES[vendor] for col, vendor in FLAG_COLUMNS.items()},
    COL_CERT: "TrustedForm certificate",
    COL_LEADID: "LeadiD token",
    COL_ADDED: "Added",
}
HEADER_TIPS: dict[int, str] = {
    COL_VERDICT: "Red, yellow or green from every vendor's latest check of this lead (sorted red first)",
    COL_NAME: "The lead's first and last name",
    COL_PHONE: "The lead's phone number",
    COL_SUPPLIER: "Who sold you the lead",
    COL_ADDED: "When the lead was added to Leadcheck",
    **{col: f"The latest {VENDOR_TITLES[v]} flag for this lead (sorted red first)" for col, v in FLAG_COLUMNS.items()},
}

# Sort key (lead_table.SORTS) of each sortable column.
SORT_KEYS: dict[int, str] = {
    COL_VERDICT: "verdict",
    COL_NAME: "name",
    COL_PHONE: "phone",
    COL_EMAIL: "email",
    COL_SUPPLIER: "supplier",
    COL_STATE: "state",
    COL_CERT: "cert_url",
    COL_LEADID: "leadid",
    COL_ADDED: "added",
    **{col: f"flag:{v}" for col, v in FLAG_COLUMNS.items()},
}

LEAD_ID_ROLE = Qt.ItemDataRole.UserRole + 1
FLAG_ROLE = Qt.ItemDataRole.UserRole + 2  # the stored flag value ("red"...) of a flag column, or None


def filter_label(flag_filter: FlagFilter | None) -> str:
    if flag_filter is None:
        return "All leads"
    if flag_filter.vendor is None:
        return f"{Verdict(flag_filter.flag).word} leads"
    word = "Not checked yet" if flag_filter.flag == "unchecked" else theme.flag_word(flag_filter.flag)
    return f"{VENDOR_TITLES[flag_filter.vendor]}: {word}"


FLAG_FILTERS: tuple[FlagFilter | None, ...] = (
    None,
    *(FlagFilter(v.value) for v in Verdict),
    *(FlagFilter(flag, vendor) for vendor in VENDOR_ORDER for flag in ("red", "yellow", "green")),
)


def display_phone(value: str | None) -> str:
    """A stored phone in US layout ("(202) 555-1212"), or as stored when it is not a US number."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return value
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def certificate_id(url: str) -> str:
    """A certificate URL's last part (``https://cert.trustedform.com/0a1b…`` -> ``0a1b…``): what tells two apart."""
    return url.rstrip("/").rsplit("/", 1)[-1] if "://" in url else url


def short_time(iso: str | None) -> str:
    """``2025-03-01T14:05:09.123Z`` -> ``2025-03-01 14:05 UTC``."""
    if not iso:
        return ""
    text = iso.replace("T", " ")
    return (text[:16] + " UTC") if iso.endswith("Z") or "+00:00" in iso else text[:16]


def flag_filter_labels() -> list[str]:
    return [filter_label(f) for f in FLAG_FILTERS]
