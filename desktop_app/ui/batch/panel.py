"""A running batch in the window: the progress panel docked under the tabs.

:class:`BatchPanel` runs what the "Check leads" dialog (:mod:`.check_dialog`) asked for and shows it: a
progress bar; done / failed / cached / remaining; rate and ETA; one line per vendor; Pause, Resume, Cancel;
and, at start-up, the offer to resume a batch a crash (or a pause, a stop) left unfinished.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.jobs import BatchProgress, RunState
from desktop_app.jobs.events import format_duration
from desktop_app.store.batches import BatchInfo, BatchStore
from desktop_app.ui.batch.check_dialog import BatchRequest
from desktop_app.ui.batch.controller import BatchBusy, BatchController
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.registry import VENDOR_LABELS
from desktop_app.verdict import count_line

STATE_WORDS = {
    RunState.RUNNING: "Running",
    RunState.PAUSED: "Paused",
    RunState.CANCELLING: "Cancelling (finishing the calls in flight)…",
    RunState.DONE: "Finished",
    RunState.CANCELLED: "Cancelled",
    RunState.STOPPED: "Stopped",
    RunState.CAPPED: "Paused at the daily cap",
    RunState.INTERRUPTED: "Interrupted",
}


def counts_text(progress: BatchProgress) -> str:
    """The panel's counts line: completed of total, done, failed, cached, remaining; rate and ETA while running."""
    text = (
        f"{progress.completed:,} of {progress.total:,} · done {progress.done:,} · failed {progress.failed:,} · "
        f"cached {progress.cached:,} · remaining {progress.remaining:,}"
    )
    if progress.state is RunState.RUNNING and progress.remaining:
        rate = f"{progress.rate:.1f} checks/s" if progress.rate else "– checks/s"
        eta = progress.eta_seconds
        text += f" · {rate} · " + (f"about {format_duration(eta)} left" if eta is not None else "ETA –")
    return text


def vendor_text(progress: BatchProgress) -> str:
    parts = []
    for vendor, lane in progress.vendors.items():
        label = VENDOR_LABELS.get(vendor, vendor)
        completed = lane.done + lane.failed + lane.cached
        extra = f", {lane.failed:,} failed" if lane.failed else ""
        extra += " — paused at its daily cap" if lane.capped else " — stopped" if lane.stopped else ""
        parts.append(f"{label} {completed:,}/{lane.total:,}{extra}")
    return "   ·   ".join(parts)


