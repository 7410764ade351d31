"""The window with a bad setting: a dialog that names the setting and what it accepts, exit code 2, no traceback.

Also the Settings dialog's limits, which come from the declared setting (one rule for env, file and dialog).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop_app.app import run_window
from desktop_app.paths import Paths
from desktop_app.settings import Settings, setting
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings_dialog import SettingsDialog
from tests.helpers import until
from tests.ui.helpers import OFFSCREEN_SHOW, FakeService


async def start_and_read_the_refusal(qtbot: Any) -> tuple[int, str, str]:
    """Run the window's start-up; return (exit code, dialog title, dialog text) once the refusal is closed."""
    window = MainWindow()
    qtbot.addWidget(window)
    task = asyncio.ensure_future(run_window(window))
    await until(lambda: bool(window.findChildren(QMessageBox)) or task.done())
    assert not task.done(), "the window started without showing the refusal"
    box = window.findChildren(QMessageBox)[0]
    title, text = box.windowTitle(), box.text()
    box.accept()
    return await asyncio.wait_for(task, 5), title, text


@OFFSCREEN_SHOW
async def test_bad_timeout_in_the_environment_is_a_dialog_and_exit_2(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEADCHECK_TIMEOUT", "nan")
    code, title, text = await start_and_read_the_refusal(qtbot)
    assert code == 2 and title == "Leadcheck cannot start: a setting is wrong"
    assert text == "LEADCHECK_TIMEOUT must be a number of seconds between 1 and 600; it is “nan”."
    assert text in capsys.readouterr().err


@OFFSCREEN_SHOW
async def test_broken_settings_file_is_a_dialog_and_exit_2(qtbot: Any, leadcheck_home: Path) -> None:
    config = leadcheck_home / "config" / "settings.json"
    config.parent.mkdir(parents=True)
    config.write_text('{"first_run_done": "yes"}', encoding="utf-8")
    code, _title, text = await start_and_read_the_refusal(qtbot)
    assert code == 2
    assert "first_run_done must be true or false; it is the text “yes”" in text and str(config) in text


@OFFSCREEN_SHOW
async def test_home_that_is_a_file_is_a_dialog_and_exit_2(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "file"
    home.write_text("")
    monkeypatch.setenv("LEADCHECK_HOME", str(home))
    code, _title, text = await start_and_read_the_refusal(qtbot)
    assert code == 2 and text.startswith("LEADCHECK_HOME must be a folder") and "which is a file" in text


def test_settings_dialog_offers_exactly_the_declared_timeout_range(paths: Paths, qtbot: Any) -> None:
    settings = Settings(paths, environ={})
    dialog = SettingsDialog(settings, paths, FakeService(paths.database), open_url=lambda _url: None)
    qtbot.addWidget(dialog)
    declared = setting("timeout")
    assert (dialog.timeout_spin.minimum(), dialog.timeout_spin.maximum()) == (declared.minimum, declared.maximum)
    dialog.timeout_spin.setValue(10_000)  # clamped by the spin box to the declared maximum
    assert dialog.save() == [] and Settings(paths, environ={}).timeout == 600


def test_settings_dialog_reports_a_refused_value_instead_of_raising(paths: Paths, qtbot: Any) -> None:
    settings = Settings(paths, environ={})
    dialog = SettingsDialog(settings, paths, FakeService(paths.database), open_url=lambda _url: None)
    qtbot.addWidget(dialog)
    dialog.pages["consentcontrol"].edits["host"].setText("x" * 201)
    problems = dialog.save()
    assert problems == [
        "Consent Control Account host (credentials.consentcontrol.host) must be text of at most 200 characters; "
        f"it is “{'x' * 59}…”."
    ]
    assert not dialog.problems.isHidden() and dialog.problems.text() == problems[0]
