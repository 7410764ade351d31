"""TCPA Litigator tab on the simulator: green/red, the standardised number, errors and missing credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.demo import demo_environment
from desktop_app.paths import Paths
from desktop_app.sandbox import VendorSimulator
from desktop_app.sandbox import scenarios as sc
from desktop_app.service import CheckService, make_http_client
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.ui.tabs import LitigatorTab
from desktop_app.vendors.origins import OriginMap


def make_tab(qtbot: QtBot, service: CheckService) -> LitigatorTab:
    tab = LitigatorTab(service)
    qtbot.addWidget(tab)
    return tab


@pytest.fixture
async def keyless_service(paths: Paths, store: Store, simulator: VendorSimulator) -> AsyncIterator[CheckService]:
    """A service with no litigator Token configured."""
    environ = {k: v for k, v in demo_environment().items() if k != "LEADCHECK_LITIGATOR_TOKEN"}
    client = make_http_client(10.0)
    try:
        yield CheckService(Settings(paths, environ=environ), store, client, origins=OriginMap(simulator.origin_map()))
    finally:
        await client.aclose()


async def test_clean_number_is_green_with_us_format(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value("+1 202 555 1234")
    assert tab.card.flag_word == "Green"
    assert tab.card.values["Standardised number"] == "(202) 555-1234"
    assert tab.card.values["Known litigator"] == "No"


async def test_litigator_is_red(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(sc.LITIGATOR_PHONE_HIT)
    assert tab.card.flag_word == "Red"
    assert tab.card.values["Standardised number"] == "(202) 555-6666"
    assert tab.recent.row_texts(0)[0] == "✕ Red"


async def test_vendor_error_shows_banner(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(sc.LITIGATOR_PHONE_ERROR[500])
    assert tab.card.shows_error and tab.card.flag_word is None
    assert tab.card.error_banner.hint_label.text().startswith("<b>What to do:</b>")


async def test_missing_credentials_banner_nothing_sent(
    qtbot: QtBot, keyless_service: CheckService, simulator: VendorSimulator
) -> None:
    tab = make_tab(qtbot, keyless_service)
    before = simulator.count("/litigator")
    assert await tab.paste_and_run_value(sc.LITIGATOR_PHONE_CLEAN) is None
    banner = tab.card.error_banner
    assert tab.card.shows_error and banner.problem is not None
    assert banner.problem.kind == "credentials"
    assert "Settings → TCPA Litigator" in banner.hint_label.text()
    assert "Nothing was sent" in banner.hint_label.text()
    assert simulator.count("/litigator") == before
    assert tab.panel.run_button.isEnabled()  # restored after the refusal


async def test_impossible_number_inline(qtbot: QtBot, service: CheckService, simulator: VendorSimulator) -> None:
    tab = make_tab(qtbot, service)
    before = simulator.count("/litigator")
    await tab.paste_and_run_value("555-1234")
    assert "has 7 digits" in tab.panel.message
    await tab.paste_and_run_value("(123) 555-1234")
    assert "impossible area code" in tab.panel.message
    assert simulator.count("/litigator") == before
