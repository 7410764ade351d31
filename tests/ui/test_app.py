"""The composition root: demo mode, first-run choice, --screenshot, and what is imported before the window shows."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from desktop_app import app as app_module
from desktop_app.app import AppSession
from desktop_app.demo import DEMO_LEADS, UNCHECKED_DEMO_LEADS, demo_environment
from desktop_app.paths import Paths
from desktop_app.settings import Settings
from desktop_app.ui.first_run import CHOICE_DEMO, CHOICE_KEYS, FirstRunDialog
from desktop_app.ui.main_window import MainWindow
from tests.helpers import until
from tests.ui.helpers import OFFSCREEN_SHOW


async def test_demo_session_uses_the_simulator_and_the_demo_database(paths: Paths, qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    session = AppSession(window, paths, demo=True)
    sim = session.simulator
    try:
        assert sim is not None and sim.running
        assert session.store.path == paths.demo_database
        assert window.is_demo and not window.banner.isHidden()
        expected = demo_environment()["LEADCHECK_TRUSTEDFORM_API_KEY"]
        assert session.settings.credentials_for("trustedform")["api_key"] == expected
        assert await session.seed_demo() == len(DEMO_LEADS)
        assert all(r.path.startswith(("/tf", "/leadid", "/litigator", "/cs-")) for r in sim.requests)
        assert await session.seed_demo() == 0  # only into an empty database
        flags = {
            row[0]
            for row in session.store.db.execute(
                "SELECT flag_litigator FROM leads UNION SELECT flag_trustedform FROM leads "
                "UNION SELECT flag_jornaya FROM leads"
            )
        }
        assert {"green", "yellow", "red"} <= flags
        unchecked = session.store.db.execute(
            "SELECT count(*) FROM leads WHERE id NOT IN (SELECT lead_id FROM checks WHERE lead_id IS NOT NULL)"
        ).fetchone()[0]
        assert unchecked == UNCHECKED_DEMO_LEADS
        assert not paths.database.exists()  # the real database is never touched in demo mode
    finally:
        window.close()
        await asyncio.wait_for(session.finished, 5)
    assert not sim.running


async def test_first_demo_run_shows_the_seeded_checks_in_every_vendor_tab(paths: Paths, qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    session = AppSession(window, paths, demo=True)
    try:
        session.finish_setup()  # the vendor tabs exist before the demo database is seeded
        await session.seed_demo()
        for key in ("trustedform", "jornaya", "litigator", "contactstate"):
            recent = window.vendor_tabs[key].recent  # type: ignore[attr-defined]
            assert recent.row_texts(0), f"{key} tab lists no seeded check"
    finally:
        window.close()
        await asyncio.wait_for(session.finished, 5)


async def test_normal_session_uses_the_real_database(paths: Paths, qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    session = AppSession(window, paths, demo=False, environ={})
    assert session.simulator is None and session.store.path == paths.database
    assert not window.is_demo
    assert await session.open() == 0
    window.close()
    await asyncio.wait_for(session.finished, 5)
    assert session.client.is_closed


@OFFSCREEN_SHOW
async def test_first_run_choice_is_asked_once(paths: Paths, qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    task = asyncio.ensure_future(app_module._first_run(window, paths.ensure()))
    await until(lambda: bool(window.findChildren(FirstRunDialog)))
    dialog = window.findChildren(FirstRunDialog)[0]
    assert dialog.demo_button.isDefault()
    dialog.demo_button.click()
    assert await task == CHOICE_DEMO
    assert Settings(paths).get("first_run_done") is True
    assert await app_module._first_run(window, paths) == ""


def test_first_run_dialog_choices(qtbot: Any) -> None:
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.keys_button.click()
    assert dialog.choice == CHOICE_KEYS and dialog.result() == FirstRunDialog.DialogCode.Accepted


@OFFSCREEN_SHOW
@pytest.mark.parametrize("tab", ["jornaya", "Contact State"])
def test_screenshot_writes_a_png_of_the_requested_tab(
    tab: str, tmp_path: Path, restore_app_state: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    real_save = app_module.save_screenshot

    def spy(window: MainWindow, path: Path) -> int:
        shown.append(window.current_key())
        return real_save(window, path)

    monkeypatch.setattr(app_module, "save_screenshot", spy)
    target = tmp_path / "shots" / "tab.png"
    assert app_module.main(screenshot=target, tab=tab) == 0
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 800)
    assert shown == [tab.lower().replace(" ", "")]


@OFFSCREEN_SHOW
def test_demo_screenshot_shows_seeded_leads(
    tmp_path: Path, paths: Paths, restore_app_state: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts: list[int] = []
    real_save = app_module.save_screenshot

    def spy(window: MainWindow, path: Path) -> int:
        assert window.leads_tab is not None and window.is_demo
        counts.append(window.leads_tab.model.rowCount())
        return real_save(window, path)

    monkeypatch.setattr(app_module, "save_screenshot", spy)
    target = tmp_path / "leads.png"
    assert app_module.main(demo=True, screenshot=target, tab="leads") == 0
    assert counts == [len(DEMO_LEADS)]
    assert QImage(str(target)).width() == 1280


@OFFSCREEN_SHOW
def test_unknown_tab_is_refused(tmp_path: Path, restore_app_state: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert app_module.main(screenshot=tmp_path / "x.png", tab="billing") == 2
    assert "no tab called 'billing'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_window_module_defers_heavy_imports() -> None:
    """The window shell shows before httpx, qasync and sqlite_utils are imported (start-up time)."""
    code = (
        "import sys, desktop_app.app; "
        "print(sorted(m for m in ('httpx', 'qasync', 'sqlite_utils', 'keyring') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
