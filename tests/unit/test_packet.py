"""Evidence packets (issue 11): one ZIP per consumer whose manifest matches its files, whose checks are the stored
rows (each recomputes its evidence-log entry), whose PDF names every lead and check, whose leads.csv keeps every
original column, and which holds no secret; ``leadcheck packet`` exits 0, 1 (nothing stored) or 2 (not a phone or
an email)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app import __version__
from desktop_app.cli import main
from desktop_app.demo import demo_environment
from desktop_app.imports import import_csv
from desktop_app.packet import NothingToPack, write_packet
from desktop_app.paths import Paths
from desktop_app.sandbox.scenarios import tf_cert_id
from desktop_app.store import Store
from desktop_app.store.backend import Location
from desktop_app.store.evidence import check_content, entry_hash
from desktop_app.vendors.answers import Exchange
from desktop_app.vendors.credentials import FIELDS
from desktop_app.vendors.errors import CallError, ErrorKind
from desktop_app.vendors.results import CheckResult, Flag
from desktop_app.vendors.trustedform import parse_retain

DATA = Path(__file__).resolve().parents[1] / "data"
NOW = datetime(2026, 1, 9, 14, 30, tzinfo=UTC)
PHONE = "+12025550001"
TF_SUCCESS = "v4_leadconduit_01_200_should_correctly_handle_a_success_response.json"
HEADER = [
    "Phone Number",
    "Email",
    "First Name",
    "xxTrustedFormCertUrl",
    "universal_leadid",
    "Supplier",
    "Cost",
    "Campaign",
]
ROWS = [
    ["(202) 555-0001", "Ann@Example.com", "Ann", tf_cert_id("pkt", 1), "0C7BB1A3-1234-4234-8234-123456789012",
     "Acme Leads", "12.50", '=HYPERLINK("http://evil.example")'],
    ["202.555.0001", "ann.work@example.com", "Annie", tf_cert_id("pkt", 2), "", "Best Leads", "9", "web"],
    ["(303) 555-0002", "sam@example.com", "Sam", tf_cert_id("pkt", 3), "", "Acme Leads", "5", "web"],
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([*row[:3], "https://cert.trustedform.com/" + row[3], *row[4:]])
    return path


def rich_retain(cert: str, email: str) -> CheckResult:
    """TrustedForm's documented success answer (consent language, scans, Insights) as the client parses it."""
    body = json.loads((DATA / "trustedform" / TF_SUCCESS).read_text())["body"]
    text = json.dumps(body)
    response = httpx.Response(200, text=text, request=httpx.Request("POST", cert))
    sent = {"method": "POST", "url": cert, "headers": {}, "body": {"match_lead": {"email": email}}}
    exchange = Exchange(response, None, sent, text, 1, "2026-01-06T09:00:00.000Z", "2026-01-06T09:00:01.250Z")
    return parse_retain(exchange, cert, supplied=("email", "phone"))


@pytest.fixture
def paths(leadcheck_home: Path) -> Paths:
    return Paths.from_env().ensure()


@pytest.fixture
def store(paths: Paths, database: Location) -> Iterator[Store]:
    with Store(database, backups_dir=paths.backups_dir) as s:
        yield s


