"""Batch features wired into the main window: import, check, resume, export, suppression files.

:class:`BatchFeature` is built by :class:`~desktop_app.app.AppSession` once the Leads tab exists. It adds to
the File menu (Import leads…, Check leads…, Export results…, Export suppression list…, Import suppression
file…), docks the :class:`~desktop_app.ui.batch.panel.BatchPanel` under the tabs, accepts a CSV dropped
anywhere on the window, refreshes the lead table (throttled) while results arrive, and at start-up offers to
resume a batch a crash left unfinished (:meth:`BatchFeature.offer_resume`).

Heavy work stays off the GUI thread or is chunked: CSV detection and suppression-file parsing run on worker
threads; imports commit one chunk per loop turn; exports read on a worker thread's own connection; a batch's
item commits happen on its writer thread, one at a time, each awaited by the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.exports import SuppressionImport
from desktop_app.imports import ImportReport, inspect_csv
from desktop_app.store.lead_table import FlagFilter, read_ids
from desktop_app.ui.batch.check_dialog import BatchRequest, CheckLeadsDialog, LeadScope
from desktop_app.ui.batch.controller import BatchController
from desktop_app.ui.batch.export_dialog import ExportResultsDialog, ExportSuppressionDialog
from desktop_app.ui.batch.import_dialog import ImportDialog
from desktop_app.ui.batch.import_outcome import ImportOutcomeDialog
from desktop_app.ui.batch.panel import BatchPanel
from desktop_app.ui.leads.model import filter_label
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

SUPPRESSION_CHUNK = 5000
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def dropped_files(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    """The local files a drag carries."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class BatchFeature(QObject):
    """Imports, batches, exports and suppression files for ``window``, over ``service`` (a CheckService).

    Signals:
        import_finished(object): an import ended; its :class:`~desktop_app.imports.ImportReport`.
        message_shown(str): a problem message box was shown (its text), e.g. a file that is not a CSV.
    """

    import_finished = Signal(object)
    message_shown = Signal(str)

    def __init__(self, window: MainWindow, service: Any, *, folder: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.store = service.store
        self.folder = folder or Path.home()
        self.controller = BatchController(service, self)
        self.panel = BatchPanel(self.controller)
        self.dock = window.add_panel(self.panel, "Batch", visible=False)
        self.last_import: ImportReport | None = None
        self.dialogs: list[Any] = []  # open non-modal dialogs (kept referenced; tests inspect them)
        self.last_message: QMessageBox | None = None

        self.import_action = self._action("&Import leads…", "Ctrl+I", self._on_import_action, "Import leads from a CSV")
        self.check_action = self._action(
            "&Check leads…", "Ctrl+Shift+K", self._on_check_action, "Check leads with the vendors you choose"
        )
        self.export_results_action = self._action(
            "&Export results…", "Ctrl+E", self._on_export_results, "Checked leads with each vendor's flag as CSV"
        )
        self.export_suppression_action = self._action(
            "Export &suppression list…", None, self._on_export_suppression, "Phones/emails not to contact"
        )
        self.import_suppression_action = self._action(
            "Import suppression &file…", None, self._on_import_suppression, "Add a Consent Control suppression file"
        )
        for action in (
            self.import_action,
            self.check_action,
            self.export_results_action,
            self.export_suppression_action,
            self.import_suppression_action,
        ):
            window.add_file_action(action)

        window.setAcceptDrops(True)
        window.installEventFilter(self)
        self.controller.results_changed.connect(self._on_results_changed)
        self.controller.started.connect(self._on_batch_started)
        self.controller.finished.connect(self._on_batch_finished)
        self.panel.export_requested.connect(self._on_export_batch)
        self.panel.red_leads_requested.connect(self._on_red_leads)
        self.panel.suppression_requested.connect(self.open_export_suppression)

    # -- import ---------------------------------------------------------------------------------------------

    async def import_file(self, path: str | Path) -> ImportDialog | None:
        """Look at ``path`` off the GUI thread and open the mapping dialog; None (and a message) if unusable."""
        path = Path(path)
        self.window.statusBar().showMessage(f"Reading {path.name}…")
        try:
            preview = await asyncio.to_thread(inspect_csv, path)
        except LeadcheckError as exc:
            self.show_problem(f"Leadcheck cannot import {path.name}", str(exc))
            return None
        except (OSError, UnicodeError, MemoryError, ValueError) as exc:
            self.show_problem(f"Leadcheck cannot import {path.name}", f"The file could not be read: {exc}")
            return None
        finally:
            self.window.statusBar().clearMessage()
        dialog = ImportDialog(preview, self.store, self.window)
        dialog.imported.connect(self._on_imported)
        services = getattr(self.window, "services", None)
        if services is not None:  # the window's own new leads are not "from other seats" (ui/window_services)
            dialog.writing.connect(services.own_writes)
        self._keep(dialog)
        dialog.open()
        return dialog

    async def finish_import(self, report: ImportReport) -> ImportOutcomeDialog:
        """After an import: reload the lead table and show the outcome (bad rows with reasons)."""
        self.last_import = report
        outcome = ImportOutcomeDialog(report, self.store.location, self.window)
        outcome.check_requested.connect(self._on_check_imported)
        self._keep(outcome)
        outcome.open()
        self.import_finished.emit(report)
        if self.window.leads_tab is not None:
            await self.window.leads_tab.show_all()  # an old filter would hide the new leads
        return outcome

    # -- check ----------------------------------------------------------------------------------------------

    async def lead_scopes(self, lead_ids: Sequence[int] | None = None, import_id: int | None = None) -> list[LeadScope]:
        """The sets of leads the Check dialog offers, most specific first."""
        scopes: list[LeadScope] = []
        database = self.store.location
        if lead_ids is not None:
            name = Path(self.last_import.source_file).name if self.last_import is not None else "imported leads"
            scopes.append(
                LeadScope("import", f"The {len(lead_ids):,} leads from {name}", list(lead_ids), name, import_id)
            )
        elif self.last_import is not None and self.last_import.lead_ids:
            report = self.last_import
            name = Path(report.source_file).name
            scopes.append(
                LeadScope(
                    "import", f"The {len(report.lead_ids):,} leads from {name}", report.lead_ids, name, report.import_id
                )
            )
        tab = self.window.leads_tab
        if tab is not None:
            selected = tab.selected_lead_ids()
            query = tab.current_query()
            if query.text.strip() or query.flag_filter is not None:
                ids = await asyncio.to_thread(read_ids, database, query)
                what = filter_label(query.flag_filter) if query.flag_filter else f"matching “{query.text.strip()}”"
                scopes.append(LeadScope("filtered", f"The {len(ids):,} filtered leads ({what})", ids, "filtered leads"))
            if selected:
                scopes.append(LeadScope("selected", "The selected lead", selected, "selected lead"))
        all_ids = await asyncio.to_thread(read_ids, database)
        scopes.append(LeadScope("all", f"All {len(all_ids):,} leads", all_ids, "all leads"))
        return scopes

    async def open_check_dialog(
        self, lead_ids: Sequence[int] | None = None, import_id: int | None = None
    ) -> CheckLeadsDialog | None:
        """Open the Check leads dialog (counts filled in); None when a batch is already running."""
        if self.controller.busy:
            self.show_problem("A batch is running", "Wait for the running batch to finish, or cancel it first.")
            return None
        dialog = CheckLeadsDialog(self.controller, await self.lead_scopes(lead_ids, import_id), self.window)
        dialog.start_requested.connect(self._on_start_requested)
        self._keep(dialog)
        dialog.open()
        await dialog.update_plan()
        return dialog

    async def start_batch(self, request: BatchRequest) -> Any:
        """Run ``request`` in the panel (shown); returns the final BatchProgress or None."""
        self.dock.setVisible(True)
        return await self.panel.start(request)

    def offer_resume(self) -> Any:
        """At start-up: offer (in the panel, non-modal) to resume the newest unfinished batch; returns its info."""
        try:
            waiting = self.controller.resumable()
        except LeadcheckError:
            return None
        if not waiting or self.controller.busy:
            return None
        self.panel.show_resume_offer(waiting[0])
        self.dock.setVisible(True)
        return waiting[0]

    # -- export ---------------------------------------------------------------------------------------------

    def open_export_results(self, batch_id: int | None = None) -> ExportResultsDialog:
        batches = self.controller.runner.batches.batches(limit=30)
        dialog = ExportResultsDialog(self.store, batches, self.window, batch_id=batch_id, folder=self.folder)
        self._keep(dialog)
        dialog.open()
        return dialog

    def _on_red_leads(self) -> None:
        tab = self.window.leads_tab
        if tab is not None:
            self.window.tabs.setCurrentWidget(tab)
            spawn(tab.show_flag(FlagFilter("red")))

    def open_export_suppression(self) -> ExportSuppressionDialog:
        dialog = ExportSuppressionDialog(self.store, self.window, folder=self.folder)
        self._keep(dialog)
        dialog.open()
        return dialog

    async def import_suppression(self, path: str | Path) -> SuppressionImport | None:
        """Add a Consent Control suppression file to the local list: parsed off-thread, written on the loop."""
        from desktop_app.imports.optouts import suppression_from_file

        path = Path(path)
        try:
            entries = await asyncio.to_thread(suppression_from_file, path)
        except (LeadcheckError, OSError, UnicodeError, ValueError) as exc:
            self.show_problem(f"Leadcheck cannot import {path.name}", str(exc))
            return None
        source = f"Consent Control suppression file {path.name}"
        rows = [(e.kind, e.value, "imported", source) for e in entries]
        added = 0
        for start in range(0, len(rows), SUPPRESSION_CHUNK):
            added += self.store.add_suppression(rows[start : start + SUPPRESSION_CHUNK])
            await asyncio.sleep(0)
        outcome = SuppressionImport(len(entries), added, list(entries.problems))
        lines = [f"{outcome.read:,} phones/emails read, {outcome.added:,} new on the local suppression list."]
        for problem in outcome.problems[:20]:
            lines.append(f"Line {problem.row}: {problem.reason} (not added)")
        if len(outcome.problems) > 20:
            lines.append(f"… and {len(outcome.problems) - 20:,} more lines not added.")
        title = f"Suppression file {path.name} imported" if outcome.read else f"Nothing imported from {path.name}"
        self.show_problem(title, "\n".join(lines), icon=QMessageBox.Icon.Information)
        return outcome

    # -- messages -------------------------------------------------------------------------------------------

    def show_problem(self, title: str, text: str, *, icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> QMessageBox:
        """A non-modal message box (kept as ``last_message``)."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        self.last_message = box
        box.open()
        self.message_shown.emit(text)
        return box

    # -- Qt overrides ---------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Accept a CSV dragged onto the window; import it when dropped."""
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and isinstance(event, QDragEnterEvent | QDropEvent):
            if dropped_files(event):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            files = dropped_files(event)
            if files:
                event.acceptProposedAction()
                self.import_dropped(files)
                return True
        return super().eventFilter(watched, event)

    def import_dropped(self, files: Sequence[Path]) -> None:
        """Import the first dropped file (one mapping at a time); say so when several were dropped."""
        if len(files) > 1:
            self.window.statusBar().showMessage(f"Importing {files[0].name}; drop the other files one at a time.", 8000)
        spawn(self.import_file(files[0]))

    # -- slots (one-line adapters) ---------------------------------------------------------------------------

    def _on_import_action(self) -> None:
        self._pick_file("Import leads", "CSV files (*.csv *.txt *.tsv);;All files (*)", self._on_lead_file)

    def _on_lead_file(self, path: str) -> None:
        spawn(self.import_file(path))

    def _on_imported(self, report: ImportReport) -> None:
        spawn(self.finish_import(report))

    def _on_check_action(self) -> None:
        spawn(self.open_check_dialog())

    def _on_check_imported(self, lead_ids: list[int], import_id: int) -> None:
        spawn(self.open_check_dialog(lead_ids, import_id))

    def _on_start_requested(self, request: BatchRequest) -> None:
        spawn(self.start_batch(request))

    def _on_export_results(self) -> None:
        self.open_export_results()

    def _on_export_batch(self, batch_id: int) -> None:
        self.open_export_results(batch_id)

    def _on_export_suppression(self) -> None:
        self.open_export_suppression()

    def _on_import_suppression(self) -> None:
        self._pick_file("Import a suppression file", "CSV or text (*.csv *.txt);;All files (*)", self._on_supp_file)

    def _on_supp_file(self, path: str) -> None:
        spawn(self.import_suppression(path))

    def _on_results_changed(self) -> None:
        if self.window.leads_tab is not None:
            self.window.leads_tab.repaint_rows()  # the visible rows only: new flags as they arrive

    def _on_batch_started(self, _batch_id: int) -> None:
        self.dock.setVisible(True)
        self.check_action.setEnabled(False)

    def _on_batch_finished(self, _final: Any) -> None:
        self.check_action.setEnabled(True)
        if self.window.leads_tab is not None:
            self.window.leads_tab.repaint_rows()

    # -- internals ------------------------------------------------------------------------------------------

    def _action(self, text: str, shortcut: str | None, slot: Any, tip: str) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _pick_file(self, caption: str, filters: str, on_chosen: Any) -> None:
        dialog = QFileDialog(self.window, caption, str(self.folder), filters)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(on_chosen)
        self._keep(dialog)
        dialog.open()

    def _keep(self, dialog: Any) -> None:
        self.dialogs = [d for d in self.dialogs if d.isVisible()]
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self._forget(d))

    def _forget(self, dialog: Any) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
        dialog.deleteLater()
