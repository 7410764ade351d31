"""After an import: what happened to the file's rows, in a dialog.

:class:`ImportOutcomeDialog` lists new leads, rows already imported, and every row that could not be used with
its reason (copy the table, or save all of them as CSV), and offers to check the new leads.
"""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.exports import neutralise
from desktop_app.imports import ImportReport
from desktop_app.store.imports import ImportProblemRow, ImportStore
from desktop_app.store.lead_table import reader
from desktop_app.ui.batch.import_dialog import short
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError

PROBLEM_HEADERS = ["Row", "Outcome", "Field", "Reason", "Row content"]
PROBLEM_OUTCOMES = {"refused": "not imported", "warning": "field not used", "recognised": "already imported"}


def problem_outcome(severity: str, field: str | None) -> str:
    """What happened to a problem's row, in the outcome's words: a warning without a field is a certificate or
    token shared with another lead (the row was imported whole, as a purchase of its own)."""
    if severity == "warning" and not field:
        return "shared evidence"
    return PROBLEM_OUTCOMES.get(severity, severity)


def problem_rows(problems: list[ImportProblemRow]) -> list[list[str]]:
    """The outcome table's text: row number, outcome, field, reason, the row's cells."""
    out = []
    for p in problems:
        outcome = problem_outcome(p.severity, p.field).capitalize()
        out.append([str(p.row_number), outcome, p.field or "", p.reason, " | ".join(short(c, 200) for c in p.raw)])
    return out


def write_problems_csv(database: Path, import_id: int, path: Path) -> int:
    """Every problem of an import as CSV, read on this (worker) thread's own connection. Returns rows written."""
    conn = reader(database)
    try:
        written = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "outcome", "field", "reason", "raw"])
            for row_number, severity, field, reason, raw in ImportStore.iter_import_problems(conn, import_id):
                outcome = problem_outcome(severity, field)
                cells = " | ".join(raw)
                writer.writerow([neutralise(v) for v in (row_number, outcome, field or "", reason, cells)])
                written += 1
        return written
    finally:
        conn.close()


class ImportOutcomeDialog(QDialog):
    """How an import ended: counts, and every row it could not use with the reason (copy or save them).

    Signals:
        check_requested(object, int): the buyer wants to check the imported leads (their ids, the import id).
    """

    check_requested = Signal(object, int)

    def __init__(self, report: ImportReport, database: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished")
        self.report = report
        self.database = Path(database)
        name = Path(report.source_file).name

        title = QLabel(f"{name}: {report.summary()}")
        title.setObjectName("sectionTitle")
        title.setWordWrap(True)
        grid = QGridLayout()
        self.count_labels: dict[str, QLabel] = {}
        counts = (
            ("rows_read", "Rows read", report.rows_read),
            ("leads_created", "New leads", report.leads_created),
            ("rows_recognised", "Already imported (the same purchase; nothing added)", report.rows_recognised),
            ("rows_refused", "Rows not imported", report.rows_refused),
            ("warnings", "Fields not used (the rest of the row was imported)", report.fields_not_used),
            ("shared_evidence", "Sharing a certificate or token with another lead", report.shared_evidence),
            ("blank_rows", "Blank rows skipped", report.blank_rows),
        )
        for row, (key, text, value) in enumerate(counts):
            number = QLabel(f"{value:,}")
            number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            number.setAccessibleName(text)
            font = number.font()
            font.setBold(True)
            number.setFont(font)
            self.count_labels[key] = number
            grid.addWidget(number, row // 2, (row % 2) * 2)
            grid.addWidget(QLabel(text), row // 2, (row % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.problems_table = QTableWidget(0, len(PROBLEM_HEADERS))
        self.problems_table.setHorizontalHeaderLabels(PROBLEM_HEADERS)
        self.problems_table.setAccessibleName("Rows that could not be used")
        self.problems_table.verticalHeader().setVisible(False)
        self.problems_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problems_table.setWordWrap(False)
        header = self.problems_table.horizontalHeader()
        for col, width in enumerate((60, 110, 90, 420)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        rows = problem_rows(report.problems)
        self.problems_table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 3:
                    item.setToolTip(text)
                self.problems_table.setItem(r, c, item)
        total_problems = report.rows_refused + report.warnings
        if total_problems:
            shown = len(rows)
            more = (
                f" Showing the first {shown:,} of {total_problems:,}; Save as CSV writes all of them."
                if (total_problems > shown)
                else ""
            )
            problems_text = (
                f"<b>Rows and fields that could not be used, and shared evidence</b> (kept with the import).{more}"
            )
        else:
            problems_text = "Every row was imported."
        self.problems_label = QLabel(problems_text)
        self.problems_label.setWordWrap(True)
        self.problems_table.setVisible(bool(total_problems))

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.copy_button = QPushButton("Copy table")
        self.copy_button.setToolTip("Copy the listed rows as tab-separated text (pastes into a spreadsheet)")
        self.save_button = QPushButton("Save as CSV…")
        self.save_button.setToolTip("Write every problem row of this import to a CSV file")
        for button in (self.copy_button, self.save_button):
            button.setEnabled(bool(total_problems))
        count = len(report.lead_ids)
        self.check_button = QPushButton(f"Check these {count:,} leads…")
        self.check_button.setToolTip("Choose vendors and check every lead this file created or recognised")
        self.check_button.setEnabled(count > 0)
        self.check_button.setDefault(count > 0)
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems_table, 1)
        layout.addLayout(buttons)

        self.copy_button.clicked.connect(self.copy_table)
        self.save_button.clicked.connect(self._on_save)
        self.check_button.clicked.connect(self._on_check)
        self.close_button.clicked.connect(self.accept)
        self.resize(980, 560)

    def table_text(self) -> str:
        """The problems table as tab-separated text, with a header row."""
        lines = ["\t".join(PROBLEM_HEADERS)]
        for cells in problem_rows(self.report.problems):
            lines.append("\t".join(c.replace("\t", " ") for c in cells))
        return "\n".join(lines)

    def copy_table(self) -> str:
        text = self.table_text()
        QGuiApplication.clipboard().setText(text)
        self.status.setText(f"Copied {len(self.report.problems):,} rows.")
        return text

    async def save_problems(self, path: str | Path) -> int:
        """Write every problem row of the import to ``path`` (off the GUI thread); returns rows written."""
        self.save_button.setEnabled(False)
        try:
            written = await asyncio.to_thread(write_problems_csv, self.database, self.report.import_id, Path(path))
        except (OSError, LeadcheckError) as exc:
            self.status.setText(f"Could not write {path}: {getattr(exc, 'strerror', None) or exc}")
            return 0
        finally:
            self.save_button.setEnabled(True)
        self.status.setText(f"{written:,} rows written to {path}.")
        return written

    def _on_save(self) -> None:
        dialog = QFileDialog(self, "Save the problem rows", str(Path.home() / "import-problems.csv"), "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(lambda path: spawn(self.save_problems(path)))
        dialog.open()

    def _on_check(self) -> None:
        self.check_requested.emit(list(self.report.lead_ids), self.report.import_id)
        self.accept()
