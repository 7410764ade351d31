"""Which seat made it (issue 16): each check a lookup or a packet lists names the seat (user@host) of its evidence
entry, each imported lead the seat of its import; a lead entered by hand, or a check sealed into the log when the
database was upgraded, says nothing. Both engines (the ``database`` fixture); two seats by monkeypatching the
seat the evidence log records."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main
from desktop_app.imports import import_csv
from desktop_app.packet import write_packet
from desktop_app.store import Store, evidence
from desktop_app.store.backend import Location
from desktop_app.vendors.results import CheckResult, Flag
from tests.unit.test_packet import pdf_text

PHONE = "+19418675309"
ANA, BOB = "ana@front-desk", "bob@back-office"
CERT = "https://cert.trustedform.com/" + "a" * 40


class Seat:
    """The seat the evidence log records for the entries written now (what ``evidence.seat()`` answers)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = ANA
        monkeypatch.setattr(evidence, "seat", lambda: self.now)


@pytest.fixture
def seat(monkeypatch: pytest.MonkeyPatch) -> Seat:
    return Seat(monkeypatch)


@pytest.fixture
def store(database: Location) -> Iterator[Store]:
    with Store(database) as s:
        yield s


@pytest.fixture
def two_seats(store: Store, seat: Seat, tmp_path: Path) -> dict[str, int]:
    """Ana imports a lead and retains its certificate; Bob checks the phone and adds a lead for it by hand."""
    source = tmp_path / "leads.csv"
    source.write_text(f"phone,email,cert_url,supplier\n(941) 867-5309,ann@example.com,{CERT},Acme\n", encoding="utf-8")
    (imported,) = import_csv(store, source).lead_ids
    retain = store.record_check(
        CheckResult("trustedform", "retain", CERT, Flag.GREEN, "Retained."), lead_id=imported, sent={}
    )
    seat.now = BOB
    manual = store.add_lead({"phone": PHONE}, source="manual")
    litigator = store.record_check(
        CheckResult("litigator", "check", PHONE, Flag.GREEN, "Not a known TCPA litigator."), lead_id=manual, sent={}
    )
    return {"imported": imported, "manual": manual, "retain": retain, "litigator": litigator}


def checks_by_id(found: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {check["id"]: check for lead in found["leads"] for check in lead["checks"]}


def test_the_lookup_names_the_seat_of_each_check_and_of_each_imported_lead(
    store: Store, two_seats: dict[str, int]
) -> None:
    found = store.lookup("941-867-5309")
    checks = checks_by_id(found)
    assert checks[two_seats["retain"]]["seat"] == ANA
    assert checks[two_seats["litigator"]]["seat"] == BOB  # linked to both leads (the phone), made by Bob
    leads = {lead["id"]: lead for lead in found["leads"]}
    assert leads[two_seats["imported"]]["imported_by"] == ANA
    assert leads[two_seats["manual"]]["imported_by"] is None  # entered by hand: no entry of its own, no guess
    assert store.check_seats([two_seats["retain"], two_seats["litigator"]]) == {
        two_seats["retain"]: ANA,
        two_seats["litigator"]: BOB,
    }


def test_leadcheck_lookup_prints_the_seat_beside_each_check_and_adds_it_to_the_json(
    two_seats: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lookup", "(941) 867-5309"]) == 0
    text = capsys.readouterr().out
    (retain_line,) = [line for line in text.splitlines() if "TrustedForm retain" in line]
    assert f"— by {ANA}" in retain_line
    litigator_lines = [line for line in text.splitlines() if "TCPA Litigator check" in line]
    assert len(litigator_lines) == 2 and all(f"— by {BOB}" in line for line in litigator_lines)
    (imported_line,) = [line for line in text.splitlines() if line.startswith(f"Lead #{two_seats['imported']} ")]
    assert f"imported by {ANA}" in imported_line
    (manual_line,) = [line for line in text.splitlines() if line.startswith(f"Lead #{two_seats['manual']} ")]
    assert "imported by" not in manual_line

    assert main(["--json", "lookup", PHONE]) == 0
    found = json.loads(capsys.readouterr().out)
    checks = checks_by_id(found)
    assert checks[two_seats["retain"]]["seat"] == ANA and checks[two_seats["litigator"]]["seat"] == BOB
    assert {"counts_for_lead", "finished_at", "sent", "flag"} <= set(checks[two_seats["retain"]])  # kept as it was
    assert {lead["id"]: lead["imported_by"] for lead in found["leads"]} == {
        two_seats["imported"]: ANA,
        two_seats["manual"]: None,
    }


def test_a_check_sealed_into_the_log_at_an_upgrade_names_no_seat(store: Store, seat: Seat) -> None:
    with store.transaction() as conn:  # a check stored before the log existed, then the upgrade's seal
        conn.execute(
            "INSERT INTO checks (vendor, operation, subject, flag, summary, details, request, started_at, finished_at) "
            "VALUES ('litigator', 'check', ?, 'green', 'old', '{}', '{}', ?, ?)",
            (PHONE, "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z"),
        )
        evidence.seal_existing_checks(conn)
    (old,) = [int(row[0]) for row in store.db.execute("SELECT id FROM checks").fetchall()]
    seat.now = BOB
    new = store.record_check(CheckResult("litigator", "check", PHONE, Flag.GREEN, "new"), sent={})
    assert store.check_seats([old, new]) == {new: BOB}
    assert store.verify().ok


def test_the_packet_shows_each_checks_seat_in_the_report_the_manifest_and_the_leads_file(
    qapp: Any, store: Store, two_seats: dict[str, int], tmp_path: Path
) -> None:
    made = datetime(2026, 1, 9, 14, 30, tzinfo=UTC)
    summary = write_packet(store, PHONE, tmp_path / "packet.zip", now=made)
    with zipfile.ZipFile(summary.path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    assert {e["check_id"]: e["seat"] for e in manifest["evidence_entries"]} == {
        two_seats["retain"]: ANA,
        two_seats["litigator"]: BOB,
    }
    assert "user@host" in manifest["notes"]["seat"]
    leads = list(csv.DictReader(io.StringIO(files["leads.csv"].decode("utf-8-sig"))))
    assert {int(row["lead_id"]): row["imported_by"] for row in leads} == {
        two_seats["imported"]: ANA,
        two_seats["manual"]: "",
    }
    flat = " ".join(pdf_text(files["report.pdf"], tmp_path).split())
    assert f"Check {two_seats['retain']} — TrustedForm retain · 2026" in flat
    assert f"by {ANA}" in flat and f"by {BOB}" in flat
    assert f"Imported by {ANA}" in flat
    assert store.verify().ok  # the packet's own entry keeps the chain whole
