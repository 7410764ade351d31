"""Export dialogs: the results CSV (checked leads with each vendor's flag, reason and date) and suppression lists.

Both write through :mod:`desktop_app.exports` on a worker thread with a database connection of its own
(:func:`_with_reader`; WAL lets it read while a batch writes on the loop), into a temporary file moved into
place when complete. Every cell is neutralised against spreadsheet formula injection by the exporter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.exports import FORMATS, write_results_csv, write_suppression
from desktop_app.store import Store
from desktop_app.store.batches import BatchInfo
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.registry import LEAD_VENDORS, TAB_ORDER, VENDOR_LABELS

T = TypeVar("T")

FORMAT_LABELS = {
    "phone10": "Phones, 10 digits (2025551212) — most dialers",
    "e164": "Phones, E.164 (+12025551212)",
    "email": "Emails, lower-case",
    "md5": "MD5 hashes of the phone (E.164) / email — ad platforms",
    "sha256": "SHA-256 hashes of the phone (E.164) / email — Google, Meta",
}
SOURCE_LABELS = (
    ("litigator", "TCPA litigator hits", "Phones the litigator check flagged"),
    ("optout", "Opt-outs", "Phones and emails uploaded to Consent Control as opt-outs"),
    ("imported", "Imported suppression files", "Consent Control suppression files imported into Leadcheck"),
)
COLOUR_LABELS = (("red", "Red"), ("yellow", "Yellow"), ("green", "Green"))
FLAG_VENDORS = tuple(v for v in TAB_ORDER if v in LEAD_VENDORS)


def _with_reader(store: Any, work: Callable[[Store], T]) -> T:
    """Run ``work`` on this (worker) thread with a Store of its own on the same database file."""
    reader = store.reopen()
    try:
        return work(reader)
    finally:
        reader.close()


class _PathRow(QWidget):
    """A file path box with a Browse… button (a non-modal save dialog)."""

    def __init__(self, default: Path, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.edit = QLineEdit(str(default))
        self.edit.setAccessibleName("Save to")
        self.edit.setToolTip("Where the file is written (replaced if it exists)")
        self.browse = QPushButton("Browse…")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)
        self.browse.clicked.connect(self._on_browse)

    @property
    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None

    def _on_browse(self) -> None:
        dialog = QFileDialog(self, self.caption, self.edit.text(), "CSV (*.csv);;All files (*)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self.edit.setText)
        dialog.open()


class _ExportDialog(QDialog):
    """Shared frame: a form, a status line, Export and Close; :meth:`export` runs the write off-thread."""

    exported = Signal(object, int)

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.close_button = QPushButton("Close")
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.status, 1)
        self.buttons.addWidget(self.export_button)
        self.buttons.addWidget(self.close_button)
        self.export_button.clicked.connect(self._on_export)
        self.close_button.clicked.connect(self.accept)

    async def export(self) -> int | None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def _run(self, path: Path | None, work: Callable[[Store], int], noun: str) -> int | None:
        if path is None:
            self._set_status("Choose where to save the file.", error=True)
            return None
        self.export_button.setEnabled(False)
        self._set_status("Writing…", error=False)
        try:
            count = await asyncio.to_thread(_with_reader, self.store, work)
        except (LeadcheckError, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self._set_status(f"Could not write {path}: {reason}", error=True)
            return None
        finally:
            self.export_button.setEnabled(True)
        self._set_status(f"{count:,} {noun} written to {path}.", error=False)
        self.exported.emit(path, count)
        return count

    store: Any

    def _set_status(self, text: str, *, error: bool) -> None:
        self.status.setObjectName("errorMessage" if error else "infoMessage")
        self.status.setText(text)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _on_export(self) -> None:
        spawn(self.export())


class ExportResultsDialog(_ExportDialog):
    """File → Export results…: every checked lead (or one batch's) with each vendor's flag, reason and date.

    Signals:
        exported(object, int): the file was written; its path and the number of lead rows.
    """

    def __init__(
        self,
        store: Any,
        batches: Sequence[BatchInfo] = (),
        parent: QWidget | None = None,
        *,
        batch_id: int | None = None,
        folder: Path | None = None,
    ) -> None:
        super().__init__("Export results", parent)
        self.store = store
        self.scope_combo = QComboBox()
        self.scope_combo.addItem("Every checked lead (each vendor's latest answer)", None)
        for info in batches:
            when = (info.created_at or "")[:16].replace("T", " ")
            self.scope_combo.addItem(f"Batch {info.id} “{info.name}” ({when}, {info.status})", info.id)
        if batch_id is not None:
            self.scope_combo.setCurrentIndex(max(0, self.scope_combo.findData(batch_id)))
        self.scope_combo.setAccessibleName("Which leads")
        default = (folder or Path.home()) / ("leadcheck-results.csv" if batch_id is None else f"batch-{batch_id}.csv")
        self.path_row = _PathRow(default, "Export results")
        form = QFormLayout()
        form.addRow("Leads:", self.scope_combo)
        form.addRow("Save to:", self.path_row)
        note = QLabel(
            "One row per lead: its fields, then for each vendor its flag (Green / Yellow / Red, or Error), the "
            "reason and the date. Cells that look like spreadsheet formulas are written as text."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addSpacing(8)
        layout.addLayout(self.buttons)
        self.resize(640, self.sizeHint().height())

    @property
    def batch_id(self) -> int | None:
        data = self.scope_combo.currentData()
        return int(data) if data is not None else None

    async def export(self) -> int | None:
        """Write the results CSV off the GUI thread; returns the number of lead rows (None on failure)."""
        path, batch_id = self.path_row.path, self.batch_id

        def work(store: Store) -> int:
            assert path is not None
            return write_results_csv(store, path, batch_id=batch_id)

        return await self._run(path, work, "leads")


class ExportSuppressionDialog(_ExportDialog):
    """File → Export suppression list…: format, sources, flag colours, optional reason and date columns.

    Signals:
        exported(object, int): the file was written; its path and the number of values.
    """

    def __init__(self, store: Any, parent: QWidget | None = None, *, folder: Path | None = None) -> None:
        super().__init__("Export suppression list", parent)
        self.store = store
        self.format_combo = QComboBox()
        for fmt in FORMATS:
            self.format_combo.addItem(FORMAT_LABELS[fmt], fmt)
        self.format_combo.setAccessibleName("Format")
        self.kind_combo = QComboBox()
        for label, kinds in (("Phones and emails", ("phone", "email")), ("Phones", ("phone",)), ("Emails", ("email",))):
            self.kind_combo.addItem(label, kinds)
        self.kind_combo.setToolTip("Hashed lists can hold phones, emails or both")
        self.kind_combo.setAccessibleName("Hash which values")

        sources = QGroupBox("Include")
        sources_layout = QVBoxLayout(sources)
        self.source_checks: dict[str, QCheckBox] = {}
        for key, label, tip in SOURCE_LABELS:
            check = QCheckBox(label)
            check.setChecked(True)
            check.setToolTip(tip)
            sources_layout.addWidget(check)
            self.source_checks[key] = check
        colours = QHBoxLayout()
        colours.addWidget(QLabel("Leads flagged"))
        self.colour_checks: dict[str, QCheckBox] = {}
        for key, label in COLOUR_LABELS:
            check = QCheckBox(label)
            check.setToolTip(f"Leads whose latest flag is {label} (from the vendor chosen on the right)")
            colours.addWidget(check)
            self.colour_checks[key] = check
        colours.addWidget(QLabel("by"))
        self.flag_vendor_combo = QComboBox()
        self.flag_vendor_combo.addItem("any vendor", None)
        for vendor in FLAG_VENDORS:
            self.flag_vendor_combo.addItem(VENDOR_LABELS[vendor], vendor)
        self.flag_vendor_combo.setAccessibleName("Flag from vendor")
        colours.addWidget(self.flag_vendor_combo)
        colours.addStretch(1)
        sources_layout.addLayout(colours)

        self.reason_check = QCheckBox("Add a reason column")
        self.date_check = QCheckBox("Add a date column")
        columns = QHBoxLayout()
        columns.addWidget(self.reason_check)
        columns.addWidget(self.date_check)
        columns.addStretch(1)
        self.path_row = _PathRow((folder or Path.home()) / "suppression.csv", "Export suppression list")

        form = QFormLayout()
        form.addRow("Format:", self.format_combo)
        form.addRow("Values:", self.kind_combo)
        form.addRow("Save to:", self.path_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(sources)
        layout.addLayout(columns)
        layout.addSpacing(8)
        layout.addLayout(self.buttons)
        self.format_combo.currentIndexChanged.connect(self._on_format)
        self.resize(660, self.sizeHint().height())
        self._on_format(0)

    # -- public API -----------------------------------------------------------------------------------------

    def set_format(self, fmt: str) -> None:
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(fmt)))

    @property
    def fmt(self) -> str:
        return str(self.format_combo.currentData())

    def include(self) -> list[str]:
        """The chosen sources as :func:`desktop_app.exports.write_suppression` takes them."""
        chosen = [key for key, check in self.source_checks.items() if check.isChecked()]
        vendor = self.flag_vendor_combo.currentData()
        for colour, check in self.colour_checks.items():
            if check.isChecked():
                chosen.append(f"{vendor}:{colour}" if vendor else colour)
        return chosen

    def kinds(self) -> tuple[str, ...]:
        if self.fmt in ("phone10", "e164"):
            return ("phone",)
        if self.fmt == "email":
            return ("email",)
        return tuple(self.kind_combo.currentData())

    async def export(self) -> int | None:
        """Write the suppression list off the GUI thread; returns the number of values (None on failure)."""
        include = self.include()
        if not include:
            self._set_status("Choose at least one thing to include.", error=True)
            return None
        path, fmt, kinds = self.path_row.path, self.fmt, self.kinds()
        reason, date = self.reason_check.isChecked(), self.date_check.isChecked()

        def work(store: Store) -> int:
            assert path is not None
            return write_suppression(store, path, fmt=fmt, include=include, reason=reason, date=date, kinds=kinds)

        return await self._run(path, work, "values")

    # -- internals ------------------------------------------------------------------------------------------

    def _on_format(self, _index: int) -> None:
        self.kind_combo.setEnabled(self.fmt in ("md5", "sha256"))
