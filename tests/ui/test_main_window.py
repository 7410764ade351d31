"""The main window: six tabs in order, shortcuts, extension points, the Leads tab's actions, clean close."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from desktop_app.app import AppSession
from desktop_app.paths import Paths
from desktop_app.sandbox import scenarios as sc
from desktop_app.service import CheckService
from desktop_app.ui import theme
from desktop_app.ui.leads.model import COL_LITIGATOR, COL_NAME, COL_PHONE, COL_TRUSTEDFORM
from desktop_app.ui.leads.tab import LeadsTab, recheck_plan
from desktop_app.ui.main_window import SHORTCUTS_TEXT, MainWindow
from tests.helpers import until
from tests.ui.helpers import OFFSCREEN_SHOW

TITLES = ["Leads", "TrustedForm", "Jornaya", "Contact State", "Consent Control", "TCPA Litigator"]
KEYS = ["leads", "trustedform", "jornaya", "contactstate", "consentcontrol", "litigator"]


class FakeVendorTab(QLabel):
    """Stands in for a vendor tab: records what it was asked to do."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.focused = 0
        self.pasted: list[str] = []

    def focus_input(self) -> None:
        self.focused += 1

    async def paste_and_run(self, text: str) -> None:
        self.pasted.append(text)


def fake_build_vendor_tabs(service: Any, parent: QWidget | None = None) -> list[tuple[str, str, QWidget]]:
    return [(key, title, FakeVendorTab(title)) for key, title in zip(KEYS[1:], TITLES[1:], strict=True)]


