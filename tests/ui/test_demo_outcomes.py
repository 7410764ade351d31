"""The demo's seeded checks: every outcome a buyer meets, each with advice that applies in the demo."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.app import AppSession
from desktop_app.check_rules import simulated
from desktop_app.demo import DEMO_LEADS
from desktop_app.paths import Paths
from desktop_app.sandbox import scenarios as sim
from desktop_app.ui.main_window import MainWindow
from desktop_app.vendors.errors import CallError, ErrorKind
from desktop_app.vendors.results import CheckResult

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

# The flags each vendor can give a lead (TCPA Litigator has no yellow).
EXPECTED_FLAGS = {
    "trustedform": {"green", "yellow", "red"},
    "jornaya": {"green", "yellow", "red"},
    "contactstate": {"green", "yellow", "red"},
    "litigator": {"green", "red"},
}


async def test_the_demo_shows_every_outcome_with_demo_advice(paths: Paths, qtbot: Any, restore_app_state: None) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # closing the shown window ends the session, not the test's loop
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    session = AppSession(window, paths, demo=True)
    try:
        assert await session.seed_demo() == len(DEMO_LEADS)
        checks = session.store.checks(limit=1000)
        for vendor, expected in EXPECTED_FLAGS.items():
            flags = {c.result.flag.value for c in checks if c.result.vendor == vendor and c.result.flag}
            assert flags == expected, vendor
        failed = [c.result for c in checks if c.result.error is not None]
        assert failed, "the demo shows a failed call"
        for result in failed:
            hint = result.error.hint if result.error else ""
            assert hint.startswith("Demo: the built-in simulator gave this answer on purpose"), hint
            assert "With your real keys the advice would be:" in hint
            assert "proxy" not in hint and "HTTPS only" not in result.summary

        # The buyer finds the lead with the failed call by typing its phone into the Leads filter.
        dana = next(lead for lead in DEMO_LEADS if lead["first_name"] == "Dana")
        QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window.leads_tab is not None and window.leads_tab.filter_edit.hasFocus()
        QTest.keyClicks(window.leads_tab.filter_edit, dana["phone"][-10:])
        assert await window.leads_tab.apply_filter() == 1
        lead_id = session.store.leads_for_subject("litigator", dana["phone"])[0]
        litigator = session.store.checks(vendor="litigator", lead_id=lead_id)
        assert litigator and litigator[0].result.error is not None
        assert litigator[0].result.error.kind == ErrorKind.VENDOR_DOWN  # "try again later" applies anywhere
    finally:
        window.close()
        await asyncio.wait_for(session.finished, 5)


async def test_a_wrong_key_answer_in_the_demo_says_it_was_simulated(paths: Paths, qtbot: Any) -> None:
    """Jornaya's error 6000 in the demo: no keys to re-enter, so the advice says the simulator chose it."""
    window = MainWindow()
    qtbot.addWidget(window)
    session = AppSession(window, paths, demo=True)
    try:
        result = await session.service.audit(sim.JORNAYA_TOKEN_ERROR[6000])
        assert result.error is not None and result.error.kind == ErrorKind.AUTH
        assert result.error.hint.startswith("Demo: the built-in simulator gave this answer on purpose")
        assert "re-enter" in result.error.hint  # what it would mean with real keys, still said
        stored = session.store.checks(vendor="jornaya")[0].result
        assert stored.error is not None and stored.error.hint == result.error.hint
    finally:
        window.close()
        await asyncio.wait_for(session.finished, 5)


def test_a_call_that_got_no_answer_is_not_called_simulated() -> None:
    error = CallError(ErrorKind.NETWORK, "No connection.", hint="Check your network.")
    result = CheckResult("litigator", "check", "+12025551234", None, "No connection.", error=error)
    assert simulated(result) is result
