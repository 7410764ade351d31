"""The "Check leads" dialog: which leads, which vendors, how many calls at once, and whether to check again.

:class:`CheckLeadsDialog` asks which leads (the last import, every lead, the filtered ones, the selected one),
which vendors — each with its number of leads that have the data it needs and its own concurrency — and
whether pairs already answered are checked again (paid again). Before anything is spent it shows, per vendor and
in total, the calls that would be sent and what they would cost at the prices in Settings
(:meth:`~desktop_app.jobs.runner.BatchRunner.estimate`, read off the GUI thread for both re-check choices, so
ticking a vendor or re-check updates it at once; already answered pairs cost 0). Start emits a
:class:`BatchRequest` that the panel (:mod:`.panel`) runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.jobs import BATCH_VENDORS, BatchPlan
from desktop_app.jobs.spending import cap_pauses
from desktop_app.ui.batch.controller import CONCURRENCY_LIMITS, BatchController
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.registry import VENDOR_LABELS, VENDORS
from desktop_app.vendors.registry import vendor as vendor_facts

VENDOR_TASKS = {v.key: (f"{v.label} — {v.batch_task}", v.batch_needs) for v in VENDORS if v.batchable}
DEFAULT_VENDORS = BATCH_VENDORS


@dataclass(frozen=True)
class LeadScope:
    """A set of leads the buyer can check: its label and ids (an import's, every lead, the filtered ones...)."""

    key: str
    label: str
    lead_ids: Sequence[int]
    name: str = ""
    import_id: int | None = None


@dataclass(frozen=True)
class BatchRequest:
    """What :class:`CheckLeadsDialog` asks the panel to run."""

    lead_ids: Sequence[int]
    vendors: tuple[str, ...]
    name: str
    recheck: bool = False
    concurrency: dict[str, int] = field(default_factory=dict)
    import_id: int | None = None


def money(value: float) -> str:
    """A cost in dollars: "$1,234.50"; a fraction of a cent keeps its digits ("$0.005")."""
    return f"${value:,.2f}" if value == 0 or value >= 0.01 else f"${value:.4f}".rstrip("0")


def vendor_estimate_text(entry: dict[str, Any] | None) -> str:
    """One vendor's line of the estimate: "12 calls · $3.00" (and "4 cached" when some are already answered)."""
    if entry is None:
        return "—"
    calls, cached = int(entry["calls"]), int(entry["cached"])
    text = f"{calls:,} call{'s' if calls != 1 else ''} · {money(float(entry['cost']))}"
    return text + (f" ({cached:,} cached, $0)" if cached else "")


def total_estimate_text(estimate: dict[str, Any], vendors: Sequence[str]) -> str:
    """The estimate over the ticked vendors: total cost and calls."""
    chosen = [estimate["vendors"][v] for v in vendors if v in estimate["vendors"]]
    cost = sum(float(e["cost"]) for e in chosen)
    calls = sum(int(e["calls"]) for e in chosen)
    return f"Estimated cost: {money(cost)} for {calls:,} call{'s' if calls != 1 else ''} (at the prices in Settings)"


def plan_summary(plan: BatchPlan, vendors: Sequence[str], *, recheck: bool) -> str:
    """What Start would do, in the buyer's terms: calls sent, and pairs already answered (cached, not paid again)."""
    total = sum(plan.items[v] for v in vendors)
    send = plan.to_send(vendors, recheck=recheck)
    leads = f"{plan.leads:,} lead{'s' if plan.leads != 1 else ''}"
    if recheck:
        answered = total - plan.to_send(vendors)
        again = f", {answered:,} of them answered before and paid again" if answered else ""
        return f"{send:,} call{'s' if send != 1 else ''} to send over {leads}{again}."
    cached = total - send
    if not send:
        return f"Nothing to send: all {total:,} checks over {leads} are already answered (cached, not paid again)."
    return f"{send:,} call{'s' if send != 1 else ''} to send over {leads}" + (
        f"; {cached:,} already answered (cached, not paid again)." if cached else "."
    )


class CheckLeadsDialog(QDialog):
    """Choose leads, vendors, per-vendor concurrency and re-checking; then start.

    Signals:
        start_requested(object): the buyer pressed Start; a :class:`BatchRequest`.
    """

    start_requested = Signal(object)

    def __init__(self, controller: BatchController, scopes: Sequence[LeadScope], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check leads")
        self.controller = controller
        self.scopes = list(scopes)
        self.plan: BatchPlan | None = None
        self.estimates: dict[bool, dict[str, Any]] | None = None

        self.scope_combo = QComboBox()
        for scope in self.scopes:
            self.scope_combo.addItem(scope.label, scope.key)
        self.scope_combo.setAccessibleName("Leads to check")
        self.scope_combo.setToolTip("Which leads this batch checks")

        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Vendor</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Leads with the data</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Estimated cost</b>"), 0, 2)
        grid.addWidget(QLabel("<b>Parallel calls</b>"), 0, 3)
        self.vendor_checks: dict[str, QCheckBox] = {}
        self.plan_labels: dict[str, QLabel] = {}
        self.estimate_labels: dict[str, QLabel] = {}
        self.concurrency_spins: dict[str, QSpinBox] = {}
        for row, vendor in enumerate(BATCH_VENDORS, start=1):
            title, needs = VENDOR_TASKS[vendor]
            check = QCheckBox(title)
            check.setChecked(vendor in DEFAULT_VENDORS)
            check.setToolTip(f"Checks every chosen lead that has {needs}")
            counts = QLabel("…")
            counts.setToolTip(f"Leads without {needs} are skipped for this vendor")
            spin = QSpinBox()
            spin.setRange(1, CONCURRENCY_LIMITS.get(vendor, 32))
            spin.setValue(controller.default_concurrency(vendor))
            spin.setAccessibleName(f"{VENDOR_LABELS[vendor]} parallel calls")
            rate_limit = vendor_facts(vendor).rate_limit
            spin.setToolTip(
                "Calls in flight at once for this vendor"
                + (f" ({VENDOR_LABELS[vendor]} allows {rate_limit})" if rate_limit else "")
            )
            cost = QLabel("…")
            cost.setAccessibleName(f"{VENDOR_LABELS[vendor]} estimated cost")
            cost.setToolTip("Calls this vendor would get (one per distinct call) and what they cost; cached pairs $0")
            grid.addWidget(check, row, 0)
            grid.addWidget(counts, row, 1)
            grid.addWidget(cost, row, 2)
            grid.addWidget(spin, row, 3)
            self.estimate_labels[vendor] = cost
            self.vendor_checks[vendor] = check
            self.plan_labels[vendor] = counts
            self.concurrency_spins[vendor] = spin
            check.toggled.connect(self._update_start)
        grid.setColumnStretch(1, 1)

        self.recheck_check = QCheckBox("Re-check even if already answered (each of those calls is paid again)")
        self.recheck_check.setToolTip(
            "Off: a certificate already retained, a token already audited or a phone checked recently is shown "
            "as cached and not sent again"
        )
        self.recheck_check.toggled.connect(self._update_start)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.estimate_total = QLabel()
        self.estimate_total.setAccessibleName("Estimated cost")
        self.cap_note = QLabel()  # a vendor's daily cap that this batch would reach (it then pauses)
        self.cap_note.setObjectName("infoMessage")
        self.cap_note.setWordWrap(True)
        self.cap_note.setAccessibleName("Daily spending caps")
        self.cap_note.setVisible(False)
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        scope_row = QHBoxLayout()
        scope_row.addWidget(QLabel("Check:"))
        scope_row.addWidget(self.scope_combo, 1)
        layout.addLayout(scope_row)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addSpacing(6)
        layout.addWidget(self.recheck_check)
        layout.addSpacing(6)
        layout.addWidget(self.estimate_total)
        layout.addWidget(self.cap_note)
        layout.addStretch(1)  # room the cap note leaves when it hides: the rows above and the buttons stay put
        layout.addSpacing(10)
        layout.addLayout(buttons)

        self.scope_combo.currentIndexChanged.connect(self._on_scope_changed)
        self.start_button.clicked.connect(self.request_start)
        self.cancel_button.clicked.connect(self.reject)
        self.resize(820, self.sizeHint().height())
        self._update_start()

    # -- public API -----------------------------------------------------------------------------------------

    @property
    def scope(self) -> LeadScope | None:
        index = self.scope_combo.currentIndex()
        return self.scopes[index] if 0 <= index < len(self.scopes) else None

    def chosen_vendors(self) -> tuple[str, ...]:
        return tuple(v for v in BATCH_VENDORS if self.vendor_checks[v].isChecked())

    async def update_plan(self) -> BatchPlan | None:
        """Count, per vendor, the chosen leads that have the data it needs (planned in chunks on the loop)."""
        scope = self.scope
        self.start_button.setEnabled(False)
        for label in self.plan_labels.values():
            label.setText("counting…")
        try:
            if scope is None:
                self.plan = None
                return None
            plan, _items = await self.controller.plan(scope.lead_ids, BATCH_VENDORS, with_answered=True)
            if scope is not self.scope:  # the buyer picked another set meanwhile
                return self.plan
            if self.plan is None:  # the first count: untick vendors none of these leads has data for
                for vendor, check in self.vendor_checks.items():
                    check.setChecked(check.isChecked() and plan.items[vendor] > 0)
            self.plan = plan
            for vendor, label in self.plan_labels.items():
                skipped, answered = plan.skipped[vendor], plan.answered.get(vendor, 0)
                notes = [f"{answered:,} already answered"] if answered else []
                notes += [f"{skipped:,} without it"] if skipped else []
                label.setText(f"{plan.items[vendor]:,}" + (f"  ({', '.join(notes)})" if notes else ""))
            self._update_start()
            await self.update_estimate()
            return plan
        finally:
            self._update_start()

    async def update_estimate(self) -> dict[bool, dict[str, Any]] | None:
        """What each vendor's calls would cost for the chosen leads, with and without re-checking (off the GUI
        thread); the labels then follow the ticks without reading again."""
        scope = self.scope
        self.estimates = None
        for label in self.estimate_labels.values():
            label.setText("estimating…")
        self.estimate_total.setText("Estimating the cost…")
        if scope is None:
            return None
        try:
            estimates = await self.controller.estimate(scope.lead_ids, BATCH_VENDORS)
        except LeadcheckError as exc:
            self.estimate_total.setText(f"No estimate: {exc}")
            return None
        if scope is not self.scope:  # another set was picked meanwhile; its own estimate follows
            return None
        self.estimates = estimates
        self._show_estimate()
        return estimates

    def request(self) -> BatchRequest | None:
        """The batch the dialog describes, or None when it would check nothing."""
        scope = self.scope
        vendors = self.chosen_vendors()
        if scope is None or not vendors:
            return None
        return BatchRequest(
            lead_ids=scope.lead_ids,
            vendors=vendors,
            name=scope.name or scope.label,
            recheck=self.recheck_check.isChecked(),
            concurrency={v: self.concurrency_spins[v].value() for v in vendors},
            import_id=scope.import_id,
        )

    def request_start(self) -> BatchRequest | None:
        request = self.request()
        if request is not None:
            self.start_requested.emit(request)
            self.accept()
        return request

    # -- internals ------------------------------------------------------------------------------------------

    def _on_scope_changed(self, _index: int) -> None:
        spawn(self.update_plan())

    def _show_estimate(self) -> None:
        if self.estimates is None:
            return
        estimate = self.estimates[self.recheck_check.isChecked()]
        vendors = self.chosen_vendors()
        for vendor, label in self.estimate_labels.items():
            label.setText(vendor_estimate_text(estimate["vendors"].get(vendor)) if vendor in vendors else "not sent")
        self.estimate_total.setText(total_estimate_text(estimate, vendors) if vendors else "")
        self.cap_note.setText("\n".join(cap_pauses(estimate, vendors)))
        self.cap_note.setVisible(bool(self.cap_note.text()))
        if self.cap_note.isVisibleTo(self) and self.height() < self.sizeHint().height():
            self.resize(self.width(), self.sizeHint().height())  # room for the note without squeezing the rows

    def _update_start(self, *_args: Any) -> None:
        self._show_estimate()
        vendors = self.chosen_vendors()
        plan = self.plan
        total = sum(plan.items[v] for v in vendors) if plan is not None else 0
        self.start_button.setEnabled(plan is not None and total > 0)
        if plan is None:
            self.summary.setText("")
        elif not vendors:
            self.summary.setText("Choose at least one vendor.")
        else:
            self.summary.setText(plan_summary(plan, vendors, recheck=self.recheck_check.isChecked()))
