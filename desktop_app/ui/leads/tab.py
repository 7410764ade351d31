"""The Leads tab (home): the lead table, its filters, a detail pane with each lead's history, and row actions.

Row actions (right-click, or the keys shown in the menu): re-check the lead with every vendor it has data for
(TrustedForm certificate, LeadiD token, Contact State certificate, phone for the litigator list), copy the
cell or the row, open the certificate in the browser, and save the consumer's evidence packet
(:mod:`desktop_app.packet`). Re-checks are planned and run by :mod:`desktop_app.jobs.recheck` and stored
against *this* lead.

Beside the tab: :mod:`.lead_view` (the table's view; :mod:`.flag_delegate` draws flag cells as chips),
:mod:`.model` (the table over SQLite; :mod:`.columns` and :mod:`.cells` say what it shows), :mod:`.detail` (the
selected lead), :mod:`.consumer_line` (the consumer line), :mod:`.message_line` (the message line) and
:mod:`.row_actions` (the row actions' wording and links). The batch feature uses only the public methods
(:meth:`LeadsTab.selected_lead_ids`, :meth:`LeadsTab.current_query`, :meth:`LeadsTab.show_flag`,
:meth:`LeadsTab.repaint_rows`, :meth:`LeadsTab.refresh`); the main window's change poller uses
:meth:`LeadsTab.show_changes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.jobs.recheck import RecheckOutcome, recheck_lead, recheck_plan, recheck_steps
from desktop_app.packet import PacketSummary, suggested_name, write_packet_in_window
from desktop_app.store.changes import Changes
from desktop_app.store.lead_table import FlagFilter, LeadQuery
from desktop_app.ui.leads.columns import (
    FLAG_COLUMNS,
    FLAG_FILTERS,
    FLAG_ROLE,
    HEADERS,
    VENDOR_TITLES,
    flag_filter_labels,
)
from desktop_app.ui.leads.consumer_line import ConsumerLine
from desktop_app.ui.leads.detail import LeadDetail
from desktop_app.ui.leads.lead_view import LeadTableView
from desktop_app.ui.leads.message_line import MessageLine
from desktop_app.ui.leads.model import LeadsModel
from desktop_app.ui.leads.recheck_dialog import RecheckDialog
from desktop_app.ui.leads.row_actions import certificate_link, lead_title, recheck_line
from desktop_app.ui.runtime import run_dialog, spawn
from desktop_app.vendors.errors import LeadcheckError


class LeadsTab(QWidget):
    """The home tab: filter bar, the lead table, the detail pane and a status line.

    Signals: none (it talks to the store and service it is given).
    """

    FILTER_DELAY_MS = 250

    def __init__(
        self,
        service: Any,
        parent: QWidget | None = None,
        *,
        open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.store = service.store
        self._open_url = open_url
        self._rechecking: set[int] = set()
        self.packet_dialog: QFileDialog | None = None  # while the packet's save dialog is open
        self.model = LeadsModel(self.store, self)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(
            "Find a consumer by phone (any layout) or email, or filter by name, supplier, certificate, token  (Ctrl+F)"
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter leads")
        self.filter_edit.setToolTip(
            "Shows the leads whose name, phone, email, supplier, certificate or token contain this"
        )
        self.flag_combo = QComboBox()
        self.flag_combo.addItems(flag_filter_labels())
        self.flag_combo.setAccessibleName("Filter by flag")
        self.flag_combo.setToolTip("Show only leads with this flag (the latest check of each vendor)")
        self.flag_combo.setMinimumContentsLength(22)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Lead count")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the leads again from the database (F5)")
        self.refresh_button.setShortcut(QKeySequence(Qt.Key.Key_F5))

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 3)
        bar.addWidget(self.flag_combo, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.refresh_button)

        self.view = LeadTableView(self.model, self.fontMetrics().height() + 10)
        self.flag_delegate = self.view.flag_delegate

        self.detail = LeadDetail(self.store)
        self.recheck_dialog: RecheckDialog | None = None  # while a re-check asks first
        self.message_box = MessageLine()
        self.message_title = self.message_box.title
        self.message = self.message_box.message
        self.message_close = self.message_box.close_button

        self.consumer = ConsumerLine(self.store.lookup)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message_box)
        layout.addWidget(self.consumer)
        layout.addWidget(split, 1)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(self.FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._on_filter_timer)
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.flag_combo.currentIndexChanged.connect(self._on_flag_changed)
        self.refresh_button.clicked.connect(self._on_refresh)
        self.model.loading_changed.connect(self._on_loading)
        self.model.loaded.connect(self._on_loaded)
        self.model.load_failed.connect(self.show_error)
        self.model.modelReset.connect(self._restore_selection)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.setTabOrder(self.filter_edit, self.flag_combo)
        self.setTabOrder(self.flag_combo, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.view)
        self.setTabOrder(self.view, self.detail.history)
        self._selected_lead: int | None = None
        self._update_count()

    # -- public API -----------------------------------------------------------------------------------------

    async def open(self) -> int:
        """Load the table (first page at once, the rest off-thread); returns the number of leads."""
        return await self.model.reload()

    async def refresh(self) -> int:
        """Re-read the leads (new imports, changed flags), keeping the rows on screen while it loads; the detail
        keeps its lead (and the check selected in its history) while the lead is still listed."""
        self.model.refresh()
        count = await self.model.reload(keep_rows=True)
        self._follow_list()
        self.detail.show_lead(self._selected_lead)
        return count

    async def show_all(self) -> int:
        """Clear the filter text and the flag filter and re-read every lead (after an import: the new leads show)."""
        self.model.refresh()
        return await self.apply_filter(text="", flag_index=0)

    async def apply_filter(self, text: str | None = None, flag_index: int | None = None) -> int:
        """Filter by ``text`` and/or the flag filter at ``flag_index`` of :data:`FLAG_FILTERS`; returns the count."""
        if text is not None and text != self.filter_edit.text():
            self.filter_edit.setText(text)
        if flag_index is not None and flag_index != self.flag_combo.currentIndex():
            self.flag_combo.blockSignals(True)
            self.flag_combo.setCurrentIndex(flag_index)
            self.flag_combo.blockSignals(False)
        self._filter_timer.stop()
        query = replace(
            self.model.query,
            text=self.filter_edit.text(),
            flag_filter=FLAG_FILTERS[self.flag_combo.currentIndex()],
        )
        self.show_consumer(query.text)
        count = await self.model.set_query(query)
        self._follow_list()
        return count

    def show_consumer(self, text: str) -> dict[str, Any] | None:
        """For a phone (any layout) or an email typed in the search: who the consumer is, how many leads were
        bought for them from whom, and their suppression entries, above the table. None for other text."""
        return self.consumer.show_consumer(text)

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def selected_lead_ids(self) -> list[int]:
        """The ids of the leads selected in the table."""
        rows = self.view.selectionModel().selectedRows()
        return [lead_id for row in rows if (lead_id := self.model.lead_id(row.row())) is not None]

    def current_query(self) -> LeadQuery:
        """What the table shows now: the filter text and the flag filter."""
        return self.model.query

    async def show_flag(self, flag_filter: FlagFilter) -> int:
        """Clear the filter text and show only the leads ``flag_filter`` matches; returns the count."""
        return await self.apply_filter(text="", flag_index=FLAG_FILTERS.index(flag_filter))

    def repaint_rows(self) -> None:
        """Show what the database holds now in the visible rows (a batch's new flags) without reloading."""
        self.model.refresh()

    def show_changes(self, changes: Changes) -> int:
        """Show what other seats (or ``leadcheck`` commands) stored, as :mod:`desktop_app.store.changes` found it:
        the kept rows of changed leads are read again, new leads join the table (at the top when it lists every
        lead newest first, the rows on screen staying where they are; otherwise the list is read again off the GUI
        thread), and the detail shows its lead again when it changed. Returns the rows inserted."""
        if changes.changed_leads is None:
            self.model.refresh()
        elif changes.changed_leads:
            self.model.refresh_leads(changes.changed_leads)
        scroll = self.view.verticalScrollBar()
        before = scroll.value()
        added = self.model.add_new_leads(changes.new_lead_ids)
        if added > 0 and before > 0 and self.model.query.descending:  # rows went in above the ones on screen
            self.view.updateGeometries()
            scroll.setValue(before + added)
        self._update_count()
        lead = self._selected_lead
        if lead is not None and (changes.changed_leads is None or lead in changes.changed_leads):
            self.detail.show_lead(lead)
        return max(added, 0)

    def select_lead(self, lead_id: int) -> bool:
        row = self.model.row_of(lead_id)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def select_first(self, flag: str | None = "red") -> int | None:
        """Select the first visible lead with ``flag`` in any vendor column (else the first lead); returns its row."""
        rows = range(min(self.model.rowCount(), 200))
        chosen = next(
            (
                r
                for r in rows
                if flag and any(self.model.data(self.model.index(r, c), FLAG_ROLE) == flag for c in FLAG_COLUMNS)
            ),
            0 if rows else None,
        )
        if chosen is not None:
            self.view.selectRow(chosen)
        return chosen

    async def ask_recheck(self, lead_id: int) -> list[RecheckOutcome]:
        """Ask first (which vendors, which of them bill the call, when each last answered for this lead; a
        window-modal question, the loop runs on), then re-check with the vendors the buyer kept ticked."""
        lead = self.store.lead(lead_id)
        if lead is None or not recheck_plan(lead):
            return await self.recheck(lead_id)  # says why nothing can be sent
        history = [stored.result for stored, _counts in self.store.lead_history(lead_id)]
        dialog = RecheckDialog(lead_title(lead), recheck_steps(lead, history), self)
        self.recheck_dialog = dialog
        try:
            accepted = await run_dialog(dialog) == QDialog.DialogCode.Accepted
            vendors = dialog.chosen_vendors()
        finally:
            self.recheck_dialog = None
            dialog.deleteLater()
        return await self.recheck(lead_id, vendors) if accepted and vendors else []

    async def recheck(self, lead_id: int, vendors: list[str] | None = None) -> list[RecheckOutcome]:
        """Re-check one lead with every vendor it has data for (of ``vendors``, when given), without asking; the
        table and history update afterwards and the message line says what each vendor answered."""
        lead = self.store.lead(lead_id)
        if lead is None:
            self.show_error("That lead is no longer in the database.", title="Re-check")
            return []
        plan = [v for v in recheck_plan(lead) if vendors is None or v in vendors]
        title = f"Re-check of {lead_title(lead)}"
        if not plan:
            self.show_error("This lead has no certificate, token or phone to check.", title=title)
            return []
        self._rechecking.add(lead_id)
        self.show_info(f"Re-checking with {', '.join(VENDOR_TITLES[v] for v in plan)}…", title=title)
        try:
            outcomes = await recheck_lead(self.service, lead, plan)
        finally:
            self._rechecking.discard(lead_id)
            self.model.refresh()
            if self._selected_lead == lead_id:
                self.detail.show_lead(lead_id)
        text = "\n".join(recheck_line(o) for o in outcomes)
        if any(o.failed for o in outcomes):
            self.show_error(text, title=title)
        else:
            self.show_info(text, title=title)
        return outcomes

    def copy_cell(self, row: int, column: int) -> str:
        text = self.model.cell_text(row, column)
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_row(self, row: int) -> str:
        text = self.model.row_text(row)
        QGuiApplication.clipboard().setText(text)
        return text

    def certificate_url(self, row: int) -> str | None:
        return certificate_link(self.model.row_values(row) or {})

    def open_certificate(self, row: int) -> str | None:
        """Open the lead's certificate (TrustedForm, else Contact State) in the browser; returns the URL."""
        url = self.certificate_url(row)
        if url:
            self._open_url(QUrl(url))
        return url

    def context_actions(self, index: QModelIndex) -> list[QAction]:
        """The right-click menu's actions for ``index`` (built here so tests can inspect them)."""
        row, column = index.row(), index.column()
        lead_id = self.model.lead_id(row)
        values = self.model.row_values(row) or {}
        actions = []
        recheck = QAction("Re-check this lead", self)
        plan = recheck_plan({"id": lead_id, **values}) if lead_id is not None else []
        recheck.setEnabled(bool(plan) and lead_id not in self._rechecking)
        recheck.setToolTip(
            "Asks first, then runs " + ", ".join(VENDOR_TITLES[v] for v in plan) + " again"
            if plan
            else "This lead has nothing to check"
        )
        if lead_id is not None:
            recheck.triggered.connect(lambda: spawn(self.ask_recheck(lead_id)))
        copy_cell = QAction(f"Copy {HEADERS[column]}", self)
        copy_cell.triggered.connect(lambda: self.copy_cell(row, column))
        copy_row = QAction("Copy row", self)
        copy_row.triggered.connect(lambda: self.copy_row(row))
        open_cert = QAction("Open certificate in browser", self)
        open_cert.setEnabled(self.certificate_url(row) is not None)
        open_cert.triggered.connect(lambda: self.open_certificate(row))
        packet = QAction("Evidence packet…", self)
        consumer = values.get("phone") or values.get("email")
        packet.setEnabled(bool(consumer))
        packet.setToolTip("Save everything stored about this consumer as a ZIP for counsel (report, checks, leads)")
        if consumer:
            packet.triggered.connect(lambda: spawn(self.save_packet(consumer)))
        actions.extend([recheck, copy_cell, copy_row, open_cert, packet])
        return actions

    async def save_packet(self, value: str) -> PacketSummary | None:
        """Ask where to save the evidence packet of the consumer behind ``value`` (a window-modal chooser: the loop
        goes on meanwhile), then write it."""
        dialog = QFileDialog(self, "Save the evidence packet", str(Path.home() / suggested_name(value)), "ZIP (*.zip)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("zip")
        self.packet_dialog = dialog
        try:
            accepted = await run_dialog(dialog) == QDialog.DialogCode.Accepted
            files = dialog.selectedFiles() if accepted else []
        finally:
            self.packet_dialog = None
            dialog.deleteLater()
        return await self.write_packet(value, Path(files[0])) if files else None

    async def write_packet(self, value: str, path: Path) -> PacketSummary | None:
        """Write the packet (reads and ZIP off the GUI thread, the PDF on it) and say where in the message line."""
        title = "Evidence packet"
        self.show_info(f"Writing the evidence packet for {value}…", title=title)
        try:
            summary = await write_packet_in_window(self.store, value, path)
        except (LeadcheckError, OSError) as exc:
            self.show_error(f"The evidence packet was not written: {exc}", title=title)
            return None
        self.show_info(f"{summary.line()}. {summary.head_line()}", title=title)
        return summary

    def show_error(self, text: str, *, title: str = "Leads") -> None:
        """Show ``text`` under ``title`` in the message line, as a problem; it stays until closed or replaced."""
        self.message_box.show_error(text, title)

    def show_info(self, text: str, *, title: str = "Leads") -> None:
        self.message_box.show_info(text, title)

    def close_message(self) -> None:
        self.message_box.close_message()

    def close_model(self) -> None:
        self.model.close()

    # -- slots (one-line adapters) ---------------------------------------------------------------------------

    def _on_filter_timer(self) -> None:
        spawn(self.apply_filter())

    def _on_flag_changed(self, _index: int) -> None:
        spawn(self.apply_filter())

    def _on_refresh(self) -> None:
        spawn(self.refresh())

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        for action in self.context_actions(index):
            menu.addAction(action)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # -- internals ------------------------------------------------------------------------------------------

    def _follow_list(self) -> None:
        """The detail shows only a lead the table lists: one filtered out (or deleted) leaves it."""
        if self._selected_lead is not None and self.model.complete and self.model.row_of(self._selected_lead) is None:
            self._selected_lead = None
            self.view.clearSelection()
            self.detail.show_lead(None)

    def _on_loading(self, loading: bool) -> None:
        self._update_count(loading)

    def _on_loaded(self, _count: int) -> None:
        self._update_count()

    def _update_count(self, loading: bool = False) -> None:
        count = self.model.rowCount()
        if loading and not self.model.complete:
            self.count_label.setText("Loading…" if not count else f"{count:,}+ leads, loading…")
        elif loading:
            self.count_label.setText(f"{count:,} leads, updating…")
        else:
            self.count_label.setText(f"{count:,} lead{'s' if count != 1 else ''}")

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        lead_id = self.model.lead_id(current.row()) if current.isValid() else None
        if lead_id != self._selected_lead:
            self._selected_lead = lead_id
            self.detail.show_lead(lead_id)

    def _restore_selection(self) -> None:
        if self._selected_lead is not None and self.model.complete:
            self.select_lead(self._selected_lead)
