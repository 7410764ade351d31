"""Settings: timeout and file locations (General), Costs (prices, daily caps and return windows:
:mod:`desktop_app.ui.settings_costs`), Database (this computer's own or a shared team database, with a Test button:
:mod:`desktop_app.ui.settings_database`) and one page per vendor with its credentials (OS keyring) and a "Test
connection" button (:mod:`desktop_app.ui.settings_vendors`).

Secrets are password fields and are never shown back: a saved one reads "saved in the system keyring",
one set through an environment variable reads "set in environment" and cannot be edited here. When no keyring
is usable the dialog says so in plain words, the secret fields are switched off (a key typed there could not be
kept), and each vendor page names the environment variables to set instead; its other fields still save.

"Test connection" first saves that vendor's fields, then makes the cheapest call that proves the key, as
described next to the button (:data:`~desktop_app.ui.settings_vendors.PROBES`). Calls that may be billed ask first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.paths import Paths
from desktop_app.settings import InvalidSetting, Settings, setting
from desktop_app.ui.leads.model import VENDOR_ORDER
from desktop_app.ui.runtime import spawn
from desktop_app.ui.settings_costs import CostsPage
from desktop_app.ui.settings_database import DatabasePage
from desktop_app.ui.settings_vendors import PROBES, Probe, ProbeOutcome, VendorPage, describe_probe_result
from desktop_app.vendors.credentials import VENDOR_LABELS, fields_for
from desktop_app.vendors.errors import InputError, MissingCredentials


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
