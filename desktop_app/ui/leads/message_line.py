"""The Leads tab's message line: a title saying what it is about, the text (a problem or news) and a close button.

It stays until closed or replaced; hidden while it has nothing to say.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget


class MessageLine(QWidget):
    """A titled message with a close button, above the lead table.

    Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setAccessibleName("Close message")
        self.close_button.setToolTip("Close this message")
        self.close_button.clicked.connect(self.close_message)
        message_text = QVBoxLayout()
        message_text.setContentsMargins(0, 0, 0, 0)
        message_text.setSpacing(2)
        message_text.addWidget(self.title)
        message_text.addWidget(self.message)
        message_row = QHBoxLayout(self)
        message_row.setContentsMargins(0, 0, 0, 0)
        message_row.addLayout(message_text, 1)
        message_row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

    def show_error(self, text: str, title: str) -> None:
        """Show ``text`` under ``title`` as a problem."""
        self.message.setObjectName("errorMessage")
        self._show(title, text)

    def show_info(self, text: str, title: str) -> None:
        self.message.setObjectName("infoMessage")
        self._show(title, text)

    def close_message(self) -> None:
        self.setVisible(False)
        self.message.clear()

    def _show(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.message.setText(text)
        self.message.style().unpolish(self.message)  # the new object name picks its colours
        self.message.style().polish(self.message)
        self.setVisible(bool(text))
