"""TrustedForm tab on the simulator: paste → card with the right flag, errors as a banner, input checked as typed."""

from __future__ import annotations

import asyncio
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
from desktop_app.ui.tabs import TrustedFormTab
from desktop_app.vendors.origins import OriginMap


def make_tab(qtbot, service: CheckService) -> TrustedFormTab:
    tab = TrustedFormTab(service)
    qtbot.addWidget(tab)
    return tab


def fill(tab: TrustedFormTab, *, email: str = "", phone: str = "") -> None:
    tab.panel.form.set_value("email", email)
    tab.panel.form.set_value("phone", phone)


@pytest.fixture
async def bad_key_service(paths: Paths, store: Store, simulator: VendorSimulator) -> AsyncIterator[CheckService]:
    """A service whose TrustedForm API key the simulator refuses (401)."""
    environ = demo_environment() | {"LEADCHECK_TRUSTEDFORM_API_KEY": sc.TF_API_KEY_INVALID}
    client = make_http_client(10.0)
    try:
        yield CheckService(Settings(paths, environ=environ), store, client, origins=OriginMap(simulator.origin_map()))
    finally:
        await client.aclose()


async def test_green_card_shows_retention_and_matches(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    fill(tab, email=sc.TF_EMAIL_OK, phone=sc.TF_PHONE_OK)
    result = await tab.paste_and_run_value(sc.TF_CERT_OK)
    assert result is not None and result.ok
    assert tab.card.flag_word == "Green"
    assert tab.card.badge.text().endswith("Green")
    assert not tab.card.shows_error
    assert tab.card.summary_label.text() == result.summary
    assert tab.card.values["Email match"] == "Yes"
    assert tab.card.values["Phone match"] == "Yes"
    assert tab.card.values["Retained until"][:4].isdigit()
    assert tab.card.values["Previously retained"] in ("Yes", "No")
    assert tab.card.links["Masked certificate"].startswith("https://")
    assert not tab.card.raw_expander.expanded
    assert '"outcome"' in tab.card.raw_expander.text()
    assert "[redacted]" in tab.card.raw_expander.text()  # the Basic auth header


async def test_yellow_when_email_does_not_match(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    fill(tab, email=sc.TF_EMAIL_MISMATCH, phone=sc.TF_PHONE_OK)
    await tab.paste_and_run_value(f"https://cert.trustedform.com/{sc.TF_CERT_OK}")
    assert tab.card.flag_word == "Yellow"
    assert tab.card.values["Email match"] == "No"
    assert tab.card.values["Phone match"] == "Yes"


async def test_red_for_expired_certificate_and_not_sent_match(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    fill(tab, phone=sc.TF_PHONE_OK)
    await tab.paste_and_run_value(sc.TF_CERT_STATUS[404])
    assert tab.card.flag_word == "Red"
    assert "Expired or not found" in tab.card.values["Reason"]


async def test_bad_api_key_shows_banner_with_hint_not_flag(qtbot: QtBot, bad_key_service: CheckService) -> None:
    tab = make_tab(qtbot, bad_key_service)
    fill(tab, email=sc.TF_EMAIL_OK)
    result = await tab.paste_and_run_value(sc.TF_CERT_OK)
    assert result is not None and result.error is not None
    assert tab.card.shows_error
    assert tab.card.flag_word is None
    assert tab.card.badge.isHidden()
    banner = tab.card.error_banner
    assert "Open Settings → TrustedForm to fix the API key" in banner.hint_label.text()
    assert "HTTP 401" in banner.meta_label.text()
    assert tab.recent.row_texts(0)[0] == "Failed"


async def test_invalid_input_is_refused_inline_and_nothing_is_sent(
    qtbot: QtBot, service: CheckService, simulator: VendorSimulator
) -> None:
    tab = make_tab(qtbot, service)
    before = simulator.count("/tf")
    fill(tab, email=sc.TF_EMAIL_OK)
    assert await tab.paste_and_run_value("https://example.com/not-a-cert") is None
    assert "not a TrustedForm certificate URL" in tab.panel.message
    assert not tab.panel.run_button.isEnabled()
    fill(tab)
    tab.panel.set_paste_text(sc.TF_CERT_OK)
    assert "email or phone" in tab.panel.message
    assert not tab.panel.run_button.isEnabled()
    fill(tab, email="not-an-email")
    assert "is not an email address" in tab.panel.message
    assert await tab.panel.run() is None
    fill(tab, phone=sc.TF_PHONE_OK)
    assert tab.panel.message == ""
    assert tab.panel.run_button.isEnabled()
    assert simulator.count("/tf") == before
    assert tab.card.result is None


async def test_empty_box_is_quiet_and_run_disabled(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    assert tab.panel.message == ""
    assert not tab.panel.run_button.isEnabled()


async def test_button_shows_progress_and_is_restored(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    fill(tab, email=sc.TF_EMAIL_OK)
    tab.panel.set_paste_text(sc.TF_CERT_OK)
    task = asyncio.ensure_future(tab.panel.run())
    await asyncio.sleep(0)
    assert tab.panel.run_button.text() == "Checking…"
    assert not tab.panel.run_button.isEnabled()
    assert tab.panel.paste_box is not None and tab.panel.paste_box.isReadOnly()
    await task
    assert tab.panel.run_button.text() == "Retain"
    assert tab.panel.run_button.isEnabled()
    assert not tab.panel.paste_box.isReadOnly()


async def test_recent_checks_list_and_reselect(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    fill(tab, email=sc.TF_EMAIL_OK)
    green = await tab.paste_and_run_value(sc.TF_CERT_OK)
    fill(tab, email=sc.TF_EMAIL_OK)
    await tab.paste_and_run_value(sc.TF_CERT_STATUS[410])
    assert tab.card.flag_word == "Red"
    assert [tab.recent.row_texts(i)[0] for i in range(2)] == ["✕ Red", "✓ Green"]
    assert tab.recent.row_texts(1)[1] == green.subject
    tab.recent.select_row(1)
    assert tab.card.flag_word == "Green"
    assert tab.card.summary_label.text() == green.summary
    assert tab.card.values["Email match"] == "Yes"
    # a new tab over the same store lists what is already in the database
    again = make_tab(qtbot, service)
    assert len(again.recent.results) == 2
