"""Declared settings (in ``settings.json``) and vendor credentials (in the OS keyring).

Lookup order for a credential: environment variable (for automation), then the keyring for secrets or
``settings.json`` for the two non-secret fields (Jornaya provider code, Consent Control host). A keyring
that cannot be used (headless Linux has no Secret Service) reads as "not stored"; saving to it raises
:class:`KeyringUnavailable` whose message says how to use the environment variables instead. Secrets are
never written to ``settings.json``, the database or the logs.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.paths import Paths
from desktop_app.vendors.base import LeadcheckError
from desktop_app.vendors.credentials import VENDOR_LABELS, CredentialField, fields_for

KEYRING_SERVICE = "leadcheck"


class KeyringUnavailable(LeadcheckError):
    """The OS keyring cannot store secrets on this machine."""


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    description: str
    env: str | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("timeout", float, 30.0, "Seconds to wait for each vendor request.", env="LEADCHECK_TIMEOUT"),
    Setting("litigator_cache_days", int, 30, "Days a litigator answer counts as fresh (not re-checked)."),
    Setting("concurrency.trustedform", int, 8, "Parallel TrustedForm requests in a batch."),
    Setting("concurrency.jornaya", int, 8, "Parallel Jornaya requests in a batch."),
    Setting("concurrency.litigator", int, 8, "Parallel litigator requests in a batch."),
    Setting("concurrency.contactstate", int, 2, "Parallel Contact State requests in a batch (60/min limit)."),
    Setting("first_run_done", bool, False, "Whether the first-run choice (demo or real keys) was made."),
    Setting("credentials.jornaya.provider_code", str, "", "Default Jornaya provider code (lpc)."),
    Setting("credentials.consentcontrol.host", str, "", "Consent Control account host."),
)
_BY_KEY = {s.key: s for s in SETTINGS}


_INVALID = object()


def _parse(setting: Setting, value: Any) -> Any:
    """The value as the setting's type, or _INVALID (e.g. a non-number timeout, or zero)."""
    try:
        if setting.type is bool:
            if isinstance(value, str):
                return value.strip().lower() in {"1", "true", "yes", "on"}
            return bool(value)
        result = setting.type(value)
    except (TypeError, ValueError):
        return _INVALID
    if setting.type in (int, float) and result <= 0:
        return _INVALID
    return result


def _coerce(setting: Setting, value: Any) -> Any:
    parsed = _parse(setting, value)
    return setting.default if parsed is _INVALID else parsed


def _keyring() -> Any:
    import keyring  # imported lazily: it probes D-Bus on first use

    return keyring


class Settings:
    """Reads and writes ``settings.json`` and the keyring. Environment variables always win."""

    def __init__(self, paths: Paths, environ: Mapping[str, str] | None = None) -> None:
        self.paths = paths
        self.environ = os.environ if environ is None else environ
        self._values: dict[str, Any] = {}
        self._load()

    def _load(self) -> None:
        try:
            raw = json.loads(self.paths.config_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        self._values = raw if isinstance(raw, dict) else {}

    def _save(self) -> None:
        self.paths.ensure()
        target = self.paths.config_file
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._values, handle, indent=2, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)

    # -- declared settings ---------------------------------------------------------------------------------

    def get(self, key: str) -> Any:
        setting = _BY_KEY[key]
        if setting.env and self.environ.get(setting.env, "").strip():
            parsed = _parse(setting, self.environ[setting.env])
            if parsed is not _INVALID:
                return parsed
        if key in self._values:
            return _coerce(setting, self._values[key])
        return setting.default

    def set(self, key: str, value: Any) -> None:
        setting = _BY_KEY[key]
        parsed = _parse(setting, value)
        if parsed is _INVALID:
            raise ValueError(f"{value!r} is not a valid value for {setting.description.lower()}")
        self._values[key] = parsed
        self._save()

    @property
    def timeout(self) -> float:
        return float(self.get("timeout"))

    # -- credentials ---------------------------------------------------------------------------------------

    def credential(self, spec: CredentialField) -> tuple[str, str]:
        """(value, source) where source is "environment", "keyring", "settings" or "" when not set."""
        env_value = self.environ.get(spec.env, "").strip()
        if env_value:
            return env_value, "environment"
        if not spec.secret:
            value = str(self._values.get(f"credentials.{spec.vendor}.{spec.name}", "")).strip()
            return (value, "settings") if value else ("", "")
        try:
            stored = _keyring().get_password(KEYRING_SERVICE, f"{spec.vendor}.{spec.name}")
        except Exception:  # noqa: BLE001 - any keyring backend failure means "not stored here"
            stored = None
        return (stored, "keyring") if stored else ("", "")

    def credentials_for(self, vendor: str) -> dict[str, str]:
        return {spec.name: self.credential(spec)[0] for spec in fields_for(vendor)}

    def set_credential(self, spec: CredentialField, value: str) -> None:
        """Store (or with an empty value, forget) one credential. Raises KeyringUnavailable for secrets."""
        value = value.strip()
        if not spec.secret:
            key = f"credentials.{spec.vendor}.{spec.name}"
            if value:
                self._values[key] = value
            else:
                self._values.pop(key, None)
            self._save()
            return
        try:
            kr = _keyring()
            if value:
                kr.set_password(KEYRING_SERVICE, f"{spec.vendor}.{spec.name}", value)
            else:
                try:
                    kr.delete_password(KEYRING_SERVICE, f"{spec.vendor}.{spec.name}")
                except kr.errors.PasswordDeleteError:
                    pass
        except Exception:  # noqa: BLE001 - the backend's own text may be cryptic (and may echo input); ours is not
            raise KeyringUnavailable(keyring_unavailable_message(spec)) from None

    def keyring_status(self) -> tuple[bool, str]:
        """(usable, plain-words description of the keyring backend)."""
        try:
            backend = _keyring().get_keyring()
        except Exception:  # noqa: BLE001
            return False, "No system keyring could be loaded."
        name = type(backend).__name__
        module = type(backend).__module__
        if "fail" in module:
            return False, "No system keyring is available on this computer (no Secret Service/KWallet session)."
        if "chainer" in module:
            backends = getattr(backend, "backends", [])
            if not backends:
                return False, "No system keyring is available on this computer (no Secret Service/KWallet session)."
        return True, f"System keyring: {name}"


def keyring_unavailable_message(spec: CredentialField | None = None) -> str:
    target = f" ({spec.env})" if spec else ""
    vendor = f" for {VENDOR_LABELS[spec.vendor]}" if spec else ""
    return (
        f"Leadcheck could not save the key{vendor} because this computer has no usable system keyring "
        "(on Linux this needs a desktop session with GNOME Keyring or KWallet). Nothing was saved. "
        f"Set the environment variable{target} before starting Leadcheck instead; keys are never written to "
        "Leadcheck's own files."
    )


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` so that only the user can read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
