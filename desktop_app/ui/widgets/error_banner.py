"""The banner for a check that could not be done: what went wrong, what to do, and the HTTP status and vendor code
in small print (the kind of problem is the heading, in words).

It is deliberately unlike a flag (no badge, no flag word): a failed call says nothing about the lead. The same
banner shows problems found before sending (kind "input" or "credentials"), when nothing left the machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.ui.widgets.flags import app_palette, blend, palette_changed
from desktop_app.vendors.credentials import VENDOR_LABELS
from desktop_app.vendors.errors import CallError, InputError, LeadcheckError, MissingCredentials

ALERT = QColor("#c62828")
KIND_WORDS = {
    "input": "Not sent: check what you entered",
    "credentials": "Not sent: credentials missing",
    "auth": "Credentials refused",
    "billing": "Billing problem",
    "forbidden": "Not enabled for this account",
    "rate_limited": "Slow down",
    "vendor_down": "Vendor unavailable",
    "timeout": "No answer in time",
    "network": "No connection",
    "rejected": "Request refused",
    "not_found": "Not found",
    "bad_response": "Unreadable answer",
}


@dataclass(frozen=True)
class Problem:
    """What the banner shows: a kind (an ErrorKind value, "input" or "credentials"), the words and the hint."""

    kind: str
    message: str
    hint: str = ""
    http_status: int | None = None
    code: str | int | None = None

    @classmethod
    def from_error(cls, error: CallError) -> Problem:
        return cls(error.kind.value, error.message, error.hint, error.http_status, error.code)

    @classmethod
    def from_exception(cls, exc: LeadcheckError, vendor: str = "") -> Problem:
        label = VENDOR_LABELS.get(vendor, "the vendor")
        if isinstance(exc, MissingCredentials):
            label = VENDOR_LABELS.get(exc.vendor, label)
            return cls("credentials", str(exc), f"Open Settings → {label} to enter them. Nothing was sent.")
        if isinstance(exc, InputError):
            return cls("input", str(exc), "Correct it and run the check again. Nothing was sent.")
        return cls("input", str(exc), "Nothing was sent.")


class ErrorBanner(QFrame):
    """A tinted box: a heading for the kind of problem, the message, "What to do: …", and HTTP status / code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.problem: Problem | None = None
        self.icon = QLabel("⚠")
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.heading = QLabel()
        self.heading.setObjectName("errorHeading")
        self.message_label = QLabel()
        self.hint_label = QLabel()
        self.meta_label = QLabel()
        for label in (self.message_label, self.hint_label, self.heading):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text = QVBoxLayout()
        text.setSpacing(4)
        for label in (self.heading, self.message_label, self.hint_label, self.meta_label):
            text.addWidget(label)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 10, 12, 10)
        row.setSpacing(10)
        row.addWidget(self.icon)
        row.addLayout(text, 1)
        self._apply_style()
        self.hide()

    def show_problem(self, problem: Problem) -> None:
        self.problem = problem
        self.heading.setText(KIND_WORDS.get(problem.kind, "The check could not be done"))
        self.message_label.setText(problem.message)
        self.hint_label.setText(f"<b>What to do:</b> {_escape(problem.hint)}" if problem.hint else "")
        self.hint_label.setVisible(bool(problem.hint))
        meta = []
        if problem.http_status is not None:
            meta.append(f"HTTP {problem.http_status}")
        if problem.code not in (None, ""):
            meta.append(f"vendor code {problem.code}")
        self.meta_label.setText(" · ".join(meta))
        self.meta_label.setVisible(bool(meta))
        self.setAccessibleName(f"Error: {problem.message}")
        self.show()

    def show_error(self, error: CallError) -> None:
        self.show_problem(Problem.from_error(error))

    def show_exception(self, exc: LeadcheckError, vendor: str = "") -> None:
        self.show_problem(Problem.from_exception(exc, vendor))

    def _apply_style(self) -> None:
        palette = app_palette()
        window = palette.color(QPalette.ColorRole.Window)
        text = palette.color(QPalette.ColorRole.WindowText)
        dark = window.lightness() < 128
        fill = blend(window, ALERT, 0.22 if dark else 0.10)
        accent = ALERT.lighter(150) if dark else ALERT
        muted = blend(text, window, 0.35)
        self.setStyleSheet(
            f"QFrame#errorBanner {{ background: {fill.name()}; border: 1px solid {accent.name()};"
            f" border-left: 5px solid {accent.name()}; border-radius: 6px; }}"
            f" QFrame#errorBanner QLabel {{ background: transparent; border: none; color: {text.name()}; }}"
        )
        self.icon.setStyleSheet(f"color: {accent.name()}; font-size: 20px;")
        self.heading.setStyleSheet(f"color: {accent.name()}; font-weight: 600; font-size: 14px;")
        self.meta_label.setStyleSheet(f"color: {muted.name()}; font-size: 11px;")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange and palette_changed(self):
            self._apply_style()
        super().changeEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
