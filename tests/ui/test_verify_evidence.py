"""Help → Verify evidence: runs off the GUI thread and says how it ended, intact or naming the first mismatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop_app.paths import Paths
from desktop_app.service import CheckService
from desktop_app.ui.main_window import MainWindow
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import until
from tests.ui.helpers import use_fake_tabs

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(service: CheckService, paths: Paths, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    use_fake_tabs(monkeypatch)
    win = MainWindow()
    qtbot.addWidget(win)
    win.populate(service, settings=service.settings, paths=paths)
    win.show()
    yield win
    win.shutdown_ui()


def result_box(window: MainWindow) -> QMessageBox | None:
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "verifyResult" and b.isVisible()]
    return boxes[-1] if boxes else None


async def test_verify_evidence_from_the_help_menu(window: MainWindow, service: CheckService) -> None:
    for i in range(3):
        answer = CheckResult("litigator", "check", f"+1202555010{i}", Flag.GREEN, "Not a known TCPA litigator.")
        service.store.record_check(answer, sent={})
    assert window.verify_action.isEnabled() and window.verify_action in window.help_menu.actions()
    window.verify_action.trigger()  # what clicking the menu item does
    await until(lambda: result_box(window) is not None)
    box = result_box(window)
    assert box is not None and box.windowTitle() == "Evidence intact"
    assert "All 3 entries" in box.text() and service.store.evidence_head().hash in box.text()
    box.accept()
    service.store.connection.execute("UPDATE checks SET flag = 'red' WHERE id = 2")  # edited outside Leadcheck
    outcome = await window.verify_evidence()
    assert outcome is not None and not outcome.ok
    box = result_box(window)
    assert box is not None and box.windowTitle() == "Evidence NOT intact" and "Check 2 was changed" in box.text()
