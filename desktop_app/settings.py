"""Declared settings (in ``settings.json``), their rules, and vendor credentials (in the OS keyring).

Every setting a buyer can change is declared once in :data:`SETTINGS` (key, type, default, range, description,
environment variable); the same rule checks a value from the environment, from ``settings.json`` and from the
Settings dialog. Variables that are not in ``settings.json`` are checked here too: ``LEADCHECK_HOME``
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
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.paths import NotARegularFile, open_regular_file
from desktop_app.vendors.credentials import fields_for
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.origins import OriginMap
from desktop_app.vendors.registry import VENDOR_LABELS, VENDORS, CredentialField

if TYPE_CHECKING:
    from desktop_app.paths import Paths

KEYRING_SERVICE = "leadcheck"
MAX_SETTINGS_FILE_BYTES = 1024 * 1024
MAX_TEXT_CHARS = 200
SHOWN_VALUE_CHARS = 60
MAX_PRICE = 1000.0  # dollars per call: far above any vendor's list price, low enough to catch a typo
MAX_DAILY_CAP = 100000.0  # dollars per vendor per day
MAX_RETURN_HOURS = 2160  # 90 days: far beyond any supplier's return window (48-72 h is usual)
RETURN_WINDOW_PREFIX = "return_window."  # + a supplier's name as stored with its leads
YES_NO = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


class KeyringUnavailable(LeadcheckError):
    """The OS keyring cannot store secrets on this machine."""


class InvalidSetting(LeadcheckError, ValueError):
    """A setting has a value Leadcheck cannot use. ``setting`` names it (key or environment variable)."""

    def __init__(self, message: str, *, setting: str) -> None:
        super().__init__(message)
        self.setting = setting


def shown(value: Any, *, limit: int | None = SHOWN_VALUE_CHARS) -> str:
    """A value as quoted in a message: text as typed (control characters escaped), JSON otherwise.

    Shortened to ``limit`` characters (None: never, for paths, which are useless cut).
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{text}”"


@dataclass(frozen=True)
class Setting:
    """One setting: its key in ``settings.json``, type, default, allowed range and environment variable."""

    key: str
    type: type
    default: Any
    description: str
    env: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""

    @property
    def accepts(self) -> str:
        """What the setting accepts, completing "… must be ___"."""
        if self.type is bool:
            return "true or false"
        if self.type is float:
            return f"a number of {self.unit} between {self.minimum:g} and {self.maximum:g}"
        if self.type is int:
            return f"a whole number of {self.unit} from {self.minimum:g} to {self.maximum:g}"
        return f"text of at most {MAX_TEXT_CHARS} characters"

    def parse(self, value: Any, *, name: str | None = None, text: bool = False) -> Any:
        """``value`` as this setting's type, or InvalidSetting naming ``name`` (default: the key).

        With ``text`` (an environment variable) the value is text to read as a number or yes/no; otherwise
        (``settings.json``, the dialog) it must already have the right type: ``"30"`` is not a timeout there.
        """
        name = name or self.key
        quoted = shown(value)
        if isinstance(value, str) and not text and self.type is not str:
            quoted = f"the text {quoted} (write it without quotes)"
        refused = InvalidSetting(f"{name} must be {self.accepts}; it is {quoted}.", setting=name)
        if self.type is str:
            if not isinstance(value, str) or len(value) > MAX_TEXT_CHARS or not value.isprintable():
                raise refused
            return value
        if isinstance(value, str) and text:
            value = value.strip()
            if self.type is bool:
                if value.lower() not in YES_NO:
                    raise refused
                return YES_NO[value.lower()]
            try:
                value = float(value) if "_" not in value else math.nan  # float() also reads "1_0" as 10
            except ValueError:
                raise refused from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            if self.type is bool and isinstance(value, bool):
                return value
            raise refused
        if self.type is bool:
            raise refused
        assert self.minimum is not None and self.maximum is not None
        if not math.isfinite(value) or not self.minimum <= value <= self.maximum:
            raise refused
        if self.type is int:
            if value != int(value) or (isinstance(value, float) and not text):
                raise refused
            return int(value)
        return float(value)


