"""Settings → Database: this computer's own database, or a shared team database (PostgreSQL), its password and a
Test button.

The address (``database_url``: postgresql://user@host:5432/leadcheck) is saved in ``settings.json`` without a
password (the setting refuses one); the password goes to the system keyring and is never shown back: a saved one
reads "saved in the keyring". When ``LEADCHECK_DATABASE_URL`` is set, the page shows that address (its password
hidden) as coming from the environment, read-only. A plain connection to another computer gets a warning
(:func:`desktop_app.store.probe.tls_warning`). **Test** connects off the GUI thread (:func:`asyncio.to_thread`) with
what is typed on the page (saved or not) and says what it found (:func:`desktop_app.store.probe.probe`). The window
keeps using the database it opened: a change takes effect the next time Leadcheck starts, and the page says so.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.settings import InvalidSetting, KeyringUnavailable, Settings, check_database_url
from desktop_app.store.probe import Probe, probe, tls_warning
from desktop_app.ui.runtime import spawn

URL_HINT = "postgresql://user@host:5432/leadcheck"
NEXT_START = "Leadcheck opens the database chosen here the next time it starts; this window keeps using {current}."


class DatabasePage(QWidget):
    """The Database page (see the module doc). Signals: none.

    ``local_file``: this computer's own database file; ``current``: what the running window uses, in words.
    """

    def __init__(
        self,
        settings: Settings,
        local_file: Path,
        current: str,
        parent: QWidget | None = None,
        *,
        keyring_usable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.local_file = local_file
        self.keyring_usable = keyring_usable
        self.from_environment = settings.source("database_url") == "environment"

        self.local_choice = QRadioButton("This computer's own database")
        self.local_choice.setToolTip(f"One person, one computer: the file {local_file}")
        self.shared_choice = QRadioButton("A shared team database (PostgreSQL)")
        self.shared_choice.setToolTip("Several people, one evidence store: every seat points at the same database")
        self.choices = QButtonGroup(self)
        self.choices.addButton(self.local_choice)
        self.choices.addButton(self.shared_choice)
        local_note = QLabel(str(local_file))
        local_note.setEnabled(False)
        local_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText(URL_HINT)
        self.url_edit.setAccessibleName("Shared database address")
        self.url_edit.setToolTip(f"{URL_HINT} (no password here: it goes in the field below, kept in the keyring)")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Shared database password")
        self.forget_button = QPushButton("Remove")
        self.forget_button.setToolTip("Delete the saved database password from the system keyring")
        self.forget_button.clicked.connect(self._forget_password)
        self.source_note = QLabel()
        self.source_note.setWordWrap(True)
        self.source_note.setObjectName("infoMessage")
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setObjectName("errorMessage")
        self.warning.setAccessibleName("Database connection warning")

        shared_box = QGroupBox()
        form = QFormLayout(shared_box)
        form.addRow("Address:", self.url_edit)
        password_row = QHBoxLayout()
        password_row.addWidget(self.password_edit, 1)
        password_row.addWidget(self.forget_button)
        form.addRow("Password:", password_row)
        form.addRow("", self.source_note)
        form.addRow("", self.warning)
        self.shared_box = shared_box

        self.test_button = QPushButton("Test")
        self.test_button.setAccessibleName("Test the database connection")
        self.test_button.setToolTip("Connect with what is on this page (saved or not) and say what is there")
        self.test_button.clicked.connect(lambda _=False: spawn(self.test()))
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.setAccessibleName("Database test result")
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.outcome, 1)

        self.restart_note = QLabel(NEXT_START.format(current=current))
        self.restart_note.setWordWrap(True)
        self.restart_note.setAccessibleName("When a database change takes effect")

        layout = QVBoxLayout(self)
        layout.addWidget(self.local_choice)
        layout.addWidget(local_note)
        layout.addWidget(self.shared_choice)
        layout.addWidget(shared_box)
        layout.addLayout(test_row)
        layout.addWidget(self.restart_note)
        layout.addStretch(1)

        self.url_edit.textChanged.connect(self._update)
        self.shared_choice.toggled.connect(self._update)
        self.load()

    # -- state -------------------------------------------------------------------------------------------------

    def load(self) -> None:
        """Show the saved choice (or the environment's address, read-only) and where the password is kept."""
        url = str(self.settings.get("database_url") or "")  # the environment's comes without its password
        self.url_edit.setText(url)
        (self.shared_choice if url else self.local_choice).setChecked(True)
        for widget in (self.local_choice, self.shared_choice):
            widget.setEnabled(not self.from_environment)
        self.url_edit.setReadOnly(self.from_environment)
        saved = self.settings.database_password() is not None
        self.password_edit.clear()
        if not self.keyring_usable:
            self.password_edit.setEnabled(False)
            self.password_edit.setPlaceholderText("no keyring: put the whole address in LEADCHECK_DATABASE_URL")
        else:
            self.password_edit.setPlaceholderText("saved in the keyring; type to replace" if saved else "not set")
        self.forget_button.setVisible(saved and self.keyring_usable)
        if self.from_environment:
            self.source_note.setText(
                "Set by the environment variable LEADCHECK_DATABASE_URL (shown without its password); change it "
                "there. It wins over Settings."
            )
        elif not self.keyring_usable:
            self.source_note.setText(
                "No system keyring to keep the password in: put the whole address, password included, in "
                "LEADCHECK_DATABASE_URL before starting Leadcheck instead."
            )
        else:
            self.source_note.setText("The password is kept in the system keyring, never in Leadcheck's files.")
        self._update()

    def _update(self) -> None:
        shared = self.shared_choice.isChecked()
        self.shared_box.setEnabled(shared)
        warning = None
        text = self.url_edit.text().strip()
        if shared and text:
            try:
                warning = tls_warning(check_database_url(text, allow_password=True))
            except InvalidSetting:
                warning = None  # said by Test and Save, not while typing
        self.warning.setText(warning or "")
        self.warning.setVisible(warning is not None)

    def chosen_url(self) -> str:
        """The address on the page ("" for this computer's own database)."""
        return self.url_edit.text().strip() if self.shared_choice.isChecked() else ""

    # -- public API ----------------------------------------------------------------------------------------------

    def save(self) -> list[str]:
        """Save the choice and a typed password; returns the problems (empty when all was saved)."""
        problems: list[str] = []
        changed = False
        if not self.from_environment:
            url = self.chosen_url()
            if self.shared_choice.isChecked() and not url:
                problems.append(f"Give the shared database's address ({URL_HINT}) or choose this computer's own.")
            elif url != str(self.settings.get("database_url") or ""):
                try:
                    if url:
                        self.settings.set("database_url", url)
                    else:
                        self.settings.unset("database_url")
                    changed = True
                except InvalidSetting as exc:
                    problems.append(str(exc))
        typed = self.password_edit.text()
        if typed and self.password_edit.isEnabled():
            try:
                self.settings.set_database_password(typed)
                changed = True
            except KeyringUnavailable as exc:
                problems.append(str(exc))
        self.load()
        if changed:
            self.outcome.setText("Saved. Leadcheck uses it from its next start.")
        return problems

    async def test(self) -> Probe | None:
        """Connect with what is on the page, off the GUI thread, and show what was found."""
        self.test_button.setEnabled(False)
        self.outcome.setText("Testing…")
        try:
            outcome = await self._probe()
        finally:
            self.test_button.setEnabled(True)
        if outcome is None:
            return None
        self.outcome.setText(("✔ " if outcome.usable else "✘ ") + outcome.message)
        return outcome

    async def _probe(self) -> Probe | None:
        if not self.shared_choice.isChecked():
            return await asyncio.to_thread(probe, self.local_file)
        if self.from_environment:
            url = self.settings.database_url()  # the environment's whole address, password included
        else:
            try:
                url = check_database_url(self.url_edit.text(), allow_password=False)
            except InvalidSetting as exc:
                self.outcome.setText(f"✘ {exc}")
                return None
            if not url:
                self.outcome.setText(f"✘ Give the shared database's address first ({URL_HINT}).")
                return None
        password = self.password_edit.text() or self.settings.database_password()
        return await asyncio.to_thread(probe, url, password=password)

    def _forget_password(self) -> None:
        try:
            self.settings.set_database_password("")
        except KeyringUnavailable as exc:
            self.outcome.setText(str(exc))
        self.load()
