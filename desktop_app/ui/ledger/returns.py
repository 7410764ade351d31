"""The Returns window: leads that turned red within their supplier's return window, per supplier, as CSV.

:class:`ReturnsModel` holds the rows of :meth:`Store.returnable` (read off the GUI thread, with each supplier's window
from Settings: ``return_window.<supplier>``, else ``return_window_hours``): the lead, its supplier, how many hours
after purchase it turned red, the reason in words (the whole of it in the cell's tooltip) and the evidence-log hash of
the check that made it red. "Export CSV…" writes them as ``leadcheck export returns`` does
(:func:`desktop_app.exports.returns.write_returns`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.exports.returns import write_returns
from desktop_app.ui.ledger import read_off_thread
from desktop_app.ui.ledger.table import RowsModel, export_to_chosen_file, read_only_table
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.registry import VENDOR_LABELS

ALL_SUPPLIERS = None
# (header, value of a returnable row)
COLUMNS: list[tuple[str, Any]] = [
    ("Lead", lambda r: str(r["lead_id"])),
    ("Supplier", lambda r: r["supplier"] or "(none)"),
    ("Red after", lambda r: f"{r['hours_after_purchase']:.1f} h of {r['window_hours']:g} h"),
    ("Vendor", lambda r: VENDOR_LABELS.get(r["vendor"], r["vendor"])),
    ("Reason", lambda r: r["reason"] or ""),
    ("Evidence-log hash", lambda r: r["evidence_hash"] or ""),
]
COL_LEAD, COL_SUPPLIER, COL_AFTER, COL_VENDOR, COL_REASON, COL_HASH = range(6)


class ReturnsModel(RowsModel):
    """Returnable leads as rows (``rows``). Signals: none of its own."""

    def headers(self) -> list[str]:
        return [header for header, _ in COLUMNS]

    def cell(self, row: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[column][1](row)
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_HASH:
            return f"Evidence-log entry of check {row['check_id']}; Help → Verify evidence… checks it"
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_REASON:
            return row["reason"] or None  # a long reason is cut in its cell
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_AFTER:
            return f"{row['supplier'] or '(none)'} takes returns for {row['window_hours']:g} hours after purchase"
        return None


class ReturnsView(QWidget):
    """The Returns window's content: a supplier filter, the returnable leads, "Export CSV…", Refresh and a status
    line. Signals: none."""

    def __init__(self, service: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle("Returns")
        self.setAccessibleName("Returns")
        self.model = ReturnsModel(self)
        self.view = read_only_table(self.model, "Returnable leads")
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_REASON, QHeaderView.ResizeMode.Stretch)
        self.supplier_combo = QComboBox()
        self.supplier_combo.addItem("All suppliers", ALL_SUPPLIERS)
        self.supplier_combo.setAccessibleName("Supplier")
        self.supplier_combo.setMinimumContentsLength(16)
        self.supplier_combo.currentIndexChanged.connect(self._on_refresh)
        self.intro = QLabel(self._intro_text())
        self.intro.setWordWrap(True)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._on_export)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self._on_refresh)
        self.status = QLabel()
        self.status.setAccessibleName("Returns status")
        self.file_dialog: QFileDialog | None = None
        top = QHBoxLayout()
        top.addWidget(QLabel("Supplier:"))
        top.addWidget(self.supplier_combo)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def _windows(self) -> Any:
        """Each supplier's return window from Settings (None without settings: the store's 72 hours)."""
        settings = getattr(self.service, "settings", None)
        return settings.return_windows() if settings is not None else None

    def _intro_text(self) -> str:
        windows = self._windows()
        hours = f"{windows.default:g}" if windows is not None else "72"
        return (
            f"Leads that turned red within their supplier's return window ({hours} hours after purchase, unless the "
            "supplier has its own in Settings → Costs), with the reason and the evidence-log hash of the check that "
            "made each red: what a supplier needs to accept a return."
        )

    @property
    def supplier(self) -> str | None:
        data = self.supplier_combo.currentData()
        return None if data is ALL_SUPPLIERS else str(data)

    async def refresh(self) -> int:
        """Read the returnable leads (of the chosen supplier) and the supplier list again; returns how many."""
        supplier, windows = self.supplier, self._windows()
        self.intro.setText(self._intro_text())

        def read(store: Any) -> tuple[list[dict[str, Any]], list[str]]:
            names = [str(card["supplier"]) for card in store.supplier_scorecards()]
            return store.returnable(windows, supplier=supplier), names

        try:
            rows, suppliers = await read_off_thread(self.service.store, read)
        except LeadcheckError as exc:
            self.status.setText(str(exc))
            return 0
        if supplier != self.supplier:  # the filter moved meanwhile; its own read follows
            return len(rows)
        self._set_suppliers(suppliers)
        self.model.set_rows(rows)
        where = f" from {supplier or '(none)'}" if supplier is not None else ""
        self.status.setText(f"{len(rows):,} returnable lead{'s' if len(rows) != 1 else ''}{where}")
        self.export_button.setEnabled(bool(rows))
        return len(rows)

    def _set_suppliers(self, names: list[str]) -> None:
        shown = [self.supplier_combo.itemData(i) for i in range(1, self.supplier_combo.count())]
        if shown == names:
            return
        current = self.supplier
        self.supplier_combo.blockSignals(True)
        try:
            while self.supplier_combo.count() > 1:
                self.supplier_combo.removeItem(1)
            for name in names:
                self.supplier_combo.addItem(name or "(none)", name)
            at = self.supplier_combo.findData(current) if current is not None else 0
            self.supplier_combo.setCurrentIndex(max(at, 0))
        finally:
            self.supplier_combo.blockSignals(False)

    def export_csv(self, path: Path) -> int:
        """Write the rows shown, in ``leadcheck export returns``' columns, to ``path``; log it. Returns the rows."""
        rows = self.model.rows
        write_returns(self.service.store, path, rows, supplier=self.supplier)
        self.status.setText(f"{len(rows):,} returnable leads written to {path}")
        return len(rows)

    async def ask_export(self) -> Path | None:
        """ "Export CSV…": a save dialog (window-modal, no nested loop), then the write."""
        name = f"returns-{self.supplier}.csv" if self.supplier else "returns.csv"
        return await export_to_chosen_file(self, "Export returns", name, self.export_csv)

    def _on_export(self) -> None:
        spawn(self.ask_export())

    def _on_refresh(self, *_args: Any) -> None:
        spawn(self.refresh())
