"""Contact State tab on the simulator: Certify, Connect and Perform, export progress and the download link."""

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
from desktop_app.ui.tabs import ContactStateTab
from desktop_app.vendors.origins import OriginMap
from desktop_app.vendors.results import CheckResult
from tests.helpers import until

CERT = "https://cert.contactstate.com/certs/"


def make_tab(qtbot: QtBot, service: CheckService) -> ContactStateTab:
    tab = ContactStateTab(service)
    qtbot.addWidget(tab)
    return tab


@pytest.fixture
async def bad_key_service(paths: Paths, store: Store, simulator: VendorSimulator) -> AsyncIterator[CheckService]:
    environ = demo_environment() | {"LEADCHECK_CONTACTSTATE_API_KEY": sc.CS_API_KEY_INVALID}
    client = make_http_client(10.0)
    try:
        yield CheckService(Settings(paths, environ=environ), store, client, origins=OriginMap(simulator.origin_map()))
    finally:
        await client.aclose()


async def create(tab: ContactStateTab, first_name: str = "Jane", **extra: str) -> CheckResult:
    tab.reveal(tab.create_panel)
    tab.create_panel.form.clear()
    for name, value in {"first_name": first_name, "last_name": "Doe", "email": "jane@example.com", **extra}.items():
        if name in tab.create_panel.form.fields:
            tab.create_panel.form.set_value(name, value)
        else:
            tab.extra_fields.add_field(name, value)
    result = await tab.create_panel.run()
    assert isinstance(result, CheckResult)
    return result


