"""Reading CSV records tolerantly: a record the csv module cannot parse is reported, and reading goes on.

Buyers' files come from other tools (lead platforms, Excel, dialers); one stray quote must not stop the rest of
the file. Used by the Consent Control suppression-file reader (:mod:`desktop_app.vendors.consentcontrol`) and
by the lead import (:mod:`desktop_app.imports.reader`). Standard library only, so the bottom layer can use it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator


def tolerant_records(
    lines: Iterable[str], delimiter: str = ","
) -> Iterator[tuple[int, list[str] | None, csv.Error | None]]:
    """``(number, cells, None)`` for every CSV record, or ``(number, None, error)`` for one that is not valid CSV.

    Records are numbered from 1 in file order, unreadable ones included (a record with quoted newlines is one
    record). Reading goes on after an unreadable record, as :class:`csv.reader` allows.
    """
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    while True:
        try:
            # The loop sits inside the try (free in 3.11) instead of a try around each next(): a million rows.
            for row in reader:
                number += 1
                yield number, row, None
            return
        except csv.Error as exc:
            number += 1
            yield number, None, exc
