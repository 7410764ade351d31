"""Declared settings (in ``settings.json``), their rules, and vendor credentials (in the OS keyring).

Every setting a buyer can change is declared once in :data:`SETTINGS` (key, type, default, range, description,
environment variable), in :mod:`desktop_app.settings.rules` with the rule that checks a value from the environment,
from ``settings.json`` and from the Settings dialog; this package re-exports those names, so
``from desktop_app.settings import SETTINGS, setting`` is the way in. :class:`Settings` here reads and saves the
values. Variables that are not in ``settings.json`` are checked here too: ``LEADCHECK_HOME``
(:func:`home_folder`, :func:`folder_refused`) and the ``LEADCHECK_ORIGINS`` file (:func:`origins_from_env`).
A value Leadcheck cannot use raises :class:`InvalidSetting`, whose message names the setting, what it accepts
and what it is; the CLI exits 2 with it and the window shows it, nothing falls back silently.

Lookup order for a credential: environment variable (for automation), then the keyring for secrets or
``settings.json`` for the two non-secret fields (Jornaya provider code, Consent Control host). A keyring
that cannot be used (headless Linux has no Secret Service) reads as "not stored"; saving to it raises
:class:`KeyringUnavailable` whose message says how to use the environment variables instead. Secrets are
never written to ``settings.json``, the database or the logs.

Exception tree (both are :class:`~desktop_app.vendors.errors.LeadcheckError`, the buyer's environment)::

    InvalidSetting       a setting's value is refused (also a ValueError)
    KeyringUnavailable   the OS keyring cannot store secrets on this machine
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.paths import NotARegularFile, open_regular_file

# The declared settings and their rule, re-exported ("X as X") so callers import them from desktop_app.settings
from desktop_app.settings.rules import IMPORT_READERS as IMPORT_READERS
from desktop_app.settings.rules import MAX_DAILY_CAP as MAX_DAILY_CAP
from desktop_app.settings.rules import MAX_PRICE as MAX_PRICE
from desktop_app.settings.rules import MAX_RETURN_HOURS as MAX_RETURN_HOURS
from desktop_app.settings.rules import MAX_TEXT_CHARS as MAX_TEXT_CHARS
from desktop_app.settings.rules import RETURN_WINDOW_PREFIX as RETURN_WINDOW_PREFIX
from desktop_app.settings.rules import SETTINGS as SETTINGS
from desktop_app.settings.rules import SHOWN_VALUE_CHARS as SHOWN_VALUE_CHARS
from desktop_app.settings.rules import YES_NO as YES_NO
from desktop_app.settings.rules import InvalidSetting as InvalidSetting
from desktop_app.settings.rules import Setting as Setting
from desktop_app.settings.rules import is_setting as is_setting
from desktop_app.settings.rules import return_window_setting as return_window_setting
from desktop_app.settings.rules import setting as setting
from desktop_app.settings.rules import shown as shown
from desktop_app.settings.rules import supplier_of
from desktop_app.vendors.credentials import fields_for
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.origins import OriginMap
from desktop_app.vendors.registry import VENDOR_LABELS, CredentialField

if TYPE_CHECKING:
    from desktop_app.paths import Paths

KEYRING_SERVICE = "leadcheck"
MAX_SETTINGS_FILE_BYTES = 1024 * 1024


class KeyringUnavailable(LeadcheckError):
    """The OS keyring cannot store secrets on this machine."""


HOME_ACCEPTS = "a folder Leadcheck can create or write to"
ORIGINS_ACCEPTS = "the path of a readable JSON file mapping vendor origins to base URLs"


def home_folder(value: str | os.PathLike[str]) -> Path:
    """``LEADCHECK_HOME`` (or ``--home``) as an absolute path, or InvalidSetting (e.g. ``~nobody``)."""
    try:
        return Path(value).expanduser().resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise InvalidSetting(
            f"LEADCHECK_HOME must be {HOME_ACCEPTS}; it is {shown(os.fspath(value), limit=None)}, which is not a "
            "usable path.",
            setting="LEADCHECK_HOME",
        ) from exc


def folder_refused(paths: Paths, folder: Path, exc: OSError) -> LeadcheckError:
    """The error for a folder :meth:`Paths.ensure` could not make: InvalidSetting when it is under LEADCHECK_HOME."""
    reason = exc.strerror or str(exc)
    if paths.home is None or not folder.is_relative_to(paths.home):
        return LeadcheckError(f"Leadcheck could not create its folder “{folder}”: {reason}.")
    home = paths.home
    if home.exists() and not home.is_dir():
        why = "which is a file"
    else:
        why = f"and creating “{folder}” failed: {reason}"
    return InvalidSetting(
        f"LEADCHECK_HOME must be {HOME_ACCEPTS}; it is {shown(str(home), limit=None)}, {why}.",
        setting="LEADCHECK_HOME",
    )


def origins_from_env(environ: Mapping[str, str] | None = None) -> OriginMap:
    """The ``LEADCHECK_ORIGINS`` map, or InvalidSetting saying why the file cannot be used.

    The file's JSON shape is checked by :meth:`OriginMap.from_env`; this refuses first what would hang it (a
    named pipe, a device) and turns its refusal into an :class:`InvalidSetting`.
    """
    env = os.environ if environ is None else environ
    value = env.get("LEADCHECK_ORIGINS", "").strip()
    if value:
        try:
            open_regular_file(value).close()
        except OSError as exc:
            if isinstance(exc, NotARegularFile):
                why = f"which is {exc.kind}, not a regular file"
            else:
                why = f"which cannot be read ({exc.strerror or exc})"
            raise InvalidSetting(
                f"LEADCHECK_ORIGINS must be {ORIGINS_ACCEPTS}; it is {shown(value, limit=None)}, {why}.",
                setting="LEADCHECK_ORIGINS",
            ) from exc
    try:
        return OriginMap.from_env(env)
    except InvalidSetting:
        raise
    except LeadcheckError as exc:
        raise InvalidSetting(str(exc), setting="LEADCHECK_ORIGINS") from exc


def read_settings_file(path: Path) -> dict[str, Any]:
    """The declared values in ``settings.json`` (checked), plus any key this version does not know (kept as is).

    A missing file is an empty one. Raises InvalidSetting for a file that is not JSON, not an object, or holds a
    value a setting does not accept; the message says which and how to recover.
    """

    def refused(problem: str, setting: str = "settings.json") -> InvalidSetting:
        recover = f"Fix it in {path}, or delete that file to go back to the defaults."
        return InvalidSetting(f"{problem} {recover}", setting=setting)

    try:
        with open_regular_file(path) as handle:
            data = handle.read(MAX_SETTINGS_FILE_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise refused(f"The settings file {path} could not be read: {exc.strerror or exc}.") from exc
    if len(data) > MAX_SETTINGS_FILE_BYTES:
        raise refused(f"The settings file {path} is larger than any settings file Leadcheck writes (over 1 MB).")
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise refused(f"The settings file {path} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise refused(f"The settings file {path} is not valid JSON ({where}).") from None
    except RecursionError:
        raise refused(f"The settings file {path} is not valid JSON (nested too deeply).") from None
    if not isinstance(raw, dict):
        raise refused(f"The settings file {path} must hold a JSON object of settings; it holds {shown(raw)}.")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        declared = setting(key) if is_setting(key) else None
        try:
            values[key] = value if declared is None else declared.parse(value)
        except InvalidSetting as exc:
            raise refused(f"In the settings file, {exc}", key) from None
    return values


class ReturnWindows(Mapping[str, float]):
    """Supplier -> return window in hours. Iterates over the suppliers with a window of their own (``own``); any
    other supplier reads as ``default``, so ``windows.get(name, x)`` and ``windows[name]`` never miss."""

    def __init__(self, own: Mapping[str, float], default: float) -> None:
        self.own = dict(own)
        self.default = default

    def __getitem__(self, supplier: str) -> float:
        return self.own.get(supplier, self.default)

    def __contains__(self, supplier: object) -> bool:
        return supplier in self.own

    def __iter__(self) -> Iterator[str]:
        return iter(self.own)

    def __len__(self) -> int:
        return len(self.own)

    def __bool__(self) -> bool:
        return True  # never "no windows": the default applies to every supplier

    def __repr__(self) -> str:
        return f"ReturnWindows({self.own!r}, default={self.default:g})"


def _keyring() -> Any:
    import keyring  # imported lazily: it probes D-Bus on first use

    return keyring


DATABASE_PASSWORD_KEY = "database.password"  # the keyring entry of the team database's password


def check_database_url(value: str, *, name: str = "database_url", allow_password: bool = False) -> str:
    """A team-mode database URL as given, or InvalidSetting saying what is wrong with it. A password may be in the
    URL only where it comes from the environment (``LEADCHECK_DATABASE_URL``); saved settings keep it out."""
    from urllib.parse import urlsplit

    text = value.strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise InvalidSetting(f"{name} is not a database address ({exc}).", setting=name) from None
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname and "host=" not in parts.query:
        raise InvalidSetting(
            f"{name} must look like postgresql://user@host:5432/leadcheck; it is {shown(text)}.", setting=name
        )
    if parts.password is not None and not allow_password:
        raise InvalidSetting(
            f"{name} must not contain the password: Leadcheck keeps it in the keyring (Settings → Database) or "
            "takes the whole URL from LEADCHECK_DATABASE_URL.",
            setting=name,
        )
    return text


class Settings:
    """Reads and writes ``settings.json`` and the keyring. Environment variables always win.

    Construction checks ``settings.json`` and the declared environment variables, and raises
    :class:`InvalidSetting` for the first value it cannot use.
    """

    def __init__(self, paths: Paths, environ: Mapping[str, str] | None = None) -> None:
        self.paths = paths
        self.environ = os.environ if environ is None else environ
        # Called with (what changed, its details) after each change is saved: the app records them in the evidence
        # log. Never given a secret's value.
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self._values: dict[str, Any] = read_settings_file(paths.config_file)
        self._from_env: dict[str, Any] = {}
        for declared in SETTINGS:
            text = self.environ.get(declared.env, "") if declared.env else ""
            if declared.env and text.strip():
                self._from_env[declared.key] = declared.parse(text, name=declared.env, text=True)

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
        if key == "database_url" and key in self._from_env:  # the environment's URL may carry the password
            from desktop_app.store.backend import redact_url

            return redact_url(str(self._from_env[key]))
        if key in self._from_env:
            return self._from_env[key]
        if key not in self._values and supplier_of(key) is not None:
            return self.get("return_window_hours")  # a supplier without a window of its own
        return self._values.get(key, setting(key).default)

    def source(self, key: str) -> str:
        """Where ``key``'s value comes from: "environment", "settings" (the file) or "default"."""
        if key in self._from_env:
            return "environment"
        return "settings" if key in self._values else "default"

    def set(self, key: str, value: Any) -> None:
        """Save ``key`` to ``settings.json``; raises InvalidSetting (nothing saved) for a value it does not accept."""
        old = self._values.get(key)
        parsed = setting(key).parse(value)
        if key == "database_url":
            parsed = check_database_url(str(parsed))
        self._values[key] = parsed
        self._save()
        self._changed(key, {"from": old, "to": self._values[key]})

    def unset(self, key: str) -> bool:
        """Remove ``key`` from ``settings.json`` (its default applies again); returns whether it was set there."""
        setting(key)  # KeyError for a key that is no setting
        if key not in self._values:
            return False
        old = self._values.pop(key)
        self._save()
        self._changed(key, {"from": old, "to": None})
        return True

    def _changed(self, key: str, detail: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            listener(key, detail)

    @property
    def timeout(self) -> float:
        return float(self.get("timeout"))

    @property
    def import_reader(self) -> bool | None:
        """Where a command-line import reads its file (the ``import_reader`` setting), as
        :class:`~desktop_app.imports.LeadImporter`'s ``reader_process``: True a child process, False this one, None
        as the importer decides."""
        return IMPORT_READERS[str(self.get("import_reader"))]

    def prices(self) -> dict[str, float]:
        """Vendor -> what one billed call costs (the ``price.<vendor>`` settings; 0 when not set)."""
        return {s.key.split(".", 1)[1]: float(self.get(s.key)) for s in SETTINGS if s.key.startswith("price.")}

    def caps(self) -> dict[str, float]:
        """Vendor -> its daily spending cap in dollars (the ``cap.<vendor>`` settings; 0: no cap)."""
        return {s.key.split(".", 1)[1]: float(self.get(s.key)) for s in SETTINGS if s.key.startswith("cap.")}

    def return_windows(self) -> ReturnWindows:
        """Every supplier's return window in hours: its ``return_window.<supplier>`` setting, else
        ``return_window_hours`` (what :meth:`Store.returnable` takes as ``windows``)."""
        own = {
            key[len(RETURN_WINDOW_PREFIX) :]: float(value)
            for key, value in self._values.items()
            if supplier_of(key) is not None
        }
        return ReturnWindows(own, float(self.get("return_window_hours")))

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
                name = f"{VENDOR_LABELS[spec.vendor]} {spec.label} ({key})"
                self._values[key] = setting(key).parse(value, name=name) if is_setting(key) else value
            else:
                self._values.pop(key, None)
            self._save()
            self._changed(key, {"to": self._values.get(key)})
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
        # a secret: that it changed, and where it is kept, never its value
        self._changed(
            f"credentials.{spec.vendor}.{spec.name}", {"secret": "set in the keyring" if value else "removed"}
        )

    # -- team mode -------------------------------------------------------------------------------------------

    def database_url(self) -> str:
        """The shared database's URL ("" for this computer's own file): ``LEADCHECK_DATABASE_URL`` (which may
        carry the password), else the saved setting. InvalidSetting for an address Leadcheck cannot use."""
        if "database_url" in self._from_env:
            return check_database_url(str(self._from_env["database_url"]), name="LEADCHECK_DATABASE_URL",
                                      allow_password=True)  # fmt: skip
        return check_database_url(str(self._values.get("database_url", "")))

    def database_password(self) -> str | None:
        """The team database's password from the keyring (None when not stored or no keyring)."""
        try:
            return _keyring().get_password(KEYRING_SERVICE, DATABASE_PASSWORD_KEY) or None
        except Exception:  # noqa: BLE001 - any keyring backend failure means "not stored here"
            return None

    def set_database_password(self, password: str) -> None:
        """Keep the team database's password in the keyring ("" removes it); KeyringUnavailable without one."""
        try:
            kr = _keyring()
            if password:
                kr.set_password(KEYRING_SERVICE, DATABASE_PASSWORD_KEY, password)
            else:
                try:
                    kr.delete_password(KEYRING_SERVICE, DATABASE_PASSWORD_KEY)
                except Exception:  # noqa: BLE001 - nothing stored
                    pass
        except Exception:  # noqa: BLE001
            raise KeyringUnavailable(
                "Leadcheck could not save the database password because this computer has no usable system "
                "keyring. Nothing was saved. Put the whole address, password included, in LEADCHECK_DATABASE_URL "
                "before starting Leadcheck instead."
            ) from None
        self._changed("database.password", {"secret": "set in the keyring" if password else "removed"})

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
