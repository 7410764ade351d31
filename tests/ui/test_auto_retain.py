"""Deadlines → "Retain due certificates automatically", with real clicks and the vendor simulator: it asks once
(how many are due, what they cost at the set price), Cancel changes nothing, OK retains the due certificates through
the re-check path with an evidence-log entry saying each was automatic and remembers the choice; the timer's next
round takes a certificate bought since; unticking stops it; a window started with the choice saved retains without
asking. Also: the hours cell keeps its red when its row is selected."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from desktop_app.paths import Paths
from desktop_app.service import CheckService
from desktop_app.ui import theme
from desktop_app.ui.ledger.auto_retain import AutoRetainer
from desktop_app.ui.ledger.deadlines import COL_HOURS, DeadlinesView
from desktop_app.ui.main_window import MainWindow
from tests.helpers import let_the_loop_run, until
from tests.ui.helpers import OFFSCREEN_SHOW, lead_fields

pytestmark = OFFSCREEN_SHOW


def retains(service: CheckService) -> dict[str, float]:
    rows = service.store.db.conn.execute(
        "SELECT subject, cost FROM checks WHERE vendor = 'trustedform' AND operation = 'retain'"
    ).fetchall()
    return {str(subject): float(cost) for subject, cost in rows}


def automatic_entries(service: CheckService) -> list[dict[str, Any]]:
    rows = service.store.db.conn.execute(
        "SELECT content, ref FROM evidence_log WHERE kind = 'auto_retain' ORDER BY seq"
    ).fetchall()
    return [{**json.loads(content)["auto_retain"], "ref": ref} for content, ref in rows]


def later(hours: float) -> Callable[[], datetime]:
    now = datetime.now(UTC) + timedelta(hours=hours)
    return lambda: now


async def shown(service: CheckService, qtbot: Any, retainer: AutoRetainer) -> DeadlinesView:
    view = DeadlinesView(service, clock=retainer.clock, retainer=retainer)
    qtbot.addWidget(view)
    view.resize(1000, 420)
    view.show()
    await view.refresh()
    return view


async def answer(view: DeadlinesView, button: QMessageBox.StandardButton) -> str:
    """Wait for the question, click ``button`` on it, and return what it said."""
    await until(lambda: view.question is not None and view.question.isVisible())
    assert view.question is not None
    text = view.question.text()
    QTest.mouseClick(view.question.button(button), Qt.MouseButton.LeftButton)
    await until(lambda: view.question is None)
    return text


async def test_asks_once_with_the_cost_then_retains_due_certificates_and_logs_each_as_automatic(
    service: CheckService, qtbot: Any
) -> None:
    service.settings.set("price.trustedform", 0.25)
    due = [service.store.add_lead(lead_fields(i), source_file="t.csv") for i in range(3)]
    lapsed = service.store.add_lead(lead_fields(7), source_file="t.csv")
    bought = (datetime.now(UTC) - timedelta(hours=100)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with service.store.transaction() as conn:
        conn.execute("UPDATE leads SET purchased_at = ? WHERE id = ?", (bought, lapsed))
    retainer = AutoRetainer(service, clock=later(60), interval_ms=3_600_000)
    view = await shown(service, qtbot, retainer)
    assert view.model.rowCount() == 4 and len(view.automatic_due()) == 3  # the lapsed one cannot be retained

    QTest.mouseClick(view.auto_box, Qt.MouseButton.LeftButton)
    question = await answer(view, QMessageBox.StandardButton.Cancel)
    assert "3 TrustedForm certificates are due now" in question and "costs $0.75 at $0.25 each" in question
    await let_the_loop_run()
    assert not view.auto_box.isChecked() and not retainer.active
    assert retains(service) == {} and service.settings.get("auto_retain") is False

    QTest.mouseClick(view.auto_box, Qt.MouseButton.LeftButton)
    await answer(view, QMessageBox.StandardButton.Ok)
    await until(lambda: len(automatic_entries(service)) == 3)
    assert view.auto_box.isChecked() and retainer.active and service.settings.get("auto_retain") is True
    certs = {lead_fields(i)["cert_url"] for i in range(3)}
    assert retains(service) == dict.fromkeys(certs, 0.25)  # each retained once, at the set price
    entries = automatic_entries(service)
    assert {e["lead_id"] for e in entries} == set(due) and all(e["automatic"] is True for e in entries)
    stored = {c.id: c for c in service.store.checks(vendor="trustedform", limit=10)}
    assert all(e["ref"] == e["check_id"] and stored[e["check_id"]].lead_id == e["lead_id"] for e in entries)
    await until(lambda: "Automatic retaining: 3 retained" in view.auto_status.text())
    await until(lambda: [d.lead_id for d in view.model.rows] == [lapsed])  # the list was read again
    assert service.store.verify().ok


async def test_the_timer_retains_what_becomes_due_and_unticking_stops_it(service: CheckService, qtbot: Any) -> None:
    service.store.add_lead(lead_fields(0), source_file="t.csv")
    retainer = AutoRetainer(service, clock=later(1), interval_ms=20)
    view = await shown(service, qtbot, retainer)
    QTest.mouseClick(view.auto_box, Qt.MouseButton.LeftButton)
    assert "1 TrustedForm certificate is due now" in await answer(view, QMessageBox.StandardButton.Ok)
    await until(lambda: len(retains(service)) == 1)
    service.store.add_lead(lead_fields(1), source_file="t.csv")  # bought after the first round
    await until(lambda: lead_fields(1)["cert_url"] in retains(service))  # a later round, on the timer, took it
    QTest.mouseClick(view.auto_box, Qt.MouseButton.LeftButton)  # off: no question
    await let_the_loop_run()
    assert view.question is None and not retainer.active and service.settings.get("auto_retain") is False
    assert "off" in view.auto_status.text()


@pytest.mark.qt_log_ignore("This plugin does not support raise")
async def test_a_window_started_with_the_choice_saved_retains_without_asking(
    service: CheckService, paths: Paths, qtbot: Any
) -> None:
    service.store.add_lead(lead_fields(0), source_file="t.csv")
    service.settings.set("auto_retain", True)
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        window.populate_leads(service, settings=service.settings, paths=paths)
        assert window.auto_retainer is not None and window.auto_retainer.active
        await until(lambda: len(automatic_entries(service)) == 1)
        window.ledger_actions["deadlines"].trigger()
        view = window.ledger_views["deadlines"]
        assert isinstance(view, DeadlinesView) and view.retainer is window.auto_retainer
        assert view.auto_box.isChecked()
    finally:
        window.shutdown_ui()
    assert not window.auto_retainer.active and service.settings.get("auto_retain") is True  # on for next time


async def test_a_selected_row_keeps_its_red_hours_cell(service: CheckService, qtbot: Any) -> None:
    service.store.add_lead(lead_fields(0), source_file="t.csv")
    view = await shown(service, qtbot, AutoRetainer(service, clock=later(60)))
    rect = view.view.visualRect(view.proxy.index(0, COL_HOURS))
    QTest.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(view.selected_items()) == 1
    image = view.view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    inside = QPoint(rect.left() + 5, rect.center().y())  # in the chip, left of the right-aligned hours
    assert image.pixelColor(int(inside.x() * ratio), int(inside.y() * ratio)).name() == theme.FLAG_COLOURS["red"][0]
    other = view.view.visualRect(view.proxy.index(0, COL_HOURS + 1))
    selected = image.pixelColor(int((other.left() + 2) * ratio), int(other.center().y() * ratio))
    assert selected == view.view.palette().highlight().color()  # the rest of the row shows the selection
