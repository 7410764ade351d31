"""Settings → Costs: what each billed call costs, each vendor's daily spending cap, and each supplier's return window.

:class:`CostsPage` edits the ``price.<vendor>`` and ``cap.<vendor>`` settings (one row per billed vendor), the default
return window (``return_window_hours``) and the suppliers' own windows (``return_window.<supplier>``: pick or type
a supplier, its hours, "Set"; select rows and "Remove" to give them the default again). Every spin box has its
setting's own range, so a value shown is a value the setting accepts; :meth:`CostsPage.save` saves what changed
(each change is an evidence-log entry, as every settings change is).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.settings import RETURN_WINDOW_PREFIX, SETTINGS, InvalidSetting, Settings, setting
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.registry import VENDOR_LABELS

NO_CAP = "No cap"


def _money_spin(key: str, value: float, decimals: int) -> QDoubleSpinBox:
    declared = setting(key)
    assert declared.minimum is not None and declared.maximum is not None
    spin = QDoubleSpinBox()
    spin.setRange(declared.minimum, declared.maximum)  # the setting's own range: never refused
    spin.setDecimals(decimals)
    spin.setPrefix("$")
    spin.setValue(value)
    spin.setToolTip(declared.description)
    return spin


def _hours_spin(key: str, value: float) -> QSpinBox:
    declared = setting(key)
    assert declared.minimum is not None and declared.maximum is not None
    spin = QSpinBox()
    spin.setRange(int(declared.minimum), int(declared.maximum))
    spin.setSuffix(" h")
    spin.setValue(int(value))
    return spin


class CostsPage(QWidget):
    """Prices, daily caps and return windows (see the module doc). Signals: none.

    ``suppliers`` (optional) reads the suppliers' names the leads carry, offered in the supplier box (read when the
    page is first shown).
    """

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        suppliers: Callable[[], Awaitable[list[str]]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.prices: dict[str, QDoubleSpinBox] = {}
        self.caps: dict[str, QDoubleSpinBox] = {}
        billed = [s.key.split(".", 1)[1] for s in SETTINGS if s.key.startswith("price.")]

        money = QGroupBox("Prices and daily caps")
        grid = QGridLayout(money)
        grid.addWidget(QLabel("<b>Vendor</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Price per billed call</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Daily cap</b>"), 0, 2)
        for row, vendor in enumerate(billed, start=1):
            label = VENDOR_LABELS.get(vendor, vendor)
            price = _money_spin(f"price.{vendor}", float(settings.get(f"price.{vendor}")), 4)
            price.setAccessibleName(f"{label} price per call")
            cap = _money_spin(f"cap.{vendor}", float(settings.get(f"cap.{vendor}")), 2)
            cap.setSpecialValueText(NO_CAP)  # shown at 0
            cap.setAccessibleName(f"{label} daily cap")
            self.prices[vendor], self.caps[vendor] = price, cap
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(price, row, 1)
            grid.addWidget(cap, row, 2)
        note = QLabel(
            "A batch stops sending to a vendor before the call that would take today's spending (what the checks "
            "stored today cost, and the calls in flight) past its cap; it waits, paused, until you raise the cap "
            "or resume it tomorrow. “No cap” (0) never pauses."
        )
        note.setWordWrap(True)
        note.setEnabled(False)
        grid.addWidget(note, len(billed) + 1, 0, 1, 3)
        grid.setColumnStretch(3, 1)

        returns = QGroupBox("Return windows")
        self.default_window = _hours_spin("return_window_hours", float(settings.get("return_window_hours")))
        self.default_window.setAccessibleName("Default return window")
        self.default_window.setToolTip(setting("return_window_hours").description)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Supplier", "Return window"])
        self.table.setAccessibleName("Suppliers' return windows")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.supplier_box = QComboBox()
        self.supplier_box.setEditable(True)
        self.supplier_box.setAccessibleName("Supplier")
        self.supplier_box.setMinimumContentsLength(18)
        line = self.supplier_box.lineEdit()
        if line is not None:
            line.setPlaceholderText("supplier, as in your lead files")
        self.supplier_hours = _hours_spin("return_window_hours", float(settings.get("return_window_hours")))
        self.supplier_hours.setAccessibleName("Supplier's return window")
        self.set_button = QPushButton("Set")
        self.set_button.setToolTip("Give this supplier its own return window (saved with Save)")
        self.set_button.clicked.connect(self._on_set)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("The selected suppliers get the default window again (saved with Save)")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self._on_remove)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.window_problem = QLabel()
        self.window_problem.setObjectName("errorMessage")
        self.window_problem.setWordWrap(True)
        self.window_problem.setVisible(False)
        default_row = QHBoxLayout()
        default_row.addWidget(QLabel("Every supplier:"))
        default_row.addWidget(self.default_window)
        default_row.addWidget(QLabel("after purchase, unless it has its own below."))
        default_row.addStretch(1)
        add_row = QHBoxLayout()
        add_row.addWidget(self.supplier_box, 1)
        add_row.addWidget(self.supplier_hours)
        add_row.addWidget(self.set_button)
        add_row.addWidget(self.remove_button)
        returns_layout = QVBoxLayout(returns)
        returns_layout.addLayout(default_row)
        returns_layout.addWidget(self.table, 1)
        returns_layout.addLayout(add_row)
        returns_layout.addWidget(self.window_problem)

        layout = QVBoxLayout(self)
        layout.addWidget(money)
        layout.addWidget(returns, 1)
        self._load_windows()
        self._suppliers = suppliers  # read when the page is first shown

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        read, self._suppliers = self._suppliers, None
        if read is not None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # no loop runs (a test without one): no suggestions
                return
            spawn(self._offer_suppliers(read))

    # -- public API -------------------------------------------------------------------------------------------

    def windows(self) -> dict[str, int]:
        """Supplier -> hours, as the table shows them."""
        out: dict[str, int] = {}
        for row in range(self.table.rowCount()):
            name, hours = self.table.item(row, 0), self.table.item(row, 1)
            if name is not None and hours is not None:
                out[name.text()] = int(hours.data(Qt.ItemDataRole.UserRole))
        return out

    def set_window(self, supplier: str, hours: int) -> str:
        """Give ``supplier`` its own window in the table (saved by :meth:`save`); returns a problem, or ""."""
        name = supplier.strip()
        if not name:
            return "Type or pick a supplier first."
        try:
            setting(RETURN_WINDOW_PREFIX + name).parse(hours)
        except (KeyError, InvalidSetting) as exc:
            return str(exc) if isinstance(exc, InvalidSetting) else f"“{name}” cannot be a supplier's name here."
        windows = self.windows()
        windows[name] = hours
        self._show_windows(windows)
        return ""

    def save(self) -> list[str]:
        """Save the values that changed; returns the problems (empty when all were saved)."""
        problems: list[str] = []

        def put(key: str, value: float | int, *, always: bool = False) -> None:
            if self.settings.source(key) == "environment" or (not always and self.settings.get(key) == value):
                return
            try:
                self.settings.set(key, value)
            except InvalidSetting as exc:
                problems.append(str(exc))

        for vendor, spin in self.prices.items():
            put(f"price.{vendor}", round(spin.value(), 4))
        for vendor, spin in self.caps.items():
            put(f"cap.{vendor}", round(spin.value(), 2))
        put("return_window_hours", self.default_window.value())
        saved, shown = self.settings.return_windows(), self.windows()
        for name in saved:
            if name not in shown:
                self.settings.unset(RETURN_WINDOW_PREFIX + name)
        for name, hours in shown.items():
            if name not in saved or saved.own[name] != hours:
                put(RETURN_WINDOW_PREFIX + name, hours, always=True)  # its own, even when equal to the default
        return problems

    # -- internals --------------------------------------------------------------------------------------------

    def _load_windows(self) -> None:
        self._show_windows({name: int(hours) for name, hours in self.settings.return_windows().own.items()})

    def _show_windows(self, windows: dict[str, int]) -> None:
        self.table.setRowCount(0)
        for name in sorted(windows, key=str.casefold):
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(name))
            hours = QTableWidgetItem(f"{windows[name]} h")
            hours.setData(Qt.ItemDataRole.UserRole, windows[name])
            hours.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 1, hours)
        self._on_selection()

    async def _offer_suppliers(self, read: Callable[[], Awaitable[list[str]]]) -> None:
        try:
            names = await read()
        except Exception:  # noqa: BLE001 - suggestions only: the box still takes a typed name
            return
        typed = self.supplier_box.currentText()
        self.supplier_box.addItems([n for n in names if n and self.supplier_box.findText(n) < 0])
        self.supplier_box.setEditText(typed)

    def _on_set(self) -> None:
        problem = self.set_window(self.supplier_box.currentText(), self.supplier_hours.value())
        self.window_problem.setText(problem)
        self.window_problem.setVisible(bool(problem))
        if not problem:
            self.supplier_box.setEditText("")

    def _on_remove(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        windows = self.windows()
        for row in rows:
            item = self.table.item(row, 0)
            if item is not None:
                windows.pop(item.text(), None)
        self._show_windows(windows)

    def _on_selection(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectedIndexes()))
