"""Settings → Database with real clicks and typing: Test against the test PostgreSQL server (an empty database,
then one Leadcheck set up), a refused address, the warning for a plain connection to another host, saving the
address and the password (keyring only), and the environment's address shown read-only without its password."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import keyring
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QRadioButton

from desktop_app.paths import Paths
from desktop_app.settings import KEYRING_SERVICE, Settings
from desktop_app.store import SCHEMA_VERSION, Store
from desktop_app.ui.settings_database import DatabasePage
from desktop_app.ui.settings_dialog import SettingsDialog
from tests.helpers import until
from tests.ui.helpers import FakeService

SECRET = "pa55-Word-in-keyring"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open_page(settings: Settings, paths: Paths, qtbot: Any) -> tuple[SettingsDialog, DatabasePage]:
    dlg = SettingsDialog(settings, paths, FakeService(paths.database))
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.tabs.setCurrentWidget(dlg.database_page)
    return dlg, dlg.database_page


def click(widget: Any) -> None:
    """A left click where a person would click: a radio button on its circle, anything else in its middle."""
    at = QPoint(8, widget.height() // 2) if isinstance(widget, QRadioButton) else widget.rect().center()
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)


def type_into(edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    QTest.keyClick(edit, Qt.Key.Key_Delete)
    QTest.keyClicks(edit, text)


async def press_test(page: DatabasePage) -> str:
    page.outcome.clear()  # the last outcome is not this one's
    click(page.test_button)
    await until(lambda: page.test_button.isEnabled() and page.outcome.text()[:1] in ("✔", "✘"))
    return page.outcome.text()


@pytest.fixture
def plain_settings(paths: Paths) -> Settings:
    return Settings(paths, environ={})


@pytest.fixture
def database_url(pg_server: Any) -> Iterator[str]:
    yield pg_server.new_database()


async def test_test_reaches_the_server_and_says_what_is_there(
    plain_settings: Settings, paths: Paths, qtbot: Any, database_url: str
) -> None:
    _, page = open_page(plain_settings, paths, qtbot)
    assert page.local_choice.isChecked() and not page.shared_box.isEnabled()
    click(page.shared_choice)
    assert page.shared_choice.isChecked() and page.shared_box.isEnabled()
    type_into(page.url_edit, database_url)

    text = await press_test(page)
    assert text.startswith("✔ Reached PostgreSQL 127.0.0.1:") and "the database is empty" in text
    assert "set it up" in text

    Store(database_url).close()  # a seat opened it: Leadcheck's schema is there now
    text = await press_test(page)
    assert text.startswith("✔ Reached") and f"a Leadcheck database (schema {SCHEMA_VERSION}" in text
    assert not page.warning.isVisible()  # loopback: no warning


async def test_a_refused_address_is_said_in_words(plain_settings: Settings, paths: Paths, qtbot: Any) -> None:
    _, page = open_page(plain_settings, paths, qtbot)
    click(page.shared_choice)
    type_into(page.url_edit, f"postgresql://leadcheck@127.0.0.1:{closed_port()}/leadcheck")

    text = await press_test(page)
    assert text.startswith("✘ Leadcheck could not reach PostgreSQL 127.0.0.1:")
    assert "could not be reached" in text and "Connection refused" in text and "Settings → Database" in text


async def test_an_address_with_a_password_is_refused_before_connecting(
    plain_settings: Settings, paths: Paths, qtbot: Any
) -> None:
    _, page = open_page(plain_settings, paths, qtbot)
    click(page.shared_choice)
    type_into(page.url_edit, "postgresql://leadcheck:oops@127.0.0.1/leadcheck")
    text = await press_test(page)
    assert text.startswith("✘ ") and "must not contain the password" in text and "oops" not in text


def test_a_plain_connection_to_another_host_is_warned_about(plain_settings: Settings, paths: Paths, qtbot: Any) -> None:
    _, page = open_page(plain_settings, paths, qtbot)
    click(page.shared_choice)
    type_into(page.url_edit, "postgresql://leadcheck@db.example.com:5432/leadcheck")
    assert page.warning.isVisible()
    assert "not encrypted" in page.warning.text() and "?sslmode=require" in page.warning.text()
    QTest.keyClicks(page.url_edit, "?sslmode=require")
    assert not page.warning.isVisible()
    type_into(page.url_edit, "postgresql://leadcheck@localhost/leadcheck")
    assert not page.warning.isVisible()


def test_save_keeps_the_address_in_settings_and_the_password_in_the_keyring_only(
    plain_settings: Settings, paths: Paths, qtbot: Any
) -> None:
    dlg, page = open_page(plain_settings, paths, qtbot)
    click(page.shared_choice)
    type_into(page.url_edit, "postgresql://leadcheck@db.example.com:5432/leadcheck?sslmode=require")
    type_into(page.password_edit, SECRET)
    click(dlg.save_button)

    saved = json.loads(paths.config_file.read_text(encoding="utf-8"))
    assert saved["database_url"] == "postgresql://leadcheck@db.example.com:5432/leadcheck?sslmode=require"
    assert SECRET not in paths.config_file.read_text(encoding="utf-8")
    assert keyring.get_password(KEYRING_SERVICE, "database.password") == SECRET
    assert Settings(paths, environ={}).database_url() == saved["database_url"]
    assert not dlg.isVisible()  # saved and closed

    dlg, page = open_page(Settings(paths, environ={}), paths, qtbot)  # opened again: what is saved, never the value
    assert page.shared_choice.isChecked() and page.url_edit.text() == saved["database_url"]
    assert page.password_edit.text() == "" and "saved in the keyring" in page.password_edit.placeholderText()
    assert "the next time it starts" in page.restart_note.text() and page.restart_note.isVisible()
    assert page.forget_button.isVisible()
    click(page.forget_button)
    assert keyring.get_password(KEYRING_SERVICE, "database.password") is None

    click(page.local_choice)  # back to this computer's own database
    assert dlg.save() == []
    assert "database_url" not in json.loads(paths.config_file.read_text(encoding="utf-8"))


def test_a_password_in_the_address_is_not_saved(plain_settings: Settings, paths: Paths, qtbot: Any) -> None:
    dlg, page = open_page(plain_settings, paths, qtbot)
    click(page.shared_choice)
    type_into(page.url_edit, f"postgresql://leadcheck:{SECRET}@db.example.com/leadcheck")
    problems = dlg.save()
    assert problems and "must not contain the password" in problems[0] and SECRET not in problems[0]
    assert not paths.config_file.exists() or SECRET not in paths.config_file.read_text(encoding="utf-8")


async def test_the_environments_address_is_shown_without_its_password_and_read_only(
    paths: Paths, qtbot: Any, database_url: str
) -> None:
    parts = urlsplit(database_url)
    with_password = urlunsplit(parts._replace(netloc=f"leadcheck:{SECRET}@{parts.hostname}:{parts.port}"))
    settings = Settings(paths, environ={"LEADCHECK_DATABASE_URL": with_password})
    _, page = open_page(settings, paths, qtbot)

    assert page.shared_choice.isChecked() and not page.shared_choice.isEnabled() and not page.local_choice.isEnabled()
    assert page.url_edit.isReadOnly() and SECRET not in page.url_edit.text() and ":***@" in page.url_edit.text()
    assert "LEADCHECK_DATABASE_URL" in page.source_note.text()
    text = await press_test(page)  # with the environment's whole address
    assert text.startswith("✔ Reached") and SECRET not in text


def test_in_team_mode_general_names_the_shared_database_and_database_says_what_the_window_uses(
    plain_settings: Settings, paths: Paths, qtbot: Any
) -> None:
    service = FakeService(paths.database)
    service.store = type("S", (), {"path": None, "describe": "PostgreSQL db.example.com:5432/leadcheck"})()
    dlg = SettingsDialog(plain_settings, paths, service)
    qtbot.addWidget(dlg)
    shown = [label.text() for label in dlg.findChildren(QLabel) if label.accessibleName() == "Database location"]
    assert shown == ["PostgreSQL db.example.com:5432/leadcheck (shared; see the Database page)"]
    assert "keeps using PostgreSQL db.example.com:5432/leadcheck" in dlg.database_page.restart_note.text()
