"""Settings: each vendor's credentials (OS keyring), a "Test connection" per vendor, timeout, file locations,
Costs (prices, daily caps and return windows: :mod:`desktop_app.ui.settings_costs`) and Database (this computer's
own or a shared team database, with a Test button: :mod:`desktop_app.ui.settings_database`).

Secrets are password fields and are never shown back: a saved one reads "saved in the system keyring",
one set through an environment variable reads "set in environment" and cannot be edited here. When no keyring
is usable the dialog says so in plain words, the secret fields are switched off (a key typed there could not be
kept), and each vendor page names the environment variables to set instead; its other fields still save.

"Test connection" first saves that vendor's fields, then makes the cheapest call that proves the key, as
described next to the button (:data:`PROBES`). Calls that may be billed ask first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.paths import Paths
from desktop_app.settings import InvalidSetting, KeyringUnavailable, Settings, setting
from desktop_app.ui.leads.model import VENDOR_ORDER
from desktop_app.ui.runtime import spawn
from desktop_app.ui.settings_costs import CostsPage
from desktop_app.ui.settings_database import DatabasePage
from desktop_app.vendors.credentials import VENDOR_LABELS, CredentialField, fields_for
from desktop_app.vendors.errors import ErrorKind, InputError, MissingCredentials

PROBE_TF_CERT = "https://cert.trustedform.com/" + "0" * 40
PROBE_LEADID = "00000000-0000-4000-8000-000000000000"
PROBE_CS_LEAD = "00000000-0000-4000-8000-000000000000"
PROBE_PHONE = "2025550123"

_KEY_PROBLEMS = {ErrorKind.AUTH, ErrorKind.FORBIDDEN, ErrorKind.BILLING, ErrorKind.CREDENTIALS}


@dataclass(frozen=True)
class ProbeOutcome:
    ok: bool
    message: str


@dataclass(frozen=True)
class Probe:
    """What "Test connection" does for one vendor, in the words shown next to the button."""

    description: str
    billed: bool
    run: Callable[[Any], Awaitable[Any]] | None  # (service) -> CheckResult; None: checked locally only


async def _tf(service: Any) -> Any:
    return await service.trustedform().retain(PROBE_TF_CERT, email="connection-test@example.com")


async def _jornaya(service: Any) -> Any:
    return await service.jornaya().audit(PROBE_LEADID)


async def _cs(service: Any) -> Any:
    return await service.contactstate().get_lead(PROBE_CS_LEAD)


async def _litigator(service: Any) -> Any:
    return await service.litigator().check_phone(PROBE_PHONE)


PROBES: dict[str, Probe] = {
    "trustedform": Probe(
        "Asks TrustedForm to retain a certificate that does not exist. A right key gets “not found”, a wrong "
        "one “unauthorized”. Nothing is retained, so nothing should be billed.",
        False,
        _tf,
    ),
    "jornaya": Probe(
        "Audits a made-up LeadiD token with your account code, audit key and provider code. Jornaya may bill "
        "this as one audit, so Leadcheck asks first.",
        True,
        _jornaya,
    ),
    "contactstate": Probe(
        "Looks up a Connect lead that does not exist with your API key (a right key gets “not found”; not "
        "billed). The secret key can only be proven by a real claim, so it is checked on your first claim.",
        False,
        _cs,
    ),
    "consentcontrol": Probe(
        "Consent Control has no read-only request (an upload adds opt-outs), so Leadcheck only checks here "
        "that the host and key are set and well-formed. Your first upload confirms them.",
        False,
        None,
    ),
    "litigator": Probe(
        "Checks one ordinary number, (202) 555-0123, against the litigator list. TCPA Litigator bills each "
        "lookup, so Leadcheck asks first.",
        True,
        _litigator,
    ),
}


def describe_probe_result(vendor: str, result: Any) -> ProbeOutcome:
    """Turn a probe's CheckResult into "the key works" or the call's own message and hint."""
    label = VENDOR_LABELS[vendor]
    error = result.error
    if error is None or error.kind == ErrorKind.NOT_FOUND:
        return ProbeOutcome(True, f"{label} answered and accepted the credentials.")
    hint = f" {error.hint}" if error.hint else ""
    if error.kind in _KEY_PROBLEMS:
        return ProbeOutcome(False, f"{label} refused the credentials: {error.message}{hint}")
    if vendor == "jornaya" and error.kind == ErrorKind.REJECTED and str(error.code) != "6000":
        return ProbeOutcome(True, f"{label} accepted the account code and audit key ({error.message}).")
    return ProbeOutcome(False, f"{label} could not be tested: {error.message}{hint}")


def no_keyring_note(vendor: str) -> str:
    """What a vendor page says when no keyring is usable: the environment variables of its secret fields."""
    secrets = [spec for spec in fields_for(vendor) if spec.secret]
    names = ", ".join(f"{spec.label}: {spec.env}" for spec in secrets)
    return (
        f"No system keyring, so {VENDOR_LABELS[vendor]}'s keys cannot be saved here. Set them as environment "
        f"variables before starting Leadcheck ({names}), for example “export {secrets[0].env}=…” in the "
        "shell that starts it."
    )


class VendorPage(QWidget):
    """One vendor's credential fields, its "Test connection" button and the outcome line.

    Signals: none.
    """

    def __init__(
        self, vendor: str, settings: Settings, parent: QWidget | None = None, *, keyring_usable: bool = True
    ) -> None:
        super().__init__(parent)
        self.vendor = vendor
        self.settings = settings
        self.keyring_usable = keyring_usable
        self.edits: dict[str, QLineEdit] = {}
        self.sources: dict[str, str] = {}
        self.forget_buttons: dict[str, QPushButton] = {}
        label = VENDOR_LABELS[vendor]

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in fields_for(vendor):
            edit = QLineEdit()
            edit.setAccessibleName(f"{label} {spec.label}")
            tip = spec.help or spec.label
            edit.setToolTip(f"{tip}\nEnvironment variable: {spec.env}")
            if spec.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.edits[spec.name] = edit
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            if spec.secret:
                forget = QPushButton("Remove")
                forget.setToolTip(f"Delete the saved {spec.label} from the system keyring")
                forget.clicked.connect(lambda _=False, s=spec: self._forget(s))
                self.forget_buttons[spec.name] = forget
                row.addWidget(forget)
            form.addRow(spec.label + ":", row)
            if spec.help:
                note = QLabel(spec.help)
                note.setWordWrap(True)
                note.setEnabled(False)
                form.addRow("", note)

        probe = PROBES[vendor]
        self.test_button = QPushButton("Test connection")
        self.test_button.setAccessibleName(f"Test {label} connection")
        self.test_button.setToolTip(probe.description)
        about = QLabel(probe.description + ("" if probe.run is None else " The fields are saved first."))
        about.setWordWrap(True)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.setAccessibleName(f"{label} test result")
        test_box = QGroupBox("Test connection")
        test_layout = QVBoxLayout(test_box)
        test_layout.addWidget(about)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.outcome, 1)
        test_layout.addLayout(test_row)

        self.no_keyring_note = QLabel(no_keyring_note(vendor))
        self.no_keyring_note.setObjectName("errorMessage")
        self.no_keyring_note.setWordWrap(True)
        self.no_keyring_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.no_keyring_note.setAccessibleName(f"{label} keys without a keyring")
        self.no_keyring_note.setVisible(not keyring_usable)

        layout = QVBoxLayout(self)
        layout.addWidget(self.no_keyring_note)
        layout.addLayout(form)
        layout.addWidget(test_box)
        layout.addStretch(1)
        self.load()

    def load(self) -> None:
        """Show where each credential currently comes from (never a secret's value)."""
        for spec in fields_for(self.vendor):
            value, source = self.settings.credential(spec)
            edit = self.edits[spec.name]
            self.sources[spec.name] = source
            edit.clear()
            edit.setReadOnly(source == "environment")
            edit.setEnabled(source != "environment")
            if source == "environment":
                edit.setEchoMode(QLineEdit.EchoMode.Normal)
                edit.setText(f"set in environment ({spec.env})")
                edit.setToolTip(f"Set by the environment variable {spec.env}; change it there (it wins over Settings).")
            elif spec.secret and not self.keyring_usable:
                edit.setEnabled(False)  # a key typed here could not be kept: there is nowhere safe to save it
                edit.setEchoMode(QLineEdit.EchoMode.Normal)
                edit.setPlaceholderText(f"no keyring: set {spec.env}")
                edit.setToolTip(f"No system keyring to save it in. Set the environment variable {spec.env} instead.")
            elif spec.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.setPlaceholderText(
                    "saved in the system keyring; type to replace" if source == "keyring" else "not set"
                )
            else:
                edit.setText(value)
                edit.setPlaceholderText("not set")
            if spec.name in self.forget_buttons:
                self.forget_buttons[spec.name].setVisible(source == "keyring")

    def pending(self) -> list[tuple[CredentialField, str]]:
        """The fields the buyer changed: typed secrets and edited plain values (env-provided ones excluded)."""
        changes = []
        for spec in fields_for(self.vendor):
            if self.sources.get(spec.name) == "environment":
                continue
            text = self.edits[spec.name].text().strip()
            if spec.secret:
                if text and self.edits[spec.name].isEnabled():
                    changes.append((spec, text))
            elif text != self.settings.credential(spec)[0]:
                changes.append((spec, text))
        return changes

    def save(self) -> list[str]:
        """Store the changed fields; returns the problems (e.g. no keyring), empty when all were saved."""
        problems = []
        for spec, value in self.pending():
            try:
                self.settings.set_credential(spec, value)
            except (KeyringUnavailable, InvalidSetting) as exc:
                problems.append(str(exc))
        self.load()
        return problems

    def _forget(self, spec: CredentialField) -> None:
        try:
            self.settings.set_credential(spec, "")
        except KeyringUnavailable as exc:
            self.outcome.setText(str(exc))
        self.load()


class SettingsDialog(QDialog):
    """The Settings window: General (keyring, timeout, files), Costs, Database and one page per vendor.

    Signals: none beyond QDialog's (``finished``).
    """

    def __init__(
        self,
        settings: Settings,
        paths: Paths,
        service: Any,
        parent: QWidget | None = None,
        *,
        open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")  # Qt adds " — Leadcheck" (the application's display name)
        self.setModal(False)
        self.resize(760, 560)
        self.settings = settings
        self.paths = paths
        self.service = service
        self._open_url = open_url

        self.tabs = QTabWidget()
        self.tabs.addTab(self._general_page(), "General")
        self.costs_page = CostsPage(settings, suppliers=self._supplier_names)
        self.tabs.addTab(self.costs_page, "Costs")
        store = self.service.store
        current = getattr(store, "describe", None) or str(self.paths.database)
        self.database_page = DatabasePage(settings, self.paths.database, current, keyring_usable=self.keyring_usable)
        self.tabs.addTab(self.database_page, "Database")
        self.pages: dict[str, VendorPage] = {}
        for vendor in VENDOR_ORDER:
            page = VendorPage(vendor, settings, keyring_usable=self.keyring_usable)
            page.test_button.clicked.connect(lambda _=False, v=vendor: spawn(self.test_connection(v)))
            self.pages[vendor] = page
            self.tabs.addTab(page, VENDOR_LABELS[vendor])

        self.problems = QLabel()
        self.problems.setObjectName("errorMessage")
        self.problems.setWordWrap(True)
        self.problems.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Save every page (keys go to the system keyring)")

        layout = QVBoxLayout(self)
        layout.addWidget(self.keyring_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)

    # -- pages ------------------------------------------------------------------------------------------------

    def _general_page(self) -> QWidget:
        usable, description = self.settings.keyring_status()
        self.keyring_usable = usable
        if usable:
            text = f"Keys are stored in your system keyring ({description.removeprefix('System keyring: ')})."
        else:
            text = (
                f"{description} Keys cannot be saved here, so their fields are off. Set them as environment variables "
                "before starting Leadcheck instead (for example LEADCHECK_TRUSTEDFORM_API_KEY; each vendor's page "
                "names its variables). Leadcheck never writes keys to its own files. Other settings still save."
            )
        self.keyring_label = QLabel(text)
        self.keyring_label.setWordWrap(True)
        self.keyring_label.setObjectName("infoMessage" if usable else "errorMessage")
        self.keyring_label.setAccessibleName("Keyring status")

        page = QWidget()
        form = QFormLayout(page)
        timeout = setting("timeout")
        assert timeout.minimum is not None and timeout.maximum is not None
        self.timeout_spin = QDoubleSpinBox()
        self.timeout_spin.setRange(timeout.minimum, timeout.maximum)  # the setting's own range: never refused
        self.timeout_spin.setDecimals(0)
        self.timeout_spin.setSuffix(" s")
        self.timeout_spin.setValue(self.settings.timeout)
        self.timeout_spin.setAccessibleName("Request timeout")
        self.timeout_spin.setToolTip(
            "How long to wait for each vendor request before giving up (applies at once); "
            f"{timeout.accepts.removeprefix('a number of ')}"
        )
        if self.settings.source("timeout") == "environment":
            self.timeout_spin.setEnabled(False)
            self.timeout_spin.setToolTip(f"Set in environment ({timeout.env})")
        form.addRow("Request timeout:", self.timeout_spin)

        provider = QLabel("The default Jornaya provider code is on the Jornaya page.")
        provider.setEnabled(False)
        form.addRow("", provider)

        database = getattr(self.service.store, "path", self.paths.database)
        if database is None:  # team mode: a shared database, shown on the Database page
            shared = QLabel(f"{self.service.store.describe} (shared; see the Database page)")
            shared.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shared.setAccessibleName("Database location")
            form.addRow("Database:", shared)
        files = [
            ("Logs", self.paths.log_file, self.paths.log_dir),
            ("Settings file", self.paths.config_file, self.paths.config_dir),
        ]
        if database is not None:
            files.insert(0, ("Database", Path(database), Path(database).parent))
        for label, path, folder in files:
            row = QHBoxLayout()
            value = QLabel(str(path))
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setAccessibleName(f"{label} location")
            button = QPushButton("Open folder")
            button.setToolTip(f"Show {folder} in the file manager")
            button.setAccessibleName(f"Open {label.lower()} folder")
            button.clicked.connect(lambda _=False, f=folder: self.open_folder(f))
            row.addWidget(value, 1)
            row.addWidget(button)
            form.addRow(label + ":", row)
        return page

    # -- public API -------------------------------------------------------------------------------------------

    def save(self) -> list[str]:
        """Save the timeout and every vendor page; returns the problems shown to the buyer (empty when none)."""
        problems: list[str] = []
        if self.timeout_spin.isEnabled() and self.timeout_spin.value() != self.settings.timeout:
            try:
                self.settings.set("timeout", self.timeout_spin.value())
            except InvalidSetting as exc:
                problems.append(str(exc))
            http = getattr(self.service, "http", None)
            if http is not None:
                http.timeout = self.settings.timeout
        pages: list[CostsPage | DatabasePage | VendorPage] = [self.costs_page, self.database_page, *self.pages.values()]
        for page in pages:
            for problem in page.save():
                if problem not in problems:
                    problems.append(problem)
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        return problems

    async def test_connection(self, vendor: str, *, confirmed: bool = False) -> ProbeOutcome:
        """Save the vendor's fields, then run its probe (asking first when it may be billed)."""
        page = self.pages[vendor]
        probe = PROBES[vendor]
        page.test_button.setEnabled(False)
        page.outcome.setText("Testing…")
        try:
            problems = page.save()
            if problems:
                self.problems.setText("\n".join(problems))
                self.problems.setVisible(True)
            if probe.billed and not confirmed and not await self.confirm(vendor, probe):
                outcome = ProbeOutcome(False, "Not tested.")
            else:
                outcome = await self._run_probe(vendor, probe)
        finally:
            page.test_button.setEnabled(True)
        page.outcome.setText(("✔ " if outcome.ok else "✘ ") + outcome.message)
        return outcome

    async def confirm(self, vendor: str, probe: Probe) -> bool:
        """Ask before a call that may be billed (non-blocking: the loop keeps running)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            f"Test {VENDOR_LABELS[vendor]}?",
            probe.description + "\n\nRun the test call now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def settle(result: int) -> None:
            if not future.done():
                future.set_result(result)

        box.finished.connect(settle)
        box.open()
        try:
            return await future == int(QMessageBox.StandardButton.Yes)
        finally:
            box.deleteLater()

    async def _supplier_names(self) -> list[str]:
        """The suppliers the stored leads carry (offered on the Costs page), read off the GUI thread."""
        from desktop_app.ui.ledger import read_off_thread

        store = self.service.store
        if not hasattr(store, "supplier_scorecards"):
            return []
        return await read_off_thread(store, lambda s: [str(card["supplier"]) for card in s.supplier_scorecards()])

    def open_folder(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._open_url(QUrl.fromLocalFile(str(folder)))

    # -- internals --------------------------------------------------------------------------------------------

    async def _run_probe(self, vendor: str, probe: Probe) -> ProbeOutcome:
        if probe.run is None:
            return self._local_check(vendor)
        try:
            result = await probe.run(self.service)
        except MissingCredentials as exc:
            return ProbeOutcome(False, str(exc))
        except InputError as exc:
            return ProbeOutcome(False, str(exc))
        return describe_probe_result(vendor, result)

    def _local_check(self, vendor: str) -> ProbeOutcome:
        from desktop_app.vendors.credentials import require
        from desktop_app.vendors.validation import consentcontrol_host

        values = self.settings.credentials_for(vendor)
        try:
            require(vendor, values, *(spec.name for spec in fields_for(vendor)))
            if vendor == "consentcontrol":
                consentcontrol_host(values["host"])
        except (MissingCredentials, InputError) as exc:
            return ProbeOutcome(False, str(exc))
        return ProbeOutcome(True, f"{VENDOR_LABELS[vendor]}: the key and host are set and well-formed (not sent).")

    def _on_save(self) -> None:
        if not self.save():
            self.accept()