async def test_certificate_status_green_yellow_red(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(CERT + sc.CS_CERT_ID_CERTIFIED)
    assert tab.current_panel() is tab.cert_panel
    assert tab.card.flag_word == "Green"
    assert tab.card.values["Status"] == "Certified"
    assert tab.card.values["Scored at"] != "Not scored yet"
    await tab.paste_and_run_value(CERT + sc.CS_CERT_ID_CLAIMED)
    assert tab.card.flag_word == "Yellow"
    assert tab.card.values["Scored at"] == "Not scored yet"
    await tab.paste_and_run_value(CERT + sc.CS_CERT_ID_MISSING)
    assert tab.card.flag_word == "Red"


async def test_claim_and_reclaim_route_by_url(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(f"https://cert-gen.contactstate.com/certs/{sc.CS_CLAIM_TOKEN_OK}/claim")
    assert tab.current_panel() is tab.claim_panel
    assert tab.card.flag_word == "Green"
    assert tab.card.links["Certificate URL"].startswith(CERT)
    await tab.paste_and_run_value(f"https://cert.contactstate.com/certs/{sc.CS_CLAIM_TOKEN_ON_PIPE}/claim")
    assert tab.current_panel() is tab.reclaim_panel
    assert tab.card.shows_error and tab.card.flag_word is None
    assert "Sales Pipe" in tab.card.error_banner.hint_label.text()


async def test_expired_claim_is_a_banner(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(f"https://cert-gen.contactstate.com/certs/{sc.CS_CLAIM_TOKEN_EXPIRED}/claim")
    assert tab.card.shows_error
    assert "expired" in tab.card.error_banner.message_label.text()
    assert "HTTP 500" in tab.card.error_banner.meta_label.text()


async def test_invalid_url_refused_inline(qtbot: QtBot, service: CheckService, simulator: VendorSimulator) -> None:
    tab = make_tab(qtbot, service)
    before = simulator.count("/cs-")
    tab.reveal(tab.cert_panel)
    tab.cert_panel.set_paste_text("https://example.com/certs/abc")
    tab.cert_panel.touch("paste")
    assert "must be on contactstate.com" in tab.cert_panel.message
    assert not tab.cert_panel.run_button.isEnabled()
    assert await tab.cert_panel.run() is None
    assert simulator.count("/cs-") == before


async def test_create_get_delete_leads(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    created = await create(tab, contact_state_connect_code=sc.CS_CONNECT_CODE_OK, product_type="life")
    assert created.ok and tab.card.flag_word is None
    assert tab.card.badge.text().endswith("Done")
    lead_id = tab.card.values["Lead ID"]
    assert lead_id == created.details["lead_id"]
    assert tab.card.tables["deliveries"].item(0, 0).text() == "Delivered"
    assert created.request["body"]["product_type"] == "Life"  # the documented spelling

    await tab.paste_and_run_value(lead_id)
    assert tab.current_panel() is tab.get_panel
    assert tab.card.values["Lead ID"] == lead_id
    assert "fields" in tab.card.tables

    second = await create(tab, first_name="John")
    tab.reveal(tab.delete_panel)
    assert tab.delete_panel.paste_box is not None
    tab.delete_panel.paste_box.setText(f"{lead_id}, {second.details['lead_id']}")
    deleted = await tab.delete_panel.run()
    assert deleted.ok and tab.card.values["Deleted"] == "2"


async def test_lead_form_checked_as_typed(qtbot: QtBot, service: CheckService, simulator: VendorSimulator) -> None:
    tab = make_tab(qtbot, service)
    before = simulator.count("/cs-connect")
    form = tab.create_panel.form
    assert tab.create_panel.message == "" and not tab.create_panel.run_button.isEnabled()
    form.set_value("first_name", "Jane")
    tab.create_panel.touch("first_name")
    assert tab.create_panel.message == ""  # last_name and email are missing, but the buyer has not got there yet
    tab.create_panel.touch("last_name")
    assert "needs last_name, email" in tab.create_panel.message
    form.set_value("last_name", "Doe")
    form.set_value("email", "jane@example.com")
    assert tab.create_panel.run_button.isEnabled()
    tab.extra_fields.add_field("date_of_birth", "1970-13-40")
    assert "yyyy-mm-dd" in tab.create_panel.message
    assert await tab.create_panel.run() is None
    tab.extra_fields.remove_field("date_of_birth")
    assert tab.create_panel.run_button.isEnabled()
    assert simulator.count("/cs-connect") == before


async def test_delete_more_than_25_refused(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    assert tab.delete_panel.paste_box is not None
    tab.delete_panel.paste_box.setText(" ".join(f"lead-{n}" for n in range(26)))
    tab.delete_panel.touch("paste")
    assert "at most 25" in tab.delete_panel.message
    assert not tab.delete_panel.run_button.isEnabled()


async def test_push_status_then_stats(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    created = await create(tab, contact_state_connect_code=sc.CS_CONNECT_CODE_OK)
    lead_id = created.details["lead_id"]
    tab.reveal(tab.push_panel)
    assert tab.push_panel.paste_box is not None
    tab.push_panel.paste_box.setText(lead_id)
    tab.push_panel.form.set_value("status", "SOLD")
    tab.push_panel.form.set_value("sale_revenue", "12,5")
    tab.push_panel.touch("sale_revenue")
    assert "like 99.99" in tab.push_panel.message
    tab.push_panel.form.set_value("sale_revenue", "125.50")
    tab.push_panel.form.set_value("sale_currency", "usd")
    pushed = await tab.push_panel.run()
    assert pushed.ok, pushed.error
    assert tab.card.values["Status"].startswith("SOLD"), tab.card.values
    assert tab.card.values["Sale currency"] == "USD"

    tab.reveal(tab.stats_panel)
    assert tab.stats_panel.paste_box is not None
    tab.stats_panel.paste_box.setText(lead_id)
    stats = await tab.stats_panel.run()
    assert stats.ok, stats.error
    assert tab.card.values["Status"].startswith("SOLD"), tab.card.values
    assert tab.card.values["Sale revenue"] == "125.50"


async def test_export_shows_progress_then_link(qtbot: QtBot, service: CheckService) -> None:
    seen = asyncio.Event()

    async def poll_once_seen(_seconds: float) -> None:
        await seen.wait()  # the export waits between polls until the test has seen its progress

    service.http.sleep = poll_once_seen
    tab = make_tab(qtbot, service)
    tab.reveal(tab.export_panel)
    task = asyncio.ensure_future(tab.export_panel.run())
    await until(lambda: tab.export_progress.isVisibleTo(tab) and "pending" in tab.export_status.text())
    assert tab.export_panel.run_button.text() == "Exporting…"
    assert not tab.export_panel.run_button.isEnabled()
    seen.set()
    result = await task
    assert result.ok
    assert not tab.export_progress.isVisibleTo(tab)
    assert tab.export_panel.run_button.text() == "Start export" and tab.export_panel.run_button.isEnabled()
    assert tab.card.links["Download"] == result.details["download_url"]
    assert tab.card.links["Download"].startswith("https://")
    assert "7 days" in tab.card.summary_label.text()
    assert tab.card.values["Job status"] == "success"


async def test_bad_api_key_banner(qtbot: QtBot, bad_key_service: CheckService) -> None:
    tab = make_tab(qtbot, bad_key_service)
    await tab.paste_and_run_value(sc.CS_LEAD_ID_MISSING)
    assert tab.card.shows_error and tab.card.flag_word is None
    assert "Open Settings → Contact State to fix the API key" in tab.card.error_banner.hint_label.text()


async def test_recent_checks_reselect(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(CERT + sc.CS_CERT_ID_CERTIFIED)
    await create(tab)
    assert tab.recent.row_texts(0)[0] == "Done"
    assert tab.recent.row_texts(1)[0] == "✓ Green"
    tab.recent.select_row(1)
    assert tab.card.flag_word == "Green" and tab.card.values["Status"] == "Certified"
