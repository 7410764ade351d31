"""Settings: keyring round-trip, environment-provided fields, no-keyring message, timeout, Test connection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from desktop_app.demo import demo_environment
from desktop_app.paths import Paths
from desktop_app.sandbox import VendorSimulator
from desktop_app.service import CheckService
from desktop_app.settings import KEYRING_SERVICE, Settings
from desktop_app.ui.settings_dialog import PROBES, SettingsDialog
from desktop_app.vendors.credentials import field, fields_for
from tests.ui.helpers import FakeService


@pytest.fixture
def plain_settings(paths: Paths) -> Settings:
    return Settings(paths, environ={})


@pytest.fixture
def dialog(plain_settings: Settings, paths: Paths, qtbot: Any) -> Iterator[SettingsDialog]:
    opened: list[QUrl] = []
    dlg = SettingsDialog(plain_settings, paths, FakeService(paths.database), open_url=opened.append)
    dlg.opened_urls = opened  # type: ignore[attr-defined]
    qtbot.addWidget(dlg)
    yield dlg


def test_title_does_not_repeat_the_name(dialog: SettingsDialog) -> None:
    assert dialog.windowTitle() == "Settings"  # shown as "Settings — Leadcheck"


def test_secret_round_trip_through_the_keyring(dialog: SettingsDialog, plain_settings: Settings, paths: Paths) -> None:
    page = dialog.pages["trustedform"]
    edit = page.edits["api_key"]
    assert edit.echoMode() == QLineEdit.EchoMode.Password
    edit.setText("  tf-key-123  ")
    assert dialog.save() == []
    assert keyring.get_password(KEYRING_SERVICE, "trustedform.api_key") == "tf-key-123"
    assert plain_settings.credential(field("trustedform", "api_key")) == ("tf-key-123", "keyring")
    assert not paths.config_file.exists() or "tf-key-123" not in paths.config_file.read_text(encoding="utf-8")
    # shown again: never the value, only that it is saved
    assert edit.text() == "" and "saved in the system keyring" in edit.placeholderText()
    assert not page.forget_buttons["api_key"].isHidden()
    page.forget_buttons["api_key"].click()
    assert keyring.get_password(KEYRING_SERVICE, "trustedform.api_key") is None
    assert edit.placeholderText() == "not set"


def test_blank_secret_leaves_the_saved_one_alone(dialog: SettingsDialog, plain_settings: Settings) -> None:
    keyring.set_password(KEYRING_SERVICE, "litigator.token", "tok")
    dialog.pages["litigator"].load()
    assert dialog.save() == []
    assert plain_settings.credential(field("litigator", "token")) == ("tok", "keyring")


def test_provider_code_and_timeout_are_saved(dialog: SettingsDialog, plain_settings: Settings, paths: Paths) -> None:
    dialog.pages["jornaya"].edits["provider_code"].setText("ACME01")
    dialog.timeout_spin.setValue(12)
    assert dialog.save() == []
    reread = Settings(paths, environ={})
    assert reread.credential(field("jornaya", "provider_code")) == ("ACME01", "settings")
    assert reread.timeout == 12.0
    assert dialog.service.http.timeout == 12.0  # applies to the running service at once


def test_environment_values_are_shown_but_not_editable(paths: Paths, qtbot: Any) -> None:
    settings = Settings(paths, environ={"LEADCHECK_TRUSTEDFORM_API_KEY": "from-env", "LEADCHECK_TIMEOUT": "9"})
    dlg = SettingsDialog(settings, paths, FakeService(paths.database))
    qtbot.addWidget(dlg)
    edit = dlg.pages["trustedform"].edits["api_key"]
    assert "set in environment" in edit.text() and "LEADCHECK_TRUSTEDFORM_API_KEY" in edit.text()
    assert "from-env" not in edit.text()
    assert not edit.isEnabled() and edit.isReadOnly()
    assert dlg.pages["trustedform"].pending() == []
    assert not dlg.timeout_spin.isEnabled()


def test_no_keyring_is_explained_and_nothing_is_saved(paths: Paths, qtbot: Any) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    settings = Settings(paths, environ={})
    dlg = SettingsDialog(settings, paths, FakeService(paths.database))
    qtbot.addWidget(dlg)
    assert dlg.keyring_label.objectName() == "errorMessage"
    assert "No system keyring" in dlg.keyring_label.text()
    assert "environment variables" in dlg.keyring_label.text()
    dlg.pages["litigator"].edits["token"].setText("secret-token")  # even if text got in, it is not "saved"
    assert dlg.save() == []
    assert "secret-token" not in dlg.problems.text()


def test_without_a_keyring_secret_fields_are_off_and_name_their_variables(paths: Paths, qtbot: Any) -> None:
    """Typed into the shown dialog: the key fields take nothing, the page names the variables, a plain field saves."""
    keyring.set_keyring(keyring.backends.fail.Keyring())
    settings = Settings(paths, environ={})
    dlg = SettingsDialog(settings, paths, FakeService(paths.database))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.tabs.setCurrentWidget(dlg.pages["jornaya"])
    page = dlg.pages["jornaya"]
    assert page.no_keyring_note.isVisible()
    for spec in fields_for("jornaya"):
        edit = page.edits[spec.name]
        if spec.secret:
            assert not edit.isEnabled() and spec.env in page.no_keyring_note.text()
            assert spec.env in edit.placeholderText()
            qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
            QTest.keyClicks(edit, "typed-key")
            assert edit.text() == ""  # nothing typed, so nothing to lose on Save
        else:
            assert edit.isEnabled()
    provider = page.edits["provider_code"]
    qtbot.mouseClick(provider, Qt.MouseButton.LeftButton)
    QTest.keyClicks(provider, "ACME01")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.problems.isHidden()
    assert Settings(paths, environ={}).credential(field("jornaya", "provider_code")) == ("ACME01", "settings")
    assert not page.forget_buttons["audit_key"].isVisible()


def test_keyring_status_when_usable(dialog: SettingsDialog) -> None:
    assert dialog.keyring_label.objectName() == "infoMessage"
    assert "system keyring" in dialog.keyring_label.text()


def test_paths_are_shown_with_open_folder(dialog: SettingsDialog, paths: Paths) -> None:
    from PySide6.QtWidgets import QLabel, QPushButton

    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert str(paths.database) in texts and str(paths.log_file) in texts
    buttons = [b for b in dialog.findChildren(QPushButton) if b.text() == "Open folder"]
    buttons[1].click()
    assert dialog.opened_urls == [QUrl.fromLocalFile(str(paths.log_dir))]  # type: ignore[attr-defined]


def test_every_vendor_explains_its_test_and_billing(dialog: SettingsDialog) -> None:
    for vendor, probe in PROBES.items():
        assert dialog.pages[vendor].test_button.toolTip() == probe.description
        if probe.billed:
            assert "bill" in probe.description and "asks first" in probe.description


async def test_test_connection_against_the_simulator(service: CheckService, paths: Paths, qtbot: Any) -> None:
    dlg = SettingsDialog(service.settings, paths, service)
    qtbot.addWidget(dlg)
    outcome = await dlg.test_connection("trustedform")
    assert outcome.ok, outcome.message
    assert dlg.pages["trustedform"].outcome.text().startswith("✔")
    assert dlg.pages["trustedform"].test_button.isEnabled()
    assert (await dlg.test_connection("contactstate")).ok
    assert (await dlg.test_connection("consentcontrol")).ok
    assert (await dlg.test_connection("litigator", confirmed=True)).ok
    assert (await dlg.test_connection("jornaya", confirmed=True)).ok
    assert service.store.checks() == []  # probes are not stored as checks


async def test_billed_test_asks_first_and_sends_nothing_when_declined(
    service: CheckService, simulator: VendorSimulator, paths: Paths, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dlg = SettingsDialog(service.settings, paths, service)
    qtbot.addWidget(dlg)
    asked: list[str] = []

    async def decline(vendor: str, probe: Any) -> bool:
        asked.append(vendor)
        return False

    monkeypatch.setattr(dlg, "confirm", decline)
    before = simulator.count("/litigator")
    outcome = await dlg.test_connection("litigator")
    assert asked == ["litigator"] and not outcome.ok and outcome.message == "Not tested."
    assert simulator.count("/litigator") == before


async def test_wrong_key_is_reported_with_the_vendors_hint(
    service: CheckService, paths: Paths, qtbot: Any, simulator: VendorSimulator
) -> None:
    env = {**demo_environment(), "LEADCHECK_TRUSTEDFORM_API_KEY": "invalid-key"}
    service.settings = Settings(paths, environ=env)
    dlg = SettingsDialog(service.settings, paths, service)
    qtbot.addWidget(dlg)
    outcome = await dlg.test_connection("trustedform")
    assert not outcome.ok and "refused" in outcome.message
    assert "Settings" in outcome.message  # the hint says where to fix it


async def test_missing_credentials_are_named(paths: Paths, qtbot: Any, service: CheckService) -> None:
    service.settings = Settings(paths, environ={})
    dlg = SettingsDialog(service.settings, paths, service)
    qtbot.addWidget(dlg)
    outcome = await dlg.test_connection("consentcontrol")
    assert not outcome.ok and "LEADCHECK_CONSENTCONTROL_API_KEY" in outcome.message
    outcome = await dlg.test_connection("trustedform")
    assert not outcome.ok and "LEADCHECK_TRUSTEDFORM_API_KEY" in outcome.message
