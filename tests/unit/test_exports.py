"""Results and suppression exports: they read back with csv as written, and formulas are neutralised."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.exports import (
    import_suppression_file,
    neutralise,
    write_results_csv,
    write_suppression,
)
from desktop_app.imports import import_csv
from desktop_app.store import Store
from desktop_app.store.backend import Location
from desktop_app.store.batches import BatchStore
from desktop_app.vendors.errors import CallError, ErrorKind, InputError
from desktop_app.vendors.results import CheckResult, Flag

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"


@pytest.fixture
def store(database: Location) -> Iterator[Store]:
    with Store(database) as s:
        yield s


def read(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    """The CSV's rows, without a results export's last line (the evidence log's head, checked on its own)."""
    with open(path, encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[:-1] if rows and rows[-1] and rows[-1][0].startswith("# Evidence log: ") else rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+12025551212", "'+12025551212"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
        (12, "12"),
    ],
)
def test_neutralise(value: object, expected: str) -> None:
    assert neutralise(value) == expected


def _result(vendor: str, op: str, subject: str, flag: Flag | None, summary: str) -> CheckResult:
    return CheckResult(vendor, op, subject, flag, summary, finished_at="2026-01-02T03:04:05.000Z")


def test_results_round_trip_with_every_vendor_flag_reason_and_date(store: Store, tmp_path: Path) -> None:
    lead = store.add_lead({"phone": "+12025551212", "email": "a@example.com", "first_name": "=cmd|' /C calc'!A0"})
    other = store.add_lead({"phone": "+13035551212"})
    store.record_check(_result("litigator", "check", "+12025551212", Flag.GREEN, "Not a litigator."), lead_id=lead)
    store.record_check(_result("trustedform", "retain", "c", Flag.RED, "-Not retained: expired"), lead_id=lead)
    error = CallError(ErrorKind.AUTH, "Key refused.", hint="Open Settings → TCPA Litigator.")
    store.record_check(
        CheckResult("litigator", "check", "+13035551212", None, "Key refused.", error=error), lead_id=other
    )
    out = tmp_path / "results.csv"
    assert write_results_csv(store, out) == 2
    rows = read(out, "utf-8-sig")
    header = rows[0]
    assert header[:3] == ["lead_id", "phone", "email"]
    assert header[-6:] == [
        "trustedform_flag", "trustedform_reason", "trustedform_date", "litigator_flag", "litigator_reason",
        "litigator_date",
    ]  # fmt: skip
    first = dict(zip(header, rows[1], strict=True))
    assert first["phone"] == "2025551212"
    assert first["first_name"] == "'=cmd|' /C calc'!A0"
    assert first["trustedform_flag"] == "Red" and first["trustedform_reason"] == "'-Not retained: expired"
    assert first["litigator_flag"] == "Green" and first["litigator_date"] == "2026-01-02T03:04:05.000Z"
    second = dict(zip(header, rows[2], strict=True))
    assert second["litigator_flag"] == "Error"
    assert second["litigator_reason"] == "Key refused. — Open Settings → TCPA Litigator."
    assert second["trustedform_flag"] == ""


def test_results_for_a_batch_include_cached_answers_and_what_is_left(store: Store, tmp_path: Path) -> None:
    a = store.add_lead({"phone": "+12025551212"})
    b = store.add_lead({"phone": "+13035551212"})
    batches = BatchStore(store)
    batch = batches.create_batch(
        "b", ["litigator"], [(a, "litigator", "+12025551212"), (b, "litigator", "+13035551212")]
    )
    check = store.record_check(_result("litigator", "check", "+12025551212", Flag.RED, "Known litigator."), lead_id=a)
    items = batches.items(batch)
    batches.mark_cached([(items[0]["id"], check)])
    out = tmp_path / "batch.csv"
    assert write_results_csv(store, out, batch_id=batch) == 2
    rows = read(out, "utf-8-sig")
    assert rows[1][-3:] == ["Red", "Known litigator.", "2026-01-02T03:04:05.000Z"]
    assert rows[2][-3:] == ["", "not checked yet", ""]
    with pytest.raises(InputError):
        write_results_csv(store, out, batch_id=999)


def test_imported_formulas_are_neutralised_in_the_results(store: Store, tmp_path: Path) -> None:
    import_csv(store, DATA / "formula.csv")
    lead_id = store.lead_count()
    lead = store.lead(lead_id)
    assert lead is not None
    store.record_check(_result("litigator", "check", str(lead["phone"]), Flag.GREEN, "ok"), lead_id=lead_id)
    out = tmp_path / "r.csv"
    write_results_csv(store, out)
    row = dict(zip(*read(out, "utf-8-sig")[:2], strict=True))
    assert row["email"] == "'+bad@example.com"
    assert row["first_name"] == "'@SUM(A1)"
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def _suppressed(store: Store) -> None:
    store.add_suppression(
        [
            ("phone", "+12025551212", "litigator", "TCPA Litigator check"),
            ("phone", "+13035551212", "optout", "Consent Control upload"),
            ("email", "opt@example.com", "optout", "Consent Control upload"),
            ("email", "imp@example.com", "imported", "file"),
        ]
    )
    red = store.add_lead({"phone": "+14045551212", "email": "red@example.com"})
    store.record_check(_result("trustedform", "retain", "c", Flag.RED, "no"), lead_id=red)
    yellow = store.add_lead({"phone": "+15055551212"})
    store.record_check(_result("jornaya", "audit", "t", Flag.YELLOW, "hm"), lead_id=yellow)


