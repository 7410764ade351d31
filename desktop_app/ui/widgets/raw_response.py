"""A collapsed "Show raw response" section: the redacted request and the vendor's answer, monospace and read-only.

Expanded, the view takes whatever height the card has left (its host gives the expander the card's stretch).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QSizePolicy, QToolButton, QVBoxLayout, QWidget


def pretty(text: str | None) -> str:
    """JSON indented for reading when ``text`` is JSON; otherwise the text as it came."""
    if text is None:
        return "(no answer was received)"
    if not text.strip():
        return "(empty answer)"
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def raw_text(request: dict[str, Any] | None, response_body: str | None) -> str:
    """The expander's text: the request as sent (secrets already ``[redacted]``) then the answer."""
    parts = []
    if request:
        parts.append("Request (secrets redacted)\n" + json.dumps(request, indent=2, ensure_ascii=False, default=str))
    else:
        parts.append("Request\n(nothing was sent)")
    parts.append("Response\n" + pretty(response_body))
    return "\n\n".join(parts)


class RawResponseExpander(QWidget):
    """A toggle button over a read-only monospace view; collapsed by default and after every new result."""

    SHOW = "Show raw response"
    HIDE = "Hide raw response"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setText(self.SHOW)
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self.set_expanded)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setMinimumHeight(180)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.view.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.view, 1)
        layout.addStretch(1)  # collapsed: the toggle stays at the top of the space it is given
        self._layout = layout

    @property
    def expanded(self) -> bool:
        return self.view.isVisibleTo(self)

    def set_expanded(self, expanded: bool) -> None:
        if self.toggle.isChecked() != expanded:
            self.toggle.setChecked(expanded)  # re-enters through toggled
            return
        self.view.setVisible(expanded)
        self._layout.setStretch(self._layout.count() - 1, 0 if expanded else 1)
        self.toggle.setText(self.HIDE if expanded else self.SHOW)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)

    def set_content(self, request: dict[str, Any] | None, response_body: str | None) -> None:
        self.view.setPlainText(raw_text(request, response_body))
        self.set_expanded(False)

    def text(self) -> str:
        return self.view.toPlainText()