@pytest.fixture
def consumer(store: Store, tmp_path: Path) -> list[int]:
    """Two leads of one consumer (one phone, two emails) with a rich retain, an audit, a failed call, a litigator
    check shared by both, and an opt-out; and a stranger. Returns the consumer's lead ids."""
    ids = import_csv(store, write_csv(tmp_path / "ann.csv", ROWS)).lead_ids
    first, second = (store.lead(i) for i in ids[:2])
    assert first is not None and second is not None
    store.record_check(rich_retain(first["cert_url"], first["email"]), lead_id=ids[0], sent={"email": first["email"]})
    audit = CheckResult("jornaya", "audit", first["leadid"], Flag.YELLOW, "Authentic; yellow: capture partial")
    audit.details = {"authentic": True, "result": "yellow", "rules": {"capture": {"value": 2, "rule": "yellow",
                     "meaning": "Only part of the visual playback was captured."}}}  # fmt: skip
    store.record_check(audit, lead_id=ids[0])
    error = CallError(ErrorKind.VENDOR_DOWN, "TrustedForm is down (HTTP 503).", http_status=503, hint="Try later.")
    down = CheckResult("trustedform", "retain", second["cert_url"], None, error.message, error=error)
    store.record_check(down, lead_id=ids[1])
    litigator = CheckResult("litigator", "check", PHONE, Flag.RED, "Known TCPA litigator: do not call this number.")
    litigator.details = {"phone_is_litigator": True, "phone_e164": PHONE}
    store.record_check(litigator, lead_id=ids[0])
    stranger = CheckResult("litigator", "check", "+13035550002", Flag.GREEN, "Not a known TCPA litigator.")
    store.record_check(stranger, lead_id=ids[2])
    store.add_suppression([("phone", PHONE, "optout", "Consent Control upload")])
    return ids[:2]


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install poppler-utils (scripts/bootstrap.sh does)"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_manifest_matches_every_file_and_covers_every_check_with_its_evidence_entry(
    qapp: Any, store: Store, consumer: list[int], tmp_path: Path
) -> None:
    head = store.evidence_head()
    summary = write_packet(store, "(202) 555-0001", tmp_path / "out" / "ann.zip", now=NOW)
    files = read_zip(summary.path)
    manifest = json.loads(files.pop("manifest.json"))
    assert set(manifest["files"]) == set(files)
    for name, body in files.items():
        assert manifest["files"][name] == {"sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
    check_ids = sorted({c["id"] for lead in store.lookup(PHONE)["leads"] for c in lead["checks"]})
    assert summary.check_ids == check_ids and len(check_ids) == 4  # the stranger's check is not in it
    assert {f"checks/{i}.json" for i in check_ids} | {"report.pdf", "leads.csv"} == set(files)
    known = store.evidence_for_checks(check_ids)
    assert [(e["check_id"], e["seq"], e["entry_hash"]) for e in manifest["evidence_entries"]] == [
        (i, *known[i]) for i in check_ids
    ]
    assert manifest["evidence_head"]["entries"] == head.entries and manifest["evidence_head"]["hash"] == head.hash
    assert manifest["leadcheck_version"] == __version__ and manifest["made_at"] == "2026-01-09T14:30:00Z"
    assert manifest["leads"] == consumer and manifest["consumer"]["phones"] == [PHONE]
    assert summary.manifest_sha256 == hashlib.sha256(read_zip(summary.path)["manifest.json"]).hexdigest()
    assert not [p for p in summary.path.parent.iterdir() if p != summary.path]  # no temporary file left


def test_each_check_file_is_the_stored_row_and_recomputes_its_evidence_entry(
    qapp: Any, store: Store, consumer: list[int], tmp_path: Path
) -> None:
    summary = write_packet(store, "ann@example.com", tmp_path / "ann.zip", now=NOW)
    files = read_zip(summary.path)
    manifest = json.loads(files["manifest.json"])
    stored = {row["id"]: row for row in store.check_records(summary.check_ids)}
    for entry in manifest["evidence_entries"]:
        row = json.loads(files[entry["file"]])
        assert row == stored[entry["check_id"]]  # exactly as stored, JSON columns kept as their text
        content_hash = hashlib.sha256(check_content(row).encode()).hexdigest()
        assert content_hash == entry["content_hash"]
        assert entry["hash_version"] == 2  # its time, kind, check id and seat are hashed with it
        recomputed = entry_hash(
            entry["seq"], entry["prev_hash"], content_hash, version=2, at=entry["at"], kind="check",
            ref=entry["check_id"], seat=entry["seat"],
        )  # fmt: skip
        assert recomputed == entry["entry_hash"]
        # the manifest's recipe, followed literally as an outsider would
        text = f"leadcheck-evidence-v2\n{entry['seq']}\n{entry['prev_hash']}\n{content_hash}\n{entry['at']}\ncheck\n"
        text += f"{entry['check_id']}\n{entry['seat']}"
        assert hashlib.sha256(text.encode()).hexdigest() == entry["entry_hash"]
        assert "leadcheck-evidence-v2" in manifest["notes"]["verify"]
    assert "stored JSON text" in manifest["notes"]["checks"]


def test_the_report_names_the_consumer_every_lead_and_check_and_what_the_vendors_returned(
    qapp: Any, store: Store, consumer: list[int], tmp_path: Path
) -> None:
    summary = write_packet(store, PHONE, tmp_path / "ann.zip", now=NOW)
    files = read_zip(summary.path)
    assert files["report.pdf"].startswith(b"%PDF")
    text = pdf_text(files["report.pdf"], tmp_path)
    flat = " ".join(text.split())
    for lead_id in consumer:
        assert f"Lead #{lead_id}" in flat
    for check_id in summary.check_ids:
        assert f"Check {check_id} —" in flat
    for words in (
        PHONE, "ann@example.com", "ann.work@example.com", "Acme Leads", "Best Leads", "12.50", "ann.csv, row 2",
        "I understand that the TrustedForm certificate",  # the consent language TrustedForm returned
        "https://activeprospect.github.io/certificate_staging.html",  # Insights: the page
        "make a claim on Staging",  # page scans
        "Only part of the visual playback was captured.",  # a Jornaya rule's meaning
        "Known TCPA litigator: do not call this number.", "TrustedForm is down (HTTP 503).",
        "Opt-out", "Consent Control upload", summary.head.hash, "What the head hash proves",
        "2026-01-09 14:30:00 UTC", f"Page 1 of {summary.pages}",
    ):  # fmt: skip
        assert words in flat, words
    assert "Sam" not in flat and "Not a known TCPA litigator" not in flat  # the stranger stays out
    assert summary.pages >= 2


def test_leads_csv_has_every_original_column_neutralised(
    qapp: Any, store: Store, consumer: list[int], tmp_path: Path
) -> None:
    summary = write_packet(store, PHONE, tmp_path / "ann.zip", now=NOW)
    text = read_zip(summary.path)["leads.csv"].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["lead_id"]) for r in rows] == consumer
    assert rows[0]["Campaign"] == '\'=HYPERLINK("http://evil.example")'  # an original column, neutralised
    assert rows[1]["Campaign"] == "web"
    assert rows[0]["phone"] == "2025550001" and rows[0]["supplier"] == "Acme Leads" and rows[0]["cost"] == "12.50"
    assert rows[0]["source_file"] == "ann.csv" and rows[0]["source_row"] == "2" and rows[0]["verdict"] == "red"


