"""The declared settings: one :class:`Setting` per key (type, default, range, description, environment variable).

:data:`SETTINGS` lists every setting a buyer can change; :func:`setting` finds one by key, including the family no
table can list, a supplier's own return window (``return_window.<supplier>``, :func:`return_window_setting`).
:meth:`Setting.parse` is the one rule that checks a value, whether it comes from the environment, from
``settings.json`` or from the Settings dialog; a value it refuses raises :class:`InvalidSetting`, whose message
names the setting, what it accepts and what it is. :mod:`desktop_app.settings` reads and saves the values and
re-exports every name here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.registry import VENDORS

MAX_TEXT_CHARS = 200
SHOWN_VALUE_CHARS = 60
MAX_PRICE = 1000.0  # dollars per call: far above any vendor's list price, low enough to catch a typo
MAX_DAILY_CAP = 100000.0  # dollars per vendor per day
MAX_RETURN_HOURS = 2160  # 90 days: far beyond any supplier's return window (48-72 h is usual)
RETURN_WINDOW_PREFIX = "return_window."  # + a supplier's name as stored with its leads
# The import_reader setting's words and what each means as LeadImporter's reader_process (None: it decides)
IMPORT_READERS: dict[str, bool | None] = {"auto": None, "process": True, "here": False}
YES_NO = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


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
    choices: tuple[str, ...] = ()  # a text setting that is one of these words (read in any case)

    @property
    def accepts(self) -> str:
        """What the setting accepts, completing "… must be ___"."""
        if self.type is bool:
            return "true or false"
        if self.type is float:
            return f"a number of {self.unit} between {self.minimum:g} and {self.maximum:g}"
        if self.type is int:
            return f"a whole number of {self.unit} from {self.minimum:g} to {self.maximum:g}"
        if self.choices:
            return f"{', '.join(self.choices[:-1])} or {self.choices[-1]}"
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
            if self.choices:
                if value.strip().lower() not in self.choices:
                    raise refused
                return value.strip().lower()
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
    Setting(
        "import_reader",
        str,
        "auto",
        "Where a command-line import of a large file reads and cleans it: auto (in a second process when a CPU core "
        "is free), process (always in a second process) or here (in the importing process).",
        "LEADCHECK_IMPORT_READER",
        choices=tuple(IMPORT_READERS),
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


def supplier_of(key: str) -> str | None:
    """The supplier named by a ``return_window.<supplier>`` key (None for any other key or an unusable name)."""
    if not key.startswith(RETURN_WINDOW_PREFIX):
        return None
    name = key[len(RETURN_WINDOW_PREFIX) :]
    return name if name and name == name.strip() and name.isprintable() and len(name) <= MAX_TEXT_CHARS else None


def is_setting(key: str) -> bool:
    """Whether ``key`` is a declared setting or a supplier's return window (``return_window.<supplier>``)."""
    return key in _BY_KEY or supplier_of(key) is not None


def setting(key: str) -> Setting:
    """The declared setting ``key`` (its type, default, range, what it accepts); KeyError for an unknown key."""
    if key in _BY_KEY:
        return _BY_KEY[key]
    supplier = supplier_of(key)
    if supplier is None:
        raise KeyError(key)
    return return_window_setting(supplier)
