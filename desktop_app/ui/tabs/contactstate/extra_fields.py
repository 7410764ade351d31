"""The "Add field" row of Contact State's lead form: any other documented Connect field, with its choices."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from desktop_app.vendors.contactstate.fields import LEAD_FIELDS, Kind


class ExtraFieldsEditor(QWidget):
    """The "Add field" row of the lead form: any other documented Connect field, with its choices as a combo.

    Added fields are listed with a remove button; :meth:`values` returns them as ``{name: value}``.
    """

    def __init__(self, exclude: set[str], on_change: object = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_change = on_change
        self.values_: dict[str, str] = {}
        self.name_combo = QComboBox()
        self.name_combo.setAccessibleName("Field name")
        for name, spec in LEAD_FIELDS.items():
            if name not in exclude:
                self.name_combo.addItem(f"{name} — {spec.description}", name)
        self.name_combo.setMinimumContentsLength(14)
        self.name_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.value_text = QLineEdit()
        self.value_text.setPlaceholderText("value")
        self.value_text.setAccessibleName("Field value")
        self.value_choice = QComboBox()
        self.value_choice.setAccessibleName("Field value")
        self.value_stack = QStackedWidget()
        self.value_stack.addWidget(self.value_text)
        self.value_stack.addWidget(self.value_choice)
        self.value_stack.setFixedHeight(self.value_text.sizeHint().height())
        self.add_button = QPushButton("Add field")
        self.add_button.clicked.connect(self.add_current)
        self.value_text.returnPressed.connect(self.add_current)
        self.name_combo.currentIndexChanged.connect(self._name_changed)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.name_combo, 3)
        row.addWidget(self.value_stack, 2)
        row.addWidget(self.add_button)
        self.list_layout = QGridLayout()
        self.list_layout.setHorizontalSpacing(8)
        self.list_layout.setColumnStretch(1, 1)
        outer = QGridLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(row, 0, 0)
        outer.addLayout(self.list_layout, 1, 0)
        self._name_changed()

    def _name_changed(self) -> None:
        name = self.name_combo.currentData()
        spec = LEAD_FIELDS.get(str(name)) if name else None
        if spec is not None and spec.kind is Kind.CHOICE:
            self.value_choice.clear()
            self.value_choice.addItems(list(spec.choices))
            self.value_stack.setCurrentWidget(self.value_choice)
        else:
            placeholder = "yyyy-mm-dd" if spec is not None and spec.kind is Kind.DATE else "value"
            self.value_text.setPlaceholderText(placeholder)
            self.value_stack.setCurrentWidget(self.value_text)

    def add_field(self, name: str, value: str) -> None:
        """Add (or replace) one field; it then appears in the list with a remove button."""
        self.values_[name] = value
        self._rebuild()

    def add_current(self) -> None:
        name = self.name_combo.currentData()
        if not name:
            return
        widget = self.value_stack.currentWidget()
        value = widget.currentText() if isinstance(widget, QComboBox) else self.value_text.text().strip()
        if not value:
            return
        self.value_text.clear()
        self.add_field(str(name), value)

    def remove_field(self, name: str) -> None:
        self.values_.pop(name, None)
        self._rebuild()

    def _rebuild(self) -> None:
        while self.list_layout.count():
            item = self.list_layout.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        for row, (name, value) in enumerate(self.values_.items()):
            label = QLabel(f"{name}:")
            label.setToolTip(LEAD_FIELDS[name].description if name in LEAD_FIELDS else "")
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            remove = QToolButton()
            remove.setText("✕")
            remove.setToolTip(f"Remove {name}")
            remove.setAccessibleName(f"Remove {name}")
            remove.clicked.connect(lambda _checked=False, n=name: self.remove_field(n))
            self.list_layout.addWidget(label, row, 0)
            self.list_layout.addWidget(shown, row, 1)
            self.list_layout.addWidget(remove, row, 2)
        if callable(self._on_change):
            self._on_change()

    def values(self) -> dict[str, str]:
        return dict(self.values_)
