"""The question asked before a lead is re-checked: which vendors, which of them bill the call, when each last did.

:class:`RecheckDialog` lists the steps of :func:`desktop_app.jobs.recheck.recheck_steps`, one tick box per vendor
("TCPA Litigator — check the phone · billed by TCPA Litigator · already checked 3 minutes ago"). Prices are not
known to Leadcheck, so a paid call says who bills it and a free one says "free". Opened with
:func:`desktop_app.ui.runtime.run_dialog` (window-modal, no nested loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.jobs.recheck import RecheckStep
from desktop_app.vendors.registry import vendor as vendor_facts


def ago(iso: str, now: datetime | None = None) -> str:
    """How long before ``now`` an ISO time was, in words: "less than a minute ago", "3 minutes ago", "2 days ago"."""
    try:
        then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return f"on {iso}"
    then = then if then.tzinfo else then.replace(tzinfo=UTC)
    minutes = int(((now or datetime.now(UTC)) - then).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute ago"
    for size, unit in ((60 * 24, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"  # pragma: no cover (minutes >= 1 always matches)


def step_text(step: RecheckStep, now: datetime | None = None) -> str:
    """One vendor's line: what it does, who bills it (or "free"), and when it last answered for this lead."""
    facts = vendor_facts(step.vendor)
    cost = f"billed by {facts.label}" if step.billed else "free"
    when = f"already checked {ago(step.last_checked, now)}" if step.last_checked else "not checked yet"
    return f"{facts.label} — {facts.batch_task} · {cost} · {when}"


class RecheckDialog(QDialog):
    """Asks before a re-check: a tick box per vendor, "Re-check" and "Cancel".

    Signals: none (``finished`` from QDialog; :meth:`chosen_vendors` after it is accepted).
    """

    def __init__(
        self, title: str, steps: Sequence[RecheckStep], parent: QWidget | None = None, *, now: datetime | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Re-check this lead?")
        self.steps = list(steps)
        intro = QLabel(f"Re-check <b>{title}</b> with:")
        intro.setWordWrap(True)
        self.vendor_checks: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for step in self.steps:
            check = QCheckBox(step_text(step, now))
            check.setChecked(True)
            check.setAccessibleName(f"Re-check with {vendor_facts(step.vendor).label}")
            check.toggled.connect(self._update_button)
            self.vendor_checks[step.vendor] = check
            layout.addWidget(check)
        self.cost_note = QLabel()
        self.cost_note.setWordWrap(True)
        layout.addSpacing(6)
        layout.addWidget(self.cost_note)
        buttons = QDialogButtonBox()
        self.recheck_button: QPushButton = buttons.addButton("Re-check", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button: QPushButton = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.recheck_button.setAutoDefault(False)  # Enter does not spend money: it is Cancel's
        self.cancel_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update_button()

    def chosen_vendors(self) -> list[str]:
        return [step.vendor for step in self.steps if self.vendor_checks[step.vendor].isChecked()]

    def _update_button(self, *_args: object) -> None:
        chosen = [s for s in self.steps if s.vendor in self.chosen_vendors()]
        billed = [vendor_facts(s.vendor).label for s in chosen if s.billed]
        self.recheck_button.setEnabled(bool(chosen))
        if not chosen:
            self.cost_note.setText("Choose at least one vendor.")
        elif billed:
            self.cost_note.setText(f"{len(billed)} billed call{'s' if len(billed) != 1 else ''} ({', '.join(billed)}).")
        else:
            self.cost_note.setText("Nothing billed.")
