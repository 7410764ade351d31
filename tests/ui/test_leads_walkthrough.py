"""The Leads tab driven as a buyer drives it: the window shown, real clicks and typing. The detail follows the
selection, the filter and a refresh; a history row opens its check; a re-check asks first (vendors, who bills,
when last checked) and its result is a labelled message that closes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView

from desktop_app.jobs.recheck import RecheckStep
from desktop_app.paths import Paths
from desktop_app.sandbox import scenarios as sc
from desktop_app.service import CheckService
from desktop_app.ui.leads.model import COL_NAME
from desktop_app.ui.leads.recheck_dialog import ago, step_text
from desktop_app.ui.leads.tab import LeadsTab
from desktop_app.ui.main_window import MainWindow
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import until
from tests.ui.helpers import OFFSCREEN_SHOW

pytestmark = OFFSCREEN_SHOW


@pytest.fixture
def window(service: CheckService, paths: Paths, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setattr("desktop_app.ui.tabs.build_vendor_tabs", lambda service, parent=None: [], raising=False)
    win = MainWindow()
    qtbot.addWidget(win)
    win.populate(service, settings=service.settings, paths=paths)
    win.resize(1400, 900)
    win.show()
    yield win
    win.shutdown_ui()


def leads(window: MainWindow) -> LeadsTab:
    assert window.leads_tab is not None
    return window.leads_tab


def click_row(qtbot: Any, view: QAbstractItemView, row: int, column: int = 0, *, double: bool = False) -> None:
    """Click the cell under the mouse as a buyer does (the point, not the API)."""
    view.scrollTo(view.model().index(row, column))
    centre = view.visualRect(view.model().index(row, column)).center()
    assert view.indexAt(centre).row() == row
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    if double:  # a double-click follows a press on the same cell, as a real mouse sends it
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def check(vendor: str, operation: str, subject: str, flag: Flag, summary: str, when: str) -> CheckResult:
    return CheckResult(vendor, operation, subject, flag, summary, finished_at=when, response_body='{"ok": true}')


async def test_detail_follows_the_selection_and_the_filter(window: MainWindow, service: CheckService, qtbot: Any):
    store = service.store
    ann = store.add_lead({"first_name": "Ann", "last_name": "Lee", "phone": "+12025550101"})
    bob = store.add_lead({"first_name": "Bob", "last_name": "Roe", "phone": "+12025550102"})
    tab = leads(window)
    await tab.open()
    click_row(qtbot, tab.view, tab.model.row_of(ann) or 0, COL_NAME)
    assert tab.detail.lead_id == ann and "Ann Lee" in tab.detail.title.text()

    tab.filter_edit.setFocus()
    QTest.keyClicks(tab.filter_edit, "Bob")
    await until(lambda: tab.model.rowCount() == 1 and tab.model.complete and tab.detail.lead_id is None)
    assert tab.model.row_of(bob) == 0
    assert tab.detail.title.text().startswith("Select a lead") and tab.detail.history.rowCount() == 0

    click_row(qtbot, tab.view, 0, COL_NAME)
    assert tab.detail.lead_id == bob


async def test_refresh_keeps_the_history_row_and_a_double_click_opens_the_check(
    window: MainWindow, service: CheckService, qtbot: Any
) -> None:
    store = service.store
    ann = store.add_lead({"first_name": "Ann", "phone": "+12025550101"})
    first = check("litigator", "check", "+12025550101", Flag.GREEN, "Not a known litigator.", "2026-01-02T03:04:05Z")
    store.record_check(first, lead_id=ann)
    store.record_check(
        check("litigator", "check", "+12025550101", Flag.RED, "Known TCPA litigator.", "2026-01-03T03:04:05Z"),
        lead_id=ann,
    )
    tab = leads(window)
    await tab.open()
    click_row(qtbot, tab.view, 0, COL_NAME)
    click_row(qtbot, tab.detail.history, 1)  # the older, green check
    chosen = tab.detail.selected_check_id()
    assert chosen is not None and tab.detail.history_rows()[1][3] == "Green"

    store.record_check(
        check("litigator", "check", "+12025550101", Flag.GREEN, "Not a known litigator.", "2026-01-04T03:04:05Z"),
        lead_id=ann,
    )
    qtbot.mouseClick(tab.refresh_button, Qt.MouseButton.LeftButton)
    await until(lambda: tab.detail.history.rowCount() == 3)
    assert tab.detail.selected_check_id() == chosen and tab.detail.history.currentRow() == 2

    click_row(qtbot, tab.detail.history, 2, double=True)
    assert len(tab.detail.check_views) == 1
    view = tab.detail.check_views[0]
    assert view.isVisible() and view.card.flag_word == "Green"
    assert view.card.raw_expander.expanded and '"ok": true' in view.card.raw_expander.text()
    view.close()


def test_each_vendor_line_says_who_bills_and_when_it_last_answered() -> None:
    now = datetime(2026, 1, 2, 3, 10, tzinfo=UTC)
    assert ago("2026-01-02T03:04:05Z", now) == "5 minutes ago"
    assert ago("2026-01-02T03:09:30Z", now) == "less than a minute ago"
    assert ago("2025-12-30T03:00:00Z", now) == "3 days ago"
    assert step_text(RecheckStep("litigator", True, "2026-01-02T02:10:00Z"), now) == (
        "TCPA Litigator — check the phone · billed by TCPA Litigator · already checked 1 hour ago"
    )
    assert step_text(RecheckStep("contactstate", False, None), now).endswith("· free · not checked yet")


async def test_a_recheck_asks_first_and_its_result_is_a_labelled_message_that_closes(
    window: MainWindow, service: CheckService, qtbot: Any
) -> None:
    store = service.store
    phone = "+1" + sc.LITIGATOR_PHONE_HIT
    ann = store.add_lead({"first_name": "Ann", "last_name": "Lee", "phone": phone})
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    store.record_check(check("litigator", "check", phone, Flag.RED, "Known TCPA litigator.", now), lead_id=ann)
    tab = leads(window)
    await tab.open()
    click_row(qtbot, tab.view, 0, COL_NAME)
    recheck_action = tab.context_actions(tab.model.index(0, COL_NAME))[0]
    assert recheck_action.text() == "Re-check this lead"

    recheck_action.trigger()  # what the right-click menu's item does
    await until(lambda: tab.recheck_dialog is not None and tab.recheck_dialog.isVisible())
    dialog = tab.recheck_dialog
    assert dialog is not None and dialog.windowModality() == Qt.WindowModality.WindowModal  # run_dialog: open()
    line = dialog.vendor_checks["litigator"].text()
    assert "billed by TCPA Litigator" in line and "already checked less than a minute ago" in line
    assert dialog.windowTitle() == "Re-check this lead?" and dialog.cancel_button.isDefault()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    await until(lambda: tab.recheck_dialog is None)
    assert len(store.lead_history(ann)) == 1  # nothing sent, nothing billed

    recheck_action.trigger()
    await until(lambda: tab.recheck_dialog is not None and tab.recheck_dialog.isVisible())
    dialog = tab.recheck_dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.recheck_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(store.lead_history(ann)) == 2 and "TCPA Litigator: Red" in tab.message.text(), timeout=20)
    assert tab.message_box.isVisible() and tab.message_title.text() == f"Re-check of Ann Lee (lead #{ann})"
    qtbot.mouseClick(tab.message_close, Qt.MouseButton.LeftButton)
    assert not tab.message_box.isVisible()
    assert window.database_label.isVisible() and str(store.path) in window.database_label.text()