def test_the_packet_is_logged_and_the_log_still_verifies(
    qapp: Any, store: Store, consumer: list[int], tmp_path: Path
) -> None:
    before = store.evidence_head()
    summary = write_packet(store, PHONE, tmp_path / "ann.zip", now=NOW)
    assert summary.head == before and summary.logged_as is not None
    assert summary.logged_as.entries == before.entries + 1
    kind, content = store.db.execute("SELECT kind, content FROM evidence_log ORDER BY seq DESC LIMIT 1").fetchone()
    logged = json.loads(content)["packet"]
    assert kind == "packet"
    assert logged["manifest_sha256"] == summary.manifest_sha256 and logged["leads"] == consumer
    assert logged["checks"] == summary.check_ids and logged["path"] == str(summary.path)
    assert store.verify().ok


def test_nothing_stored_writes_nothing(qapp: Any, store: Store, consumer: list[int], tmp_path: Path) -> None:
    with pytest.raises(NothingToPack, match="No lead is stored for \\+14155550100"):
        write_packet(store, "(415) 555-0100", tmp_path / "none.zip", now=NOW)
    assert not list(tmp_path.glob("*.zip*"))


def test_cli_exit_codes(
    qapp: Any, store: Store, consumer: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli.zip"
    assert main(["packet", "202-555-0001", "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert str(out) in said.out and "2 leads, 4 checks" in said.out and "head" in said.out
    assert zipfile.ZipFile(out).testzip() is None
    assert main(["packet", "nobody@example.com", "--out", str(tmp_path / "none.zip")]) == 1
    assert "No lead is stored for nobody@example.com" in capsys.readouterr().err
    assert main(["packet", "not a phone", "--out", str(tmp_path / "none.zip")]) == 2
    assert "neither a phone number nor an email" in capsys.readouterr().err
    assert not (tmp_path / "none.zip").exists()


@pytest.mark.e2e
def test_no_secret_in_any_file_of_a_packet_made_from_the_simulators_answers(
    qapp: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo keys went to every vendor (through the simulator) and must appear in no file of the packet."""
    source = write_csv(tmp_path / "leads.csv", ROWS[:2])
    assert main(["--demo", "scrub", str(source), "--vendors", "trustedform,jornaya,litigator"]) == 0
    out = tmp_path / "demo.zip"
    assert main(["--demo", "packet", PHONE, "--out", str(out)]) == 0
    capsys.readouterr()
    files = read_zip(out)
    secrets = {demo_environment()[f.env] for f in FIELDS if f.secret}
    assert len(secrets) >= 7
    vendors = sorted(
        json.loads(files[e["file"]])["vendor"] for e in json.loads(files["manifest.json"])["evidence_entries"]
    )
    assert vendors == ["jornaya", "litigator", "trustedform", "trustedform"]  # each sent with the demo keys
    text = pdf_text(files["report.pdf"], tmp_path)
    for name, body in [*files.items(), ("report.pdf (text)", text.encode())]:
        for secret in secrets:
            assert secret.encode() not in body, f"{name} holds a secret"
