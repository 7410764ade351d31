"""A vendor's recent checks from the database, newest first; selecting one shows its card again.

After a batch, thousands of batch rows would bury the checks a buyer ran by hand: "Manual only" hides the
batch's, and the search box keeps the checks whose subject or summary contains what is typed. Subjects are
elided on the left, so the end that tells two certificates apart stays readable; the tooltip has the whole.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.store import Store
from desktop_app.ui.widgets.flags import FLAG_SYMBOL, flag_colours, flag_word
from desktop_app.ui.widgets.text import local_time, localise_times, operation_label
from desktop_app.vendors.results import CheckResult

RECENT_LIMIT = 200
COL_FLAG, COL_SUBJECT, COL_SUMMARY, COL_TIME = range(4)


def status_word(result: CheckResult, green_word: str | None = None) -> str:
    """The first column's word: the flag's word, "Failed" for a failed call, "Done" when nothing was judged.

    ``green_word`` replaces a green flag for vendors whose green means "recorded", not "good to call"."""
    if result.error is not None:
        return "Failed"
    if result.flag is None:
        return "Done"
    if green_word and str(result.flag) == "green":
        return green_word
    return flag_word(result.flag)


class ElideLeftDelegate(QStyledItemDelegate):
    """Draws a column elided on the left ("…0b5bb947"): the end of a certificate or token tells rows apart."""

    def initStyleOption(  # noqa: N802 (Qt override)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class RecentChecksList(QWidget):
    """The last 200 checks of one vendor (``store.checks(vendor=…)``), optionally manual ones only or matching a search.

    Signals:
        check_selected(CheckResult): the buyer selected a stored check.
    """

    check_selected = Signal(object)

    def __init__(
        self, store: Store, vendor: str, parent: QWidget | None = None, *, green_word: str | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self.vendor = vendor
        self.green_word = green_word
        self.results: list[CheckResult] = []
        self.title = QLabel("Recent checks")
        self.title.setStyleSheet("font-weight: 600;")
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search subject or summary")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search recent checks")
        self.search_box.textChanged.connect(self.refresh)
        self.manual_only = QCheckBox("Manual only")
        self.manual_only.setToolTip("Hide the checks made by batches")
        self.manual_only.toggled.connect(self.refresh)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.search_box, 2)
        top.addWidget(self.manual_only)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Flag", "Subject", "Summary", "When"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.subject_delegate = ElideLeftDelegate(self.tree)
        self.tree.setItemDelegateForColumn(COL_SUBJECT, self.subject_delegate)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_FLAG, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_SUBJECT, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_TIME, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setColumnWidth(COL_SUBJECT, 150)
        self.tree.setAccessibleName("Recent checks")
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.empty_label = QLabel("No checks yet. Each check you run is saved here.")
        self.empty_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label)

    def refresh(self) -> None:
        """Reload from the database (a single indexed query of at most 200 rows), keeping no selection."""
        stored_checks = self._store.checks(
            vendor=self.vendor,
            limit=RECENT_LIMIT,
            manual_only=self.manual_only.isChecked(),
            containing=self.search_box.text().strip() or None,
        )
        self.results = [stored.result for stored in stored_checks]
        self.tree.blockSignals(True)
        try:
            self.tree.clear()
            bold = QFont(self.tree.font())
            bold.setBold(True)
            for result in self.results:
                word = status_word(result, self.green_word)
                neutral = word == self.green_word
                symbol = FLAG_SYMBOL.get(str(result.flag)) if result.flag and not result.error else None
                summary = localise_times(result.summary)
                item = QTreeWidgetItem(
                    [
                        f"{symbol} {word}" if symbol else word,
                        result.subject,
                        summary,
                        local_time(result.finished_at),
                    ]
                )
                item.setFont(COL_FLAG, bold)
                colours = flag_colours(result.flag) if result.error is None and not neutral else None
                if colours is not None:
                    item.setBackground(COL_FLAG, colours[0])
                    item.setForeground(COL_FLAG, colours[1])
                if result.error is not None:
                    italic = QFont(self.tree.font())
                    italic.setItalic(True)
                    item.setFont(COL_SUMMARY, italic)
                item.setToolTip(COL_SUBJECT, result.subject)
                item.setToolTip(COL_SUMMARY, summary)
                item.setToolTip(
                    COL_TIME, f"{operation_label(result.operation)} · {local_time(result.finished_at, seconds=True)}"
                )
                self.tree.addTopLevelItem(item)
            self.tree.setCurrentIndex(QModelIndex())
        finally:
            self.tree.blockSignals(False)
        filtered = self.manual_only.isChecked() or bool(self.search_box.text().strip())
        self.empty_label.setText(
            "No check matches." if filtered else "No checks yet. Each check you run is saved here."
        )
        self.empty_label.setVisible(not self.results)

    def select_row(self, row: int) -> None:
        """Select the ``row``-th newest check (emits ``check_selected``)."""
        item = self.tree.topLevelItem(row)
        if item is not None:
            self.tree.setCurrentItem(item)

    def row_texts(self, row: int) -> list[str]:
        item = self.tree.topLevelItem(row)
        return [item.text(c) for c in range(self.tree.columnCount())] if item is not None else []

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is None:
            return
        row = self.tree.indexOfTopLevelItem(current)
        if 0 <= row < len(self.results):
            self.check_selected.emit(self.results[row])
