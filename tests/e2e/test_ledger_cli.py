"""``leadcheck settings``, prices and costs, ``scrub --estimate``, ``deadlines``, ``costs``, ``suppliers``,
``export returns`` and ``review`` end to end (in-process ``main([...])``; the demo's simulator
answers; the store on both engines)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
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


def leads_csv(path: Path, rows: list[tuple[str, int, str]]) -> Path:
    """(phone, certificate number, supplier) per row."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "email", "xxTrustedFormCertUrl", "supplier"])
        for i, (phone, cert, supplier) in enumerate(rows):
            writer.writerow([phone, f"user{i}@example.com", CERT.format(cert), supplier])
    return path


def test_settings_set_get_list_and_a_bad_value_exits_2(
    capsys: pytest.CaptureFixture[str], leadcheck_home: Path, database: Location
) -> None:
    assert main(["settings", "set", "price.trustedform", "0.25"]) == 0
    assert main(["settings", "get", "price.trustedform"]) == 0
    assert capsys.readouterr().out.strip() == "0.25"
    assert main(["--json", "settings", "get", "price.trustedform"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["value"] == 0.25 and record["source"] == "settings" and record["default"] == 0.0
    assert main(["--json", "settings", "list"]) == 0
    listed = {r["key"]: r for r in lines(capsys.readouterr().out)}
    assert {"price.trustedform", "price.jornaya", "price.litigator", "timeout", "concurrency.litigator"} <= set(listed)
    assert "price.contactstate" not in listed  # a status read is free
    assert listed["timeout"]["source"] == "default"
    assert not any(key.endswith(("api_key", "token", "audit_key")) for key in listed)  # never a secret

    assert main(["settings", "set", "price.trustedform", "-1"]) == 2
    assert "price.trustedform must be a number of dollars between 0 and 1000; it is “-1”." in capsys.readouterr().err
    assert main(["settings", "set", "concurrency.contactstate", "9"]) == 2
    assert "concurrency.contactstate must be a whole number of requests from 1 to 4" in capsys.readouterr().err
    assert main(["settings", "set", "no.such.key", "1"]) == 2
    assert main(["settings", "get", "price.trustedform"]) == 0
    assert capsys.readouterr().out.strip() == "0.25"  # the refused values saved nothing
    saved = json.loads((leadcheck_home / "config" / "settings.json").read_text())
    assert saved["price.trustedform"] == 0.25
    # the change is in the evidence log, and the log still verifies
    logged = query(database, "SELECT content FROM evidence_log WHERE kind = 'settings'")
    assert any("price.trustedform" in str(row[0]) for row in logged)
    assert main(["verify"]) == 0


def test_the_estimate_equals_what_the_batch_then_spends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: Location, simulated_vendors: VendorSimulator
) -> None:
    assert main(["settings", "set", "price.trustedform", "0.25"]) == 0
    assert main(["settings", "set", "price.litigator", "0.05"]) == 0
    first = leads_csv(tmp_path / "first.csv", [("(202) 555-0100", 1, "Acme")])
    assert main(["scrub", str(first), "--vendors", "trustedform,litigator"]) == 0
    capsys.readouterr()
    spent_before = sum(r[0] for r in query(database, "SELECT cost FROM checks"))
    assert spent_before == pytest.approx(0.30)
    # lead 1 again (cached for both), a phone shared by three leads (one litigator call), a new certificate each
    rows = [
        ("(202) 555-0100", 1, "Acme"),
        ("(202) 555-0200", 2, "Acme"),
        ("202.555.0200", 3, "Zeta"),
        ("+1 202 555 0200", 4, "Zeta"),
        ("(202) 555-0300", 5, "Zeta"),
    ]
    second = leads_csv(tmp_path / "second.csv", rows)
    assert main(["--json", "scrub", str(second), "--vendors", "trustedform,litigator", "--estimate"]) == 0
    captured = capsys.readouterr()
    estimate = json.loads(captured.out)
    assert "nothing was sent" in captured.err
    assert estimate["vendors"]["trustedform"] == {"calls": 4, "cached": 1, "cost": 1.0}
    assert estimate["vendors"]["litigator"] == {"calls": 2, "cached": 1, "cost": 0.1}
    assert estimate["total_cost"] == pytest.approx(1.1)
    assert len(query(database, "SELECT id FROM checks")) == 2  # the estimate sent nothing

    assert main(["--json", "scrub", str(second), "--vendors", "trustedform,litigator"]) == 0
    records = lines(capsys.readouterr().out)
    assert sum(r["cached"] for r in records) == 1 + 1 + 2  # answered before: 2; the shared phone's two others
    spent = sum(r[0] for r in query(database, "SELECT cost FROM checks"))
    assert spent - spent_before == pytest.approx(estimate["total_cost"])

    assert main(["--json", "costs"]) == 0
    by_vendor = {r["vendor"]: r for r in lines(capsys.readouterr().out)}
    assert by_vendor["trustedform"] == {"vendor": "trustedform", "checks": 5, "billed": 5, "cost": 1.25}
    assert by_vendor["litigator"]["billed"] == 3 and by_vendor["litigator"]["cost"] == pytest.approx(0.15)
    assert main(["--json", "costs", "--by", "batch"]) == 0
    by_batch = {r["batch"]: r["cost"] for r in lines(capsys.readouterr().out)}
    assert by_batch[2] == pytest.approx(estimate["total_cost"])
    assert main(["--json", "suppliers"]) == 0
    cards = {c["supplier"]: c for c in lines(capsys.readouterr().out)}
    assert cards["Acme"]["leads"] == 2 and cards["Zeta"]["leads"] == 3
    assert cards["Acme"]["compliance_spend"] + cards["Zeta"]["compliance_spend"] == pytest.approx(1.4)

    # a second estimate: everything answered, nothing to pay
    assert main(["--json", "scrub", str(second), "--vendors", "trustedform,litigator", "--estimate"]) == 0
    assert json.loads(capsys.readouterr().out)["total_cost"] == 0
    assert main(["scrub", "--resume", "--estimate"]) == 2


def test_a_single_check_costs_its_price_and_a_failed_one_nothing(
    capsys: pytest.CaptureFixture[str], database: Location, simulated_vendors: VendorSimulator
) -> None:
    assert main(["settings", "set", "price.litigator", "0.07"]) == 0
    assert main(["litigator", "check", sim.LITIGATOR_PHONE_HIT]) == 0
    assert main(["litigator", "check", "202-555-0123"]) == 0
    assert main(["litigator", "check", "12"]) == 2  # refused before sending: nothing stored
    costs = query(database, "SELECT cost, error IS NULL FROM checks ORDER BY id")
    assert costs == [(0.07, 1), (0.07, 1)]
    # a 500 is retried: its backoffs pass on a FakeTime clock instead of the wall clock's (2.5-3 s before)
    assert main(["litigator", "check", sim.LITIGATOR_PHONE_ERROR[500]], timing=FakeTime().timing) == 1
    failed = query(database, "SELECT cost FROM checks WHERE error IS NOT NULL")
    assert failed == [(0.0,)]


def test_deadlines_with_an_injected_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: Location
) -> None:
    source = leads_csv(tmp_path / "leads.csv", [("(202) 555-0100", 1, "Acme"), ("(202) 555-0101", 2, "Acme")])
    assert main(["import", str(source)]) == 0
    (imported,) = query(database, "SELECT created_at FROM leads WHERE id = 1")[0]
    bought = datetime.fromisoformat(imported.replace("Z", "+00:00"))
    earlier = (bought - timedelta(hours=24)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    query(database, "UPDATE leads SET purchased_at = ? WHERE id = 2", (earlier,))  # lead 2 bought a day earlier
    now = (bought + timedelta(hours=50)).timestamp()
    assert main(["--json", "deadlines"], timing={"clock": lambda: now}) == 0
    items = lines(capsys.readouterr().out)
    assert [(i["lead_id"], i["kind"], i["vendor"]) for i in items] == [
        (2, "retain", "trustedform"),
        (1, "retain", "trustedform"),
    ]  # most urgent first
    assert items[0]["hours_left"] == pytest.approx(-2.0, abs=0.01)
    assert items[1]["hours_left"] == pytest.approx(22.0, abs=0.01)
    assert items[1]["subject"] == CERT.format(1)
    assert datetime.fromisoformat(items[1]["due_at"].replace("Z", "+00:00")) == bought + timedelta(hours=72)
    assert main(["--json", "deadlines", "--retain-hours", "24"], timing={"clock": lambda: now}) == 0
    assert [i["hours_left"] for i in lines(capsys.readouterr().out)] == pytest.approx([-50.0, -26.0], abs=0.01)
    assert main(["deadlines"], timing={"clock": lambda: now}) == 0
    human = capsys.readouterr().out.splitlines()
    assert len(human) == 2 and "overdue by 2.0 h" in human[0] and "22.0 h left" in human[1]
    assert main(["deadlines", "--retain-hours", "-1"]) == 2


def test_returns_export_and_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: Location, simulated_vendors: VendorSimulator
) -> None:
    source = tmp_path / "leads.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "supplier"])
        writer.writerow([sim.LITIGATOR_PHONE_HIT, "=Acme"])
        writer.writerow(["(202) 555-0123", "Zeta"])
    assert main(["scrub", str(source), "--vendors", "litigator"]) == 0
    out = tmp_path / "returns.csv"
    assert main(["export", "returns", "--out", str(out)]) == 0
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    (row,) = rows
    assert row["supplier"] == "'=Acme"  # neutralised against formula injection
    assert row["vendor"] == "litigator" and "litigator" in row["reason"].lower()
    hashes = query(database, "SELECT entry_hash FROM evidence_log WHERE kind = 'check'")
    assert row["evidence_hash"] in {h[0] for h in hashes} and len(row["evidence_hash"]) == 64
    assert main(["export", "returns", "--supplier", "Zeta", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").count("\n") == 1  # the header only
    capsys.readouterr()

    lead_id = int(row["lead_id"])
    assert main(["--json", "review", str(lead_id), "--reason", "a known customer"]) == 0
    assert json.loads(capsys.readouterr().out)["lead_id"] == lead_id
    logged = query(database, "SELECT content FROM evidence_log WHERE kind = 'review'")
    assert any("a known customer" in str(c[0]) for c in logged)
    assert main(["review", "999", "--reason", "x"]) == 2
    assert main(["review", str(lead_id), "--reason", "  "]) == 2
    assert main(["verify"]) == 0
