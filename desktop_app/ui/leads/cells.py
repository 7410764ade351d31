"""What a cell of the lead table shows for each item role: :func:`cell_data` over one stored row.

A row is a tuple in :data:`desktop_app.store.lead_table.ROW_COLUMNS` order (:data:`ROW_ID` and :data:`FLAG_FIELD`
index it). The verdict and the vendors' flag columns are coloured chips (:func:`chip_data`); the other columns are
text (:func:`field_text`). :class:`~desktop_app.ui.leads.model.LeadsModel` reads the rows and calls these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from desktop_app.store.lead_table import ROW_COLUMNS
from desktop_app.ui import theme
from desktop_app.ui.leads.columns import (
    COL_ADDED,
    COL_CERT,
    COL_EMAIL,
    COL_LEADID,
    COL_NAME,
    COL_PHONE,
    COL_STATE,
    COL_SUPPLIER,
    COL_VERDICT,
    FLAG_COLUMNS,
    FLAG_ROLE,
    VENDOR_ORDER,
    VENDOR_TITLES,
    certificate_id,
    display_phone,
    short_time,
)
from desktop_app.verdict import Verdict

_R = {name: i for i, name in enumerate(ROW_COLUMNS)}
ROW_ID = _R["id"]
FLAG_FIELD = {vendor: _R[f"flag_{vendor}"] for vendor in VENDOR_ORDER}  # vendor -> index of its flag in a row

_TEXT_FIELDS = {
    COL_EMAIL: "email",
    COL_SUPPLIER: "supplier",
    COL_STATE: "state",
    COL_LEADID: "leadid",
    COL_CERT: "cert_url",
}

Latest = Mapping[tuple[int, str], tuple[str, str]]  # (lead, vendor) -> (checked at, summary) of its latest check


def cell_data(row: tuple[Any, ...] | None, column: int, role: int, latest: Latest, bold: QFont) -> Any:
    """What the cell of ``row`` (None: deleted since the id list was read) in ``column`` gives for ``role``;
    ``latest`` holds the latest answers behind the row's flags (for the tooltips), ``bold`` the chips' font."""
    if row is None:
        return "(deleted)" if role == Qt.ItemDataRole.DisplayRole and column == COL_NAME else None
    if column == COL_VERDICT:
        return verdict_data(row, role, bold)
    vendor = FLAG_COLUMNS.get(column)
    if vendor is not None:
        return flag_data(row, vendor, role, latest, bold)
    if role == Qt.ItemDataRole.DisplayRole and column == COL_CERT:
        return certificate_id(field_text(row, column))  # the whole URL in the tooltip and when copied
    if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
        return field_text(row, column)
    if role == Qt.ItemDataRole.ToolTipRole and column in (COL_EMAIL, COL_CERT, COL_LEADID, COL_SUPPLIER):
        return field_text(row, column) or None
    return None


def chip_data(flag: str | None, role: int, bold: QFont) -> Any:
    """What a coloured chip cell (the verdict or a vendor's flag) gives for the roles they share; None else."""
    if role == FLAG_ROLE:
        return flag
    if role == Qt.ItemDataRole.BackgroundRole:
        return theme.flag_background(flag)
    if role == Qt.ItemDataRole.ForegroundRole:
        return theme.flag_foreground(flag)
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return Qt.AlignmentFlag.AlignCenter
    if role == Qt.ItemDataRole.FontRole:
        return bold if flag else None
    return None


def verdict_data(row: tuple[Any, ...], role: int, bold: QFont) -> Any:
    verdict = Verdict(row[_R["verdict"]] or "unchecked")
    flag = None if verdict is Verdict.UNCHECKED else verdict.value
    if role == Qt.ItemDataRole.DisplayRole:
        return verdict.word
    if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
        return f"Verdict: {verdict.word}" + ("" if flag else " (no vendor has checked this lead yet)")
    return chip_data(flag, role, bold)


def flag_data(row: tuple[Any, ...], vendor: str, role: int, latest: Latest, bold: QFont) -> Any:
    flag = row[FLAG_FIELD[vendor]]
    if role == Qt.ItemDataRole.DisplayRole:
        return theme.flag_word(flag)
    if role == Qt.ItemDataRole.AccessibleTextRole:
        return f"{VENDOR_TITLES[vendor]} {theme.flag_word(flag) if flag else 'not checked'}"
    if role == Qt.ItemDataRole.ToolTipRole:
        if not flag:
            return f"{VENDOR_TITLES[vendor]}: not checked yet"
        tip = f"{VENDOR_TITLES[vendor]}: {theme.flag_word(flag)}"
        answer = latest.get((row[ROW_ID], vendor))
        if answer:
            tip += f"\nChecked {short_time(answer[0])}\n{answer[1]}"
        return tip
    return chip_data(flag, role, bold)


def field_text(row: tuple[Any, ...], column: int) -> str:
    """A text column's value: the full name, the phone in US layout, the day added, or the stored field."""
    if column == COL_NAME:
        return " ".join(p for p in (row[_R["first_name"]], row[_R["last_name"]]) if p)
    if column == COL_PHONE:
        return display_phone(row[_R["phone"]])
    if column == COL_ADDED:
        return str(row[_R["created_at"]] or "")[:10]
    return str(row[_R[_TEXT_FIELDS[column]]] or "")