@pytest.mark.parametrize(
    ("fmt", "include", "expected"),
    [
        ("phone10", "litigator,optout", ["2025551212", "3035551212"]),
        ("e164", "litigator,red", ["+12025551212", "+14045551212"]),
        ("email", "optout,imported,red", ["imp@example.com", "opt@example.com", "red@example.com"]),
        ("phone10", "trustedform:red", ["4045551212"]),
        ("phone10", "jornaya:red", []),
        ("phone10", "yellow", ["5055551212"]),
    ],
)
def test_suppression_formats_and_sources_round_trip(
    store: Store, tmp_path: Path, fmt: str, include: str, expected: list[str]
) -> None:
    _suppressed(store)
    out = tmp_path / "s.csv"
    assert write_suppression(store, out, fmt=fmt, include=include.split(",")) == len(expected)
    rows = read(out)
    assert rows[0] == [fmt]
    assert [r[0] for r in rows[1:]] == expected


def test_e164_values_stay_usable_while_other_cells_are_neutralised(store: Store, tmp_path: Path) -> None:
    _suppressed(store)
    out = tmp_path / "e.csv"
    write_suppression(store, out, fmt="e164", include=["litigator", "optout"], reason=True, date=True)
    rows = read(out)
    assert rows[0] == ["e164", "reason", "date"]
    assert rows[1][0] == "+12025551212" and rows[1][1] == "litigator"
    assert rows[2][:2] == ["+13035551212", "optout"]
    assert rows[1][2].startswith("20")


def test_colour_reasons_name_the_vendor_and_its_cause(store: Store, tmp_path: Path) -> None:
    _suppressed(store)
    both = store.add_lead({"phone": "+16065551212"})
    store.record_check(
        _result("trustedform", "retain", "c2", Flag.RED, "The email does not match the certificate."), lead_id=both
    )
    store.record_check(_result("litigator", "check", "+16065551212", Flag.RED, "Known TCPA litigator."), lead_id=both)
    out = tmp_path / "r.csv"
    write_suppression(store, out, fmt="e164", include=["red", "yellow"], reason=True, kinds=["phone"])
    reasons = {r[0]: r[1] for r in read(out)[1:]}
    assert reasons == {
        "+14045551212": "TrustedForm: no",
        "+15055551212": "Jornaya: hm",
        "+16065551212": "TCPA Litigator: Known TCPA litigator.; TrustedForm: The email does not match the certificate.",
    }
    write_suppression(store, out, fmt="e164", include=["litigator:red"], reason=True, kinds=["phone"])
    assert read(out)[1:] == [["+16065551212", "TCPA Litigator: Known TCPA litigator."]]


def test_hashes_are_of_the_normalised_value(store: Store, tmp_path: Path) -> None:
    _suppressed(store)
    out = tmp_path / "h.csv"
    write_suppression(store, out, fmt="sha256", include=["litigator", "imported"])
    values = {r[0] for r in read(out)[1:]}
    assert values == {
        hashlib.sha256(b"+12025551212").hexdigest(),
        hashlib.sha256(b"imp@example.com").hexdigest(),
    }
    write_suppression(store, out, fmt="md5", include=["litigator", "imported"], kinds=["email"])
    assert [r[0] for r in read(out)[1:]] == [hashlib.md5(b"imp@example.com").hexdigest()]


def test_unknown_format_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an export format"):
        write_suppression(store, tmp_path / "x.csv", fmt="xml")


def test_consent_control_suppression_file_joins_the_local_list(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "suppression.csv"
    path.write_text("phone,email\n(202) 555-1212,A@Example.com\n123,\n3035551212,\n", encoding="utf-8")
    outcome = import_suppression_file(store, path)
    assert outcome.read == 3 and outcome.added == 3
    assert len(outcome.problems) == 1
    assert import_suppression_file(store, path).added == 0  # already there
    out = tmp_path / "out.csv"
    write_suppression(store, out, fmt="phone10", include=["imported"])
    assert [r[0] for r in read(out)[1:]] == ["2025551212", "3035551212"]


def test_every_export_names_the_evidence_head_and_is_logged_with_its_digest(store: Store, tmp_path: Path) -> None:
    lead = store.add_lead({"phone": "+12025551212"})
    store.record_check(_result("litigator", "check", "+12025551212", Flag.RED, "Known litigator."), lead_id=lead)
    before = store.evidence_head()
    results = tmp_path / "results.csv"
    write_results_csv(store, results)
    with open(results, encoding="utf-8-sig", newline="") as handle:
        last = list(csv.reader(handle))[-1]
    assert last[0].startswith(f"# {before.line()} (written ")
    suppression = tmp_path / "dnc.csv"
    write_suppression(store, suppression, include=["red"])
    assert read(suppression) == [["phone10"], ["2025551212"]]  # no extra line for a dialler
    logged = [
        json.loads(content)["export"]
        for (content,) in store.connection.execute(
            "SELECT content FROM evidence_log WHERE kind = 'export' ORDER BY seq"
        )
    ]
    assert [e["what"] for e in logged] == ["results", "suppression"]
    assert logged[0]["sha256"] == hashlib.sha256(results.read_bytes()).hexdigest() and logged[0]["rows"] == 1
    assert logged[1]["sha256"] == hashlib.sha256(suppression.read_bytes()).hexdigest()
    assert store.verify().ok
