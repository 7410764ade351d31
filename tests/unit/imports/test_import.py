"""Mapping, normalisation, problems kept with the raw row, one lead per purchase, and rows already imported."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from desktop_app.imports import ImportRefused, LeadImporter, import_csv, inspect_csv, propose_mapping
from desktop_app.store import Store
from desktop_app.store.imports import ImportStore

CERT_A = "https://cert.trustedform.com/" + "a" * 40
CERT_B = "https://cert.trustedform.com/" + "b" * 40
TOKEN = "5a1c3d2e-7b8f-4a6c-9d0e-1f2a3b4c5d6e"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "leads.db") as s:
        yield s


def write(tmp_path: Path, text: str, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Phone", "phone"),
        ("phone_number", "phone"),
        ("PHONE1", "phone"),
        ("Mobile", "phone"),
        ("cell", "phone"),
        ("Email Address", "email"),
        ("e-mail", "email"),
        ("xxTrustedFormCertUrl", "cert_url"),
        ("trustedform_cert_url", "cert_url"),
        ("Cert URL", "cert_url"),
        ("universal_leadid", "leadid"),
        ("LeadiD Token", "leadid"),
        ("fname", "first_name"),
        ("Last Name", "last_name"),
        ("ZIP", "zip"),
        ("Vendor", "supplier"),
        ("source", "supplier"),
        ("Price", "cost"),
        ("Contact State Cert URL", "cs_cert_url"),
    ],
)
def test_usual_column_names_are_recognised(header: str, field: str) -> None:
    mapping = propose_mapping([header, "Something Else"], [["", ""]])
    assert mapping.columns[0].field == field
    assert mapping.columns[0].source == "header"
    assert mapping.columns[1].field == "extra"


def test_buyer_can_change_the_mapping_and_a_field_is_never_read_twice() -> None:
    mapping = propose_mapping(["phone", "Tel2", "email"], [["2025551212", "3035551212", "a@b.co"]])
    assert mapping.columns[1].field == "extra"  # phone is already taken by the named column
    changed = mapping.apply([("Tel2", "phone")])
    assert changed.columns[1].field == "phone" and changed.columns[1].source == "buyer"
    assert changed.columns[0].field == "extra"
    assert changed.apply([("3", "ignore")]).columns[2].field == "ignore"
    with pytest.raises(ImportRefused, match="no column"):
        mapping.apply([("Nope", "phone")])
    with pytest.raises(ImportRefused, match="not a lead field"):
        mapping.apply([("phone", "shoe_size")])


def test_mapping_without_any_identity_column_is_refused(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path, "first_name,city\nAnn,Reno\n")
    with pytest.raises(ImportRefused, match="nothing to check"):
        import_csv(store, path)


def test_values_are_normalised(tmp_path: Path, store: Store) -> None:
    path = write(
        tmp_path,
        "Phone,Email,cert,LeadiD,First Name,State,Cost,cs cert url\n"
        f'+1 (202) 555-1212,  Jane.Doe@Example.COM ,{"a" * 40},{TOKEN}," Jane",ca,"$1,250.00",'
        "https://cert.contactstate.com/certs/abc123\n",
    )
    preview = inspect_csv(path)
    mapping = preview.mapping.apply([("cert", "cert_url")])
    report = LeadImporter(store, path, preview=preview, mapping=mapping).run()
    assert report.leads_created == 1 and not report.problems
    lead = store.lead(1)
    assert lead is not None
    assert lead["phone"] == "+12025551212"
    assert lead["email"] == "jane.doe@example.com"
    assert lead["cert_url"] == CERT_A
    assert lead["leadid"] == TOKEN.upper()
    assert lead["first_name"] == "Jane"
    assert lead["state"] == "CA"
    assert lead["cost"] == "1250.00"
    assert lead["cs_cert_url"] == "https://cert.contactstate.com/certs/abc123"


def test_bad_fields_are_dropped_with_a_warning_and_unusable_rows_kept_with_reason(tmp_path: Path, store: Store) -> None:
    path = write(
        tmp_path,
        "phone,email,cert_url\n"
        "2025551212,not-an-email,https://example.com/cert\n"
        "123,also bad,\n"
        "3035551212,ok@example.com,\n",
    )
    report = import_csv(store, path)
    assert report.leads_created == 2
    assert report.rows_refused == 1
    assert report.warnings == 2  # the bad email and the bad certificate on row 2
    problems = ImportStore(store).import_problems(report.import_id)
    refused = [p for p in problems if p.severity == "refused"]
    assert refused[0].row_number == 3
    assert refused[0].raw == ["123", "also bad", ""]
    assert "10 (area code + number)" in refused[0].reason
    warnings = {p.field for p in problems if p.severity == "warning"}
    assert warnings == {"email", "cert_url"}
    lead = store.lead(1)
    assert lead is not None and lead["email"] is None and lead["cert_url"] is None and lead["phone"] == "+12025551212"


def test_each_lead_keeps_its_row_number_when_the_last_columns_are_ignored(tmp_path: Path, store: Store) -> None:
    """The row number was taken from the first cell past the last imported column: an ignored column's text."""
    path = write(
        tmp_path,
        "phone,email,notes,more\n2025551212,a@example.com,call after 5,x\n\n3035551212,b@example.com,,y\n",
    )
    preview = inspect_csv(path)
    mapping = preview.mapping.apply([("notes", "ignore"), ("more", "ignore")])
    report = LeadImporter(store, path, preview=preview, mapping=mapping).run()
    assert report.leads_created == 2 and report.blank_rows == 1
    rows = store.connection.execute("SELECT source_row, extra FROM leads ORDER BY id").fetchall()
    assert [tuple(row) for row in rows] == [(2, None), (4, None)]


