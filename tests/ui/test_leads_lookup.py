"""The Leads tab's search finds a consumer by a phone in any layout or an email in any case, typed for real."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.service import CheckService
from desktop_app.ui.leads.model import COL_SUPPLIER, COL_VERDICT
from desktop_app.ui.leads.tab import LeadsTab
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import until

CERT = "https://cert.trustedform.com/" + "3053053053" * 4


def leads(service: CheckService) -> dict[str, int]:
    add = service.store.add_lead
    return {
        "acme": add({"phone": "+19418675309", "email": "ann@example.com", "supplier": "Acme", "cost": "1.50"}),
        "zeta": add({"phone": "+19418675309", "email": "annie@example.com", "supplier": "Zeta", "cost": "2.00"}),
        "mail": add({"phone": "+12025550100", "email": "annie@example.com", "supplier": "Mail"}),
        "other": add({"phone": "+13055550100", "email": "bob@example.com", "supplier": "Bob", "cert_url": CERT}),
    }


@pytest.mark.parametrize("typed", ["(941) 867-5309", "941.867.5309", "+1 941 867 5309", "9418675309"])
async def test_typing_a_phone_in_any_layout_shows_the_consumer(service: CheckService, qtbot: Any, typed: str) -> None:
    ids = leads(service)
    litigator = CheckResult("litigator", "check", "+19418675309", Flag.RED, "Known TCPA litigator: do not call.")
    service.store.record_check(litigator, sent={})
    service.store.add_suppression([("phone", "+19418675309", "litigator", "TCPA Litigator check")])
    tab = LeadsTab(service)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    await tab.open()
    table_top = tab.view.mapTo(tab, tab.view.rect().topLeft()).y()
    qtbot.keyClicks(tab.filter_edit, typed)
    # the two leads of that phone, and the third sharing an email with one of them
    await until(lambda: tab.model.rowCount() == 3 and tab.consumer.property("found"))
    suppliers = {tab.model.data(tab.model.index(r, COL_SUPPLIER)) for r in range(3)}
    assert suppliers == {"Acme", "Zeta", "Mail"}
    assert tab.view.mapTo(tab, tab.view.rect().topLeft()).y() == table_top  # nothing moved under the mouse
    assert {tab.model.data(tab.model.index(r, COL_VERDICT)) for r in range(3)} == {"Red", "Unchecked"}
    text = tab.consumer.text()
    assert "(941) 867-5309" in text and "3 leads: 2 red" in text and "Acme, Mail, Zeta" in text
    assert "On the suppression list: litigator" in text
    row = tab.model.row_of(ids["acme"])
    assert row is not None
    tab.view.selectRow(row)
    await until(lambda: tab.detail.lead_id == ids["acme"])
    assert "Red" in tab.detail.verdict.text() and "TCPA Litigator: Known TCPA litigator" in tab.detail.verdict.text()
    assert [r[1] for r in tab.detail.history_rows()] == ["TCPA Litigator"]


async def test_an_email_in_another_case_finds_the_same_consumer(service: CheckService, qtbot: Any) -> None:
    leads(service)
    tab = LeadsTab(service)
    qtbot.addWidget(tab)
    await tab.open()
    qtbot.keyClicks(tab.filter_edit, "ANNIE@Example.COM")
    await until(lambda: tab.model.rowCount() == 3)
    assert {tab.model.data(tab.model.index(r, COL_SUPPLIER)) for r in range(3)} == {"Acme", "Zeta", "Mail"}


async def test_digits_that_are_not_a_phone_do_not_match_certificates(service: CheckService, qtbot: Any) -> None:
    leads(service)
    tab = LeadsTab(service)
    qtbot.addWidget(tab)
    await tab.open()
    qtbot.keyClicks(tab.filter_edit, "305")
    await until(lambda: tab.model.rowCount() == 1)  # the 305 phone only, not the certificate full of 305s
    assert tab.model.data(tab.model.index(0, COL_SUPPLIER)) == "Bob"
    assert not tab.consumer.property("found") and "Type a phone" in tab.consumer.text()
    tab.filter_edit.clear()
    qtbot.keyClicks(tab.filter_edit, "3053053053305305")  # the start of a certificate id
    await until(lambda: tab.model.rowCount() == 1)
    qtbot.keyClick(tab.filter_edit, Qt.Key.Key_Escape)
