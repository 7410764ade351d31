"""The Suppliers window: one scorecard per supplier, sortable, with its verdicts drawn as a bar, exportable as CSV.

:class:`SuppliersModel` holds the rows of :meth:`Store.supplier_scorecards` (read off the GUI thread);
:class:`VerdictBarDelegate` paints the verdict proportions (red, yellow, green, unchecked) with QPainter in the
flag colours of :mod:`desktop_app.ui.theme` (no QtCharts: it is not in PySide6-Essentials). "Export CSV…" writes
what the table shows, every cell neutralised against formula injection (:func:`desktop_app.exports.cells.neutralise`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.exports.cells import export_writer, neutralise
from desktop_app.ui import theme
from desktop_app.ui.ledger import read_off_thread
from desktop_app.ui.ledger.table import AnyIndex, RowsModel, export_to_chosen_file, read_only_table
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError

VERDICTS = ("red", "yellow", "green", "unchecked")
SORT_ROLE = Qt.ItemDataRole.UserRole
VERDICTS_ROLE = Qt.ItemDataRole.UserRole + 1


def _money(value: Any) -> str:
    return "—" if value is None else f"{float(value):,.2f}"


# (header, CSV column, value of a scorecard, text of that value); one list for the table and the CSV
COLUMNS: list[tuple[str, str, Callable[[dict[str, Any]], Any], Callable[[Any], str]]] = [
    ("Supplier", "supplier", lambda s: s["supplier"] or "(none)", str),
    ("Leads", "leads", lambda s: s["leads"], str),
    ("Verdicts", "verdicts", lambda s: s["verdicts"]["red"] / s["leads"] if s["leads"] else 0.0, lambda v: ""),
    ("Red", "red", lambda s: s["verdicts"]["red"], str),
    ("Yellow", "yellow", lambda s: s["verdicts"]["yellow"], str),
    ("Green", "green", lambda s: s["verdicts"]["green"], str),
    ("Unchecked", "unchecked", lambda s: s["verdicts"]["unchecked"], str),
    ("Litigator\nhits", "litigator_hits", lambda s: s["litigator_hits"], str),
    ("TrustedForm\nfailures", "trustedform_failures", lambda s: s["trustedform_failures"], str),
    ("Jornaya\nfailures", "jornaya_failures", lambda s: s["jornaya_failures"], str),
    ("Lead cost", "lead_cost", lambda s: s["lead_cost"], _money),
    ("Compliance\nspend", "compliance_spend", lambda s: s["compliance_spend"], _money),
    ("Cost per\ngreen lead", "cost_per_green_lead", lambda s: s["cost_per_green_lead"], _money),
]
COL_SUPPLIER, COL_LEADS, COL_VERDICTS = 0, 1, 2


class SuppliersModel(RowsModel):
    """Scorecards as rows (``rows``). Signals: none of its own."""

    def headers(self) -> list[str]:
        return [column[0] for column in COLUMNS]

    def cell(self, card: Any, column: int, role: int) -> Any:
        _h, _k, value, text = COLUMNS[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return text(value(card))
        if role == SORT_ROLE:
            raw = value(card)
            return -1.0 if raw is None else raw  # "no green lead yet" sorts first
        if role == VERDICTS_ROLE:
            return card["verdicts"]
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_VERDICTS:
            return " · ".join(f"{card['verdicts'][v]} {v}" for v in VERDICTS)
        if role == Qt.ItemDataRole.TextAlignmentRole and column != COL_SUPPLIER:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def bar_segments(verdicts: dict[str, int], rect: QRect) -> list[tuple[str, QRect]]:
    """The bar's pieces: (verdict, rectangle) in VERDICTS order, widths proportional to the counts."""
    total = sum(int(verdicts.get(v, 0)) for v in VERDICTS)
    if total <= 0:
        return []
    out, x, seen = [], rect.left(), 0
    for verdict in VERDICTS:
        seen += int(verdicts.get(verdict, 0))
        right = rect.left() + round(rect.width() * seen / total)
        if right > x:
            out.append((verdict, QRect(x, rect.top(), right - x, rect.height())))
        x = right
    return out


def verdict_colour(verdict: str) -> QColor:
    return theme.flag_background(verdict) or QColor(theme.UNCHECKED_COLOUR)


class VerdictBarDelegate(QStyledItemDelegate):
    """Draws a supplier's verdicts as one horizontal bar split red / yellow / green / unchecked."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().paint(painter, option, index)
        verdicts = index.data(VERDICTS_ROLE) or {}
        rect: QRect = option.rect.adjusted(6, 6, -6, -6)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        for verdict, piece in bar_segments(verdicts, rect):
            painter.fillRect(piece, verdict_colour(verdict))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802 - Qt override
        return QSize(160, 24)


class SuppliersView(QWidget):
    """The Suppliers window's content: the scorecard table, Refresh, "Export CSV…" and a status line. Signals: none."""

    def __init__(self, service: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle("Suppliers")
        self.setAccessibleName("Suppliers")
        self.model = SuppliersModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = read_only_table(self.proxy, "Supplier scorecards")
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_SUPPLIER, Qt.SortOrder.AscendingOrder)
        self.view.setItemDelegateForColumn(COL_VERDICTS, VerdictBarDelegate(self.view))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_VERDICTS, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_VERDICTS, 150)
        header.setStretchLastSection(True)
        self.intro = QLabel(
            "Per supplier: leads bought and what they cost, their verdicts (the bar: red, yellow, green, unchecked), "
            "failures by vendor, what the checks cost and the cost of one green lead. Click a heading to sort."
        )
        self.intro.setWordWrap(True)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._on_export)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self._on_refresh)
        self.status = QLabel()
        self.status.setAccessibleName("Suppliers status")
        self.file_dialog: QFileDialog | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    async def refresh(self) -> int:
        """Read the scorecards again (off the GUI thread); returns how many suppliers."""
        try:
            cards = await read_off_thread(self.service.store, lambda s: s.supplier_scorecards())
        except LeadcheckError as exc:
            self.status.setText(str(exc))
            return 0
        self.model.set_rows(cards)
        self.status.setText(f"{len(cards)} supplier{'s' if len(cards) != 1 else ''}")
        return len(cards)

    def shown_cards(self) -> list[dict[str, Any]]:
        """The scorecards in the order the table shows them."""
        return [
            self.model.rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()] for r in range(self.proxy.rowCount())
        ]

    def export_csv(self, path: Path) -> int:
        """Write the table as shown (with per-verdict and per-vendor counts) to ``path``; returns the rows written."""
        cards = self.shown_cards()
        vendors = sorted({v for card in cards for v in card["vendors"]})
        header = [k for _h, k, _v, _t in COLUMNS if k != "verdicts"]
        header += [f"{v}_{flag}" for v in vendors for flag in ("red", "yellow")]
        with export_writer(path, bom=False) as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for card in cards:
                row = [value(card) for _h, k, value, _t in COLUMNS if k != "verdicts"]
                row += [card["vendors"].get(v, {}).get(flag, 0) for v in vendors for flag in ("red", "yellow")]
                writer.writerow([neutralise("" if cell is None else cell) for cell in row])
        self.status.setText(f"{len(cards)} suppliers written to {path}")
        return len(cards)

    async def ask_export(self) -> Path | None:
        """ "Export CSV…": a save dialog (window-modal, no nested loop), then the write."""
        return await export_to_chosen_file(self, "Export suppliers", "suppliers.csv", self.export_csv)

    def _on_export(self) -> None:
        spawn(self.ask_export())

    def _on_refresh(self) -> None:
        spawn(self.refresh())
