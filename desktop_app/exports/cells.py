"""What every export shares: cells safe from formula injection, files written whole, and the evidence-log entry.

**Formula injection.** Every cell that begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
written with a leading single quote (``'=HYPERLINK(…)``) so a spreadsheet shows it as text instead of running
it (:func:`neutralise`). The one exception is the ``e164`` column of a suppression list: a value matching
``^\\+\\d{11}$`` — a plus and eleven digits, exactly what Leadcheck's phone normaliser produces — is written
as is. It cannot hold a formula (no letters, no parentheses, no operators after the sign), and the systems
that take E.164 lists need the ``+`` as the first character; a quote would break every row for them. Anything
else in that column (nothing, in practice) is neutralised like any other cell. Numbers like a negative cost
(``-5``) are neutralised too; that is the price of a rule with no exceptions for free text.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

from desktop_app.paths import atomic_writer
from desktop_app.store.db import Store

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
E164_SAFE = re.compile(r"^\+\d{11}$")


def neutralise(value: object) -> str:
    """The cell as text, with a leading ``'`` when it begins like a spreadsheet formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_writer(path: Path, *, bom: bool) -> AbstractContextManager[IO[str]]:
    """The export written whole or not at all (:func:`desktop_app.paths.atomic_writer`), UTF-8 with or without BOM."""
    return atomic_writer(path, encoding="utf-8-sig" if bom else "utf-8")


def log_export(store: Store, path: str | Path, what: str, detail: dict[str, Any]) -> None:
    """Record an export in the evidence log: what, where, how many rows, and the file's SHA-256."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    store.log_event("export", {"what": what, "path": str(Path(path).resolve()), "sha256": digest, **detail})
