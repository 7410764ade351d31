"""The results CSV a buyer hands to a dialer: checked leads with every vendor's answer.

**Results CSV** (:func:`write_results_csv`): one row per lead — its fields (phone as 10 digits), where it came
from, its ``verdict`` (red, yellow, green or unchecked: :mod:`desktop_app.verdict`), then for each
vendor ``<vendor>_flag`` (Green / Yellow / Red, ``Error`` for a failed call, empty when not checked),
``<vendor>_reason`` (the answer's summary, or the error and its hint) and ``<vendor>_date`` (when the answer
was received, UTC). For a batch, the answers are the batch's (cached pairs show the stored answer they
reused); otherwise each lead's latest answer per vendor made with the lead's own data. Written as UTF-8 with a
BOM so Excel reads accents. The last line names the evidence log's head hash at the time of the export (an outside
anchor for every check before it: :mod:`desktop_app.store.evidence`). Every export is itself logged there, with the
file's SHA-256. A suppression list has no such line, since diallers read every line as a value; its export is
logged the same way and the command or window says the head hash.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.exports.cells import E164_SAFE, export_writer, log_export, neutralise
from desktop_app.store import reports
from desktop_app.store.db import Store
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.registry import LEAD_VENDORS
from desktop_app.vendors.results import Flag, utcnow


@dataclass
class _Answer:
    flag: str
    reason: str
    date: str


def _answer(flag: str | None, summary: str | None, finished_at: str | None, error: str | None) -> _Answer:
    if error:
        data = json.loads(error)
        hint = data.get("hint") or ""
        return _Answer("Error", f"{data.get('message', '')}" + (f" — {hint}" if hint else ""), finished_at or "")
    word = Flag(flag).word if flag else ("Done" if summary else "")
    return _Answer(word, summary or "", finished_at or "")


def write_results_csv(
    store: Store,
    path: str | Path,
    *,
    batch_id: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write the checked leads (of one batch, or every lead with an answer) with each vendor's answer.
    Returns the number of lead rows."""
    conn = store.connection
    answers: dict[int, dict[str, _Answer]] = {}
    if batch_id is not None:
        batch_vendors = reports.batch_vendors(conn, batch_id)
        if batch_vendors is None:
            raise InputError(f"There is no batch {batch_id}.", field="batch")
        vendors = batch_vendors
        for lead_id, vendor, state, note, flag, summary, finished, error in reports.batch_answers(conn, batch_id):
            entry = answers.setdefault(int(lead_id), {})
            if state in ("pending", "in_flight"):
                entry[vendor] = _Answer("", "not checked yet", "")
            elif summary is None and state == "failed":
                entry[vendor] = _Answer("Error", note or "", "")
            else:
                entry[vendor] = _answer(flag, summary, finished, error)
    else:
        seen: set[str] = set()
        for lead_id, vendor, flag, summary, finished, error in reports.latest_answers(conn):
            answers.setdefault(int(lead_id), {})[vendor] = _answer(flag, summary, finished, error)
            seen.add(vendor)
        vendors = [v for v in LEAD_VENDORS if v in seen] + sorted(seen - set(LEAD_VENDORS))
    lead_columns = (*LEAD_FIELDS, "source_file", "source_row", "verdict")
    header = ["lead_id", *lead_columns]
    for vendor in vendors:
        header += [f"{vendor}_flag", f"{vendor}_reason", f"{vendor}_date"]
    lead_ids = list(answers)
    written = 0
    phone_at = 1 + LEAD_FIELDS.index("phone")
    with export_writer(Path(path), bom=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for leads in reports.leads_by_id(conn, lead_ids, lead_columns):
            for lead_id, lead in leads.items():
                cells: list[Any] = list(lead)
                phone = cells[phone_at]
                if isinstance(phone, str) and E164_SAFE.match(phone):
                    cells[phone_at] = phone[2:]
                for vendor in vendors:
                    answer = answers[lead_id].get(vendor) or _Answer("", "", "")
                    cells += [answer.flag, answer.reason, answer.date]
                writer.writerow([neutralise(c) for c in cells])
                written += 1
            if on_progress is not None:
                on_progress(written)
        head = store.evidence_head()
        writer.writerow([neutralise(f"# {head.line()} (written {utcnow()})")])
    log_export(store, path, "results", {"rows": written, "batch_id": batch_id})
    return written
