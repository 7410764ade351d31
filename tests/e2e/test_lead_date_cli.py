"""A CSV's lead-date column end to end: stored as the purchase time, the deadlines count from it, a re-import adds
nothing, rows differing only by date are two leads, and ``verify`` catches an edited date (``main([...])``; the
store on both engines)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.store.backend import Location
from tests.e2e.outside import query

pytestmark = pytest.mark.e2e
CERT = "https://cert.trustedform.com/{:040d}"


def test_lead_dates_import_deadlines_reimport_and_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: Location
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(
        "phone,xxTrustedFormCertUrl,Lead Date\n"
        f"2025550100,{CERT.format(1)},03/01/2026 10:00\n"
        f"2025550100,{CERT.format(1)},2026-03-02T10:00:00Z\n"  # the same row a day later: another purchase
        f"2025550101,{CERT.format(2)},not a date\n",
        encoding="utf-8",
    )
    assert main(["--json", "import", str(source)]) == 0
    capsys.readouterr()
    stored = query(database, "SELECT id, purchased_at FROM leads ORDER BY id")
    warned = query(database, "SELECT field FROM import_problems WHERE severity = 'warning' AND field IS NOT NULL")
    assert stored == [(1, "2026-03-01T10:00:00.000Z"), (2, "2026-03-02T10:00:00.000Z"), (3, None)]
    assert warned == [("purchased_at",)]

    assert main(["--json", "import", str(source)]) == 0  # the same file again adds nothing
    capsys.readouterr()
    assert query(database, "SELECT count(*) FROM leads") == [(3,)]

    clock = datetime.fromisoformat("2026-03-03T12:00:00+00:00").timestamp()
    assert main(["--json", "deadlines"], timing={"clock": lambda: clock}) == 0
    items = {i["lead_id"]: i for i in map(json.loads, capsys.readouterr().out.splitlines()) if i["kind"] == "retain"}
    assert items[1]["due_at"].startswith("2026-03-04T10:00:00")  # 72 h after the lead date, not the import
    assert items[1]["hours_left"] == pytest.approx(22.0, abs=0.01)
    assert items[2]["hours_left"] == pytest.approx(46.0, abs=0.01)

    assert main(["verify"]) == 0
    capsys.readouterr()
    query(database, "UPDATE leads SET purchased_at = '2026-01-01T00:00:00.000Z' WHERE id = 2")
    assert main(["verify"]) != 0
    assert "Lead 2 was changed after import" in capsys.readouterr().out + capsys.readouterr().err
