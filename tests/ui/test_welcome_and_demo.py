"""Help → Welcome… and Help → Try the demo…, clicked in the shown window: the first-run choice stays revisitable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from desktop_app.app import demo_command
from desktop_app.paths import Paths
from desktop_app.service import CheckService
from desktop_app.ui.first_run import FirstRunDialog
from desktop_app.ui.main_window import DEMO_OPENING, MainWindow
from desktop_app.ui.settings_dialog import SettingsDialog
from tests.helpers import until
from tests.ui.helpers import use_fake_tabs

# The offscreen plugin warns when a window or a menu pops up; these are not our messages.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
    "This plugin does not support grabbing the keyboard",
)


class DemoStarter:
    """Stands in for starting ``leadcheck --demo``: records the paths it was asked to start with."""

    def __init__(self) -> None:
        self.started: list[Paths | None] = []

    def __call__(self, paths: Paths | None) -> bool:
        self.started.append(paths)
        return True


@pytest.fixture
def starter() -> DemoStarter:
    return DemoStarter()


@pytest.fixture
def window(
    service: CheckService, paths: Paths, starter: DemoStarter, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    use_fake_tabs(monkeypatch)
    win = MainWindow(start_demo=starter)
    qtbot.addWidget(win)
    win.populate(service, settings=service.settings, paths=paths)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def open_help_item(window: MainWindow, qtbot: Any, text: str) -> None:
    """Click Help in the menu bar, then the item called ``text`` in the menu that opened."""
    bar = window.menuBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(window.help_menu.menuAction()).center())
    assert window.help_menu.isVisible()
    action = next(a for a in window.help_menu.actions() if a.text().replace("&", "") == text)
    assert action.isVisible() and action.isEnabled()
    qtbot.mouseClick(window.help_menu, Qt.MouseButton.LeftButton, pos=window.help_menu.actionGeometry(action).center())


def visible_dialog(kind: type) -> Any:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None


async def test_try_the_demo_asks_then_opens_it_in_a_new_window(
    window: MainWindow, starter: DemoStarter, paths: Paths, qtbot: Any
) -> None:
    open_help_item(window, qtbot, "Try the demo…")
    await until(lambda: visible_dialog(QMessageBox) is not None)
    box = visible_dialog(QMessageBox)
    assert "new window" in box.text() and "nothing is sent or billed" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Open), Qt.MouseButton.LeftButton)
    await until(lambda: bool(starter.started))
    assert starter.started == [paths]
    assert window.statusBar().currentMessage() == DEMO_OPENING


async def test_try_the_demo_cancelled_starts_nothing(window: MainWindow, starter: DemoStarter, qtbot: Any) -> None:
    open_help_item(window, qtbot, "Try the demo…")
    await until(lambda: visible_dialog(QMessageBox) is not None)
    QTest.keyClick(visible_dialog(QMessageBox), Qt.Key.Key_Escape)
    await until(lambda: visible_dialog(QMessageBox) is None)
    assert starter.started == []


async def test_welcome_reopens_the_first_run_choice(window: MainWindow, starter: DemoStarter, qtbot: Any) -> None:
    open_help_item(window, qtbot, "Welcome…")
    await until(lambda: visible_dialog(FirstRunDialog) is not None)
    qtbot.mouseClick(visible_dialog(FirstRunDialog).later_button, Qt.MouseButton.LeftButton)
    await until(lambda: visible_dialog(FirstRunDialog) is None)
    assert starter.started == [] and visible_dialog(SettingsDialog) is None

    open_help_item(window, qtbot, "Welcome…")
    await until(lambda: visible_dialog(FirstRunDialog) is not None)
    dialog = visible_dialog(FirstRunDialog)
    assert any("Help → Try the demo" in label.text() for label in dialog.findChildren(QLabel))
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    await until(lambda: bool(starter.started))  # the welcome dialog said what the demo is: no second question

    open_help_item(window, qtbot, "Welcome…")
    await until(lambda: visible_dialog(FirstRunDialog) is not None)
    qtbot.mouseClick(visible_dialog(FirstRunDialog).keys_button, Qt.MouseButton.LeftButton)
    await until(lambda: visible_dialog(SettingsDialog) is not None)


def test_in_the_demo_try_the_demo_is_off(service: CheckService, paths: Paths, qtbot: Any) -> None:
    win = MainWindow(demo=True, start_demo=DemoStarter())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert not win.demo_action.isEnabled() and "is the demo" in win.demo_action.toolTip()
    dialog = FirstRunDialog(win, demo_offered=False)
    qtbot.addWidget(dialog)
    assert not dialog.demo_button.isEnabled()


def test_without_a_starter_the_menu_offers_no_demo(qtbot: Any) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    assert not win.demo_action.isVisible()
    assert any(isinstance(a, QAction) and a.text() == "&Welcome…" for a in win.help_menu.actions())


def test_demo_command_keeps_the_home_and_adds_demo(tmp_path: Any) -> None:
    paths = Paths.from_env(home=tmp_path)
    assert demo_command(paths, executable="/py", frozen=False) == [
        "/py",
        "-m",
        "desktop_app",
        "--home",
        str(paths.home),
        "--demo",
    ]
    assert demo_command(None, executable="/bundle/leadcheck", frozen=True) == ["/bundle/leadcheck", "--demo"]