@pytest.fixture
def fake_tabs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vendor tabs replaced by FakeVendorTab (the window is tested, not the tabs)."""
    monkeypatch.setattr("desktop_app.ui.tabs.build_vendor_tabs", fake_build_vendor_tabs, raising=False)


@pytest.fixture
def window(service: CheckService, paths: Paths, fake_tabs: None, qtbot: Any) -> Iterator[MainWindow]:
    win = MainWindow()
    qtbot.addWidget(win)
    win.populate(service, settings=service.settings, paths=paths)
    yield win
    win.shutdown_ui()


def add_lead(service: CheckService, **fields: str) -> int:
    lead_id: int = service.store.add_lead({"first_name": "Jane", "last_name": "Doe", **fields})
    return lead_id


async def test_window_has_six_tabs_in_order(window: MainWindow) -> None:
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == TITLES
    assert window.tab_keys == KEYS
    assert window.tabs.widget(0) is window.leads_tab
    assert all(window.tabs.tabToolTip(i) for i in range(6))


async def test_real_vendor_tabs_plug_in(service: CheckService, paths: Paths, qtbot: Any) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.populate(service, settings=service.settings, paths=paths)
    assert win.tab_keys == KEYS
    for key in KEYS[1:]:
        assert callable(win.vendor_tabs[key].focus_input)  # type: ignore[attr-defined]
    win.shutdown_ui()


async def test_show_tab_accepts_key_or_title(window: MainWindow) -> None:
    assert window.show_tab("contactstate") and window.current_key() == "contactstate"
    assert window.show_tab("TCPA litigator") and window.current_key() == "litigator"
    assert window.show_tab("consent control") and window.current_key() == "consentcontrol"
    assert window.show_tab("LEADS") and window.current_key() == "leads"
    assert not window.show_tab("nonsense")


async def test_ctrl_number_switches_tabs_and_focuses_input(window: MainWindow) -> None:
    assert [a.shortcut() for a in window.tab_actions] == [QKeySequence(f"Ctrl+{n}") for n in range(1, 7)]
    assert [a.text() for a in window.tab_actions] == TITLES
    window.tab_actions[2].trigger()
    assert window.current_key() == "jornaya"
    assert window.vendor_tabs["jornaya"].focused == 1  # type: ignore[attr-defined]


@OFFSCREEN_SHOW
async def test_ctrl_f_focuses_the_lead_filter(window: MainWindow) -> None:
    window.show()
    window.activateWindow()
    window.show_tab("trustedform")
    assert window.filter_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    window.filter_action.trigger()
    assert window.current_key() == "leads"
    assert window.leads_tab is not None
    await until(lambda: window.leads_tab is not None and window.leads_tab.filter_edit.hasFocus())


async def test_paste_and_run_goes_to_the_current_vendor_tab(window: MainWindow) -> None:
    assert window.paste_run_action.shortcut() == QKeySequence("Ctrl+Shift+V")
    QGuiApplication.clipboard().setText("  https://cert.trustedform.com/abc  ")
    window.show_tab("trustedform")
    assert await window.paste_and_run()
    assert window.vendor_tabs["trustedform"].pasted == ["https://cert.trustedform.com/abc"]  # type: ignore[attr-defined]


async def test_paste_on_leads_tab_filters_and_empty_clipboard_says_so(window: MainWindow, service: Any) -> None:
    add_lead(service, phone="+12025551212")
    add_lead(service, first_name="Marcus", phone="+12025556666")
    assert window.leads_tab is not None
    await window.leads_tab.open()
    assert await window.paste_and_run("(202) 555-6666")
    assert window.leads_tab.model.rowCount() == 1
    assert not await window.paste_and_run("   ")
    assert "clipboard is empty" in window.statusBar().currentMessage()


async def test_extension_points(window: MainWindow) -> None:
    panel = QLabel("batch progress")
    dock = window.add_panel(panel, "Batch")
    assert dock.widget() is panel and dock in window.panels
    assert dock.toggleViewAction() in window.view_menu.actions()
    action = QAction("Import…", window)
    window.add_file_action(action)
    actions = window.file_menu.actions()
    assert actions.index(action) < actions.index(window.quit_action)
    assert window.help_menu.title() == "&Help"


async def test_demo_banner(window: MainWindow) -> None:
    assert not window.is_demo and window.windowTitle() == "Leadcheck"
    window.set_demo(True)
    assert window.is_demo and "DEMO" in window.banner.text() and "DEMO" in window.windowTitle()
    # Qt appends " — <display name>" unless the title already ends with it: never "Leadcheck — DEMO — Leadcheck"
    assert window.windowTitle() == "DEMO — Leadcheck"


def test_keyboard_shortcuts_list_the_batch_keys() -> None:
    for keys in ("Ctrl+I", "Ctrl+Shift+K", "Ctrl+E"):
        assert f"<b>{keys}</b>" in SHORTCUTS_TEXT


async def test_leads_tab_detail_shows_history_including_failures(window: MainWindow, service: CheckService) -> None:
    lead_id = add_lead(
        service,
        phone="+1" + sc.LITIGATOR_PHONE_ERROR[403],
        email=sc.TF_EMAIL_OK,
        cert_url="https://cert.trustedform.com/" + sc.TF_CERT_OK,
    )
    tab = window.leads_tab
    assert tab is not None
    outcomes = await tab.recheck(lead_id)
    assert {o.vendor for o in outcomes} == {"trustedform", "litigator"}
    assert "the call failed" in tab.message.text() and tab.message.objectName() == "errorMessage"
    await tab.open()
    assert tab.select_lead(lead_id)
    rows = tab.detail.history_rows()
    results = sorted(r[3] for r in rows)
    assert results == ["Failed", "Green"]
    assert tab.detail.field_labels["phone"].text() == "(202) 555-0403"
    assert "2 checks" in tab.detail.title.text()
    assert tab.model.data(tab.model.index(0, COL_LITIGATOR)) == "—"  # a failed call never becomes a flag


async def test_recheck_runs_each_vendor_the_lead_has_data_for(window: MainWindow, service: CheckService) -> None:
    lead_id = add_lead(
        service,
        phone="+1" + sc.LITIGATOR_PHONE_HIT,
        email=sc.TF_EMAIL_OK,
        cert_url="https://cert.trustedform.com/" + sc.TF_CERT_OK,
        leadid=sc.JORNAYA_TOKEN_OK,
    )
    add_lead(service, first_name="Other", phone="+1" + sc.LITIGATOR_PHONE_HIT)  # same phone, another lead
    tab = window.leads_tab
    assert tab is not None
    await tab.open()
    outcomes = await tab.recheck(lead_id)
    assert sorted(o.vendor for o in outcomes) == ["jornaya", "litigator", "trustedform"]
    row = tab.model.row_of(lead_id)
    assert row is not None
    assert tab.model.data(tab.model.index(row, COL_TRUSTEDFORM)) == "Green"
    assert tab.model.data(tab.model.index(row, COL_LITIGATOR)) == "Red"
    assert {c.lead_id for c in service.store.checks()} == {lead_id}  # stored against this lead only
    assert ("phone", "+1" + sc.LITIGATOR_PHONE_HIT) in {(s["kind"], s["value"]) for s in service.store.suppression()}


async def test_recheck_refuses_plainly_when_there_is_nothing_to_check(window: MainWindow, service: Any) -> None:
    lead_id = add_lead(service, email="x@example.com")
    assert recheck_plan(service.store.lead(lead_id)) == []
    assert window.leads_tab is not None
    assert await window.leads_tab.recheck(lead_id) == []
    assert "nothing" in window.leads_tab.message.text() or "no certificate" in window.leads_tab.message.text()


async def test_context_menu_actions(service: CheckService, qtbot: Any) -> None:
    opened: list[QUrl] = []
    tab = LeadsTab(service, open_url=opened.append)
    qtbot.addWidget(tab)
    add_lead(service, phone="+12025551212", cert_url="https://cert.trustedform.com/" + sc.TF_CERT_OK)
    add_lead(service, first_name="Sam", email="sam@example.com")
    await tab.open()
    with_cert = tab.model.index(1, COL_PHONE)
    names = [a.text() for a in tab.context_actions(with_cert)]
    assert names == ["Re-check this lead", "Copy Phone", "Copy row", "Open certificate in browser", "Evidence packet…"]
    actions = tab.context_actions(with_cert)
    assert actions[0].isEnabled() and actions[3].isEnabled()
    actions[1].trigger()
    assert QGuiApplication.clipboard().text() == "(202) 555-1212"
    actions[2].trigger()
    assert QGuiApplication.clipboard().text().split("\t")[COL_NAME] == "Jane Doe"
    actions[3].trigger()
    assert opened == [QUrl("https://cert.trustedform.com/" + sc.TF_CERT_OK)]
    without = tab.context_actions(tab.model.index(0, COL_NAME))
    assert not without[0].isEnabled() and not without[3].isEnabled()
    tab.close_model()


async def test_filter_box_and_flag_combo_drive_the_model(window: MainWindow, service: Any) -> None:
    add_lead(service, phone="+12025551212")
    add_lead(service, first_name="Marcus", last_name="Reed", phone="+12025556666")
    tab = window.leads_tab
    assert tab is not None
    await tab.open()
    assert await tab.apply_filter(text="marcus") == 1
    assert "1 lead" in tab.count_label.text()
    assert await tab.apply_filter(text="", flag_index=1) == 0  # "Any Red": nothing checked yet
    assert await tab.apply_filter(flag_index=0) == 2


async def test_closing_with_a_call_in_flight_is_clean(paths: Paths, fake_tabs: None, qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    session = AppSession(window, paths, demo=True)
    sim = session.simulator
    lead_id = session.store.add_lead(
        {
            "phone": "+12025551212",
            "email": sc.TF_EMAIL_OK,
            "cert_url": "https://cert.trustedform.com/" + sc.TF_CERT_SLOW,
        }
    )
    assert window.leads_tab is not None
    call = asyncio.ensure_future(window.leads_tab.recheck(lead_id))
    await until(lambda: sim.count("/tf") >= 1)
    assert not call.done()
    window.close()
    await asyncio.wait_for(session.finished, 5)
    assert call.cancelled()
    assert session.client.is_closed
    assert not sim.running
    with pytest.raises(Exception, match="closed"):
        session.store.db.execute("SELECT 1")


async def test_window_renders_in_light_and_dark(window: MainWindow, service: Any, shots: Path) -> None:
    for n, phone in enumerate(("+12025551212", "+1" + sc.LITIGATOR_PHONE_HIT)):
        add_lead(service, first_name=f"Lead{n}", phone=phone)
    assert window.leads_tab is not None
    await window.leads_tab.recheck(2)
    await window.leads_tab.open()
    window.leads_tab.select_lead(2)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.palette()
    try:
        for name, palette in (("light", original), ("dark", theme.dark_palette())):
            window.setPalette(palette)
            window.resize(1280, 800)
            image = window.grab().toImage()
            assert image.width() == 1280
            assert image.save(str(shots / f"window-{name}.png"))
            view = window.leads_tab.view
            rect = view.visualRect(window.leads_tab.model.index(0, COL_LITIGATOR))
            cell = view.viewport().grab(rect).toImage().pixelColor(8, rect.height() // 2)
            assert cell == QColor(theme.FLAG_COLOURS["red"][0])  # selected, on either palette
    finally:
        window.setPalette(original)
