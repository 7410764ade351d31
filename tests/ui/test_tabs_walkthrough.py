"""The vendor tabs driven the way a buyer drives them (issue 14): shown, with real clicks and keystrokes.

Fields must not move while the buyer types (a message that pushed them down sent the next click into the wrong
field), required-field problems wait until the buyer leaves the field or presses Run, the recent checks keep
the distinguishing end of a subject, a date, a manual-only filter and a search, and the words are plain.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QStyleOptionViewItem, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.sandbox import scenarios as sc
from desktop_app.service import CheckService
from desktop_app.store import Store
from desktop_app.ui.tabs import ConsentControlTab, ContactStateTab, JornayaTab, TrustedFormTab
from desktop_app.ui.tabs.base import OperationPanel, VendorTab
from desktop_app.ui.widgets import ErrorBanner, RecentChecksList, ResultCard
from desktop_app.ui.widgets.text import local_time
from desktop_app.vendors.errors import CallError, ErrorKind
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import let_the_loop_run

TF_URL = "https://cert.trustedform.com/" + sc.TF_CERT_OK
CS_CERT = "https://cert.contactstate.com/certs/"


async def shown(qtbot: QtBot, tab: VendorTab) -> VendorTab:
    qtbot.addWidget(tab)
    tab.resize(1400, 860)
    tab.show()
    tab.activateWindow()
    await let_the_loop_run()  # the loop delivers the show and activation events (no nested loop, no waiting)
    return tab


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"
    return widget


def place(widget: QWidget, top: QWidget) -> QRect:
    """Where ``widget`` sits inside ``top``."""
    return QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())


def places(panel: OperationPanel, top: QWidget) -> dict[str, QRect]:
    boxes: dict[str, QWidget] = dict(panel.form.fields)
    if panel.paste_box is not None:
        boxes["paste"] = panel.paste_box
    return {name: place(box, top) for name, box in boxes.items()}


def click_at(top: QWidget, widget: QWidget) -> QWidget:
    """Click the widget found under ``widget``'s centre (what a buyer's click would hit), and return it."""
    point = widget.mapTo(top, widget.rect().center())
    target = top.childAt(point)
    assert target is not None
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target.mapFrom(top, point))
    return target


def result(
    subject: str, *, flag: Flag | None = Flag.GREEN, summary: str = "", vendor: str = "trustedform"
) -> CheckResult:
    return CheckResult(
        vendor=vendor,
        operation="retain",
        subject=subject,
        flag=flag,
        summary=summary or f"summary of {subject[-6:]}",
        details={},
        request={"method": "POST", "url": "https://cert.trustedform.com/x"},
        response_body="{}",
    )


async def test_trustedform_fields_stay_put_while_typing(qtbot: QtBot, service: CheckService) -> None:
    tab = await shown(qtbot, TrustedFormTab(service))
    assert isinstance(tab, TrustedFormTab)
    panel = tab.panel
    assert panel.paste_box is not None
    before = places(panel, tab)
    click_at(tab, panel.paste_box)
    QTest.keyClicks(focused(), "https://cert.trustedform.com/abc")
    assert panel.message == ""  # not while typing
    QTest.keyClick(focused(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.form.fields["email"]
    assert "certificate" in panel.message.lower()  # the paste box was left: its problem shows
    assert places(panel, tab) == before
    panel.paste_box.setText(TF_URL)
    QTest.keyClicks(focused(), "ann@")
    assert panel.message == "" and places(panel, tab) == before
    phone = click_at(tab, panel.form.fields["phone"])
    assert phone is panel.form.fields["phone"]
    assert "not an email address" in panel.message  # the email was left unfinished
    assert places(panel, tab) == before
    QTest.keyClicks(phone, "2025550123")
    email = panel.form.fields["email"]
    assert isinstance(email, QLineEdit) and isinstance(phone, QLineEdit)
    assert email.text() == "ann@" and phone.text() == "2025550123"
    assert places(panel, tab) == before
    assert panel.message_label.geometry().top() > panel.run_button.geometry().top()  # under the fields


async def test_contactstate_connect_code_lands_in_its_field(qtbot: QtBot, service: CheckService) -> None:
    tab = await shown(qtbot, ContactStateTab(service))
    assert isinstance(tab, ContactStateTab)
    tab.reveal(tab.create_panel)
    panel = tab.create_panel
    before = places(panel, tab)
    for name, text in (("first_name", "Jane"), ("last_name", "Doe")):
        box = click_at(tab, panel.form.fields[name])
        assert box is panel.form.fields[name]
        QTest.keyClicks(box, text)
        assert places(panel, tab) == before
    assert panel.message == ""  # email is required, but the buyer has not reached it
    code = click_at(tab, panel.form.fields["contact_state_connect_code"])
    QTest.keyClicks(code, sc.CS_CONNECT_CODE_OK)
    assert panel.form.value("contact_state_connect_code") == sc.CS_CONNECT_CODE_OK
    assert panel.form.value("state") == ""
    assert places(panel, tab) == before
    assert await panel.run() is None  # Run with email missing: now it says so, still without moving a field
    assert "email" in panel.message and places(panel, tab) == before


async def test_claim_offers_check_status_now_and_create_fills_perform(qtbot: QtBot, service: CheckService) -> None:
    tab = await shown(qtbot, ContactStateTab(service))
    assert isinstance(tab, ContactStateTab)
    await tab.paste_and_run_value(f"https://cert-gen.contactstate.com/certs/{sc.CS_CLAIM_TOKEN_OK}/claim")
    assert tab.card.flag_word == "Green"
    await let_the_loop_run()
    assert tab.status_now_button.isVisible() and tab.status_now_button.text() == "Check status now"
    cert_url = tab.card.links["Certificate URL"]
    read = await tab.check_status_now(cert_url)
    assert read is not None and read.operation == "cert"
    assert tab.current_panel() is tab.cert_panel

    await tab.paste_and_run_value(CS_CERT + sc.CS_CERT_ID_CERTIFIED)
    assert "T" not in tab.card.summary_label.text().split("scored", 1)[-1]  # no raw ISO time in the headline
    assert "+00:00" not in tab.card.summary_label.text()

    tab.reveal(tab.create_panel)
    for name, value in (("first_name", "Jane"), ("last_name", "Doe"), ("email", "jane@example.com")):
        tab.create_panel.form.set_value(name, value)
    created = await tab.create_panel.run()
    assert isinstance(created, CheckResult) and created.ok
    lead_id = created.details["lead_id"]
    assert tab.push_panel.paste_box is not None and tab.push_panel.paste_box.text() == lead_id
    assert tab.stats_panel.paste_box is not None and tab.stats_panel.paste_box.text() == lead_id


async def test_consent_control_opt_out_is_recorded_not_green(qtbot: QtBot, service: CheckService) -> None:
    tab = await shown(qtbot, ConsentControlTab(service))
    assert isinstance(tab, ConsentControlTab)
    assert tab.hand_panel.form.labels["validation"].text() == "Validation status"
    assert "Consent Control" in tab.hand_panel.form.fields["validation"].toolTip()
    await tab.paste_and_run_value("202-555-0177")
    assert tab.card.flag_word is None and tab.card.badge.text().endswith("Recorded")
    assert tab.card.summary_label.text() == "Consent Control stored the opt-out."
    assert tab.recent.row_texts(0)[0] == "✓ Recorded"


def test_recent_checks_show_the_end_a_date_and_filter(qtbot: QtBot, store: Store) -> None:
    base = "https://cert.trustedform.com/" + "0" * 34
    store.record_check(result(base + "111111", summary="manual one"))
    store.record_check(result(base + "222222", summary="from the batch"), batch_id=1)
    recent = RecentChecksList(store, "trustedform")
    qtbot.addWidget(recent)
    recent.resize(470, 300)
    recent.show()
    recent.refresh()
    subject_index = recent.tree.model().index(0, 1)
    option = QStyleOptionViewItem()
    recent.subject_delegate.initStyleOption(option, subject_index)
    assert option.textElideMode == Qt.TextElideMode.ElideLeft  # type: ignore[attr-defined]
    assert recent.tree.textElideMode() == Qt.TextElideMode.ElideRight  # summaries keep their beginning
    assert recent.tree.topLevelItem(0).toolTip(1) == base + "222222"  # type: ignore[union-attr]
    newest = recent.results[0]
    assert recent.row_texts(0)[3] == local_time(newest.finished_at)  # date and time
    assert len(recent.results) == 2
    recent.manual_only.click()
    assert [r.summary for r in recent.results] == ["manual one"]
    recent.manual_only.click()
    QTest.keyClicks(recent.search_box, "222222")
    assert [r.summary for r in recent.results] == ["from the batch"]
    recent.search_box.clear()
    assert len(recent.results) == 2


async def test_a_check_made_elsewhere_appears_when_the_tab_is_shown(qtbot: QtBot, service: CheckService) -> None:
    tab = await shown(qtbot, JornayaTab(service))
    count = len(tab.recent.results)
    tab.hide()
    service.store.record_check(result("LEADID-RECHECK", vendor="jornaya"))  # as the Leads tab's re-check does
    tab.show()
    assert len(tab.recent.results) == count + 1
    assert tab.recent.row_texts(0)[1] == "LEADID-RECHECK"


def test_error_banner_has_no_kind_jargon(qtbot: QtBot) -> None:
    banner = ErrorBanner()
    qtbot.addWidget(banner)
    banner.show_error(CallError(ErrorKind.AUTH, "Refused.", http_status=401, code=1000))
    assert "kind" not in banner.meta_label.text() and banner.heading.text() == "Credentials refused"
    banner.show_error(CallError(ErrorKind.REJECTED, "No."))
    assert banner.meta_label.isHidden()


async def test_raw_response_grows_into_the_card(qtbot: QtBot) -> None:
    card = ResultCard(lambda _r, _c: None)
    qtbot.addWidget(card)
    card.resize(700, 800)
    card.show()
    card.show_result(result("s", summary="short"))
    card.raw_expander.set_expanded(True)
    await let_the_loop_run()
    assert card.raw_expander.view.height() > 400
