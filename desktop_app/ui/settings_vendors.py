"""Settings' vendor pages: each vendor's credential fields (OS keyring), its "Test connection" button and outcome.

"Test connection" makes the cheapest call that proves the key, as described next to the button (:data:`PROBES`);
:class:`~desktop_app.ui.settings_dialog.SettingsDialog` saves the page first and asks before a call that may be
billed. A saved secret is never shown back: it reads "saved in the system keyring"; one set through an environment
variable reads "set in environment" and cannot be edited here. Without a usable keyring the secret fields are off and
the page names the environment variables to set instead (:func:`no_keyring_note`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.settings import InvalidSetting, KeyringUnavailable, Settings
from desktop_app.vendors.credentials import VENDOR_LABELS, CredentialField, fields_for
from desktop_app.vendors.errors import ErrorKind

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