class BatchPanel(QWidget):
    """The batch progress panel (docked under the tabs) and the resume offer.

    Signals:
        export_requested(int): the buyer wants the results CSV of batch ``id``.
        red_leads_requested(): the buyer wants the lead table filtered to red leads.
        suppression_requested(): the buyer wants to export the suppression list.
    """

    export_requested = Signal(int)
    red_leads_requested = Signal()
    suppression_requested = Signal()

    def __init__(self, controller: BatchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchPanel")
        self.setWindowTitle("Batch")
        self.controller = controller
        self.batch_id: int | None = None
        self.batch_name = ""
        self.progress: BatchProgress | None = None
        self._shown_failures = 0

        self.offer = QFrame()
        self.offer.setObjectName("resumeOffer")
        self.offer.setFrameShape(QFrame.Shape.StyledPanel)
        self.offer_label = QLabel()
        self.offer_label.setWordWrap(True)
        self.offer_resume_button = QPushButton("Resume")
        self.offer_resume_button.setToolTip("Finish the batch; checks already answered are not sent (or paid) again")
        self.offer_dismiss_button = QPushButton("Not now")
        self.offer_dismiss_button.setToolTip("Leadcheck offers it again next time it starts")
        offer_layout = QHBoxLayout(self.offer)
        offer_layout.setContentsMargins(8, 4, 8, 4)
        offer_layout.addWidget(self.offer_label, 1)
        offer_layout.addWidget(self.offer_resume_button)
        offer_layout.addWidget(self.offer_dismiss_button)
        self.offer.setVisible(False)
        self._offered: BatchInfo | None = None

        self.title = QLabel("No batch is running. Drop a CSV on the window, or use File → Check leads…")
        self.title.setObjectName("sectionTitle")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setAccessibleName("Batch progress")
        self.bar.setMinimumWidth(260)
        self.counts = QLabel()
        self.counts.setAccessibleName("Batch counts")
        self.counts.setToolTip(
            "done: answered in this batch · failed: the call failed (see the message) · cached: answered before, "
            "not paid again · remaining: still to send"
        )
        self.lanes = QLabel()
        self.lanes.setAccessibleName("Progress per vendor")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Send no new calls; the ones in flight finish and are stored")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Carry on; nothing already answered is sent again")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the batch; it can be resumed later from here")
        self.retry_button = QPushButton("Retry failed")
        self.retry_button.setToolTip("Send the failed checks again (after fixing a key, say)")
        self.export_button = QPushButton("Export results…")
        self.export_button.setToolTip("Write this batch's leads with every vendor's flag, reason and date as CSV")
        self.red_button = QPushButton("See red leads")
        self.red_button.setToolTip("Show only the red leads in the lead table, with why each is red")
        self.red_button.setVisible(False)
        self.suppression_button = QPushButton("Export suppression list…")
        self.suppression_button.setToolTip("Write the phones and emails not to contact, for your dialler")
        self.suppression_button.setVisible(False)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        for button in (self.pause_button, self.resume_button, self.cancel_button, self.retry_button):
            top.addWidget(button)
        top.addWidget(self.export_button)
        verdict_row = QHBoxLayout()
        self.verdicts = QLabel()
        self.verdicts.setAccessibleName("Batch verdicts")
        self.verdicts.setObjectName("sectionTitle")
        verdict_row.addWidget(self.verdicts, 1)
        verdict_row.addWidget(self.red_button)
        verdict_row.addWidget(self.suppression_button)
        row = QHBoxLayout()
        row.addWidget(self.bar, 2)
        row.addWidget(self.counts, 5)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.offer)
        layout.addLayout(top)
        layout.addLayout(row)
        layout.addWidget(self.lanes)
        layout.addLayout(verdict_row)
        layout.addWidget(self.message)

        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self._on_resume)
        self.cancel_button.clicked.connect(self.cancel)
        self.retry_button.clicked.connect(self._on_retry)
        self.export_button.clicked.connect(self._on_export)
        self.red_button.clicked.connect(self.red_leads_requested)
        self.suppression_button.clicked.connect(self.suppression_requested)
        self.offer_resume_button.clicked.connect(self._on_offer_resume)
        self.offer_dismiss_button.clicked.connect(self.dismiss_offer)
        controller.started.connect(self._on_started)
        controller.progress.connect(self.show_progress)
        controller.state_changed.connect(self._on_state)
        controller.notice.connect(self.show_error)
        controller.failed.connect(self.show_error)
        controller.finished.connect(self._on_finished)
        self._update_buttons()

    # -- public API -----------------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """The shown run's state ("running", "paused", "done"...), "" when none was shown."""
        return self.progress.state.value if self.progress is not None else ""

    async def start(self, request: BatchRequest) -> BatchProgress | None:
        """Create and run the batch ``request`` describes; returns its final progress (None if it did not run)."""
        self.dismiss_offer()
        self.batch_name = request.name
        self.show_error("")
        self.title.setText(f"Preparing “{request.name}”: {len(request.lead_ids):,} leads…")
        self.controller.save_concurrency(request.concurrency)
        try:
            return await self.controller.start(
                request.lead_ids,
                request.vendors,
                name=request.name,
                recheck=request.recheck,
                concurrency=request.concurrency or None,
                import_id=request.import_id,
            )
        except BatchBusy as exc:
            self.show_error(str(exc))
            return None
        finally:
            self._update_buttons()

    async def resume_batch(self, batch_id: int, *, retry_failed: bool = False) -> BatchProgress | None:
        """Run an unfinished batch to its end (a crashed, cancelled, stopped or paused one)."""
        self.dismiss_offer()
        info = self.controller.batch_info(batch_id)
        self.batch_name = info.name if info is not None else ""
        self.show_error("")
        try:
            return await self.controller.run_batch(batch_id, retry_failed=retry_failed)
        except BatchBusy as exc:
            self.show_error(str(exc))
            return None
        finally:
            self._update_buttons()

    def show_resume_offer(self, info: BatchInfo) -> None:
        """Offer to resume ``info`` (non-modal, inside the panel)."""
        self._offered = info
        left = info.remaining
        vendors = ", ".join(VENDOR_LABELS.get(v, v) for v in info.vendors)
        paused = info.status == "paused"  # at a daily cap
        why = f" It {'paused' if paused else 'stopped'}: {info.stop_reason}" if info.stop_reason else ""
        self.offer_label.setText(
            f"<b>Batch {info.id} “{info.name}” did not finish</b>: {left:,} of {info.total:,} checks left "
            f"({vendors}). Resume it? Checks already answered are not sent again.{why}"
        )
        self.offer.setVisible(True)

    def dismiss_offer(self) -> None:
        self.offer.setVisible(False)

    @property
    def offered(self) -> BatchInfo | None:
        return None if self.offer.isHidden() else self._offered

    def pause(self) -> None:
        self.controller.pause()
        self._update_buttons()

    def resume(self) -> None:
        """Resume the paused run, or start a new run of the shown batch when it ended unfinished."""
        if self.controller.busy:
            self.controller.resume()
            self._update_buttons()
        elif self.batch_id is not None:
            spawn(self.resume_batch(self.batch_id))

    def cancel(self) -> None:
        self.controller.cancel()
        self._update_buttons()

    def show_progress(self, progress: BatchProgress) -> None:
        self.progress = progress
        self.batch_id = progress.batch_id
        total = max(progress.total, 1)
        # QProgressBar.setValue repaints synchronously, which also paints everything else pending (the lead
        # table after a refresh): with updates off it only schedules a paint, done in the next loop turn.
        self.bar.setUpdatesEnabled(False)
        if self.bar.maximum() != total:
            self.bar.setRange(0, total)
        self.bar.setValue(progress.completed)
        self.bar.setUpdatesEnabled(True)
        self.counts.setText(counts_text(progress))
        self.lanes.setText(vendor_text(progress))
        self.title.setText(f"Batch {progress.batch_id} “{self.batch_name}”: {STATE_WORDS[progress.state]}")
        self._show_failures(progress)
        self._update_buttons()

    def show_error(self, text: str) -> None:
        self._set_message(text, "errorMessage")

    def show_info(self, text: str) -> None:
        self._set_message(text, "infoMessage")

    # -- slots (one-line adapters) ---------------------------------------------------------------------------

    def _on_resume(self) -> None:
        self.resume()

    def _on_retry(self) -> None:
        if self.batch_id is not None:
            spawn(self.resume_batch(self.batch_id, retry_failed=True))

    def _on_export(self) -> None:
        if self.batch_id is not None:
            self.export_requested.emit(self.batch_id)

    def _on_offer_resume(self) -> None:
        if self._offered is not None:
            spawn(self.resume_batch(self._offered.id))

    # -- internals ------------------------------------------------------------------------------------------

    def _on_started(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self._shown_failures = 0
        info = self.controller.batch_info(batch_id)
        if info is not None:
            self.batch_name = info.name
        self.title.setText(f"Batch {batch_id} “{self.batch_name}”: starting…")
        self.verdicts.clear()
        self.red_button.setVisible(False)
        self.suppression_button.setVisible(False)
        self._update_buttons()

    def _on_state(self, _state: str) -> None:
        if self.controller.last_progress is not None:
            self.show_progress(self.controller.last_progress)
        self._update_buttons()

    def show_verdicts(self, batch_id: int) -> dict[str, int]:
        """The batch's leads by verdict ("195 leads: 12 red, 30 yellow, 153 green") and the next steps."""
        store = self.controller.service.store
        counts: dict[str, int] = store.verdict_counts(BatchStore(store).batch_lead_ids(batch_id))
        self.verdicts.setText(count_line(counts) + ".")
        attention = bool(counts.get("red") or counts.get("yellow"))
        self.red_button.setVisible(bool(counts.get("red")))
        self.suppression_button.setVisible(attention)
        return counts

    def _on_finished(self, final: BatchProgress | None) -> None:
        if final is not None:
            self.show_progress(final)
            self.show_verdicts(final.batch_id)
            if final.state is RunState.DONE and not final.failed:
                self.show_info(
                    f"Every check is done: {final.done:,} answered, {final.cached:,} cached (not paid again)."
                )
            elif final.state is RunState.CANCELLED:
                self.show_info(f"Cancelled with {final.remaining:,} checks left; press Resume to finish it later.")
            elif final.state is RunState.CAPPED:
                self.show_error(
                    f"Paused — {final.stop_reason} Caps are in File → Settings → Costs; press Resume once it is "
                    "raised, or tomorrow."
                )
            elif final.stop_reason:
                self.show_error(f"Stopped — {final.stop_reason} Fix it, then press Resume.")
        self._update_buttons()

    def _show_failures(self, progress: BatchProgress) -> None:
        if progress.failed == self._shown_failures or progress.stop_reason:
            return
        self._shown_failures = progress.failed
        last = self.controller.failures[-1] if self.controller.failures else None
        if last is not None:
            label = VENDOR_LABELS.get(last.vendor, last.vendor)
            self.show_error(
                f"{progress.failed:,} check{'s' if progress.failed != 1 else ''} failed (not flags; Retry failed "
                f"sends them again). Latest — {label}, {last.subject}: {last.message}"
            )

    def _set_message(self, text: str, name: str) -> None:
        self.message.setObjectName(name)
        self.message.setText(text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def _update_buttons(self) -> None:
        run = self.controller.run
        state = run.state if run is not None else None
        finished = run is None and self.progress is not None
        unfinished = finished and self.progress is not None and self.progress.remaining > 0
        self.pause_button.setEnabled(state is RunState.RUNNING)
        self.resume_button.setEnabled(state is RunState.PAUSED or bool(unfinished))
        self.cancel_button.setEnabled(state in (RunState.RUNNING, RunState.PAUSED))
        self.retry_button.setVisible(finished and self.progress is not None and self.progress.failed > 0)
        self.export_button.setEnabled(self.batch_id is not None and run is None)
