"""The returns list for a supplier: leads that turned red within their return window, as CSV.

One row per lead (:data:`RETURNS_COLUMNS`): the lead, its supplier and contact, when it was bought and when it turned
red, the window, the vendor and the reason in words, the check that made it red and that check's evidence-log hash
(what the supplier can verify). Each cell neutralised, the file written whole, the export logged. Used by
``leadcheck export returns`` and the window's Returns view.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from desktop_app.exports.cells import export_writer, log_export, neutralise
from desktop_app.store.db import Store

RETURNS_COLUMNS = (
    "lead_id",
    "supplier",
    "phone",
    "email",
    "bought_at",
    "red_at",
    "hours_after_purchase",
    "window_hours",
    "vendor",
    "reason",
    "check_id",
    "evidence_hash",
)


def write_returns(store: Store, path: str | Path, rows: Sequence[Mapping[str, Any]], *, supplier: str | None) -> int:
    """Write ``rows`` (from :meth:`Store.returnable`) to ``path`` and log the export; returns how many."""
    with export_writer(Path(path), bom=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(RETURNS_COLUMNS)
        for row in rows:
            writer.writerow([neutralise(row.get(column)) for column in RETURNS_COLUMNS])
    log_export(store, path, "returns", {"rows": len(rows), "supplier": supplier})
    return len(rows)
