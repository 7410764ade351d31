"""Two imports of one file at once (two processes on one SQLite file, or two seats of a team database) create
each lead once: the second recognises the rows the first stored after it had read the stored leads (issue 16)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

from desktop_app.imports import LeadImporter
from desktop_app.store import Store


def _leads_file(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Phone", "Email", "Supplier", "Cost"])
        for i in range(n):
            writer.writerow([f"(202) 555-{i:04d}", f"p{i}@example.com", "Acme Leads", "1.50"])
    return path


def test_two_imports_of_one_file_at_once_create_each_lead_once(database: Any, tmp_path: Path) -> None:
    source = _leads_file(tmp_path / "leads.csv", 200)
    with Store(database) as seat_a, Store(database) as seat_b:
        first = LeadImporter(seat_a, source, chunk_rows=50, rebuild_indexes=False).steps()
        second = LeadImporter(seat_b, source, chunk_rows=50, rebuild_indexes=False).steps()
        # chunk by chunk in turn: each seat read the stored leads before the other's later chunks were written
        reports = {}
        for name, steps in itertools.cycle([("a", first), ("b", second)]):
            if len(reports) == 2:
                break
            if name in reports:
                continue
            step = next(steps, None)
            if step is not None and step.report is not None:
                reports[name] = step.report
        a, b = reports["a"], reports["b"]
        assert seat_a.lead_count() == 200
        assert a.leads_created + b.leads_created == 200
        assert a.rows_recognised + b.rows_recognised == 200
        assert b.rows_recognised > 50  # more than the first chunk the key map already held: the race was met
        assert a.lead_ids == b.lead_ids  # the same leads, in file order, whichever seat stored each
        problems = seat_b.db.execute(
            "SELECT count(*) FROM import_problems WHERE import_id = ? AND severity = 'recognised'", [b.import_id]
        ).fetchone()[0]
        assert problems == b.rows_recognised  # each recognised row says which lead it is
        assert seat_b.verify().ok
