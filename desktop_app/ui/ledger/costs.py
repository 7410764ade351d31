"""The Costs window: the ledger of stored checks by vendor, supplier, day or batch (a selector), with totals.

:class:`CostsModel` holds the rows of :meth:`Store.costs` (read off the GUI thread) plus a last "Total" row that
does not sort with the others; each row is how many checks were stored, how many were billed (cost above 0) and
what they cost at the prices of the time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.ledger import read_off_thread
from desktop_app.ui.ledger.table import AnyIndex, RowsModel, read_only_table
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.registry import VENDOR_LABELS

GROUPINGS = (("vendor", "Vendor"), ("supplier", "Supplier"), ("day", "Day"), ("batch", "Batch"))
COL_GROUP, COL_CHECKS, COL_BILLED, COL_COST = range(4)
TOTAL = "_total"  # marks the total row (no ledger row has this key)


def group_text(by: str, key: Any) -> str:
    """A group's name as the buyer reads it: a vendor's label, "(none)" for no supplier or no batch."""
    if key in ("", None) or (by == "batch" and key == 0):
        return "(no batch)" if by == "batch" else "(none)"
    if by == "vendor":
        return VENDOR_LABELS.get(str(key), str(key))
    return f"Batch {key}" if by == "batch" else str(key)


class CostsModel(RowsModel):
    """Ledger rows (``rows``, grouped ``by``) and their total as the last row. Signals: none of its own."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.by = "vendor"

    def set_grouped(self, by: str, rows: list[dict[str, Any]]) -> None:
        self.by = by
        self.set_rows(rows)

    def total(self) -> dict[str, Any]:
        return {
            "checks": sum(r["checks"] for r in self.rows),
            "billed": sum(r["billed"] for r in self.rows),
            "cost": round(sum(r["cost"] for r in self.rows), 4),
            TOTAL: True,
        }

    def headers(self) -> tuple[str, ...]:
        return (dict(GROUPINGS)[self.by], "Checks", "Billed", "Cost")

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() or not self.rows else len(self.rows) + 1

    def row_at(self, number: int) -> Any:
        return self.total() if number == len(self.rows) else self.rows[number]

    def cell(self, row: Any, column: int, role: int) -> Any:
        is_total = bool(row.get(TOTAL))
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_GROUP:
                return "Total" if is_total else group_text(self.by, row[self.by])
            if column == COL_COST:
                return f"{row['cost']:,.2f}"
            return f"{row['checks' if column == COL_CHECKS else 'billed']:,}"
        if role == Qt.ItemDataRole.FontRole and is_total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column != COL_GROUP:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class CostsView(QWidget):
    """The Costs window's content: "Group by" (vendor, supplier, day, batch), the ledger with its total, Refresh
    and a status line. Signals: none."""

    def __init__(self, service: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle("Costs")
        self.setAccessibleName("Costs")
        self.model = CostsModel(self)
        self.view = read_only_table(self.model, "Cost ledger")
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.group_combo = QComboBox()
        for key, label in GROUPINGS:
            self.group_combo.addItem(label, key)
        self.group_combo.setAccessibleName("Group costs by")
        self.group_combo.currentIndexChanged.connect(self._on_refresh)
        self.intro = QLabel(
            "What the stored checks cost: how many were stored, how many were billed, and at what price. "
            "A failed, refused or cached call costs nothing."
        )
        self.intro.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self._on_refresh)
        self.status = QLabel()
        self.status.setAccessibleName("Costs status")
        top = QHBoxLayout()
        top.addWidget(QLabel("Group by:"))
        top.addWidget(self.group_combo)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

    @property
    def by(self) -> str:
        return str(self.group_combo.currentData())

    async def refresh(self) -> int:
        """Read the ledger again, grouped as the selector says (off the GUI thread); returns how many groups."""
        by = self.by
        try:
            rows = await read_off_thread(self.service.store, lambda s: s.costs(by))
        except LeadcheckError as exc:
            self.status.setText(str(exc))
            return 0
        if by != self.by:  # the selector moved meanwhile; its own read follows
            return len(rows)
        self.model.set_grouped(by, rows)
        total = self.model.total()
        self.status.setText(
            f"{total['checks']:,} checks, {total['billed']:,} billed, {total['cost']:,.2f} in all"
            if rows
            else "No checks stored yet."
        )
        return len(rows)

    def _on_refresh(self, *_args: Any) -> None:
        spawn(self.refresh())