SETTINGS: tuple[Setting, ...] = (
    Setting("timeout", float, 30.0, "Seconds to wait for each vendor request.", "LEADCHECK_TIMEOUT", 1, 600, "seconds"),
    Setting(
        "litigator_cache_days",
        int,
        30,
        "Days a litigator answer counts as fresh (not re-checked); 0 re-checks every time.",
        None,
        0,
        365,
        "days",
    ),
    *(
        Setting(
            f"concurrency.{vendor.key}",
            int,
            vendor.batch_concurrency,
            f"Parallel {vendor.label} requests in a batch" + (f" ({vendor.rate_limit})." if vendor.rate_limit else "."),
            None,
            1,
            vendor.max_concurrency,
            "requests",
        )
        for vendor in VENDORS
        if vendor.batch_concurrency is not None
    ),
    Setting(
        "evidence_retention_years",
        int,
        5,
        "Years stored checks are kept before a purge may remove them (the Telemarketing Sales Rule's record-keeping "
        "period is 5 years; TCPA claims can be brought for 4).",
        None,
        4,
        50,
        "years",
    ),
    *(
        Setting(
            f"price.{vendor.key}",
            float,
            0.0,
            f"What one billed {vendor.label} call ({vendor.batch_task}) costs; stored with each completed call.",
            None,
            0,
            MAX_PRICE,
            "dollars",
        )
        for vendor in VENDORS
        if vendor.batchable and vendor.batch_billed
    ),
    *(
        Setting(
            f"cap.{vendor.key}",
            float,
            0.0,
            f"Most a batch spends on {vendor.label} calls in one day (what today's stored checks cost counts); the "
            "batch pauses before the call that would pass it. 0: no cap.",
            None,
            0,
            MAX_DAILY_CAP,
            "dollars",
        )
        for vendor in VENDORS
        if vendor.batchable and vendor.batch_billed
    ),
    Setting(
        "return_window_hours",
        int,
        72,
        "Hours after purchase a lead that turns red can be returned, for every supplier without a "
        f"{RETURN_WINDOW_PREFIX}<supplier> setting of its own.",
        None,
        0,
        MAX_RETURN_HOURS,
        "hours",
    ),
    Setting(
        "auto_retain",
        bool,
        False,
        "Retain due TrustedForm certificates automatically while the window is open (chosen in Deadlines).",
    ),
    Setting(
        "database_url",
        str,
        "",
        "Team mode: the shared PostgreSQL database every seat uses (postgresql://user@host:port/database, without "
        "its password, which is kept in the keyring). Empty: this computer's own database file.",
        "LEADCHECK_DATABASE_URL",
    ),
    Setting("first_run_done", bool, False, "Whether the first-run choice (demo or real keys) was made."),
    Setting("credentials.jornaya.provider_code", str, "", "Default Jornaya provider code (lpc)."),
    Setting("credentials.consentcontrol.host", str, "", "Consent Control account host."),
)
_BY_KEY = {s.key: s for s in SETTINGS}


def return_window_setting(supplier: str) -> Setting:
    """The ``return_window.<supplier>`` setting: one supplier's return window in hours (its default: the
    ``return_window_hours`` setting's default). Suppliers are the buyer's own names, so this family is not listed
    in :data:`SETTINGS`; :func:`setting` knows it."""
    default = _BY_KEY["return_window_hours"]
    return Setting(
        RETURN_WINDOW_PREFIX + supplier,
        int,
        default.default,
        f"Hours after purchase a lead from {supplier} that turns red can be returned (else return_window_hours).",
        None,
        default.minimum,
        default.maximum,
        "hours",
    )


def _supplier_of(key: str) -> str | None:
    """The supplier named by a ``return_window.<supplier>`` key (None for any other key or an unusable name)."""
    if not key.startswith(RETURN_WINDOW_PREFIX):
        return None
    name = key[len(RETURN_WINDOW_PREFIX) :]
    return name if name and name == name.strip() and name.isprintable() and len(name) <= MAX_TEXT_CHARS else None


def is_setting(key: str) -> bool:
    """Whether ``key`` is a declared setting or a supplier's return window (``return_window.<supplier>``)."""
    return key in _BY_KEY or _supplier_of(key) is not None


def setting(key: str) -> Setting:
    """The declared setting ``key`` (its type, default, range, what it accepts); KeyError for an unknown key."""
    if key in _BY_KEY:
        return _BY_KEY[key]
    supplier = _supplier_of(key)
    if supplier is None:
        raise KeyError(key)
    return return_window_setting(supplier)


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
        for setting in SETTINGS:
            text = self.environ.get(setting.env, "") if setting.env else ""
            if setting.env and text.strip():
                self._from_env[setting.key] = setting.parse(text, name=setting.env, text=True)

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
        if key not in self._values and _supplier_of(key) is not None:
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
            if _supplier_of(key) is not None
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
                self._values[key] = _BY_KEY[key].parse(value, name=name) if key in _BY_KEY else value
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
