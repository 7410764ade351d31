"""Every purchased lead's evidence is checked (issue 10), end to end through ``leadcheck`` against the built-in
vendor simulator, the store on both engines: rows sharing a phone stay separate leads, every one of their
TrustedForm certificates is retained, the litigator is asked once per phone and its answer belongs to every lead
with that phone, and importing the same file again adds nothing and says so."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.sandbox import VendorSimulator
from desktop_app.sandbox.scenarios import tf_cert_id
from desktop_app.store import Store
from desktop_app.store.backend import Location

pytestmark = pytest.mark.e2e

HIT = "+12025556666"  # the simulator's known litigator (last four digits 6666)
# Seven purchases of four consumers: three share one phone, two share another (a litigator), two stand alone.
ROWS = [
    ("(202) 555-0001", "ann@example.com", "Ann", "Acme Leads", "10"),
    ("202.555.0001", "ann.work@example.com", "Ann", "Best Leads", "12.50"),
    ("+1 202 555 0001", "annie@example.com", "Annie", "Cheap Leads", "3"),
    ("(202) 555-6666", "lit@example.com", "Lee", "Acme Leads", "10"),
    ("2025556666", "lit.other@example.com", "Lee", "Best Leads", "8"),
    ("(202) 555-0003", "cy@example.com", "Cy", "Acme Leads", "10"),
    ("(202) 555-0004", "dee@example.com", "Dee", "Acme Leads", "10"),
]
CERTS = [f"https://cert.trustedform.com/{tf_cert_id('evidence', i)}" for i in range(len(ROWS))]


def write_file(path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Phone Number", "Email", "xxTrustedFormCertUrl", "First Name", "Supplier", "Cost"])
        for (phone, email, name, supplier, cost), cert in zip(ROWS, CERTS, strict=True):
            writer.writerow([phone, email, cert, name, supplier, cost])
    return path


def test_rows_sharing_a_phone_keep_all_their_evidence_through_a_batch_and_a_second_import_adds_nothing(
    tmp_path: Path, database: Location, simulated_vendors: VendorSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_file(tmp_path / "leads.csv")
    code = main(["--json", "scrub", str(source), "--vendors", "trustedform,litigator"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    records = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    assert "7 leads: 2 red, 0 yellow, 5 green" in captured.err

    with Store(database) as store:
        assert store.lead_count() == len(ROWS)
        leads = store.db.execute("SELECT id, phone, cert_url, verdict FROM leads ORDER BY id").fetchall()
        assert [row[2] for row in leads] == CERTS
        by_phone = Counter(row[1] for row in leads)
        assert by_phone == {"+12025550001": 3, HIT: 2, "+12025550003": 1, "+12025550004": 1}
        assert {row[3] for row in leads if row[1] == HIT} == {"red"}
        assert {row[3] for row in leads if row[1] != HIT} == {"green"}

        retained = store.db.execute(
            "SELECT subject, count(*) FROM checks WHERE vendor = 'trustedform' AND operation = 'retain' "
            "AND error IS NULL GROUP BY subject"
        ).fetchall()
        assert dict(retained) == dict.fromkeys(CERTS, 1)  # every certificate retained, once
        calls = store.db.execute(
            "SELECT subject, count(*) FROM checks WHERE vendor = 'litigator' GROUP BY subject"
        ).fetchall()
        assert dict(calls) == dict.fromkeys(by_phone, 1)  # one litigator call per phone
        for phone in by_phone:
            found = store.lookup(phone)["leads"]
            assert len(found) == by_phone[phone]
            for lead in found:
                checks = {c["vendor"]: c for c in lead["checks"]}
                assert len(lead["checks"]) == 2, lead["checks"]
                assert checks["trustedform"]["subject"] == lead["cert_url"]
                assert checks["trustedform"]["flag"] == "green" and checks["trustedform"]["counts_for_lead"]
                assert checks["litigator"]["subject"] == phone and checks["litigator"]["counts_for_lead"]
                assert checks["litigator"]["flag"] == ("red" if phone == HIT else "green")
        links = store.db.execute(
            "SELECT c.subject, count(*) FROM check_leads cl JOIN checks c ON c.id = cl.check_id "
            "WHERE c.vendor = 'litigator' GROUP BY c.subject"
        ).fetchall()
        assert dict(links) == by_phone  # each answer belongs to every lead with the phone
    assert Counter(r["vendor"] for r in records if not r["cached"]) == {"trustedform": 7, "litigator": 4}

    code = main(["--json", "import", str(source)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    (report,) = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    assert (report["rows_read"], report["leads_created"], report["rows_recognised"]) == (7, 0, 7)
    assert {p["severity"] for p in report["problems"]} == {"recognised"}
    assert "first seen in leads.csv, row 2" in report["problems"][0]["reason"]

    code = main(["import", str(source)])
    captured = capsys.readouterr()
    assert code == 0
    assert "0 new leads, 7 recognised as already imported" in captured.err
    assert "row 2 (recognised): The same purchase as lead #1" in captured.err
    with Store(database) as store:
        assert store.lead_count() == len(ROWS)
