"""The consumer line above the lead table: who the phone or email typed in the search belongs to.

For a phone (any layout) or an email it says who the consumer is, how many leads were bought for them from whom,
and their suppression entries (:func:`.consumer.consumer_summary`); for other text, a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.ui.leads.consumer import CONSUMER_HINT, consumer_summary
from desktop_app.vendors.errors import LeadcheckError


class ConsumerLine(QLabel):
    """Two lines about the consumer behind the search text, from ``lookup`` (the store's).

    Signals: none.
    """

    def __init__(self, lookup: Callable[[str], dict[str, Any] | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lookup = lookup
        self.setObjectName("consumerSummary")
        self.setAccessibleName("Consumer")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # always two lines tall, so that the table does not move when a consumer appears while typing
        self.setFixedHeight(2 * self.fontMetrics().lineSpacing() + 4)
        self.setText(CONSUMER_HINT)

    def show_consumer(self, text: str) -> dict[str, Any] | None:
        """Look ``text`` up and say who the consumer is; returns what was found (None for other text)."""
        try:
            found: dict[str, Any] | None = self._lookup(text) if text.strip() else None
        except LeadcheckError:
            found = None
        self.setProperty("found", found is not None)
        self.setText(CONSUMER_HINT if found is None else consumer_summary(found))
        return found
