"""Consumers and lookup (issue 10): a phone in any layout or an email in any case finds every lead bought for
the consumer; checks belong to every lead holding their subject; a manual check made with other data never
changes another lead; ``history --subject`` and ``lookup`` accept what a buyer types."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main
from desktop_app.demo import demo_environment
from desktop_app.imports import import_csv
from desktop_app.paths import Paths
from desktop_app.service import CheckService, make_http_client
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.store.backend import Location
from desktop_app.vendors.errors import CallError, ErrorKind
from desktop_app.vendors.results import CheckResult, Flag

PHONE = "+19418675309"
LAYOUTS = ["(941) 867-5309", "941.867.5309", "+1 941 867 5309", "9418675309"]
CERT = "https://cert.trustedform.com/" + "a" * 40
OTHER_CERT = "https://cert.trustedform.com/" + "b" * 40
THIRD_CERT = "https://cert.trustedform.com/" + "c" * 40
HEADER = ["Phone Number", "Email", "xxTrustedFormCertUrl", "First Name", "Supplier", "Cost"]
ROWS = [
    # Three purchases for one consumer (one phone in three layouts, two emails), and a stranger.
    ["(941) 867-5309", "Ann@Example.com", CERT, "Ann", "Acme Leads", "$12.50"],
    ["941.867.5309", "ann.other@example.com", OTHER_CERT, "Annie", "Best Leads", "9"],
    ["+1 941 867 5309", "ANN@EXAMPLE.COM", THIRD_CERT, "Ann", "Cheap Leads", "3.00"],
    ["(202) 555-0100", "stranger@example.com", "", "Sam", "Acme Leads", "5"],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def retain(cert: str, flag: Flag | None = Flag.GREEN, summary: str = "retained") -> CheckResult:
    error = CallError(ErrorKind.AUTH, "bad key", http_status=401) if flag is None else None
    return CheckResult(vendor="trustedform", operation="retain", subject=cert, flag=flag, summary=summary, error=error)


def litigator(phone: str, flag: Flag = Flag.RED, summary: str = "known litigator") -> CheckResult:
    return CheckResult(vendor="litigator", operation="check", subject=phone, flag=flag, summary=summary)


@pytest.fixture
def paths(leadcheck_home: Path) -> Paths:
    return Paths.from_env().ensure()


@pytest.fixture
def store(paths: Paths, database: Location) -> Iterator[Store]:
    with Store(database, backups_dir=paths.backups_dir) as s:
        yield s


@pytest.fixture
def imported(store: Store, tmp_path: Path) -> list[int]:
    """The four rows imported; returns their lead ids in file order."""
    report = import_csv(store, write_csv(tmp_path / "leads.csv", ROWS))
    assert report.leads_created == 4 and report.rows_recognised == 0
    return report.lead_ids


@pytest.fixture
async def service(paths: Paths, store: Store) -> AsyncIterator[CheckService]:
    client = make_http_client(5.0)
    try:
        yield CheckService(Settings(paths, environ=demo_environment()), store, client)
    finally:
        await client.aclose()


def lead_of(found: dict[str, Any], lead_id: int) -> dict[str, Any]:
    (lead,) = [lead for lead in found["leads"] if lead["id"] == lead_id]
    return lead


def test_rows_sharing_a_phone_stay_separate_leads_of_one_consumer(store: Store, imported: list[int]) -> None:
    leads = [store.lead(i) for i in imported]
    assert [lead["phone"] for lead in leads[:3]] == [PHONE] * 3  # type: ignore[index]
    assert [lead["supplier"] for lead in leads] == ["Acme Leads", "Best Leads", "Cheap Leads", "Acme Leads"]  # type: ignore[index]
    assert [lead["cert_url"] for lead in leads[:3]] == [CERT, OTHER_CERT, THIRD_CERT]  # type: ignore[index]


def test_lookup_in_four_phone_layouts_and_an_email_in_another_case_finds_the_same_leads(
    store: Store, imported: list[int]
) -> None:
    answers = [store.lookup(layout) for layout in [*LAYOUTS, "  aNN@example.COM "]]
    for found in answers:
        assert [lead["id"] for lead in found["leads"]] == imported[:3]
        assert found["phones"] == [PHONE]
        assert "ann@example.com" in found["emails"]
    assert [found["query"] for found in answers[:4]] == LAYOUTS
    first = lead_of(answers[0], imported[0])
    assert (first["supplier"], first["cost"], first["source_file"], first["source_row"]) == (
        "Acme Leads",
        "12.50",
        "leads.csv",
        2,
    )
    assert first["cert_url"] == CERT and first["verdict"] == "unchecked"
    assert first["imported_at"] and first["checks"] == []
    assert first["reasons"] == ["No vendor has checked this lead yet."]


def test_lookup_of_an_unknown_consumer_is_empty_and_of_nonsense_is_refused(store: Store, imported: list[int]) -> None:
    found = store.lookup("(305) 555-0199")
    assert found["leads"] == [] and found["phones"] == ["+13055550199"] and found["suppression"] == []
    with pytest.raises(ValueError, match="neither a phone number nor an email"):
        store.lookup("hello there")


def test_a_litigator_check_links_to_every_lead_with_that_phone(store: Store, imported: list[int]) -> None:
    check_id = store.record_check(litigator(PHONE), lead_id=imported[0])
    store.add_suppression([("phone", PHONE, "litigator", "TCPA Litigator check")])
    found = store.lookup("941-867-5309")
    for lead_id in imported[:3]:
        lead = lead_of(found, lead_id)
        assert lead["verdict"] == "red"
        assert lead["reasons"] == ["TCPA Litigator: known litigator"]
        assert [(c["id"], c["vendor"], c["flag"], c["counts_for_lead"]) for c in lead["checks"]] == [
            (check_id, "litigator", "red", True)
        ]
    assert store.lead(imported[3])["verdict"] == "unchecked"  # type: ignore[index]
    assert found["suppression"] == [
        {
            "kind": "phone",
            "value": PHONE,
            "reason": "litigator",
            "source": "TCPA Litigator check",
            "added_at": found["suppression"][0]["added_at"],
        }
    ]
    assert store.verdict_counts() == {"red": 3, "unchecked": 1}


async def test_a_manual_retain_with_another_email_leaves_the_lead_alone_and_is_shown_beside_it(
    service: CheckService, store: Store, imported: list[int]
) -> None:
    lead_id = imported[0]
    service.save(retain(CERT), sent={"email": "ANN@example.com", "phone": "(941) 867-5309"})
    assert store.lead(lead_id)["verdict"] == "green"  # type: ignore[index]
    service.save(
        retain(CERT, Flag.RED, "the email does not match the certificate"),
        sent={"email": "someone.else@example.com", "phone": None},
    )
    lead = store.lead(lead_id)
    assert lead is not None and lead["verdict"] == "green" and lead["flag_trustedform"] == "green"
    assert store.lead_verdict(lead_id) == ("green", ["Every vendor that checked it is green (TrustedForm)."])
    assert store.verdict_counts() == {"green": 1, "unchecked": 3}
    checks = lead_of(store.lookup("ann@example.com"), lead_id)["checks"]
    assert [(c["flag"], c["counts_for_lead"], c["sent"]) for c in checks] == [
        ("green", True, {"email": "ann@example.com", "phone": PHONE}),
        ("red", False, {"email": "someone.else@example.com"}),
    ]
    assert len(store.leads_for_subject("trustedform", CERT)) == 1  # no lead was made for the other email


async def test_a_manual_check_on_an_unknown_subject_creates_a_manual_lead(
    service: CheckService, store: Store, imported: list[int]
) -> None:
    cert = "https://cert.trustedform.com/" + "d" * 40
    service.save(retain(cert), sent={"email": "New.Person@Example.com", "phone": "(305) 555-0123"})
    (lead_id,) = store.leads_for_subject("trustedform", cert)
    lead = store.lead(lead_id)
    assert lead is not None
    assert (lead["source"], lead["source_file"], lead["email"], lead["phone"], lead["verdict"]) == (
        "manual",
        None,
        "new.person@example.com",
        "+13055550123",
        "green",
    )
    assert [lead["id"] for lead in store.lookup("305 555 0123")["leads"]] == [lead_id]

    service.save(litigator("+13055550777", Flag.GREEN, "not a known litigator"))
    (phone_lead,) = store.leads_for_subject("litigator", "+13055550777")
    assert store.lead(phone_lead)["source"] == "manual"  # type: ignore[index]

    service.save(retain("https://cert.trustedform.com/" + "e" * 40, flag=None))  # a failed call makes no lead
    assert store.leads_for_subject("trustedform", "https://cert.trustedform.com/" + "e" * 40) == []
    assert store.lead_count() == len(imported) + 2


def test_history_subject_accepts_any_phone_layout_and_an_email_in_any_case(
    store: Store, imported: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    store.record_check(litigator("+12025556666"))
    store.record_check(retain(CERT), lead_id=imported[0], sent={"email": "ann@example.com"})
    assert [c.result.subject for c in store.checks(subject="202-555-6666")] == ["+12025556666"]
    store.close()

    assert main(["--json", "history", "--subject", "(202) 555-6666"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(c["vendor"], c["subject"]) for c in lines] == [("litigator", "+12025556666")]

    assert main(["--json", "history", "--subject", "ANN@Example.COM"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(c["vendor"], c["subject"]) for c in lines] == [("trustedform", CERT)]

    assert main(["--json", "history", "--subject", "+1 941 867 5309"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(c["vendor"], c["subject"]) for c in lines] == [("trustedform", CERT)]


def test_lookup_command_prints_one_json_object_and_exits_0_also_when_nothing_matches(
    store: Store, imported: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    store.record_check(litigator(PHONE), lead_id=imported[1])
    store.close()
    assert main(["--json", "lookup", "941.867.5309"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    found = json.loads(line)
    assert {"query", "phones", "emails", "leads", "suppression"} <= set(found)
    assert [lead["id"] for lead in found["leads"]] == imported[:3]
    lead = found["leads"][0]
    assert {"id", "supplier", "cost", "source_file", "source_row", "imported_at", "cert_url", "leadid"} <= set(lead)
    assert {"verdict", "reasons", "checks"} <= set(lead)
    assert {"id", "vendor", "operation", "flag", "summary", "finished_at", "sent"} <= set(lead["checks"][0])

    assert main(["--json", "lookup", "nobody@example.com"]) == 0
    assert json.loads(capsys.readouterr().out)["leads"] == []

    assert main(["lookup", "(941) 867-5309"]) == 0
    text = capsys.readouterr().out
    assert "3 leads" in text and "Acme Leads" in text and "Cheap Leads" in text and "RED" in text

    assert main(["lookup", "not a phone"]) == 2


async def test_contact_state_calls_that_check_no_evidence_create_no_lead(
    service: CheckService, store: Store, imported: list[int]
) -> None:
    for operation, subject in [
        ("claim", "https://cert.contactstate.com/claim/0d2b0c1e-0000-4000-8000-000000000000"),
        ("stats", "lead-123"),
        ("export", "export"),
        ("lead_create", "Jane Doe"),
    ]:
        service.save(CheckResult(vendor="contactstate", operation=operation, subject=subject, flag=None, summary="ok"))
    assert store.lead_count() == len(imported)
    cert = "https://cert.contactstate.com/certificates/0d2b0c1e-0000-4000-8000-000000000000"
    service.save(CheckResult(vendor="contactstate", operation="cert", subject=cert, flag=Flag.GREEN, summary="ok"))
    (lead_id,) = store.leads_for_subject("contactstate", cert)
    assert store.lead(lead_id)["source"] == "manual"  # type: ignore[index]
