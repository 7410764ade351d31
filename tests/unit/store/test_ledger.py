"""Deadlines with an injected clock, the cost ledger, supplier scorecards, returnable leads and reviews."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.store import Store
from desktop_app.store.backend import Location
from desktop_app.store.ledger import iso
from desktop_app.vendors.results import CheckResult, Flag

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CERT = "https://cert.trustedform.com/{:040d}"


@pytest.fixture
def store(database: Location) -> Iterator[Store]:
    with Store(database) as s:
        yield s


def lead(store: Store, n: int, supplier: str, bought: datetime, **fields: str) -> int:
    lead_id = store.add_lead({"phone": f"+1202555{n:04d}", "cert_url": CERT.format(n), "supplier": supplier, **fields})
    store.connection.execute("UPDATE leads SET created_at = ? WHERE id = ?", (iso(bought), lead_id))
    return lead_id


def check(vendor: str, operation: str, subject: str, flag: Flag, at: datetime, **details: object) -> CheckResult:
    result = CheckResult(vendor, operation, subject, flag, f"{vendor} said {flag.value}.", details=dict(details))
    return dataclasses.replace(result, started_at=iso(at), finished_at=iso(at))


def test_deadlines_from_purchase_time_with_an_injected_clock(store: Store) -> None:
    due = lead(store, 1, "Acme", T0)
    retained = lead(store, 2, "Acme", T0)
    bought_earlier = lead(store, 3, "Zeta", T0)
    store.connection.execute("UPDATE leads SET purchased_at = ? WHERE id = ?", (iso(T0 - timedelta(hours=60)), 3))
    expiring = T0 + timedelta(days=20)
    answer = check("trustedform", "retain", CERT.format(2), Flag.GREEN, T0, retained=True, expires_at=iso(expiring))
    store.record_check(answer, lead_id=retained, sent={}, cost=0.25)
    cs = store.add_lead({"phone": "+12025550999", "cs_cert_url": "https://cert.contactstate.com/certs/c1"})
    store.connection.execute("UPDATE leads SET created_at = ? WHERE id = ?", (iso(T0), cs))
    now = T0 + timedelta(hours=50)
    items = {(d.lead_id, d.kind): d for d in store.deadlines(now)}
    assert set(items) == {(due, "retain"), (bought_earlier, "retain"), (retained, "retention_ends"), (cs, "claim")}
    assert items[(due, "retain")].hours_left == 22.0 and items[(due, "retain")].subject == CERT.format(1)
    assert items[(bought_earlier, "retain")].hours_left == -38.0  # the file's lead date counts, not the import
    assert items[(retained, "retention_ends")].due_at == iso(expiring)
    ordered = [d.lead_id for d in store.deadlines(now)]
    assert ordered[0] == bought_earlier  # most urgent first
    assert (retained, "retention_ends") not in {(d.lead_id, d.kind) for d in store.deadlines(now, expiry_days=10)}
    assert items[(due, "retain")].to_dict()["vendor"] == "trustedform"


def test_the_cost_ledger_by_vendor_supplier_day_and_batch(store: Store) -> None:
    a, z = lead(store, 1, "Acme", T0), lead(store, 2, "Zeta", T0)
    store.record_check(check("trustedform", "retain", CERT.format(1), Flag.GREEN, T0), lead_id=a, sent={}, cost=0.25)
    store.record_check(check("litigator", "check", "+12025550001", Flag.GREEN, T0), lead_id=a, sent={}, cost=0.01)
    later = T0 + timedelta(days=1)
    store.record_check(check("litigator", "check", "+12025550002", Flag.RED, later), lead_id=z, sent={}, cost=0.01)
    store.record_check(check("contactstate", "cert", "x", Flag.GREEN, later), lead_id=z, sent={})  # a free read
    by_vendor = {row["vendor"]: row for row in store.costs("vendor")}
    assert by_vendor["litigator"] == {"vendor": "litigator", "checks": 2, "billed": 2, "cost": 0.02}
    assert by_vendor["contactstate"]["billed"] == 0 and by_vendor["contactstate"]["cost"] == 0
    assert {r["supplier"]: r["cost"] for r in store.costs("supplier")} == {"Acme": 0.26, "Zeta": 0.01}
    assert [r["day"] for r in store.costs("day")] == ["2026-11-01", "2026-11-02"]
    assert store.costs("batch") == [{"batch": 0, "checks": 4, "billed": 3, "cost": 0.27}]
    assert store.verify().ok  # a cost is part of the check's logged content


def test_supplier_scorecards_from_known_answers(store: Store) -> None:
    ids = [lead(store, i, "Acme" if i < 3 else "Zeta", T0, cost="2.00") for i in range(5)]
    answers = [Flag.GREEN, Flag.RED, Flag.GREEN, Flag.YELLOW, Flag.RED]
    for n, (lead_id, flag) in enumerate(zip(ids, answers, strict=True)):
        store.record_check(
            check("litigator", "check", f"+1202555{n:04d}", flag, T0), lead_id=lead_id, sent={}, cost=0.5
        )
    cards = {c["supplier"]: c for c in store.supplier_scorecards()}
    acme, zeta = cards["Acme"], cards["Zeta"]
    assert acme["leads"] == 3 and acme["lead_cost"] == 6.0 and acme["compliance_spend"] == 1.5
    assert acme["verdicts"] == {"red": 1, "yellow": 0, "green": 2, "unchecked": 0}
    assert acme["litigator_hits"] == 1 and acme["cost_per_green_lead"] == 3.75
    assert zeta["verdicts"]["green"] == 0 and zeta["cost_per_green_lead"] is None
    assert zeta["vendors"]["litigator"] == {"red": 1, "yellow": 1}


def test_returnable_leads_turned_red_within_the_window(store: Store) -> None:
    quick = lead(store, 1, "Acme", T0)
    slow = lead(store, 2, "Acme", T0)
    store.record_check(check("litigator", "check", "+12025550001", Flag.RED, T0 + timedelta(hours=10)), sent={})
    store.record_check(check("litigator", "check", "+12025550002", Flag.RED, T0 + timedelta(hours=80)), sent={})
    rows = store.returnable()
    assert [r["lead_id"] for r in rows] == [quick]
    assert rows[0]["hours_after_purchase"] == 10.0 and rows[0]["reason"] == "litigator said red."
    assert len(rows[0]["evidence_hash"]) == 64
    assert [r["lead_id"] for r in store.returnable({"Acme": 96})] == [quick, slow]
    assert store.returnable(supplier="Zeta") == []


def test_a_review_is_kept_and_logged(store: Store) -> None:
    lead_id = lead(store, 1, "Acme", T0)
    store.review(lead_id, "a known customer")
    store.review(lead_id, "false positive: the plaintiff list matched an old owner")
    latest = store.reviews([lead_id])[lead_id]
    assert latest["reason"].startswith("false positive") and "@" in latest["seat"]
    kinds = [r[0] for r in store.connection.execute("SELECT kind FROM evidence_log ORDER BY seq")]
    assert kinds.count("review") == 2 and store.verify().ok
