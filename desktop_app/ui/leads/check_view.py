"""One stored check opened from the lead detail's history (double-click): its result card and raw response.

The card is the vendor tabs' :class:`~desktop_app.ui.widgets.result_card.ResultCard`; the vendor's own renderer
is used when the window gave one (``renderers``), else the answer's details as label/value rows.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from desktop_app.ui.widgets.result_card import CardBuilder, Renderer, ResultCard
from desktop_app.ui.widgets.text import local_time, operation_label
from desktop_app.vendors.registry import VENDOR_LABELS
from desktop_app.vendors.results import CheckResult


def plain_details(result: CheckResult, card: CardBuilder) -> None:
    """A renderer for any vendor: each top-level detail as a row (lists and objects as short text)."""
    for key, value in (result.details or {}).items():
        if isinstance(value, dict | list):
            continue  # the raw response below shows them whole
        card.row(key.replace("_", " ").capitalize(), value)


class CheckView(QDialog):
    """A stored check's card, with the raw response shown. Non-modal: several can stay open beside the table.

    Signals: none.
    """

    def __init__(
        self, result: CheckResult, renderers: Mapping[str, Renderer] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        vendor = VENDOR_LABELS.get(result.vendor, result.vendor)
        self.setWindowTitle(f"{vendor}: {operation_label(result.operation)}, {local_time(result.finished_at)}")
        self.card = ResultCard((renderers or {}).get(result.vendor, plain_details))
        self.card.show_result(result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.card, 1)
        layout.addWidget(buttons)
        self.resize(720, 640)
        self.card.raw_expander.set_expanded(True)  # once in place: moving the card redraws it, collapsed

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.card.raw_expander.set_expanded(True)  # the raw answer is what the buyer opened this for