def test_rows_sharing_a_phone_or_email_stay_separate_purchases(tmp_path: Path, store: Store) -> None:
    first = write(tmp_path, f"phone,email,cert_url\n2025551212,a@example.com,{CERT_A}\n", "first.csv")
    import_csv(store, first)
    second = write(
        tmp_path,
        "phone,email,cert_url,first_name,supplier,cost\n"
        "(202) 555-1212,,,Ann,Acme,1.50\n"  # same phone as the stored lead: another purchase
        f"3035551212,b@example.com,{CERT_B},Bob,Acme,2\n"  # new
        "4045551212,B@Example.com,,Bobby,Zeta,3\n"  # same email as the row above: another purchase
        f"5055551212,,{CERT_B},,Zeta,4\n",  # same certificate, other data: kept, with a warning
        "second.csv",
    )
    report = import_csv(store, second)
    assert store.lead_count() == 5
    assert report.leads_created == 4 and report.rows_recognised == 0
    assert report.lead_ids == [2, 3, 4, 5]
    leads = [store.lead(i) for i in range(1, 6)]
    assert [lead["phone"] for lead in leads if lead] == [
        "+12025551212", "+12025551212", "+13035551212", "+14045551212", "+15055551212"
    ]  # fmt: skip
    assert [lead["supplier"] for lead in leads if lead] == [None, "Acme", "Acme", "Zeta", "Zeta"]
    assert [lead["cost"] for lead in leads if lead] == [None, "1.50", "2", "3", "4"]
    assert leads[1] and leads[1]["first_name"] == "Ann" and leads[0] and leads[0]["first_name"] is None
    shared = [p for p in report.problems if p.severity == "warning"]
    assert len(shared) == 1 and shared[0].row_number == 5 and "TrustedForm certificate" in shared[0].reason


def test_importing_a_file_again_adds_nothing_and_says_where_each_row_was_first_seen(
    tmp_path: Path, store: Store
) -> None:
    path = write(tmp_path, f"phone,email,cert_url,leadid\n2025551212,a@example.com,{CERT_A},{TOKEN}\n3035551212,,,\n")
    first = import_csv(store, path)
    again = import_csv(store, path)
    assert first.leads_created == 2 and again.leads_created == 0 and again.rows_recognised == 2
    assert store.lead_count() == 2
    assert again.lead_ids == [1, 2]
    recognised = [p for p in again.problems if p.severity == "recognised"]
    assert [(p.row_number, p.lead_id) for p in recognised] == [(2, 1), (3, 2)]
    assert "first seen in leads.csv, row 2" in recognised[0].reason
    assert "recognised as already imported" in again.summary()
    stored = ImportStore(store).import_problems(again.import_id)
    assert [p.severity for p in stored] == ["recognised", "recognised"]


def test_identical_rows_within_one_file_are_one_purchase(tmp_path: Path, store: Store) -> None:
    rows = [f"20255{i:05d},u{i}@example.com" for i in range(10_000, 10_050)]
    path = write(tmp_path, "phone,email\n" + "\n".join(rows + rows) + "\n")  # the second half repeats the first
    report = LeadImporter(store, path, chunk_rows=7).run()
    assert store.lead_count() == 50
    assert report.rows_recognised == 50 and report.leads_created == 50
    lead = store.lead(1)
    assert lead is not None and lead["phone"] == "+12025510000"


async def test_async_import_reports_progress_and_yields_to_the_loop(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path, "phone\n" + "\n".join(f"20255{i:05d}" for i in range(10_000, 10_100)) + "\n")
    seen: list[float] = []
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    report = await LeadImporter(store, path, chunk_rows=10).run_async(lambda p: seen.append(p.fraction))
    task.cancel()
    assert report.leads_created == 100
    assert len(seen) >= 10 and seen[-1] == 1.0
    assert ticks >= 10


async def test_run_async_lets_the_event_loop_run_throughout(tmp_path: Path, store: Store) -> None:
    """The window's import never holds the loop for a whole file: other tasks run between small chunks,
    including while the reader thread is still preparing the next chunk."""
    rows = "\n".join(f"(312) 555-{i:04d},u{i}@example.com" for i in range(3000))
    source = write(tmp_path, "phone,email\n" + rows + "\n")
    ticks = 0
    done = False

    async def other_work() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_work())
    report = await LeadImporter(store, source).run_async()
    done = True
    await other
    assert report.leads_created == 3000
    assert ticks >= 3000 // 250  # at least one turn of the loop per chunk written


async def test_async_import_maps_stored_leads_off_the_loop_and_still_recognises(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window's import reads the stored leads' merge keys on the reader thread (a million stored leads take
    seconds to map), and rows already imported are still recognised."""
    first = write(tmp_path, "phone,email\n" + "\n".join(f"20255{i:05d},u{i}@example.com" for i in range(100)) + "\n")
    await LeadImporter(store, first, chunk_rows=10).run_async()
    threads: list[str] = []
    real = ImportStore.lead_keys_on

    def recording(conn: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(conn)

    monkeypatch.setattr(ImportStore, "lead_keys_on", staticmethod(recording))
    rows = [f"20255{i:05d},u{i}@example.com" for i in range(50)]  # imported before
    rows += [f"40455{i:05d},u{i}@example.com" for i in range(50)]  # known emails, new phones: new purchases
    second = write(tmp_path, "phone,email\n" + "\n".join(rows) + "\n", name="second.csv")
    report = await LeadImporter(store, second, chunk_rows=10).run_async()
    assert threads == ["csv-import-reader"]
    assert report.rows_recognised == 50 and report.leads_created == 50
    assert store.lead_count() == 150
    lead = store.lead(1)
    assert lead is not None and lead["email"] == "u0@example.com"
