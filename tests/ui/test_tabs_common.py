"""What every vendor tab offers the main window: order, titles, focus_input, paste_and_run, and a readable render."""

from __future__ import annotations

import inspect

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from desktop_app.sandbox import scenarios as sc
from desktop_app.service import CheckService
from desktop_app.ui.tabs import ContactStateTab, VendorTab, build_vendor_tabs
from desktop_app.ui.theme import dark_palette
from tests.helpers import until


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform, when a top-level widget is shown
async def test_five_tabs_in_order_with_the_window_interface(qtbot: QtBot, service: CheckService) -> None:
    tabs = build_vendor_tabs(service)
    for _, _, widget in tabs:
        qtbot.addWidget(widget)
    assert [(key, title) for key, title, _ in tabs] == [
        ("trustedform", "TrustedForm"),
        ("jornaya", "Jornaya"),
        ("contactstate", "Contact State"),
        ("consentcontrol", "Consent Control"),
        ("litigator", "TCPA Litigator"),
    ]
    for key, _, widget in tabs:
        assert isinstance(widget, VendorTab) and widget.key == key
        assert inspect.iscoroutinefunction(widget.paste_and_run)
        widget.resize(1280, 800)
        widget.show()
        widget.activateWindow()
        widget.focus_input()
        await until(lambda w=widget: isinstance(f := QApplication.focusWidget(), QLineEdit) and w.isAncestorOf(f))
        focused = QApplication.focusWidget()
        assert isinstance(focused, QLineEdit), key
        assert widget.isAncestorOf(focused)


async def test_paste_and_run_returns_none_and_shows_card(qtbot: QtBot, service: CheckService) -> None:
    tabs = {key: widget for key, _, widget in build_vendor_tabs(service)}
    for widget in tabs.values():
        qtbot.addWidget(widget)
    litigator = tabs["litigator"]
    assert isinstance(litigator, VendorTab)
    assert await litigator.paste_and_run(sc.LITIGATOR_PHONE_HIT) is None
    assert litigator.card.flag_word == "Red"
    contactstate = tabs["contactstate"]
    assert isinstance(contactstate, ContactStateTab)
    contactstate.reveal(contactstate.export_panel)
    contactstate.focus_input()  # a panel without a paste box focuses nothing and does not fail


async def test_tabs_render_in_a_dark_palette(qtbot: QtBot, service: CheckService) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = app.palette()
    app.setPalette(dark_palette())
    try:
        for key, _, widget in build_vendor_tabs(service):
            qtbot.addWidget(widget)
            widget.resize(1280, 800)
            image = widget.grab().toImage()
            assert image.width() == 1280 and image.height() == 800, key
            # the card background follows the dark palette (no light box on a dark window)
            assert widget.card.styleSheet().count("#1e1e1e") == 1  # type: ignore[attr-defined]
    finally:
        app.setPalette(previous)
