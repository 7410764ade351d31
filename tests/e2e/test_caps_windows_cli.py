"""Daily caps and return windows through ``leadcheck``: ``settings set|get|unset|list`` for ``cap.<vendor>`` and
``return_window.<supplier>``, a ``scrub`` that pauses at the cap and a ``--resume`` that continues once it is raised,
and ``export returns`` following each supplier's window (in-process ``main([...])``; the demo's simulator answers;
the store on both engines).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main
from desktop_app.sandbox import VendorSimulator
from desktop_app.sandbox import scenarios as sim
from desktop_app.store.backend import Location
from tests.e2e.outside import query
from tests.helpers import FakeTime

pytestmark = pytest.mark.e2e
CERT = "https://cert.trustedform.com/{:040d}"


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_cap_and_window_settings_are_checked_saved_listed_and_unset(
    capsys: pytest.CaptureFixture[str], leadcheck_home: Path
) -> None:
    assert main(["settings", "set", "cap.trustedform", "50"]) == 0
    assert main(["settings", "set", "return_window.Acme Leads", "48"]) == 0
    assert main(["settings", "set", "return_window_hours", "96"]) == 0
    capsys.readouterr()
    assert main(["--json", "settings", "list"]) == 0
    listed = {r["key"]: r for r in lines(capsys.readouterr().out)}
    assert listed["cap.trustedform"]["value"] == 50.0 and listed["cap.litigator"]["value"] == 0.0
    assert listed["return_window.Acme Leads"]["value"] == 48 and listed["return_window_hours"]["value"] == 96
    assert "cap.contactstate" not in listed  # a status read is free: nothing to cap
    assert main(["settings", "get", "return_window.Zeta"]) == 0  # no window of its own: the default's
    assert capsys.readouterr().out.strip() == "96"

    assert main(["settings", "set", "cap.trustedform", "-5"]) == 2
    assert "cap.trustedform must be a number of dollars between 0 and 100000; it is “-5”." in capsys.readouterr().err
    assert main(["settings", "set", "return_window.Acme Leads", "4.5"]) == 2
    assert "return_window.Acme Leads must be a whole number of hours from 0 to 2160" in capsys.readouterr().err
    assert main(["settings", "set", "return_window.", "4"]) == 2  # no supplier named
    assert main(["settings", "unset", "return_window.Acme Leads"]) == 0
    assert "Removed return_window.Acme Leads; it is 96 again." in capsys.readouterr().err
    saved = json.loads((leadcheck_home / "config" / "settings.json").read_text())
    assert saved == {"cap.trustedform": 50.0, "return_window_hours": 96}


def test_scrub_pauses_at_the_cap_and_resumes_once_it_is_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: Location, simulated_vendors: VendorSimulator
) -> None:
    source = tmp_path / "leads.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "xxTrustedFormCertUrl"])
        for i in range(5):
            writer.writerow([f"user{i}@example.com", CERT.format(i + 1)])
    assert main(["settings", "set", "price.trustedform", "0.25"]) == 0
    assert main(["settings", "set", "cap.trustedform", "0.60"]) == 0
    time = FakeTime()  # the day the cap counts (the checks are stored at the time they finish)
    capsys.readouterr()
    estimate = ["--json", "scrub", str(source), "--vendors", "trustedform", "--estimate"]
    assert main(estimate, timing=time.timing) == 0
    said = capsys.readouterr()
    entry = json.loads(said.out)["vendors"]["trustedform"]
    assert (entry["cost"], entry["cap"], entry["spent_today"], entry["pauses"]) == (1.25, 0.6, 0.0, True)
    assert "TrustedForm's daily cap of $0.60 leaves $0.60 today: this batch's $1.25 of TrustedForm calls" in said.err
    assert main(["scrub", str(source), "--vendors", "trustedform"], timing=time.timing) == 1
    err = capsys.readouterr().err
    assert (
        "Paused: TrustedForm's daily cap of $0.60 is reached ($0.50 spent today); resume tomorrow or raise the " in err
    )
    assert "`leadcheck settings set cap.trustedform DOLLARS`" in err
    assert query(database, "SELECT status FROM batches") == [("paused",)]
    assert query(database, "SELECT count(*), sum(cost) FROM checks") == [(2, 0.5)]

    assert main(["settings", "set", "cap.trustedform", "2"]) == 0
    assert main(["scrub", "--resume"], timing=time.timing) == 0
    assert query(database, "SELECT status FROM batches") == [("done",)]
    assert query(database, "SELECT count(DISTINCT subject), sum(cost) FROM checks") == [(5, 1.25)]


def test_export_returns_follows_each_suppliers_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: Location, simulated_vendors: VendorSimulator
) -> None:
    source = tmp_path / "leads.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "supplier"])
        writer.writerow([sim.LITIGATOR_PHONE_HIT, "Acme"])
    assert main(["scrub", str(source), "--vendors", "litigator"]) == 0
    out = tmp_path / "returns.csv"

    def exported() -> list[dict[str, str]]:
        assert main(["export", "returns", "--out", str(out)]) == 0
        with open(out, encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))

    assert [r["window_hours"] for r in exported()] == ["72.0"]
    assert main(["settings", "set", "return_window_hours", "24"]) == 0
    assert [r["window_hours"] for r in exported()] == ["24.0"]
    assert main(["settings", "set", "return_window.Acme", "0"]) == 0  # Acme takes no returns
    assert exported() == []
    assert main(["settings", "unset", "return_window.Acme"]) == 0
    assert [r["window_hours"] for r in exported()] == ["24.0"]
