"""The Leads tab's detail pane: the selected lead's verdict and why, its fields (with the seat that imported it),
and every check made on it (with the seat that made each: user@host, from the evidence log).

Long values (certificate URLs, tokens, file names) are elided in the middle to the pane's width, with the whole
value in their tooltip and a Copy action; a refresh of the same lead keeps the selected history row on the same
check; double-clicking a history row opens that check's card and raw response (:mod:`.check_view`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.check_rules import sent_words
from desktop_app.ui import theme
from desktop_app.ui.leads.check_view import CheckView
from desktop_app.ui.leads.model import VENDOR_TITLES, display_phone, short_time
from desktop_app.ui.widgets.result_card import Renderer
from desktop_app.verdict import Verdict, review_words

LEAD_FIELD_LABELS = (
    ("name", "Name"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("address", "Address"),
    ("supplier", "Supplier"),
    ("cost", "Cost"),
    ("cert_url", "TrustedForm"),
    ("leadid", "LeadiD"),
    ("cs_cert_url", "Contact State"),
    ("source_file", "Imported from"),
    ("imported_by", "Imported by"),
    ("created_at", "Added"),
)
LONG_FIELDS = ("email", "cert_url", "leadid", "cs_cert_url", "source_file", "imported_by")  # elided in the middle
HISTORY_HEADERS = ("When", "Vendor", "Operation", "Result", "Seat", "Sent", "Summary")
COL_SEAT, COL_SENT = 4, 5
SEAT_TIP = "Who made this check: the operating-system user and computer (user@host) its evidence-log entry records"
NO_SEAT_TIP = "The evidence log does not say which seat made this check (it was sealed into the log later)"


class ElidedLabel(QLabel):
    """A one-line value elided in the middle to the label's width; the whole value in its tooltip and its Copy
    action (right-click)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setMinimumWidth(40)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QAction("Copy", self)
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(self._full))
        self.addAction(copy)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text if text else "")
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width(), self.minimumWidth())
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))


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
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.form.setVerticalSpacing(3)
        self.form.setContentsMargins(0, 0, 8, 0)
        self.field_labels: dict[str, QLabel] = {}
        for key, label in LEAD_FIELD_LABELS:
            value = ElidedLabel() if key in LONG_FIELDS else QLabel()
            if key not in LONG_FIELDS:
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setWordWrap(True)
            value.setAccessibleName(label)
            self.field_labels[key] = value
            self.form.addRow(label + ":", value)
        scroll = QScrollArea()
        scroll.setWidget(fields_box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long values elide instead
        scroll.setMinimumWidth(300)
        self.renderers: Mapping[str, Renderer] = {}  # vendor -> its tab's card renderer (the window sets them)
        self.check_views: list[CheckView] = []
        self._history: list[Any] = []

        self.history = QTableWidget(0, len(HISTORY_HEADERS))
        self.history.setHorizontalHeaderLabels(list(HISTORY_HEADERS))
        seat_header = self.history.horizontalHeaderItem(COL_SEAT)
        if seat_header is not None:
            seat_header.setToolTip(SEAT_TIP)
        self.history.setAccessibleName("Check history")
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.verticalHeader().setVisible(False)
        self.history.setWordWrap(False)
        self.history.setToolTip("Double-click a check to open its card and raw response")
        self.history.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.history.horizontalHeader()
        when_width = self.fontMetrics().horizontalAdvance("2026-11-30 09:10 UTC") + 16  # the time is never cut
        for col, width in enumerate((when_width, 110, 90, 70, 130, 200)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(COL_SENT, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.history.itemDoubleClicked.connect(lambda item: self.open_check(item.row()))

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.history)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setSizes([380, 950])
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)

    def show_lead(self, lead_id: int | None) -> None:
        """Load ``lead_id``'s verdict, fields and history from the store (indexed reads: fast on the GUI thread).
        Showing the same lead again keeps the selected history row on the same check."""
        keep = self.selected_check_id() if lead_id is not None and lead_id == self.lead_id else None
        self.lead_id = lead_id
        lead = self.store.lead(lead_id) if lead_id is not None else None
        history = self.store.lead_history(lead_id, limit=self.HISTORY_LIMIT) if lead else []
        seats = self.store.check_seats([stored.id for stored, _counts in history]) if history else {}
        if lead and lead.get("import_id") is not None:  # the seat of the import that stored it; none by hand
            lead["imported_by"] = self.store.import_seats([lead["import_id"]]).get(lead["import_id"])
        if lead is None or lead_id is None:
            self.title.setText("Select a lead to see its details and every check made on it.")
            self.verdict.clear()
        else:
            name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p) or f"Lead {lead_id}"
            count = len(history)
            self.title.setText(f"{name} (lead #{lead_id}): {count} check{'s' if count != 1 else ''} on record")
            verdict, reasons = self.store.lead_verdict(lead_id)
            review = self.store.reviews([lead_id]).get(lead_id)
            self.verdict.setText(verdict_html(verdict, reasons, review))
        for key, label in self.field_labels.items():
            value = field_text(lead, key)
            if key == "phone":
                value = display_phone(value)
            elif key == "created_at":
                value = short_time(value)
            elif key == "source_file" and value and lead and lead.get("source_row") is not None:
                value = f"{value}, row {lead.get('source_row')}"
            elif key == "source_file" and lead:
                value = "entered by hand" if lead.get("source") == "manual" else value
            text = "" if value in (None, "") else str(value)
            if isinstance(label, ElidedLabel):
                label.set_full_text(text)
            else:
                label.setText(text)
        self._fill_history(history, seats)
        if keep is not None:
            self.select_check(keep)

    def selected_check_id(self) -> int | None:
        """The id of the check selected in the history, if any."""
        item = self.history.item(self.history.currentRow(), 0) if self.history.currentRow() >= 0 else None
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def select_check(self, check_id: int) -> bool:
        """Select the history row of ``check_id``; False when it is not listed."""
        for row in range(self.history.rowCount()):
            item = self.history.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == check_id:
                self.history.selectRow(row)
                return True
        return False

    def open_check(self, row: int) -> CheckView | None:
        """Open the check at history ``row`` in a window of its own: its card and raw response."""
        if not 0 <= row < len(self._history):
            return None
        stored, _counts = self._history[row]
        view = CheckView(stored.result, self.renderers, self)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.destroyed.connect(lambda: self.check_views.remove(view) if view in self.check_views else None)
        self.check_views.append(view)
        view.show()
        return view

    def history_rows(self) -> list[tuple[str, ...]]:
        """The history table's text, row by row (what the buyer reads)."""
        table = self.history
        return [
            tuple(item.text() if (item := table.item(r, c)) else "" for c in range(table.columnCount()))
            for r in range(table.rowCount())
        ]

    def _fill_history(self, history: list[tuple[Any, bool]], seats: Mapping[int, str]) -> None:
        self._history = history
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
            sent_text = sent_words(stored.sent)
            if not counts:
                sent_text = "other data: " + sent_text
            sent = QTableWidgetItem(sent_text)
            sent.setToolTip(
                (
                    "Sent with data that is not this lead's own: kept and shown, not counted in its verdict.\n"
                    if not counts
                    else ""
                )
                + f"Sent: {sent_words(stored.sent)}"
            )
            summary = QTableWidgetItem(summary_text)
            summary.setToolTip(f"{summary_text}\nSubject: {result.subject}")
            seat = QTableWidgetItem(seats.get(stored.id, ""))
            seat.setToolTip(f"{SEAT_TIP}: {seats[stored.id]}" if stored.id in seats else NO_SEAT_TIP)
            for col, item in enumerate((when, vendor, operation, outcome, seat, sent, summary)):
                item.setData(Qt.ItemDataRole.UserRole, stored.id)
                self.history.setItem(row, col, item)


def field_text(lead: dict[str, Any] | None, key: str) -> Any:
    """A detail field's raw value: the stored column, or the name and the address put together."""
    lead = lead or {}
    if key == "name":
        return " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)
    if key == "address":
        place = " ".join(p for p in (lead.get("state"), lead.get("zip")) if p)
        return ", ".join(p for p in (lead.get("address"), lead.get("city"), place) if p)
    return lead.get(key)


def verdict_html(verdict: str, reasons: list[str], review: dict[str, Any] | None = None) -> str:
    """The detail's first line: the verdict as a coloured word (for a red lead marked reviewed, followed by
    "— reviewed: <reason> (by <seat>, <date>)"), then why."""
    word = Verdict(verdict).word
    colours = theme.FLAG_COLOURS.get(verdict)
    chip = (
        f'<span style="background:{colours[0]}; color:{colours[1]}; font-weight:bold">&nbsp;{word}&nbsp;</span>'
        if colours
        else f"<b>{word}</b>"
    )
    why = "<br>".join(html.escape(r) for r in reasons)
    reviewed = f" — {html.escape(review_words(review))}" if review and verdict == Verdict.RED else ""
    return f"Verdict: {chip}{reviewed}" + (f"<br>{why}" if why else "")
