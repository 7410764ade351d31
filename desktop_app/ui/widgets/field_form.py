"""A small helper for option forms: named text boxes and combo boxes in a one- or two-column grid.

Values come back as ``{name: text}`` with blank fields left out, which is what the vendor clients take.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget


class FieldForm(QWidget):
    """Labelled fields laid out in ``columns`` pairs of (label, field).

    Signals:
        changed(): any field's text or choice changed.
        submitted(): Enter was pressed in a text field.
        left(str): the buyer finished with this field (left a text field, or picked a choice).
    """

    changed = Signal()
    submitted = Signal()
    left = Signal(str)

    def __init__(self, columns: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = max(1, columns)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(6)
        for c in range(self._columns):
            self._grid.setColumnStretch(c * 2 + 1, 1)
        self._count = 0
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self.labels: dict[str, QLabel] = {}

    def _place(self, name: str, label: str, widget: QLineEdit | QComboBox, tooltip: str, span: bool) -> None:
        caption = QLabel(label)
        caption.setBuddy(widget)
        if tooltip:
            caption.setToolTip(tooltip)
            widget.setToolTip(tooltip)
        widget.setAccessibleName(label.replace("&", ""))
        if span and self._count % self._columns:
            self._count += self._columns - self._count % self._columns
        row, col = divmod(self._count, self._columns)
        self._grid.addWidget(caption, row, col * 2)
        self._grid.addWidget(widget, row, col * 2 + 1, 1, (self._columns - col) * 2 - 1 if span else 1)
        self._count += self._columns if span else 1
        self.fields[name] = widget
        self.labels[name] = caption

    def add_line(
        self,
        name: str,
        label: str,
        *,
        max_length: int | None = None,
        placeholder: str = "",
        tooltip: str = "",
        text: str = "",
        span: bool = False,
    ) -> QLineEdit:
        box = QLineEdit(text)
        if max_length:
            box.setMaxLength(max_length)
        box.setPlaceholderText(placeholder)
        box.setClearButtonEnabled(True)
        box.textChanged.connect(self.changed)
        box.returnPressed.connect(self.submitted)
        box.editingFinished.connect(lambda n=name: self.left.emit(n))
        self._place(name, label, box, tooltip, span)
        return box

    def add_combo(
        self,
        name: str,
        label: str,
        choices: Sequence[str | tuple[str, str]],
        *,
        blank: str | None = "",
        tooltip: str = "",
        span: bool = False,
    ) -> QComboBox:
        """A combo of ``choices`` (a value, or (value, shown text)); ``blank`` adds a first "not given" entry."""
        combo = QComboBox()
        if blank is not None:
            combo.addItem(blank or "—", "")
        for choice in choices:
            value, shown = choice if isinstance(choice, tuple) else (choice, choice)
            combo.addItem(shown, value)
        combo.currentIndexChanged.connect(self.changed)
        combo.activated.connect(lambda _index, n=name: self.left.emit(n))
        self._place(name, label, combo, tooltip, span)
        return combo

    def value(self, name: str) -> str:
        widget = self.fields[name]
        if isinstance(widget, QComboBox):
            data = widget.currentData()
            return str(data if data is not None else widget.currentText()).strip()
        return widget.text().strip()

    def values(self) -> dict[str, str]:
        """Every non-blank field, trimmed."""
        return {name: v for name in self.fields if (v := self.value(name))}

    def set_value(self, name: str, value: str) -> None:
        widget = self.fields[name]
        if isinstance(widget, QComboBox):
            index = widget.findData(value)
            widget.setCurrentIndex(index if index >= 0 else 0)
        else:
            widget.setText(value)

    def clear(self) -> None:
        for widget in self.fields.values():
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(0)
            else:
                widget.clear()

    def set_read_only(self, read_only: bool) -> None:
        for widget in self.fields.values():
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(read_only)
            else:
                widget.setEnabled(not read_only)
