"""The Deadlines and Suppliers windows, shown and driven with real clicks: sorting by a heading, selecting rows,
"Retain now" asking first (Cancel sends nothing), the verdict bars' colours, the CSV export, View's menu items."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QMessageBox, QTableView

from desktop_app.paths import Paths
from desktop_app.service import CheckService
from desktop_app.ui import theme
from desktop_app.ui.ledger.deadlines import COL_HOURS, COL_LEAD, DeadlinesView
from desktop_app.ui.ledger.suppliers import COL_LEADS, COL_SUPPLIER, COL_VERDICTS, SuppliersView
from desktop_app.ui.main_window import MainWindow
from tests.helpers import let_the_loop_run, until
from tests.ui.helpers import OFFSCREEN_SHOW, lead_fields

pytestmark = OFFSCREEN_SHOW


def click_header(view: QTableView, column: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def click_row(view: QTableView, row: int, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def column_texts(view: QTableView, column: int) -> list[str]:
    model = view.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def check_count(service: CheckService) -> int:
    return int(service.store.db.conn.execute("SELECT count(*) FROM checks").fetchone()[0])


async def shown_deadlines(service: CheckService, qtbot: Any, hours_later: float) -> DeadlinesView:
    now = datetime.now(UTC) + timedelta(hours=hours_later)
    view = DeadlinesView(service, clock=lambda: now)
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    await view.refresh()
    return view


async def test_deadlines_sorted_by_urgency_red_under_a_day_and_sortable_by_a_heading(
    service: CheckService, qtbot: Any
) -> None:
    ids = [service.store.add_lead(lead_fields(i), source_file="t.csv") for i in range(3)]
    view = await shown_deadlines(service, qtbot, hours_later=60)  # bought now, due in 72 h: 12 h left
    assert column_texts(view.view, COL_LEAD) == [str(i) for i in ids]  # most urgent (bought first) first
    hours = view.view.model().index(0, COL_HOURS)
    assert hours.data().endswith(" h") and float(hours.data().split()[0]) < 24
    assert hours.data(Qt.ItemDataRole.BackgroundRole) == QColor(theme.FLAG_COLOURS["red"][0])
    click_header(view.view, COL_LEAD)
    click_header(view.view, COL_LEAD)  # the second click sorts descending
    assert column_texts(view.view, COL_LEAD) == [str(i) for i in reversed(ids)]
    later = await shown_deadlines(service, qtbot, hours_later=0)  # 72 h left: not coloured
    assert later.view.model().index(0, COL_HOURS).data(Qt.ItemDataRole.BackgroundRole) is None


async def test_retain_now_asks_first_and_cancel_sends_nothing(service: CheckService, qtbot: Any) -> None:
    for i in range(3):
        service.store.add_lead(lead_fields(i), source_file="t.csv")
    view = await shown_deadlines(service, qtbot, hours_later=60)
    assert not view.retain_button.isEnabled()
    click_row(view.view, 0)
    click_row(view.view, 2, Qt.KeyboardModifier.ControlModifier)
    assert len(view.selected_items()) == 2 and view.retain_button.isEnabled()
    before = check_count(service)
    QTest.mouseClick(view.retain_button, Qt.MouseButton.LeftButton)
    await until(lambda: view.question is not None and view.question.isVisible())
    assert view.question is not None and "Retain 2 certificates" in view.question.text()
    cancel = view.question.button(QMessageBox.StandardButton.Cancel)
    QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
    await until(lambda: view.question is None)
    await let_the_loop_run()
    assert check_count(service) == before and view.model.rowCount() == 3


async def test_retain_now_accepted_retains_the_selection_and_the_list_updates(
    service: CheckService, qtbot: Any
) -> None:
    ids = [service.store.add_lead(lead_fields(i), source_file="t.csv") for i in range(2)]
    view = await shown_deadlines(service, qtbot, hours_later=60)
    click_row(view.view, 0)
    QTest.mouseClick(view.retain_button, Qt.MouseButton.LeftButton)
    await until(lambda: view.question is not None and view.question.isVisible())
    assert view.question is not None
    QTest.mouseClick(view.question.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    await until(lambda: "retained" in view.status.text())
    due = {(d.lead_id, d.kind) for d in view.model.rows}
    assert (ids[0], "retain") not in due and (ids[1], "retain") in due
    assert view.status.text().startswith("1 retained")


def add_supplier_leads(service: CheckService) -> None:
    rows = [("Acme", "red"), ("Acme", "green"), ("Acme", "green"), ("Bolt", "red"), ("Zed", None)]
    for n, (supplier, verdict) in enumerate(rows):
        lead_id = service.store.add_lead({**lead_fields(n), "supplier": supplier, "cost": "2.50"})
        if verdict:
            with service.store.transaction() as conn:
                conn.execute("UPDATE leads SET verdict = ? WHERE id = ?", (verdict, lead_id))


async def test_suppliers_sort_by_a_heading_and_draw_each_verdict_bar(
    service: CheckService, qtbot: Any, tmp_path: Path
) -> None:
    add_supplier_leads(service)
    view = SuppliersView(service)
    qtbot.addWidget(view)
    view.resize(1200, 400)
    view.show()
    assert await view.refresh() == 3
    assert column_texts(view.view, COL_SUPPLIER) == ["Acme", "Bolt", "Zed"]
    click_header(view.view, COL_LEADS)
    click_header(view.view, COL_LEADS)
    assert column_texts(view.view, COL_SUPPLIER)[0] == "Acme"  # 3 leads, most first
    image = view.view.viewport().grab().toImage()
    acme = view.view.visualRect(view.view.model().index(0, COL_VERDICTS))
    red_x = acme.left() + 6 + (acme.width() - 12) // 6  # first third of the bar: Acme's one red of three
    green_x = acme.right() - 6 - (acme.width() - 12) // 6
    ratio = image.devicePixelRatio()
    pixel = lambda x, y: image.pixelColor(int(x * ratio), int(y * ratio)).name()  # noqa: E731
    assert pixel(red_x, acme.center().y()) == theme.FLAG_COLOURS["red"][0]
    assert pixel(green_x, acme.center().y()) == theme.FLAG_COLOURS["green"][0]
    out = view.export_csv(tmp_path / "suppliers.csv")
    with open(tmp_path / "suppliers.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert out == 3 and len(rows) == 3 and rows[0]["supplier"] == "Acme"  # in the order shown
    assert rows[0]["leads"] == "3" and rows[0]["green"] == "2" and rows[0]["red"] == "1"


@pytest.mark.qt_log_ignore("This plugin does not support raise")
async def test_view_menu_opens_each_ledger_window_once(service: CheckService, paths: Paths, qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.populate_leads(service, settings=service.settings, paths=paths)
    service.store.add_lead(lead_fields(1), source_file="t.csv")
    try:
        window.ledger_actions["deadlines"].trigger()
        deadlines = window.ledger_views["deadlines"]
        await until(lambda: deadlines.isVisible() and deadlines.model.rowCount() == 1)  # type: ignore[attr-defined]
        window.ledger_actions["suppliers"].trigger()
        suppliers = window.ledger_views["suppliers"]
        await until(lambda: suppliers.model.rowCount() == 1)  # type: ignore[attr-defined]
        window.ledger_actions["deadlines"].trigger()
        assert window.ledger_views["deadlines"] is deadlines
        await let_the_loop_run()
    finally:
        window.shutdown_ui()


async def test_suppliers_export_asks_for_a_file_then_writes_it_or_says_why_not(
    service: CheckService, qtbot: Any, tmp_path: Path
) -> None:
    """ "Export CSV…": the buyer types a path into the save dialog; the file is written. A place that cannot hold
    a file (under a file, not a folder) is said in the status line, nothing raised."""
    add_supplier_leads(service)
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    view = SuppliersView(service)
    qtbot.addWidget(view)
    view.show()
    assert await view.refresh() == 3
    for target, written in ((tmp_path / "cards.csv", True), (tmp_path / "a-file" / "cards.csv", False)):
        exporting = asyncio.ensure_future(view.ask_export())
        await until(lambda: view.file_dialog is not None and view.file_dialog.isVisible())
        dialog = view.file_dialog
        assert dialog is not None
        name_box = dialog.findChild(QLineEdit)
        assert name_box is not None
        name_box.setText(str(target))
        dialog.accept()
        path = await asyncio.wait_for(exporting, 5)
        assert view.file_dialog is None
        if written:
            assert path == target and len(target.read_text(encoding="utf-8").splitlines()) == 4  # header + 3
        else:
            assert path is None and not target.exists()
            assert view.status.text().startswith(f"Could not write {target}")
