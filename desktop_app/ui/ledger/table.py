"""What the ledger windows' tables share: a read-only model over a list of rows, the table view's settings, and
"Export CSV…" (a save dialog, then the view's own write).

A view's model subclasses :class:`RowsModel` and gives its :meth:`~RowsModel.headers` and a :meth:`~RowsModel.cell`
for (row, column, role); the list, its reset and Qt's row/column/header plumbing are here once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QTableView, QWidget

from desktop_app.ui.runtime import run_dialog
from desktop_app.vendors.errors import LeadcheckError

AnyIndex = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """Rows (``rows``) shown read-only, one column per :meth:`headers` entry. Signals: none of its own."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def headers(self) -> Sequence[str]:
        raise NotImplementedError

    def row_at(self, number: int) -> Any:
        """The row shown at ``number`` (a model with a total row overrides this and :meth:`rowCount`)."""
        return self.rows[number]

    def cell(self, row: Any, column: int, role: int) -> Any:
        raise NotImplementedError

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        headers = self.headers()
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return headers[section] if 0 <= section < len(headers) else None
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        return self.cell(self.row_at(index.row()), index.column(), role)


def read_only_table(model: QAbstractItemModel, name: str) -> QTableView:
    """A table of whole-row selection, no editing and no row numbers, over ``model``, named for screen readers."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    return view


async def export_to_chosen_file(
    view: QWidget, caption: str, name: str, export: Callable[[Path], object]
) -> Path | None:
    """ "Export CSV…": a save dialog (window-modal, no nested loop; ``view.file_dialog`` while it is open), then
    ``export(path)``; a file that cannot be written is said in ``view.status``. Returns the path written, or None."""
    dialog = QFileDialog(view, caption, name, "CSV (*.csv);;All files (*)")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setDefaultSuffix("csv")
    view.file_dialog = dialog  # type: ignore[attr-defined]
    try:
        accepted = await run_dialog(dialog) == int(QFileDialog.DialogCode.Accepted)
        files = dialog.selectedFiles()
    finally:
        view.file_dialog = None  # type: ignore[attr-defined]
        dialog.deleteLater()
    if not accepted or not files:
        return None
    path = Path(files[0])
    try:
        export(path)
    except (OSError, LeadcheckError) as exc:
        view.status.setText(f"Could not write {path}: {getattr(exc, 'strerror', None) or exc}")  # type: ignore[attr-defined]
        return None
    return path
