"""Consent Control tab on the simulator: opt-outs by hand and from CSV, per-record accepted/rejected, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from desktop_app.demo import demo_environment
from desktop_app.paths import Paths
from desktop_app.sandbox import VendorSimulator
from desktop_app.sandbox import scenarios as sc
from desktop_app.service import CheckService, make_http_client
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.ui.tabs import ConsentControlTab
from desktop_app.ui.theme import FLAG_COLOURS
from desktop_app.vendors.consentcontrol import UploadOutcome
from desktop_app.vendors.origins import OriginMap
from tests.helpers import until

CSV = (
    "phone,email,first_name,address1,zip\n"
    "2025550101,a@example.com,Ann,1 Main St,33101\n"
    f"2025550102,,Bob,{sc.CC_INVALID_ADDRESS_MARKER} street,33102\n"
    "2025550103,c@example.com,Cy,3 Main St,33103\n"
    "2025,bad,Dee,,\n"
)


def make_tab(qtbot: QtBot, service: CheckService) -> ConsentControlTab:
    tab = ConsentControlTab(service)
    qtbot.addWidget(tab)
    return tab


@pytest.fixture
async def bad_key_service(paths: Paths, store: Store, simulator: VendorSimulator) -> AsyncIterator[CheckService]:
    environ = demo_environment() | {"LEADCHECK_CONSENTCONTROL_API_KEY": sc.CC_API_KEY_INVALID}
    client = make_http_client(10.0)
    try:
        yield CheckService(Settings(paths, environ=environ), store, client, origins=OriginMap(simulator.origin_map()))
    finally:
        await client.aclose()


async def test_csv_rows_listed_then_per_record_results(qtbot: QtBot, service: CheckService, tmp_path: Path) -> None:
    tab = make_tab(qtbot, service)
    path = tmp_path / "optouts.csv"
    path.write_text(CSV, encoding="utf-8")
    assert not tab.csv_panel.run_button.isEnabled()
    assert await tab.load_csv(path) == 3
    assert tab.problem_list.count() == 1
    assert tab.problem_list.item(0).text().startswith("Row 5:")
    assert tab.csv_panel.run_button.text() == "Upload 3 opt-outs"
    outcome = await tab.csv_panel.run()
    assert isinstance(outcome, UploadOutcome)
    assert tab.card.flag_word == "Red"  # one opt-out was rejected
    table = tab.card.tables["records"]
    results = [table.item(r, 2).text() for r in range(table.rowCount())]
    assert results == ["Recorded", "Rejected", "Recorded"]
    assert table.item(1, 3).text() == "Invalid Address"
    assert table.item(0, 1).text().startswith("202-555-0101")
    assert table.item(0, 2).background().color().name() != FLAG_COLOURS["green"][0]  # recorded, not "good to call"
    assert table.item(1, 2).background().color().name() == FLAG_COLOURS["red"][0]
    assert tab.card.values["Recorded"] == "2" and tab.card.values["Rejected"] == "1"
    # the stored check shows the same table again
    tab.card.clear()
    tab.recent.select_row(0)
    again = tab.card.tables["records"]
    assert [again.item(r, 2).text() for r in range(again.rowCount())] == results
    assert again.item(1, 1).text().startswith("202-555-0102")


async def test_opt_out_by_hand(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    form = tab.hand_panel.form
    assert not tab.hand_panel.run_button.isEnabled() and tab.hand_panel.message == ""
    form.set_value("phone1", "(202) 555-0111")
    form.set_value("email1", "Opt.Out@Example.com")
    form.set_value("state", "fl")
    outcome = await tab.hand_panel.run()
    assert isinstance(outcome, UploadOutcome) and outcome.all_stored
    assert tab.card.flag_word is None and tab.card.badge.text().endswith("Recorded")  # not a green light
    assert tab.card.tables["records"].item(0, 2).text() == "Recorded"
    assert form.value("phone1") == ""  # cleared for the next one
    assert form.value("validation") == "1"
    assert ("phone", "+12025550111") in {(row["kind"], row["value"]) for row in service.store.suppression()}


async def test_hand_form_limits_and_inline_problems(
    qtbot: QtBot, service: CheckService, simulator: VendorSimulator
) -> None:
    tab = make_tab(qtbot, service)
    before = simulator.count("/cc")
    form = tab.hand_panel.form
    state = form.fields["state"]
    assert state.maxLength() == 2  # type: ignore[union-attr]
    assert form.fields["firstname"].maxLength() == 45  # type: ignore[union-attr]
    form.set_value("phone1", "202555")
    assert tab.hand_panel.message == ""  # not while the buyer is still typing in the field
    tab.hand_panel.touch("phone1")
    assert "has 6 digits" in tab.hand_panel.message
    assert not tab.hand_panel.run_button.isEnabled()
    form.set_value("phone1", "")
    form.set_value("address1", "1 Main St")
    assert "no zip code or city and state" in tab.hand_panel.message
    assert await tab.hand_panel.run() is None
    assert simulator.count("/cc") == before


async def test_paste_phone_runs_hand_opt_out(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    outcome = await tab.paste_and_run_value("202-555-0199")
    assert isinstance(outcome, UploadOutcome) and outcome.all_stored
    assert tab.card.flag_word is None and tab.card.badge.text().endswith("Recorded")  # not a green light


async def test_bad_key_is_a_banner(qtbot: QtBot, bad_key_service: CheckService) -> None:
    tab = make_tab(qtbot, bad_key_service)
    tab.hand_panel.form.set_value("email1", "x@example.com")
    await tab.hand_panel.run()
    assert tab.card.shows_error and tab.card.flag_word is None
    assert "Open Settings → Consent Control" in tab.card.error_banner.hint_label.text()
    assert tab.recent.row_texts(0)[0] == "Failed"


async def test_choosing_a_csv_keeps_other_work_running(qtbot: QtBot, service: CheckService, tmp_path: Path) -> None:
    """The file chooser is window-modal without a nested event loop: a task running meanwhile (a batch lane, a
    table reload) keeps being stepped and finishes, and the chosen file is loaded once the buyer accepts."""
    tab = make_tab(qtbot, service)
    tab.show()
    path = tmp_path / "optouts.csv"
    path.write_text(CSV, encoding="utf-8")
    choosing = asyncio.ensure_future(tab.choose_and_load())
    await until(lambda: tab.file_dialog is not None and tab.file_dialog.isVisible())

    async def other_work() -> int:
        for _ in range(10):
            await asyncio.sleep(0.005)
        return 10

    assert await asyncio.wait_for(other_work(), 5) == 10
    assert not choosing.done()
    dialog = tab.file_dialog
    assert dialog is not None
    name_box = dialog.findChild(QLineEdit)  # the buyer types the file's path into the chooser
    assert name_box is not None
    name_box.setText(str(path))
    dialog.accept()
    assert await asyncio.wait_for(choosing, 5) == 3
    assert tab.csv_path == path and tab.file_dialog is None


async def test_cancelling_the_csv_chooser_loads_nothing(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    tab.show()
    choosing = asyncio.ensure_future(tab.choose_and_load())
    await until(lambda: tab.file_dialog is not None and tab.file_dialog.isVisible())
    assert tab.file_dialog is not None
    tab.file_dialog.reject()
    assert await asyncio.wait_for(choosing, 5) == 0
    assert tab.csv_records == []
