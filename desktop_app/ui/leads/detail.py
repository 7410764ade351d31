"""The Leads tab's detail pane: the selected lead's verdict and why, its fields, and every check made on it."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui import theme
from desktop_app.ui.leads.model import VENDOR_TITLES, display_phone, short_time
from desktop_app.verdict import Verdict

LEAD_FIELD_LABELS = (
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("address", "Address"),
    ("city", "City"),
    ("state", "State"),
    ("zip", "ZIP"),
    ("supplier", "Supplier"),
    ("cost", "Cost"),
    ("cert_url", "TrustedForm certificate"),
    ("leadid", "LeadiD token"),
    ("cs_cert_url", "Contact State certificate"),
    ("source_file", "Imported from"),
    ("created_at", "Added"),
)


class LeadDetail(QWidget):
    """The selected lead's fields (left) and its whole history of checks, newest first (right).

    Signals: none.
    """

    HISTORY_LIMIT = 500

    def __init__(self, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.lead_id: int | None = None
        self.title = QLabel("Select a lead to see its details and every check made on it.")
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        self.verdict = QLabel()
        self.verdict.setAccessibleName("Verdict")
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setMinimumHeight(2 * self.fontMetrics().lineSpacing() + 4)  # room for the verdict and a reason

        fields_box = QWidget()
        self.form = QFormLayout(fields_box)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setContentsMargins(0, 0, 8, 0)
        self.field_labels: dict[str, QLabel] = {}
        for key, label in LEAD_FIELD_LABELS:
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setAccessibleName(label)
            self.field_labels[key] = value
            self.form.addRow(label + ":", value)
        scroll = QScrollArea()
        scroll.setWidget(fields_box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(340)

        self.history = QTableWidget(0, 6)
        self.history.setHorizontalHeaderLabels(["When", "Vendor", "Operation", "Result", "Sent", "Summary"])
        self.history.setAccessibleName("Check history")
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.verticalHeader().setVisible(False)
        self.history.setWordWrap(False)
        header = self.history.horizontalHeader()
        for col, width in enumerate((150, 120, 90, 80, 200)):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.history)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)

    def show_lead(self, lead_id: int | None) -> None:
        """Load ``lead_id``'s verdict, fields and history from the store (indexed reads: fast on the GUI thread)."""
        self.lead_id = lead_id
        lead = self.store.lead(lead_id) if lead_id is not None else None
        history = self.store.lead_history(lead_id, limit=self.HISTORY_LIMIT) if lead else []
        if lead is None or lead_id is None:
            self.title.setText("Select a lead to see its details and every check made on it.")
            self.verdict.clear()
        else:
            name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p) or f"Lead {lead_id}"
            count = len(history)
            self.title.setText(f"{name} (lead #{lead_id}): {count} check{'s' if count != 1 else ''} on record")
            verdict, reasons = self.store.lead_verdict(lead_id)
            self.verdict.setText(verdict_html(verdict, reasons))
        for key, label in self.field_labels.items():
            value = (lead or {}).get(key)
            if key == "phone":
                value = display_phone(value)
            elif key == "created_at":
                value = short_time(value)
            elif key == "source_file" and value and lead and lead.get("source_row") is not None:
                value = f"{value}, row {lead.get('source_row')}"
            elif key == "source_file" and lead:
                value = "entered by hand" if lead.get("source") == "manual" else value
            label.setText("" if value in (None, "") else str(value))
        self._fill_history(history)

    def history_rows(self) -> list[tuple[str, ...]]:
        """The history table's text, row by row (what the buyer reads)."""
        table = self.history
        return [
            tuple(item.text() if (item := table.item(r, c)) else "" for c in range(table.columnCount()))
            for r in range(table.rowCount())
        ]

    def _fill_history(self, history: list[tuple[Any, bool]]) -> None:
        self.history.setRowCount(len(history))
        for row, (stored, counts) in enumerate(history):
            result = stored.result
            when = QTableWidgetItem(short_time(result.finished_at))
            vendor = QTableWidgetItem(VENDOR_TITLES.get(result.vendor, result.vendor))
            operation = QTableWidgetItem(result.operation)
            if result.error is not None:
                outcome = QTableWidgetItem("Failed")
                bg, fg = theme.FAILED_COLOURS
                outcome.setBackground(QColor(bg))
                outcome.setForeground(QColor(fg))
                hint = f"\n{result.error.hint}" if result.error.hint else ""
                outcome.setToolTip(f"The call failed ({result.error.kind.value}): {result.error.message}{hint}")
                summary_text = result.error.message + (f" — {result.error.hint}" if result.error.hint else "")
            else:
                flag = result.flag.value if result.flag else None
                outcome = QTableWidgetItem(theme.flag_word(flag) if flag else "Done")
                if flag:
                    bg, fg = theme.FLAG_COLOURS[flag]
                    outcome.setBackground(QColor(bg))
                    outcome.setForeground(QColor(fg))
                    outcome.setToolTip(f"{VENDOR_TITLES.get(result.vendor, result.vendor)}: {theme.flag_word(flag)}")
                summary_text = result.summary
            outcome.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            sent_text = sent_summary(stored.sent)
            if not counts:
                sent_text = "other data: " + sent_text
            sent = QTableWidgetItem(sent_text)
            sent.setToolTip(
                (
                    "Sent with data that is not this lead's own: kept and shown, not counted in its verdict.\n"
                    if not counts
                    else ""
                )
                + f"Sent: {sent_summary(stored.sent)}"
            )
            summary = QTableWidgetItem(summary_text)
            summary.setToolTip(f"{summary_text}\nSubject: {result.subject}")
            for col, item in enumerate((when, vendor, operation, outcome, sent, summary)):
                item.setData(Qt.ItemDataRole.UserRole, stored.id)
                self.history.setItem(row, col, item)


def sent_summary(sent: dict[str, Any] | None) -> str:
    """What a check carried besides its subject, in one line."""
    if sent is None:
        return "not recorded (checked before Leadcheck kept it)"
    if not sent:
        return "the subject only"
    return ", ".join(f"{key}: {value}" for key, value in sent.items())


def verdict_html(verdict: str, reasons: list[str]) -> str:
    """The detail's first line: the verdict as a coloured word, then why."""
    word = Verdict(verdict).word
    colours = theme.FLAG_COLOURS.get(verdict)
    chip = (
        f'<span style="background:{colours[0]}; color:{colours[1]}; font-weight:bold">&nbsp;{word}&nbsp;</span>'
        if colours
        else f"<b>{word}</b>"
    )
    why = "<br>".join(html.escape(r) for r in reasons)
    return f"Verdict: {chip}" + (f"<br>{why}" if why else "")
