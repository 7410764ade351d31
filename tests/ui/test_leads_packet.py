"""The Leads tab's "Evidence packet…" (issue 11): right-click a lead, choose where to save in a window-modal dialog
(the loop goes on meanwhile), and the consumer's packet is written and named in the tab's message line."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from desktop_app.service import CheckService
from desktop_app.ui.leads.model import COL_NAME, COL_PHONE
from desktop_app.ui.leads.tab import LeadsTab
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import until
from tests.ui.helpers import OFFSCREEN_SHOW

PHONE = "+12025550001"


async def open_tab(service: CheckService, qtbot: Any) -> tuple[LeadsTab, dict[str, int]]:
    store = service.store
    ids = {
        "ann": store.add_lead({"first_name": "Ann", "phone": PHONE, "email": "ann@example.com", "supplier": "Acme"}),
        "again": store.add_lead({"first_name": "Ann", "phone": PHONE, "email": "ann.w@example.com", "supplier": "Ze"}),
        "nobody": store.add_lead({"first_name": "Nobody"}),
    }
    litigator = CheckResult("litigator", "check", PHONE, Flag.RED, "Known TCPA litigator: do not call this number.")
    store.record_check(litigator, lead_id=ids["ann"])
    tab = LeadsTab(service)
    qtbot.addWidget(tab)
    tab.resize(1100, 600)
    tab.show()
    await tab.open()
    return tab, ids


def row_of(tab: LeadsTab, lead_id: int) -> int:
    return next(r for r in range(tab.model.rowCount()) if tab.model.lead_id(r) == lead_id)


@OFFSCREEN_SHOW
async def test_evidence_packet_from_the_context_menu_writes_the_consumers_zip(
    service: CheckService, qtbot: Any, tmp_path: Path
) -> None:
    tab, ids = await open_tab(service, qtbot)
    actions = tab.context_actions(tab.model.index(row_of(tab, ids["ann"]), COL_PHONE))
    packet = actions[-1]
    assert packet.text() == "Evidence packet…" and packet.isEnabled()
    packet.trigger()
    await until(lambda: tab.packet_dialog is not None and tab.packet_dialog.isVisible())
    dialog = tab.packet_dialog
    assert dialog is not None and dialog.windowModality() == Qt.WindowModality.WindowModal
    assert dialog.selectedFiles()[0].endswith("evidence-packet-12025550001.zip")

    async def other_work() -> int:  # the loop (a batch, a table reload) goes on while the dialog is open
        for _ in range(5):
            await asyncio.sleep(0.005)
        return 5

    assert await asyncio.wait_for(other_work(), 5) == 5
    name_box = dialog.findChild(QLineEdit)
    assert name_box is not None
    target = tmp_path / "ann.zip"
    name_box.setText(str(target))
    dialog.accept()
    await until(lambda: "written to" in tab.message.text(), timeout=20)
    text = tab.message.text()
    assert str(target) in text and "2 leads, 1 check" in text
    head = service.store.evidence_head()
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["leads"] == [ids["ann"], ids["again"]] and archive.read("report.pdf").startswith(b"%PDF")
    assert manifest["evidence_head"]["hash"] in text  # the head the packet is anchored to
    assert f"the packet itself is entry {head.entries:,}" in text
    assert tab.packet_dialog is None


@OFFSCREEN_SHOW
async def test_cancelling_writes_nothing_and_a_lead_without_phone_or_email_has_no_packet(
    service: CheckService, qtbot: Any, tmp_path: Path
) -> None:
    tab, ids = await open_tab(service, qtbot)
    saving = asyncio.ensure_future(tab.save_packet("ann@example.com"))
    await until(lambda: tab.packet_dialog is not None and tab.packet_dialog.isVisible())
    assert tab.packet_dialog is not None
    tab.packet_dialog.reject()
    assert await asyncio.wait_for(saving, 5) is None
    assert not tab.message.isVisible()
    entries = service.store.evidence_head().entries
    nobody = tab.context_actions(tab.model.index(row_of(tab, ids["nobody"]), COL_NAME))[-1]
    assert nobody.text() == "Evidence packet…" and not nobody.isEnabled()
    assert await tab.write_packet("(415) 555-0100", tmp_path / "none.zip") is None
    assert "No lead is stored for +14155550100" in tab.message.text()
    assert not (tmp_path / "none.zip").exists() and service.store.evidence_head().entries == entries
