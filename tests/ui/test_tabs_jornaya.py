"""Jornaya tab on the simulator: green/yellow/red audits, rule chips with meanings, errors, input checked as typed."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app.sandbox import VendorSimulator
from desktop_app.sandbox import scenarios as sc
from desktop_app.service import CheckService
from desktop_app.ui.tabs import JornayaTab


def make_tab(qtbot: QtBot, service: CheckService) -> JornayaTab:
    tab = JornayaTab(service)
    qtbot.addWidget(tab)
    return tab


async def test_green_audit_with_a_chip_per_rule(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    result = await tab.paste_and_run_value(sc.JORNAYA_TOKEN_OK.lower())
    assert result is not None and result.ok
    assert tab.card.flag_word == "Green"
    assert tab.card.values["Authentic"] == "Yes"
    names = [chip.name for chip in tab.card.chips]
    assert names == ["Disclosure", "Capture", "Stored", "Data integrity", "Call center"]
    disclosure = tab.card.chips[0]
    assert disclosure.word == "Green"
    assert "TCPA disclosure" in disclosure.toolTip()
    call_center = tab.card.chips[4]
    assert call_center.word in ("Green", "Not returned")
    assert "call center" in call_center.toolTip() or "third party" in call_center.toolTip()
    assert all(chip.toolTip() for chip in tab.card.chips)
    assert tab.card.values["Provider code"] == service.settings.credentials_for("jornaya")["provider_code"]


async def test_yellow_partial_capture_and_failed_fields(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    tab.data_form.set_value("f_name", "Jane")
    tab.data_form.set_value("email", f"{sc.JORNAYA_DATA_WRONG}@example.com")
    await tab.paste_and_run_value(sc.JORNAYA_TOKEN_CAPTURE_PARTIAL)
    assert tab.card.flag_word == "Yellow"
    capture = next(chip for chip in tab.card.chips if chip.name == "Capture")
    assert capture.word == "Yellow" and capture.colour == "yellow"
    assert "partially captured" in capture.toolTip()
    assert "email" in tab.card.values["Failed fields"] or "wrong" in tab.card.values["Failed fields"]
    assert "fields" in tab.card.tables


async def test_red_for_no_disclosure_and_for_inauthentic(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(sc.JORNAYA_TOKEN_NO_DISCLOSURE)
    assert tab.card.flag_word == "Red"
    assert next(c for c in tab.card.chips if c.name == "Disclosure").word == "Red"
    await tab.paste_and_run_value(sc.JORNAYA_TOKEN_INAUTHENTIC[1])
    assert tab.card.flag_word == "Red"
    assert tab.card.values["Authentic"] == "No"
    assert "expired" in tab.card.values["Reason"]


async def test_vendor_error_is_a_banner_with_hint(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(sc.JORNAYA_TOKEN_ERROR[6000])
    assert tab.card.shows_error and tab.card.flag_word is None
    assert "Open Settings → Jornaya" in tab.card.error_banner.hint_label.text()
    assert "vendor code 6000" in tab.card.error_banner.meta_label.text()


async def test_invalid_token_and_data_are_refused_inline(
    qtbot: QtBot, service: CheckService, simulator: VendorSimulator
) -> None:
    tab = make_tab(qtbot, service)
    before = simulator.count("/leadid")
    assert await tab.paste_and_run_value("58990313-03FB") is None
    assert "36 characters" in tab.panel.message
    tab.panel.set_paste_text(sc.JORNAYA_TOKEN_OK)
    assert tab.panel.run_button.isEnabled()
    tab.data_form.set_value("city", "Miami; FL")
    assert "“|” or “;”" in tab.panel.message
    assert not tab.panel.run_button.isEnabled()
    assert await tab.panel.run() is None
    assert simulator.count("/leadid") == before


async def test_provider_code_defaults_to_settings(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    default = service.settings.credentials_for("jornaya")["provider_code"]
    box = tab.panel.form.fields["provider_code"]
    assert default in box.placeholderText()  # type: ignore[union-attr]
    tab.panel.form.set_value("provider_code", "OTHERCODE")
    result = await tab.paste_and_run_value(sc.JORNAYA_TOKEN_OK)
    assert result is not None and result.details["provider_code"] == "OTHERCODE"


async def test_recent_list_reselects_card(qtbot: QtBot, service: CheckService) -> None:
    tab = make_tab(qtbot, service)
    await tab.paste_and_run_value(sc.JORNAYA_TOKEN_CAPTURE_PARTIAL)
    await tab.paste_and_run_value(sc.JORNAYA_TOKEN_OK)
    assert tab.recent.row_texts(0)[0].endswith("Green")
    assert tab.recent.row_texts(1)[0].endswith("Yellow")
    tab.recent.select_row(1)
    assert tab.card.flag_word == "Yellow"
    assert next(c for c in tab.card.chips if c.name == "Capture").word == "Yellow"
