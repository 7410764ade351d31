"""The Costs and Returns windows, shown and driven with real input: the Costs selector changed with the keyboard
regroups the ledger (with its total), the Returns supplier filter narrows the list, and Export CSV… writes the
columns ``leadcheck export returns`` writes, with the evidence-log hash."""

from __future__ import annotations

import csv
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QTableView

from desktop_app.exports.returns import RETURNS_COLUMNS
from desktop_app.paths import Paths
from desktop_app.service import CheckService
from desktop_app.store.ledger import iso
from desktop_app.ui.ledger.costs import COL_CHECKS, COL_COST, COL_GROUP, CostsView
from desktop_app.ui.ledger.returns import COL_HASH, COL_LEAD, COL_REASON, ReturnsView
from desktop_app.ui.main_window import MainWindow
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import let_the_loop_run, until
from tests.ui.helpers import OFFSCREEN_SHOW

pytestmark = OFFSCREEN_SHOW
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def column_texts(view: QTableView, column: int) -> list[str]:
    model = view.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def add_lead(service: CheckService, n: int, supplier: str) -> int:
    lead_id = service.store.add_lead({"phone": f"+1202555{n:04d}", "supplier": supplier})
    service.store.connection.execute("UPDATE leads SET created_at = ? WHERE id = ?", (iso(T0), lead_id))
    return lead_id


def record(service: CheckService, lead_id: int, n: int, flag: Flag, hours: float, cost: float) -> None:
    result = CheckResult("litigator", "check", f"+1202555{n:04d}", flag, f"Litigator said {flag.value}.")
    at = iso(T0 + timedelta(hours=hours))
    service.store.record_check(
        dataclasses.replace(result, started_at=at, finished_at=at), lead_id=lead_id, sent={}, cost=cost
    )


def ledger_fixture(service: CheckService) -> list[int]:
    """Acme: a red at 10 h (returnable) and a green; Bolt: a red at 5 h (returnable) and a red at 90 h (too late)."""
    rows = [("Acme", Flag.RED, 10), ("Acme", Flag.GREEN, 1), ("Bolt", Flag.RED, 5), ("Bolt", Flag.RED, 90)]
    ids = []
    for n, (supplier, flag, hours) in enumerate(rows):
        ids.append(add_lead(service, n, supplier))
        record(service, ids[-1], n, flag, hours, cost=0.05)
    return ids


def choose_with_keyboard(combo: QComboBox, text: str) -> None:
    """Move the selector down with the arrow key, as a buyer would, until it shows ``text``."""
    combo.setFocus()
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        QTest.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


async def test_costs_selector_regroups_the_ledger_with_its_total(service: CheckService, qtbot: Any) -> None:
    ledger_fixture(service)
    view = CostsView(service)
    qtbot.addWidget(view)
    view.resize(640, 400)
    view.show()
    qtbot.waitExposed(view)
    assert await view.refresh() == 1
    assert column_texts(view.view, COL_GROUP) == ["TCPA Litigator", "Total"]
    assert column_texts(view.view, COL_COST) == ["0.20", "0.20"]
    choose_with_keyboard(view.group_combo, "Supplier")
    await until(lambda: view.model.by == "supplier")
    assert view.model.headerData(COL_GROUP, Qt.Orientation.Horizontal) == "Supplier"
    assert column_texts(view.view, COL_GROUP) == ["Acme", "Bolt", "Total"]
    assert column_texts(view.view, COL_CHECKS) == ["2", "2", "4"]
    assert column_texts(view.view, COL_COST)[-1] == "0.20"
    choose_with_keyboard(view.group_combo, "Day")
    await until(lambda: view.model.by == "day")
    assert column_texts(view.view, COL_GROUP) == ["2026-03-02", "2026-03-06", "Total"]
    assert view.status.text() == "4 checks, 4 billed, 0.20 in all"


async def test_returns_filter_by_supplier_and_export_the_cli_columns(
    service: CheckService, qtbot: Any, tmp_path: Path
) -> None:
    ids = ledger_fixture(service)
    view = ReturnsView(service)
    qtbot.addWidget(view)
    view.resize(1100, 400)
    view.show()
    qtbot.waitExposed(view)
    assert await view.refresh() == 2
    assert column_texts(view.view, COL_LEAD) == [str(ids[0]), str(ids[2])]
    assert column_texts(view.view, COL_REASON) == ["Litigator said red."] * 2
    assert all(len(h) == 64 for h in column_texts(view.view, COL_HASH))
    choose_with_keyboard(view.supplier_combo, "Bolt")
    await until(lambda: view.model.rowCount() == 1)
    assert column_texts(view.view, COL_LEAD) == [str(ids[2])] and view.status.text() == "1 returnable lead from Bolt"
    out = tmp_path / "returns.csv"
    assert view.export_csv(out) == 1
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(RETURNS_COLUMNS)
    assert rows[0]["lead_id"] == str(ids[2]) and rows[0]["supplier"] == "Bolt" and len(rows[0]["evidence_hash"]) == 64
    assert "'+12025550002" == rows[0]["phone"]  # neutralised like every export's cells


@pytest.mark.qt_log_ignore("This plugin does not support raise")
async def test_view_menu_opens_costs_and_returns(service: CheckService, paths: Paths, qtbot: Any) -> None:
    ledger_fixture(service)
    window = MainWindow()
    qtbot.addWidget(window)
    window.populate_leads(service, settings=service.settings, paths=paths)
    try:
        assert window.ledger_actions["costs"].shortcut().toString() == "Ctrl+Shift+C"
        window.ledger_actions["costs"].trigger()
        costs = window.ledger_views["costs"]
        await until(lambda: costs.isVisible() and costs.model.rowCount() == 2)  # type: ignore[attr-defined]
        window.ledger_actions["returns"].trigger()
        returns = window.ledger_views["returns"]
        await until(lambda: returns.model.rowCount() == 2)  # type: ignore[attr-defined]
        await let_the_loop_run()
    finally:
        window.shutdown_ui()
