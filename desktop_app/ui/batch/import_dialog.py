"""Importing a CSV of leads from the window: the mapping dialog, the import itself, and the outcome.

:class:`ImportDialog` shows what :func:`desktop_app.imports.inspect_csv` found (encoding, delimiter, header
row: each can be changed, and the file is looked at again off the GUI thread), one row per source column with
the Leadcheck field it is imported as (pre-filled with the recognised names; any field, "keep as an extra
field" or "ignore"), and the first rows. Import runs :meth:`~desktop_app.imports.LeadImporter.run_async`
(one chunk per loop turn: the window keeps painting) with a progress bar, then :class:`ImportOutcomeDialog`
lists what happened (:mod:`.import_outcome`).

Very wide files (100,000 columns) show the first :data:`MAX_MAPPING_ROWS` columns for editing; the others are
imported as proposed (kept as extra fields up to the engine's limit, then ignored), and the dialog says so.
"""

from __future__ import annotations

import asyncio
import csv
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.imports import (
    FIELD_LABELS,
    TARGETS,
    CsvFormat,
    CsvPreview,
    ImportProgress,
    ImportReport,
    LeadImporter,
    propose_mapping,
)
from desktop_app.imports.mapping import ColumnMapping
from desktop_app.imports.reader import (
    DELIMITER_NAMES,
    ERROR_HANDLER,
    SAMPLE_ROWS,
    ImportRefused,
    raise_field_size_limit,
    read_head,
)
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError

MAX_MAPPING_ROWS = 200
PREVIEW_ROWS = 10
PREVIEW_COLUMNS = 60
CELL_CHARS = 120
IMPORT_CHUNK_ROWS = 500  # rows per transaction and loop turn: each chunk's write stays well under 50 ms
ENCODINGS = {"UTF-8": "utf-8", "UTF-8 with BOM": "utf-8-sig", "UTF-16": "utf-16", "Windows-1252": "cp1252"}
SOURCE_WORDS = {"header": "Recognised name", "content": "Guessed from values", "default": "", "buyer": "Your choice"}


def short(text: str, limit: int = CELL_CHARS) -> str:
    """One line of at most ``limit`` characters (a 10 MB cell must not reach a table cell)."""
    line = text[: limit + 1].replace("\r", " ").replace("\n", " ")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def reinspect(preview: CsvPreview, *, encoding_label: str, delimiter: str, has_header: bool) -> CsvPreview:
    """Read the start of the file again with the buyer's encoding, delimiter and header choice (off-thread).

    The detected codec is kept when the label did not change (the engine reads "Windows-1252" files as
    UTF-8 with a Windows-1252 fallback, which is what it imports with)."""
    raise_field_size_limit()
    fmt = preview.format
    codec = fmt.encoding if encoding_label == fmt.encoding_label else ENCODINGS.get(encoding_label, "utf-8")
    head, _size, complete = read_head(fmt.path)
    errors = ERROR_HANDLER if codec.startswith("utf-8") else "replace"
    text = head.decode(codec, errors=errors)
    if not complete:
        cut = text.rfind("\n")
        text = text[:cut] if cut > 0 else text
    text = text.lstrip("\ufeff")
    rows: list[list[str]] = []
    try:
        for row in csv.reader(text.splitlines(keepends=True), delimiter=delimiter):
            if row and any(c.strip() for c in row):
                rows.append(row)
                if len(rows) > SAMPLE_ROWS:
                    break
    except csv.Error as exc:
        raise ImportRefused(f"“{fmt.path.name}” cannot be read with these settings ({exc}).") from exc
    if not rows:
        raise ImportRefused(f"“{fmt.path.name}” has no rows Leadcheck can read with these settings.")
    header = tuple(c.strip() for c in rows[0]) if has_header else ()
    sample = tuple(tuple(r) for r in (rows[1:] if has_header else rows[:SAMPLE_ROWS]))
    new = replace(
        fmt, encoding=codec, encoding_label=encoding_label, delimiter=delimiter, has_header=has_header,
        header=header, sample=sample,
    )  # fmt: skip
    return CsvPreview(new, propose_mapping(header, sample, has_header=has_header))


