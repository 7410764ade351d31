"""Settings → Costs with real keyboard and mouse input: a price, a daily cap and a supplier's return window typed,
Save, then read back; a supplier's window removed gives it the default again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QDialogButtonBox

from desktop_app.paths import Paths
from desktop_app.settings import Settings
from desktop_app.ui.settings_costs import NO_CAP
from desktop_app.ui.settings_dialog import SettingsDialog
from tests.ui.helpers import FakeService


@pytest.fixture
def plain_settings(paths: Paths) -> Settings:
    return Settings(paths, environ={})


def open_costs(settings: Settings, paths: Paths, qtbot: Any) -> SettingsDialog:
    dialog = SettingsDialog(settings, paths, FakeService(paths.database))
    qtbot.addWidget(dialog)
    dialog.show()
    bar = dialog.tabs.tabBar()
    at = next(i for i in range(bar.count()) if bar.tabText(i) == "Costs")
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(at).center())
    assert dialog.tabs.currentWidget() is dialog.costs_page
    return dialog


def type_into(spin: QAbstractSpinBox, text: str) -> None:
    spin.setFocus()
    QTest.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Tab)


def save(dialog: SettingsDialog) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    QTest.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)


@pytest.fixture
def dialogs(plain_settings: Settings, paths: Paths, qtbot: Any) -> Iterator[Any]:
    yield lambda: open_costs(plain_settings, paths, qtbot)


def test_prices_caps_and_windows_typed_are_saved_and_shown_again(
    dialogs: Any, plain_settings: Settings, paths: Paths
) -> None:
    dialog = dialogs()
    page = dialog.costs_page
    assert page.caps["trustedform"].text() == NO_CAP  # 0 reads as "No cap"
    type_into(page.prices["trustedform"], "0.25")
    type_into(page.caps["trustedform"], "50")
    type_into(page.default_window, "96")
    box = page.supplier_box
    QTest.mouseClick(box.lineEdit(), Qt.MouseButton.LeftButton)
    QTest.keyClicks(box.lineEdit(), "Acme Leads")
    type_into(page.supplier_hours, "48")
    QTest.mouseClick(page.set_button, Qt.MouseButton.LeftButton)
    assert page.window_problem.text() == "" and box.currentText() == "", page.window_problem.text()
    assert page.windows() == {"Acme Leads": 48} and page.table.item(0, 1).text() == "48 h"
    save(dialog)
    assert not dialog.isVisible()  # saved without a problem, so the dialog closed
    reread = Settings(paths, environ={})
    assert reread.prices()["trustedform"] == 0.25 and reread.caps()["trustedform"] == 50.0
    assert reread.caps()["litigator"] == 0.0
    assert reread.get("return_window_hours") == 96
    windows = reread.return_windows()
    assert dict(windows) == {"Acme Leads": 48.0} and windows["Zeta"] == 96.0

    again = dialogs()  # the saved values are shown
    page = again.costs_page
    assert page.caps["trustedform"].value() == 50.0 and page.default_window.value() == 96
    assert page.windows() == {"Acme Leads": 48}
    rect = page.table.visualItemRect(page.table.item(0, 0))
    QTest.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.remove_button.isEnabled()
    QTest.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert page.windows() == {}
    save(again)
    assert dict(Settings(paths, environ={}).return_windows()) == {}


def test_a_supplier_window_without_a_supplier_says_so(dialogs: Any, plain_settings: Settings) -> None:
    page = dialogs().costs_page
    QTest.mouseClick(page.set_button, Qt.MouseButton.LeftButton)
    assert page.window_problem.isVisible() and page.window_problem.text() == "Type or pick a supplier first."
    assert page.windows() == {}
