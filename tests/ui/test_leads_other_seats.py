"""Other seats' results in an open window (issue 16): while the window shows the lead table, another seat (a second
store on the same database: another process on the SQLite file, another buyer on PostgreSQL) adds a lead and a
check; within a poll the new lead is at the top, the changed lead shows its new flag, its detail shows the check,
the selection stays, and the status bar says what came in. Both engines; the poll interval is injected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.paths import Paths
from desktop_app.service import CheckService
from desktop_app.store import Store
from desktop_app.store.lead_table import LeadQuery
from desktop_app.ui.leads.changes_poller import ChangePoller
from desktop_app.ui.leads.model import COL_ADDED, COL_LITIGATOR, COL_NAME, FLAG_ROLE, LeadsModel
from desktop_app.ui.leads.tab import LeadsTab
from desktop_app.ui.main_window import MainWindow
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import until
from tests.ui.helpers import use_fake_tabs

POLL_MS = 40


@pytest.fixture
def store(database: Any, paths: Paths) -> Iterator[Store]:
    """This window's store, on either engine (the ``service`` fixture runs on it)."""
    with Store(database, backups_dir=paths.backups_dir) as s:
        yield s


@pytest.fixture
def open_window(
    service: CheckService, paths: Paths, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], MainWindow]]:
    """Opens the window on the store as it is now (what is stored before counts as seen)."""
    use_fake_tabs(monkeypatch)
    opened: list[MainWindow] = []

    def make() -> MainWindow:
        win = MainWindow(changes_interval_ms=POLL_MS)
        qtbot.addWidget(win)
        win.populate(service, settings=service.settings, paths=paths)
        opened.append(win)
        return win

    yield make
    for win in opened:
        win.shutdown_ui()


@pytest.fixture
def other_seat(database: Any) -> Iterator[Store]:
    with Store(database) as seat:
        yield seat


def litigator_hit(phone: str) -> CheckResult:
    return CheckResult(vendor="litigator", operation="check", subject=phone, flag=Flag.RED, summary="known litigator")


def leads_tab(window: MainWindow) -> LeadsTab:
    assert window.leads_tab is not None
    return window.leads_tab


def flag(window: MainWindow, lead_id: int) -> Any:
    model = leads_tab(window).model
    row = model.row_of(lead_id)
    return None if row is None else model.data(model.index(row, COL_LITIGATOR), FLAG_ROLE)


async def test_another_seats_lead_and_check_appear_without_moving_the_selection(
    open_window: Callable[[], MainWindow], service: CheckService, other_seat: Store
) -> None:
    leads = [service.store.add_lead({"phone": f"+1202555010{i}", "first_name": f"Lead {i}"}) for i in range(3)]
    window = open_window()
    tab = leads_tab(window)
    assert await tab.open() == 3
    assert tab.select_lead(leads[1])
    assert flag(window, leads[1]) is None  # the row is read (and kept) before the other seat writes
    repainted: list[tuple[int, int]] = []
    reads: list[bool] = []
    tab.model.loading_changed.connect(reads.append)
    tab.model.dataChanged.connect(lambda top, bottom, _roles=(): repainted.append((top.row(), bottom.row())))

    newcomer = other_seat.add_lead({"phone": "+12025550199", "first_name": "Newcomer"})
    check = other_seat.record_check(litigator_hit("+12025550101"), lead_id=leads[1])
    await until(lambda: tab.model.rowCount() == 4 and flag(window, leads[1]) == "red", timeout=15)

    assert tab.model.lead_id(0) == newcomer  # newest first: at the top, inserted
    assert reads == []  # without reading the list again
    assert tab.model.data(tab.model.index(0, COL_NAME)) == "Newcomer"
    assert tab.selected_lead_ids() == [leads[1]]  # the selection followed its lead down one row
    assert repainted and all(top == bottom == 1 for top, bottom in repainted)  # only the changed lead's row
    assert tab.detail.history.rowCount() == 1
    assert tab.detail.selected_check_id() is None and tab.detail.select_check(check)  # the other seat's check
    assert tab.count_label.text() == "4 leads"
    assert window.statusBar().currentMessage() == "1 new lead and 1 new result from other seats or leadcheck commands"


async def test_in_another_order_the_list_is_read_again_with_the_new_lead(
    open_window: Callable[[], MainWindow], service: CheckService, other_seat: Store
) -> None:
    for name in ("Bea", "Dan"):
        service.store.add_lead({"phone": "+12025550100", "first_name": name})
    tab = leads_tab(open_window())
    await tab.open()
    tab.view.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
    await until(lambda: tab.model.query.sort == "name" and tab.model.complete)

    other_seat.add_lead({"phone": "+12025550100", "first_name": "Cal"})
    await until(lambda: tab.model.rowCount() == 3, timeout=15)
    names = [tab.model.data(tab.model.index(row, COL_NAME)) for row in range(3)]
    assert names == ["Bea", "Cal", "Dan"]  # in its place by name, not at the top
    assert tab.model.data(tab.model.index(0, COL_ADDED))


