"""What every ``leadcheck`` command shares: the exit codes, ``NAME=VALUE`` arguments and the printer.

Exit status (:class:`Exit`): 0 when every call completed (whatever the flags), 1 when a call failed (or a batch
lane stopped, the evidence log does not verify, there was nothing to pack), 2 for bad usage or input refused
before sending (including missing credentials), 130 after Ctrl+C. ``--json`` prints JSON Lines on stdout;
messages for people go to stderr.
"""

from __future__ import annotations

import argparse
import enum
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from desktop_app.vendors.errors import LeadcheckError, MissingCredentials
from desktop_app.vendors.results import CheckResult


class Exit(enum.IntEnum):
    """The exit status of every command."""

    OK = 0
    FAILED = 1  # a call failed, a lane stopped, the evidence does not verify, nothing to pack
    REFUSED = 2  # bad usage or input refused before anything was sent
    INTERRUPTED = 130  # Ctrl+C; every result received so far is stored


COLOURS = {"green": "\033[1;32m", "yellow": "\033[1;33m", "red": "\033[1;31m", "error": "\033[1;35m"}
RESET = "\033[0m"


class UsageError(LeadcheckError):
    """The command line itself is wrong."""


def parse_key_value(text: str, *, metavar: str, split_at_last: bool, value_required: bool) -> tuple[str, str]:
    """``NAME=VALUE`` as ``(NAME, VALUE)`` for argparse; ArgumentTypeError naming ``metavar`` otherwise.

    The name is stripped and never empty. ``split_at_last``: a name may hold "=" (a CSV header), the value may
    not; otherwise the value may (a URL's query). ``value_required``: the value is stripped and never empty."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected {metavar}, got {text!r}")
    key, value = text.rsplit("=", 1) if split_at_last else text.split("=", 1)
    if value_required:
        value = value.strip()
    if not key.strip() or (value_required and not value):
        raise argparse.ArgumentTypeError(f"expected {metavar}, got {text!r}")
    return key.strip(), value


# ``--field NAME=VALUE`` (lead data sent to a vendor: the value is kept as typed, and may be empty or hold "=")
field_value: Callable[[str], tuple[str, str]] = functools.partial(
    parse_key_value, metavar="NAME=VALUE", split_at_last=False, value_required=False
)
# ``--map COLUMN=FIELD`` (a CSV column read as a lead field: the column may hold "=", the field is a name)
column_field: Callable[[str], tuple[str, str]] = functools.partial(
    parse_key_value, metavar="COLUMN=FIELD", split_at_last=True, value_required=True
)


def local_when(value: str | None) -> str:
    """A stored ISO time in this computer's time zone, ``2026-11-30 14:05:09`` (the text as given when unreadable)."""
    try:
        moment = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return value or "-"
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone().strftime("%Y-%m-%d %H:%M:%S")


class Output:
    """Prints results for people (one coloured line each) or machines (JSON Lines)."""

    def __init__(self, json_mode: bool, stream: TextIO | None = None, err: TextIO | None = None) -> None:
        self.json_mode = json_mode
        self.stream = stream or sys.stdout
        self.err = err or sys.stderr
        self.colour = not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def _paint(self, word: str, key: str) -> str:
        return f"{COLOURS[key]}{word}{RESET}" if self.colour else word

    def result(self, result: CheckResult, *, when: bool = False) -> None:
        """One line per result; ``when`` starts it with the local time the call finished (``leadcheck history``)."""
        if self.json_mode:
            self.json(result.to_public_dict())
            return
        if result.error is not None:
            tag = self._paint("ERROR ", "error")
            line = f"{tag} {result.vendor} {result.operation} {result.subject}: {result.error.message}"
            if result.error.hint:
                line += f" — {result.error.hint}"
        else:
            word = result.flag.word.upper().ljust(6) if result.flag else "DONE  "
            tag = self._paint(word, result.flag.value) if result.flag else word
            line = f"{tag} {result.vendor} {result.operation} {result.subject}: {result.summary}"
        if when:
            line = f"{local_when(result.finished_at)}  {line}"
        print(line, file=self.stream, flush=True)

    def refused(self, vendor: str, operation: str, subject: str, exc: LeadcheckError) -> None:
        kind = "credentials" if isinstance(exc, MissingCredentials) else "input"
        print(f"leadcheck: {exc}", file=self.err, flush=True)
        if self.json_mode:
            record = {
                "vendor": vendor,
                "operation": operation,
                "subject": subject,
                "flag": None,
                "summary": str(exc),
                "details": {},
                "error": {"kind": kind, "message": str(exc), "http_status": None, "code": None},
            }
            print(json.dumps(record, ensure_ascii=False), file=self.stream, flush=True)

    def json(self, record: Any) -> None:
        """One JSON object on its own line of stdout."""
        print(json.dumps(record, ensure_ascii=False, default=str), file=self.stream, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.err, flush=True)


def exit_code(results: Sequence[CheckResult]) -> int:
    return Exit.FAILED if any(r.error is not None for r in results) else Exit.OK
