"""The lead table's view: one selected row at a time, fixed-height rows, chips in the verdict and flag columns,
newest first to start with, a right-click menu (which the tab fills)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

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
)
from desktop_app.ui.leads.flag_delegate import FlagDelegate
from desktop_app.ui.leads.model import LeadsModel

# Every column fits a 1400-pixel window without a horizontal scroll bar; long values elide in the middle, whole in
# their tooltip (the flag columns' two-word titles take two header lines).
COLUMN_WIDTHS = {
    COL_VERDICT: 84,
    COL_NAME: 120,
    COL_PHONE: 112,
    COL_EMAIL: 160,
    COL_SUPPLIER: 100,
    COL_STATE: 46,
    COL_CERT: 120,
    COL_LEADID: 120,
    COL_ADDED: 86,
    **dict.fromkeys(FLAG_COLUMNS, 80),
}


class LeadTableView(QTableView):
    """The leads ``model`` serves, in rows ``row_height`` pixels tall, sorted by a header click.

    Signals: QTableView's (``customContextMenuRequested`` asks for the row menu).
    """

    def __init__(self, model: LeadsModel, row_height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName("Leads")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setAlternatingRowColors(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vheader = self.verticalHeader()
        vheader.setVisible(False)
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vheader.setDefaultSectionSize(row_height)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.flag_delegate = FlagDelegate(self)
        for column in (COL_VERDICT, *FLAG_COLUMNS):
            self.setItemDelegateForColumn(column, self.flag_delegate)
        header.setSortIndicator(COL_ADDED, Qt.SortOrder.DescendingOrder)
        self.setSortingEnabled(True)