async def test_a_failing_poll_is_said_once_and_polling_goes_on(qtbot: Any, tmp_path: Path) -> None:
    location = tmp_path / "not yet" / "leadcheck.db"  # its folder does not exist: SQLite cannot open it
    poller = ChangePoller(location, interval_ms=POLL_MS)
    said: list[str] = []
    recovered: list[bool] = []
    poller.failed.connect(said.append)
    poller.recovered.connect(lambda: recovered.append(True))
    try:
        assert await poller.poll() is None and await poller.poll() is None
        assert len(said) == 1 and "could not" in said[0]

        location.parent.mkdir()
        with Store(location) as store:
            assert await poller.poll() is None  # the first poll that works takes the mark
            assert recovered == [True]
            lead = store.add_lead({"phone": "+12025550100"})
            found = await poller.poll()
        assert found is not None and found.new_lead_ids == (lead,)
    finally:
        poller.stop()
    assert not poller.timer.isActive()


def test_the_window_stops_polling_when_it_closes(open_window: Callable[[], MainWindow]) -> None:
    window = open_window()
    poller = window.change_poller
    assert poller.timer.isActive() and poller.timer.interval() == POLL_MS
    window.close()
    assert not poller.timer.isActive()
    poller.start()
    assert not poller.timer.isActive()  # stopped for good


async def test_new_leads_go_to_the_bottom_oldest_first_and_the_model_stays_sound(
    store: Store, other_seat: Store, qtmodeltester: Any
) -> None:
    for i in range(450):
        store.add_lead({"phone": f"+1202555{i:04d}", "first_name": f"Lead {i}"})
    model = LeadsModel(store)
    try:
        await model.set_query(LeadQuery(descending=False))
        qtmodeltester.check(model, force_py=True)  # stays connected: checks the insertions below
        assert model.data(model.index(449, COL_NAME)) == "Lead 449"  # the last (partial) page is cached
        new = [other_seat.add_lead({"phone": "+12025559999", "first_name": f"New {i}"}) for i in range(3)]
        assert model.add_new_leads(new) == 3
        assert model.add_new_leads(new) == 0  # listed already: not twice
        assert [model.data(model.index(row, COL_NAME)) for row in (449, 450, 452)] == ["Lead 449", "New 0", "New 2"]
        assert model.rowCount() == 453

        reading = model.reload(keep_rows=True)  # a list being read: new leads wait for it, then follow
        task = asyncio.ensure_future(reading)
        await asyncio.sleep(0)
        later = other_seat.add_lead({"phone": "+12025559999", "first_name": "Later"})
        assert model.add_new_leads([later]) == -1
        assert await task == 454
        assert model.lead_id(453) == later
    finally:
        model.close()


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen: a top-level window shown
async def test_an_open_suppliers_window_reads_another_seats_leads_after_a_poll(
    open_window: Callable[[], MainWindow], service: CheckService, other_seat: Store
) -> None:
    service.store.add_lead({"phone": "+12025550100", "supplier": "Acme"}, source_file="a.csv", source_row=2)
    window = open_window()
    assert await leads_tab(window).open() == 1
    view = window.open_ledger_view("suppliers")
    await until(lambda: view.isVisible() and view.model.rowCount() == 1)
    before = {row["supplier"]: row["leads"] for row in view.model.rows}
    other_seat.add_lead({"phone": "+13055550177", "supplier": "Other Seat Leads"}, source_file="b.csv", source_row=2)
    await until(lambda: any(row["supplier"] == "Other Seat Leads" for row in view.model.rows))
    after = {row["supplier"]: row["leads"] for row in view.model.rows}
    assert after["Other Seat Leads"] == 1 and "Other Seat Leads" not in before


async def test_the_windows_own_import_is_not_said_to_come_from_other_seats(
    open_window: Callable[[], MainWindow], service: CheckService, other_seat: Store
) -> None:
    """While this window imports (its lead table is read again only at the end) polls find its new leads: the table
    shows them, the status bar does not call them other seats' work; two polls after the import ended, another
    seat's lead is said again."""
    window = open_window()
    tab = leads_tab(window)
    assert await tab.open() == 0
    window.services.own_writes(True)  # what the import dialog says when it starts writing
    for i in range(3):
        service.store.add_lead({"phone": f"+1202555030{i}", "first_name": f"Imported {i}"})
    await until(lambda: tab.model.rowCount() == 3, timeout=15)
    polls = []
    window.change_poller.polled.connect(lambda: polls.append(1))
    await until(lambda: len(polls) >= 2, timeout=15)  # more polls while the import goes on
    window.services.own_writes(False)
    service.store.add_lead({"phone": "+12025550309", "first_name": "Last chunk"})  # seen by a poll after the end
    await until(lambda: tab.model.rowCount() == 4, timeout=15)
    assert "other seats" not in window.statusBar().currentMessage()
    polls.clear()
    await until(lambda: len(polls) >= 2, timeout=15)
    other_seat.add_lead({"phone": "+12025550399", "first_name": "Other seat"})
    await until(lambda: tab.model.rowCount() == 5, timeout=15)
    assert window.statusBar().currentMessage() == "1 new lead from other seats or leadcheck commands"
