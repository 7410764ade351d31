"""The Deadlines window: certificates to retain (or claim) before they lapse, most urgent first.

:class:`DeadlinesModel` holds :class:`~desktop_app.store.ledger.Deadline` items (read off the GUI thread, at most
:data:`LIMIT` of each kind); an item due within :data:`~desktop_app.ui.theme.DUE_SOON_HOURS` is drawn in the red
flag's colours. :class:`DeadlinesView` adds "Retain now" for the selection: it asks first (window-modal, through
:func:`~desktop_app.ui.runtime.run_dialog`), then retains each certificate through the Leads tab's re-check path
(:func:`desktop_app.jobs.recheck.recheck_lead`, the batch's calls), and reads the list again. The hours cell keeps
its red when its row is selected (:class:`DueDelegate`). "Retain due certificates automatically" turns the main
window's :class:`~desktop_app.ui.ledger.auto_retain.AutoRetainer` on, after asking once how many are due and what
they cost, and remembers the choice (the ``auto_retain`` setting); off turns it off.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.jobs.recheck import RecheckOutcome, recheck_lead, recheck_plan
from desktop_app.ui import theme
from desktop_app.ui.leads.flag_delegate import paint_chip
from desktop_app.ui.ledger import read_off_thread
from desktop_app.ui.ledger.auto_retain import SETTING, AutoRetainer, confirmation_text, due_for_auto
from desktop_app.ui.ledger.table import RowsModel, read_only_table
from desktop_app.ui.runtime import run_dialog, spawn
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.registry import VENDOR_LABELS

LIMIT = 500
COL_HOURS, COL_DUE, COL_WHAT, COL_LEAD, COL_SUBJECT = range(5)
HEADERS = ("Hours left", "Due (UTC)", "What", "Lead", "Certificate")
KIND_WORDS = {"retain": "Retain", "retention_ends": "Retention ends", "claim": "Claim"}
SORT_ROLE = Qt.ItemDataRole.UserRole


def hours_text(hours: float) -> str:
    """ "5.2 h", "overdue 3.0 h"."""
    return f"overdue {-hours:.1f} h" if hours < 0 else f"{hours:.1f} h"


class DeadlinesModel(RowsModel):
    """Due items as rows (``rows``: Deadline objects, most urgent first). Signals: none of its own."""

    def headers(self) -> Sequence[str]:
        return HEADERS

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == SORT_ROLE:
            return (item.hours_left, item.due_at, item.kind, item.lead_id, item.subject)[column]
        soon = item.hours_left < theme.DUE_SOON_HOURS
        if role == Qt.ItemDataRole.BackgroundRole and soon and column == COL_HOURS:
            return theme.flag_background("red")
        if role == Qt.ItemDataRole.ForegroundRole and soon and column == COL_HOURS:
            return theme.flag_foreground("red")
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.subject if column == COL_SUBJECT else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_HOURS, COL_LEAD):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(item: Any, column: int) -> str:
        if column == COL_HOURS:
            return hours_text(item.hours_left)
        if column == COL_DUE:
            return str(item.due_at)[:16].replace("T", " ")
        if column == COL_WHAT:
            return f"{VENDOR_LABELS.get(item.vendor, item.vendor)}: {KIND_WORDS.get(item.kind, item.kind)}"
        if column == COL_LEAD:
            return str(item.lead_id)
        return str(item.subject)


class DueDelegate(QStyledItemDelegate):
    """Paints a cell with a background colour (an hours cell due within a day) as a chip that keeps its colours when
    the row is selected, as the lead table's flag cells do; other cells as usual."""

    PAD = 6

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        if not isinstance(background, QColor | QBrush):
            super().paint(painter, option, index)
            return
        paint_chip(
            painter,
            option,
            background,
            foreground if isinstance(foreground, QColor) else option.palette.text().color(),
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            pad=self.PAD,
        )

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        font = QFont(option.font)
        font.setBold(True)  # the chip's text is bold: wider than the cell's own
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        return QSize(max(size.width(), QFontMetrics(font).horizontalAdvance(text) + 2 * self.PAD + 10), size.height())


