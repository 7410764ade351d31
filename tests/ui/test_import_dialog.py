"""Importing a CSV from the window: drop or File → Import opens the mapping dialog; the outcome lists bad rows."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QTableWidget

from desktop_app.ui.batch.feature import BatchFeature
from desktop_app.ui.batch.import_dialog import MAX_MAPPING_ROWS, ImportDialog
from desktop_app.ui.batch.import_outcome import ImportOutcomeDialog
from tests.helpers import until
from tests.ui.helpers import OFFSCREEN_SHOW, write_csv

pytestmark = OFFSCREEN_SHOW

HEADER = ["Phone", "Email Address", "xxTrustedFormCertUrl", "fname", "Notes"]


def good_row(i: int) -> list[str]:
    cert = f"https://cert.trustedform.com/{i:040x}"
    return [f"(312) 555-{1000 + i:04d}", f"Lead{i}@Example.com ", cert, f"F{i}", "n"]


def cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


def dialogs(feature: BatchFeature, kind: type) -> list[Any]:
    return [d for d in feature.dialogs if isinstance(d, kind)]


async def test_import_opens_the_mapping_dialog_with_recognised_columns(feature: BatchFeature, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "leads.csv", HEADER, [good_row(i) for i in range(5)])
    dialog = await feature.import_file(path)
    assert isinstance(dialog, ImportDialog) and dialog.isVisible()
    assert dialog.mapped_fields() == {
        "Phone": "phone",
        "Email Address": "email",
        "xxTrustedFormCertUrl": "cert_url",
        "fname": "first_name",
    }
    assert dialog.mapping_table.rowCount() == 5
    assert cell(dialog.mapping_table, 0, 2) == "Recognised name"
    assert dialog.preview_table.rowCount() == 5
    assert cell(dialog.preview_table, 0, 0) == "(312) 555-1000"
    assert dialog.encoding_combo.currentText() == "UTF-8"
    assert dialog.delimiter_combo.currentData() == ","
    assert dialog.header_check.isChecked()
    assert dialog.import_button.isEnabled()


def drag_enter_event(mime: QMimeData) -> QDragEnterEvent:
    """PySide6 6.12 takes a QPointF (the QPoint overload is deprecated there); 6.10 has only the QPoint one."""
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    try:
        return QDragEnterEvent(QPointF(50, 50), *args)
    except TypeError:
        return QDragEnterEvent(QPointF(50, 50).toPoint(), *args)


async def test_dropping_a_csv_on_the_window_opens_the_mapping_dialog(feature: BatchFeature, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dropped.csv", HEADER, [good_row(1)])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window = feature.window
    enter = drag_enter_event(mime)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    QApplication.sendEvent(window, drop)
    await until(lambda: bool(dialogs(feature, ImportDialog)))
    assert dialogs(feature, ImportDialog)[0].mapped_fields()["Phone"] == "phone"


async def test_changing_the_mapping_and_the_delimiter(feature: BatchFeature, tmp_path: Path) -> None:
    rows = [["3125551000", "a@b.com", "x;y"]]
    path = write_csv(tmp_path / "semi.csv", ["Tel", "Mail", "Comment"], rows, delimiter=";")
    dialog = await feature.import_file(path)
    assert dialog is not None
    assert dialog.delimiter_combo.currentData() == ";"
    assert dialog.mapped_fields() == {"Tel": "phone", "Mail": "email"}
    dialog.set_field(0, "ignore")
    dialog.set_field(1, "ignore")
    assert not dialog.import_button.isEnabled()
    assert "No column is mapped" in dialog.message.text() and dialog.message.isVisibleTo(dialog)
    dialog.set_field(1, "email")
    assert dialog.import_button.isEnabled() and not dialog.message.isVisibleTo(dialog)
    assert await dialog.change_format(delimiter=",")
    assert dialog.mapping_table.rowCount() == 1  # read as one column: "Tel;Mail;Comment"
    assert await dialog.change_format(delimiter=";", has_header=False)
    assert dialog.mapping.columns[0].name == "Column 1"
    assert cell(dialog.preview_table, 0, 0) == "Tel"


async def test_import_outcome_lists_unusable_rows_with_reasons(feature: BatchFeature, tmp_path: Path) -> None:
    rows = [good_row(i) for i in range(6)]
    rows.append(["not a phone", "not-an-email", "", "Bad", "refused"])
    rows.append(["", "", "", "Nobody", "refused too"])
    rows.append(["(312) 555-1000", "", "", "Dup", "another purchase"])  # same phone as row 2: a lead of its own
    rows.append(["(312) 555-9999", "broken@", "", "Half", "warning"])
    rows.append(rows[0])  # the same purchase again
    path = write_csv(tmp_path / "mixed.csv", HEADER, rows)
    dialog = await feature.import_file(path)
    assert dialog is not None
    report = await dialog.import_into()
    assert report is not None
    assert (report.leads_created, report.rows_recognised, report.rows_refused) == (8, 1, 2)
    await until(lambda: bool(dialogs(feature, ImportOutcomeDialog)))
    outcome = dialogs(feature, ImportOutcomeDialog)[0]
    assert outcome.count_labels["leads_created"].text() == "8"
    assert outcome.count_labels["rows_recognised"].text() == "1"
    assert outcome.count_labels["rows_refused"].text() == "2"
    table = outcome.problems_table
    found = [(cell(table, r, 0), cell(table, r, 1), cell(table, r, 3)) for r in range(table.rowCount())]
    assert ("8", "Not imported") == found[0][:2] and "no usable" in found[0][2]
    assert any(row == "9" and kind == "Not imported" for row, kind, _ in found)
    assert any(row == "11" and kind == "Field not used" and "email" in why for row, kind, why in found)
    assert any(row == "12" and kind == "Already imported" and "lead #1" in why for row, kind, why in found)
    assert "not a phone" in cell(table, 0, 4)
    text = outcome.copy_table()
    assert QGuiApplication.clipboard().text() == text and text.startswith("Row\tOutcome")
    saved = tmp_path / "problems.csv"
    assert await outcome.save_problems(saved) == len(report.problems)
    with open(saved, encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["row", "outcome", "field", "reason", "raw"] and len(lines) == len(report.problems) + 1
    assert feature.window.leads_tab is not None
    await until(lambda: feature.window.leads_tab.model.rowCount() == 8)  # type: ignore[union-attr]
    assert outcome.check_button.isEnabled() and "8 leads" in outcome.check_button.text()  # distinct leads


async def test_the_import_dialog_says_when_it_writes_however_the_import_ends(
    feature: BatchFeature, tmp_path: Path
) -> None:
    """``writing`` True when the import starts and False when it ends, whether it finished or failed: the window's
    change poller counts what polls find meanwhile as its own."""
    dialog = await feature.import_file(write_csv(tmp_path / "ok.csv", HEADER, [good_row(i) for i in range(4)]))
    assert dialog is not None
    said: list[bool] = []
    dialog.writing.connect(said.append)
    assert await dialog.import_into() is not None
    assert said == [True, False]
    broken = await feature.import_file(write_csv(tmp_path / "gone.csv", HEADER, [good_row(9)]))
    assert broken is not None
    broken.writing.connect(said.append)
    (tmp_path / "gone.csv").unlink()  # the file went away after its preview: the import fails
    assert await broken.import_into() is None
    assert said == [True, False, True, False]


async def test_shared_evidence_is_counted_apart_from_fields_not_used(feature: BatchFeature, tmp_path: Path) -> None:
    """Two rows sharing a certificate but differing in other data are two purchases; the second's warning is counted
    as shared evidence, not as a field not used (it was), in the outcome and the summary."""
    shared = good_row(1)
    rows = [good_row(0), shared, [*shared[:3], "Someone else", "n"], ["(312) 555-2000", "broken@", "", "Half", "n"]]
    dialog = await feature.import_file(write_csv(tmp_path / "shared.csv", HEADER, rows))
    assert dialog is not None
    report = await dialog.import_into()
    assert report is not None
    assert (report.leads_created, report.warnings, report.shared_evidence, report.fields_not_used) == (4, 2, 1, 1)
    assert (
        "4 rows read, 4 new leads, 0 recognised as already imported, 1 field not used, 1 sharing a certificate or token"
        in report.summary()
    )
    assert report.to_dict()["shared_evidence"] == 1
    await until(lambda: bool(dialogs(feature, ImportOutcomeDialog)))
    outcome = dialogs(feature, ImportOutcomeDialog)[0]
    assert outcome.count_labels["warnings"].text() == "1"
    assert outcome.count_labels["shared_evidence"].text() == "1"
    table = outcome.problems_table
    found = {(cell(table, r, 0), cell(table, r, 1), cell(table, r, 2)) for r in range(table.rowCount())}
    assert found == {("4", "Shared evidence", ""), ("5", "Field not used", "email")}


async def test_an_import_clears_the_filter_so_the_new_leads_show(feature: BatchFeature, tmp_path: Path) -> None:
    tab = feature.window.leads_tab
    assert tab is not None
    feature.store.add_lead({"first_name": "Old", "phone": "+13125550999"})
    await tab.apply_filter(text="Old", flag_index=1)  # a filter none of the new leads would pass
    path = write_csv(tmp_path / "new.csv", HEADER, [good_row(i) for i in range(3)])
    dialog = await feature.import_file(path)
    assert dialog is not None and await dialog.import_into() is not None
    await until(lambda: tab.model.rowCount() == 4 and tab.model.complete)
    assert tab.filter_edit.text() == "" and tab.flag_combo.currentIndex() == 0


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "is empty"),
        ("binary.csv", bytes(range(256)) * 40, "binary data"),
        ("blank.csv", b"\n\n  \n", "only blank lines"),
        ("book.csv", b"PK\x03\x04" + b"\x00" * 100, "Excel"),
    ],
)
async def test_hostile_files_end_with_a_clear_message(
    feature: BatchFeature, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert await feature.import_file(path) is None
    assert feature.last_message is not None
    assert expected in feature.last_message.text()
    assert not dialogs(feature, ImportDialog)


async def test_a_missing_file_ends_with_a_clear_message(feature: BatchFeature, tmp_path: Path) -> None:
    assert await feature.import_file(tmp_path / "gone.csv") is None
    assert feature.last_message is not None and "no file" in feature.last_message.text()


async def test_a_file_with_100000_columns_lists_the_first_columns_and_imports(
    feature: BatchFeature, tmp_path: Path
) -> None:
    width = 100_000
    header = ["phone", *(f"c{i}" for i in range(1, width))]
    row = ["3125550101", *("v" for _ in range(1, width))]
    path = write_csv(tmp_path / "wide.csv", header, [row])
    dialog = await feature.import_file(path)
    assert dialog is not None
    assert dialog.mapping_table.rowCount() == MAX_MAPPING_ROWS
    assert dialog.more_label.isVisibleTo(dialog) and "99,800 more columns" in dialog.more_label.text()
    assert dialog.preview_table.columnCount() <= 60
    report = await dialog.import_into()
    assert report is not None and report.leads_created == 1


async def test_a_huge_cell_is_reported_not_imported_and_nothing_crashes(feature: BatchFeature, tmp_path: Path) -> None:
    huge = "x" * 10_000_000
    path = write_csv(tmp_path / "huge.csv", ["phone", "first_name"], [["3125550101", huge], ["3125550102", "Ann"]])
    dialog = await feature.import_file(path)
    assert dialog is not None
    assert len(cell(dialog.preview_table, 0, 1)) <= 120
    report = await dialog.import_into()
    assert report is not None and report.leads_created == 2
    assert any("characters" in p.reason and p.severity == "warning" for p in report.problems)