def format_line(fmt: CsvFormat) -> str:
    size = fmt.size
    amount = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} KB"
    columns = fmt.column_count
    return f"{fmt.path.name} · {amount} · {columns:,} column{'s' if columns != 1 else ''}"


class ImportDialog(QDialog):
    """Confirm how a CSV is read and mapped, then import it (off the GUI thread's critical path).

    Signals:
        imported(object): the import finished; the :class:`~desktop_app.imports.ImportReport`.
    """

    imported = Signal(object)
    writing = Signal(bool)  # True when the import starts writing, False when it ends (however it ends)

    def __init__(self, preview: CsvPreview, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import leads")
        self.setObjectName("importDialog")
        self.store = store
        self.preview = preview
        self.mapping: ColumnMapping = preview.mapping
        self.report: ImportReport | None = None
        self._task: asyncio.Task[Any] | None = None
        self._stopping = False
        self._combos: list[QComboBox] = []

        self.file_label = QLabel()
        self.file_label.setObjectName("sectionTitle")
        self.encoding_combo = QComboBox()
        self.encoding_combo.addItems(list(ENCODINGS))
        self.encoding_combo.setToolTip("How the characters are stored (detected; change it if accents look wrong)")
        self.encoding_combo.setAccessibleName("Encoding")
        self.delimiter_combo = QComboBox()
        for delimiter, name in DELIMITER_NAMES.items():
            self.delimiter_combo.addItem(name.capitalize(), delimiter)
        self.delimiter_combo.setToolTip("The character between columns (detected)")
        self.delimiter_combo.setAccessibleName("Delimiter")
        self.header_check = QCheckBox("First row names the columns")
        self.header_check.setToolTip("Untick when the first row is already a lead")
        format_row = QHBoxLayout()
        for label, widget in (("Encoding:", self.encoding_combo), ("Delimiter:", self.delimiter_combo)):
            format_row.addWidget(QLabel(label))
            format_row.addWidget(widget)
            format_row.addSpacing(12)
        format_row.addWidget(self.header_check)
        format_row.addStretch(1)

        self.mapping_table = QTableWidget(0, 4)
        self.mapping_table.setHorizontalHeaderLabels(["Column in the file", "Import as", "How", "Examples"])
        self.mapping_table.setAccessibleName("Column mapping")
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.mapping_table.setWordWrap(False)
        header = self.mapping_table.horizontalHeader()
        for col, width in enumerate((200, 250, 150)):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)
        self.more_label = QLabel()
        self.more_label.setWordWrap(True)

        self.preview_table = QTableWidget(0, 0)
        self.preview_table.setAccessibleName("First rows of the file")
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setWordWrap(False)
        self.preview_table.horizontalHeader().setDefaultSectionSize(140)

        mapping_box = QWidget()
        mapping_layout = QVBoxLayout(mapping_box)
        mapping_layout.setContentsMargins(0, 0, 0, 0)
        mapping_layout.addWidget(QLabel("<b>Columns</b> — what each column of the file is imported as"))
        mapping_layout.addWidget(self.mapping_table, 1)
        mapping_layout.addWidget(self.more_label)
        preview_box = QWidget()
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(QLabel("<b>First rows</b>"))
        preview_layout.addWidget(self.preview_table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(mapping_box)
        split.addWidget(preview_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setVisible(False)
        self.progress_label = QLabel()
        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.setToolTip("Import the rows with this mapping (nothing is sent to a vendor)")
        self.cancel_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress_bar, 1)
        buttons.addWidget(self.progress_label)
        buttons.addStretch(0)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addLayout(format_row)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.encoding_combo.currentIndexChanged.connect(self._on_format_changed)
        self.delimiter_combo.currentIndexChanged.connect(self._on_format_changed)
        self.header_check.toggled.connect(self._on_format_changed)
        self.import_button.clicked.connect(self._on_import)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.resize(1000, 680)
        self.set_preview(preview)

    # -- public API -----------------------------------------------------------------------------------------

    def set_preview(self, preview: CsvPreview) -> None:
        """Show ``preview`` (a file as detected, or re-read with other settings) and its proposed mapping."""
        self.preview = preview
        fmt = preview.format
        self.file_label.setText(format_line(fmt))
        self.file_label.setToolTip(str(fmt.path))
        for widget, value in (
            (self.encoding_combo, self.encoding_combo.findText(fmt.encoding_label)),
            (self.delimiter_combo, self.delimiter_combo.findData(fmt.delimiter)),
        ):
            widget.blockSignals(True)
            widget.setCurrentIndex(max(0, value))
            widget.blockSignals(False)
        self.header_check.blockSignals(True)
        self.header_check.setChecked(fmt.has_header)
        self.header_check.blockSignals(False)
        self._build_mapping_rows(preview.mapping)
        self.set_mapping(preview.mapping)

    def set_mapping(self, mapping: ColumnMapping) -> None:
        """Show ``mapping`` in the combo boxes and the preview's header, and say whether it can be imported."""
        self.mapping = mapping
        for index, combo in enumerate(self._combos):
            choice = mapping.columns[index]
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(choice.field)))
            combo.blockSignals(False)
            how = self.mapping_table.item(index, 2)
            if how is not None:
                how.setText(SOURCE_WORDS.get(choice.source, ""))
        self._fill_preview()
        try:
            mapping.check()
        except ImportRefused as exc:
            self.show_error(str(exc).replace(' (for example --map "Tel=phone")', ""))
            self.import_button.setEnabled(False)
            return
        self.show_error("")
        self.import_button.setEnabled(self._task is None)

    def set_field(self, index: int, target: str) -> None:
        """The buyer chose ``target`` for column ``index`` (a field already taken elsewhere moves here)."""
        self.set_mapping(self.mapping.with_field(index, target))

    def mapped_fields(self) -> dict[str, str]:
        """Column name -> field, for the columns imported as lead fields (what the buyer confirmed)."""
        return {c.name: c.field for c in self.mapping.columns if c.field not in ("extra", "ignore")}

    async def change_format(
        self, *, encoding_label: str | None = None, delimiter: str | None = None, has_header: bool | None = None
    ) -> bool:
        """Read the file again with other settings (off the GUI thread); False (and a message) if it cannot."""
        fmt = self.preview.format
        try:
            preview = await asyncio.to_thread(
                reinspect,
                self.preview,
                encoding_label=encoding_label or fmt.encoding_label,
                delimiter=delimiter or fmt.delimiter,
                has_header=fmt.has_header if has_header is None else has_header,
            )
        except (LeadcheckError, OSError, UnicodeError) as exc:
            self.set_preview(self.preview)  # put the controls back to what is shown
            self.show_error(str(exc))
            return False
        self.set_preview(preview)
        return True

    async def import_into(self) -> ImportReport | None:
        """Import the file with the shown mapping; returns the report (None when it failed: the message says why)."""
        self.import_button.setEnabled(False)
        self.cancel_button.setText("Stop")
        for widget in (self.encoding_combo, self.delimiter_combo, self.header_check, self.mapping_table):
            widget.setEnabled(False)
        self.progress_bar.setVisible(True)
        self.progress_bar.setValue(0)
        self.progress_label.setText("Importing…")
        self._task = asyncio.current_task()
        report: ImportReport | None = None
        self.writing.emit(True)
        try:
            importer = LeadImporter(
                self.store,
                self.preview.format.path,
                preview=self.preview,
                mapping=self.mapping,
                chunk_rows=IMPORT_CHUNK_ROWS,
            )
            report = await importer.run_async(self._on_progress)
        except asyncio.CancelledError:
            if not self._stopping:
                raise  # the window is closing
            self.show_error("The import was stopped. The rows imported so far are kept.")
        except (LeadcheckError, OSError, UnicodeError, MemoryError) as exc:
            self.show_error(f"The import failed: {exc}")
        finally:
            self.writing.emit(False)
            self._task = None
            self._stopping = False
            self.cancel_button.setText("Close" if report is None else "Cancel")
            for widget in (self.encoding_combo, self.delimiter_combo, self.header_check, self.mapping_table):
                widget.setEnabled(True)
            self.progress_bar.setVisible(False)
            self.progress_label.setText("")
            self.import_button.setEnabled(report is None)
        if report is not None:
            self.report = report
            self.imported.emit(report)
            self.accept()
        return report

    def show_error(self, text: str) -> None:
        self.message.setObjectName("errorMessage")
        self.message.setText(text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    # -- slots (one-line adapters) ---------------------------------------------------------------------------

    def _on_import(self) -> None:
        spawn(self.import_into())

    def _on_cancel(self) -> None:
        self.stop_or_close()

    def _on_format_changed(self, *_args: Any) -> None:
        spawn(self.change_format(**self._format_choice()))

    # -- internals ------------------------------------------------------------------------------------------

    def stop_or_close(self) -> None:
        """Cancel: stop a running import (rows already imported stay), else close the dialog."""
        if self._task is not None:
            self._stopping = True
            self._task.cancel()
        else:
            self.reject()

    def _format_choice(self) -> dict[str, Any]:
        return {
            "encoding_label": self.encoding_combo.currentText(),
            "delimiter": self.delimiter_combo.currentData(),
            "has_header": self.header_check.isChecked(),
        }

    def _on_progress(self, progress: ImportProgress) -> None:
        self.progress_bar.setValue(int(progress.fraction * 1000))
        self.progress_label.setText(
            f"{progress.rows_read:,} rows · {progress.leads_created:,} new · "
            f"{progress.rows_recognised:,} already imported"
        )

    def _build_mapping_rows(self, mapping: ColumnMapping) -> None:
        columns = mapping.columns[:MAX_MAPPING_ROWS]
        table = self.mapping_table
        table.setRowCount(0)
        table.setRowCount(len(columns))
        self._combos = []
        for row, choice in enumerate(columns):
            name = QTableWidgetItem(short(choice.name, 60))
            name.setToolTip(choice.name[:500])
            combo = QComboBox()
            for target in TARGETS:
                combo.addItem(FIELD_LABELS.get(target, target), target)
            combo.setAccessibleName(f"Import column {choice.name[:60]} as")
            combo.setToolTip("The Leadcheck field this column fills")
            combo.currentIndexChanged.connect(lambda _i, r=row, c=combo: self.set_field(r, c.currentData()))
            examples = QTableWidgetItem(" · ".join(short(s, 40) for s in choice.samples if s.strip()))
            table.setItem(row, 0, name)
            table.setCellWidget(row, 1, combo)
            table.setItem(row, 2, QTableWidgetItem(SOURCE_WORDS.get(choice.source, "")))
            table.setItem(row, 3, examples)
            self._combos.append(combo)
        hidden = len(mapping.columns) - len(columns)
        if hidden > 0:
            extra = sum(1 for c in mapping.columns[MAX_MAPPING_ROWS:] if c.field == "extra")
            self.more_label.setText(
                f"{hidden:,} more columns are not listed; they are imported as proposed "
                f"({extra:,} kept as extra fields, the rest ignored)."
            )
        self.more_label.setVisible(hidden > 0)

    def _fill_preview(self) -> None:
        fmt = self.preview.format
        columns = min(fmt.column_count, PREVIEW_COLUMNS)
        rows = fmt.sample[:PREVIEW_ROWS]
        table = self.preview_table
        table.setColumnCount(columns)
        table.setRowCount(len(rows))
        labels = []
        for index in range(columns):
            choice = self.mapping.columns[index] if index < len(self.mapping.columns) else None
            name = short(choice.name, 30) if choice else f"Column {index + 1}"
            field = choice.field if choice else "ignore"
            labels.append(f"{name}\n→ {FIELD_LABELS.get(field, field)}" if field not in ("extra", "ignore") else name)
        table.setHorizontalHeaderLabels(labels)
        for r, row in enumerate(rows):
            for c in range(columns):
                item = QTableWidgetItem(short(row[c]) if c < len(row) else "")
                table.setItem(r, c, item)