class DeadlinesView(QWidget):
    """The Deadlines window's content: the due list, "Retain now", the automatic option and a status line.
    Signals: none.

    ``clock`` returns the current time (tests pass a fixed one); ``retainer`` is the main window's automatic
    retainer (without one, the view makes its own)."""

    def __init__(
        self, service: Any, parent: QWidget | None = None, *, clock: Any = None, retainer: AutoRetainer | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.clock = clock or (lambda: datetime.now(UTC))
        self.retainer = retainer or AutoRetainer(service, self, clock=self.clock)
        self.retainer.round_done.connect(self._on_auto_round)
        self.setWindowTitle("Deadlines")
        self.setAccessibleName("Deadlines")
        self.model = DeadlinesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = read_only_table(self.proxy, "Due certificates")
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_HOURS, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setItemDelegateForColumn(COL_HOURS, DueDelegate(self.view))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.intro = QLabel(
            "TrustedForm certificates not yet retained, retentions ending within 30 days and Contact State "
            "certificates not yet claimed. Red: due within 24 hours."
        )
        self.intro.setWordWrap(True)
        self.retain_button = QPushButton("Retain now")
        self.retain_button.setToolTip("Retain (or claim) the selected certificates: the vendor bills each call")
        self.retain_button.setEnabled(False)
        self.retain_button.clicked.connect(self._on_retain)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self._on_refresh)
        self.auto_box = QCheckBox("Retain due certificates automatically while Leadcheck is open")
        self.auto_box.setToolTip(
            "Retains each TrustedForm certificate as it becomes due, every few minutes, through the same calls as "
            "Retain now; asks first, showing what it costs. Each automatic retain is in the evidence log."
        )
        self.auto_box.setChecked(self.retainer.active)
        self.auto_box.clicked.connect(self._on_auto)
        self.auto_status = QLabel(self.retainer.status)
        self.auto_status.setWordWrap(True)
        self.auto_status.setAccessibleName("Automatic retaining status")
        self.auto_status.setVisible(bool(self.retainer.status))
        self.retainer.status_changed.connect(self._on_auto_status)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Deadlines status")
        self.question: QMessageBox | None = None  # while "Retain now" or the automatic option asks first
        buttons = QHBoxLayout()
        buttons.addWidget(self.retain_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.auto_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.auto_status)
        layout.addWidget(self.status)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)

    async def refresh(self) -> int:
        """Read the due items again (off the GUI thread, at most LIMIT of each kind); returns how many."""
        now = self.clock()
        try:
            items = await read_off_thread(self.service.store, lambda s: s.deadlines(now, limit=LIMIT))
        except LeadcheckError as exc:
            self.status.setText(str(exc))
            return 0
        selected = {(d.lead_id, d.subject) for d in self.selected_items()}
        self.model.set_rows(items)
        for row in range(self.proxy.rowCount()):
            item = self.model.rows[self.proxy.mapToSource(self.proxy.index(row, 0)).row()]
            if (item.lead_id, item.subject) in selected:
                self.view.selectionModel().select(
                    self.proxy.index(row, 0),
                    self.view.selectionModel().SelectionFlag.Select | self.view.selectionModel().SelectionFlag.Rows,
                )
        self._on_selection()  # a reset model may have dropped the selection without saying so
        soon = sum(1 for d in items if d.hours_left < theme.DUE_SOON_HOURS)
        self.status.setText(f"{len(items)} due · {soon} within 24 hours" if items else "Nothing is due.")
        return len(items)

    def selected_items(self) -> list[Any]:
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.rows[r] for r in rows if r < len(self.model.rows)]

    async def ask_retain(self) -> list[RecheckOutcome]:
        """ "Retain now": ask first (how many certificates, who bills them; window-modal), then retain them."""
        items = self.selected_items()
        if not items:
            return []
        vendors = sorted({VENDOR_LABELS.get(d.vendor, d.vendor) for d in items})
        text = (
            f"Retain {len(items)} certificate{'s' if len(items) != 1 else ''} now? Each is a call billed by "
            f"{' and '.join(vendors)}."
        )
        accepted = await self._ask("Retain now?", text, "Retain now")
        return await self.retain(items) if accepted else []

    async def _ask(self, title: str, text: str, yes: str) -> bool:
        """A window-modal question whose safe answer (Cancel) is the default; True when the buyer chose ``yes``."""
        box = QMessageBox(
            QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            self,
        )  # fmt: skip
        box.button(QMessageBox.StandardButton.Ok).setText(yes)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.question = box
        try:
            return await run_dialog(box) == int(QMessageBox.StandardButton.Ok)
        finally:
            self.question = None
            box.deleteLater()

    async def retain(self, items: list[Any]) -> list[RecheckOutcome]:
        """Retain (or claim) each item's certificate for its lead with its vendor, without asking; then refresh."""
        self.retain_button.setEnabled(False)
        self.status.setText(f"Retaining {len(items)}…")
        outcomes: list[RecheckOutcome] = []
        try:
            for item in items:
                lead = self.service.store.lead(item.lead_id)
                if lead is None or item.vendor not in recheck_plan(lead):
                    outcomes.append(RecheckOutcome(item.vendor, refused="The lead has no certificate to retain."))
                    continue
                outcomes.extend(await recheck_lead(self.service, lead, [item.vendor]))
        finally:
            await self.refresh()
            self._on_selection()
        failed = sum(1 for o in outcomes if o.failed)
        done = len(outcomes) - failed
        self.status.setText(f"{done} retained" + (f", {failed} failed (see the lead's history)" if failed else "."))
        return outcomes

    async def set_automatic(self, on: bool) -> bool:
        """The automatic option: on asks first (how many are due, what they cost at the set price; window-modal),
        then saves the choice and starts the retainer; off saves it and stops it. Returns whether it is on."""
        settings = self.service.settings
        if not on:
            self.retainer.stop()
            if settings.get(SETTING):
                settings.set(SETTING, False)
            self.auto_box.setChecked(False)
            return False
        try:
            due = await self.retainer.due()
        except LeadcheckError as exc:
            self.status.setText(str(exc))
            due = None
        accepted = False
        if due is not None:
            price = float(settings.prices().get("trustedform", 0.0))
            cap = float(settings.caps().get("trustedform", 0.0))
            text = confirmation_text(len(due), price, cap, lapsed=self._lapsed())
            accepted = await self._ask("Retain automatically?", text, "Retain automatically")
        self.auto_box.setChecked(accepted)
        if accepted:
            settings.set(SETTING, True)
            self.retainer.start()
        return accepted

    def _lapsed(self) -> int:
        return sum(1 for d in self.model.rows if d.vendor == "trustedform" and d.kind == "retain" and d.hours_left < 0)

    def automatic_due(self) -> list[Any]:
        """The listed items an automatic round would retain."""
        return due_for_auto(self.model.rows, self.retainer.tried)

    def _on_auto(self, checked: bool) -> None:
        spawn(self.set_automatic(checked))

    def _on_auto_status(self, text: str) -> None:
        self.auto_status.setText(text)
        self.auto_status.setVisible(bool(text))

    def _on_auto_round(self, retained: int) -> None:
        if retained and self.isVisible():
            spawn(self.refresh())

    def _on_retain(self) -> None:
        spawn(self.ask_retain())

    def _on_refresh(self) -> None:
        spawn(self.refresh())

    def _on_selection(self, *_args: Any) -> None:
        self.retain_button.setEnabled(bool(self.view.selectionModel().selectedRows()))
