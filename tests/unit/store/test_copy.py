"""``db copy`` (desktop_app.store.copy): a real SQLite store with imports, leads, a batch, checks, suppression, a
review, audit entries and a purged check, copied into the test PostgreSQL server: every row arrives with its
references remapped, the copy verifies, a second run copies nothing, another seat's rows stay beside the copied
ones, and a copy killed half-way finishes on the next run without duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.imports import import_csv
from desktop_app.store import Store
from desktop_app.store import copy as copying
from desktop_app.store import evidence as ev
from desktop_app.store.batches import BatchStore
from desktop_app.vendors.results import CheckResult, Flag

CERT = "https://cert.trustedform.com/" + "b" * 40


def result(subject: str, *, vendor: str = "litigator", flag: Flag = Flag.GREEN, at: str | None = None) -> CheckResult:
    times = {"started_at": at, "finished_at": at} if at else {}
    return CheckResult(
        vendor=vendor,
        operation="check",
        subject=subject,
        flag=flag,
        summary="Not a known TCPA litigator.",
        details={"phone_is_litigator": False},
        http_status=200,
        request={"method": "POST", "url": "https://api.tcpalitigatorlist.com/scrub/phone/", "body": {"x": 1}},
        response_body='{"ok": true}',
        **times,  # type: ignore[arg-type]
    )


def fill(store: Store, folder: Path, *, phones: tuple[str, ...] = ("2025550123", "3035550100", "2025550123")) -> None:
    """Leads from a CSV (two rows share a phone), a batch answered for them, manual checks, suppression, a review,
    an audit entry, an export event and one purged check."""
    csv_path = folder / "leads.csv"
    rows = [f"{p},{i}@example.com,Acme,1.50,{CERT if i == 0 else ''}" for i, p in enumerate(phones)]
    csv_path.write_text("phone,email,supplier,cost,cert_url\n" + "\n".join(rows) + "\n", encoding="utf-8")
    store.record_check(result("+12025550199", at="2020-01-01T00:00:00.000Z"), sent={})  # purged below
    imported = import_csv(store, csv_path)
    batches = BatchStore(store)
    leads = [int(r[0]) for r in store.connection.execute("SELECT id, phone FROM leads ORDER BY id")]
    phone_of = {int(r[0]): str(r[1]) for r in store.connection.execute("SELECT id, phone FROM leads")}
    batch_id = batches.create_batch(
        "scrub", ["litigator"], [(lead, "litigator", phone_of[lead]) for lead in leads], import_id=imported.import_id
    )
    for item in batches.pending_items(batch_id, "litigator"):
        batches.complete_item(item, result(item.subject), sent={"phone": item.subject}, cost=0.02)
    store.record_check(result(CERT, vendor="trustedform"), lead_id=leads[0], sent={"email": "0@example.com"})
    store.add_suppression([("phone", "+12025550123", "litigator", "TCPA Litigator check")])
    store.review(leads[1], "called the consumer, consent confirmed")
    store.log("settings", {"key": "timeout"})
    store.log_event("export", {"what": "results", "rows": 3})
    assert store.purge_checks("2021-01-01T00:00:00.000Z", reason="older than the retention period") == 1


def counts(store: Store) -> dict[str, int]:
    tables = ("leads", "checks", "check_leads", "suppression", "imports", "import_problems", "batches", "batch_items",
              "reviews", "audit_log", "evidence_log")  # fmt: skip
    return {t: int(store.connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "desk.db") as store:
        fill(store, tmp_path)
        yield store


@pytest.fixture
def target(pg_server: Any) -> Iterator[Store]:
    with Store(pg_server.new_database()) as store:
        yield store


def test_a_desktop_store_is_copied_whole_and_the_copy_verifies(source: Store, target: Store) -> None:
    before = counts(source)
    report = copying.copy_store(source, target)

    assert report.verification is not None and report.verification.ok, report.verification
    after = counts(target)
    for table in ("leads", "checks", "check_leads", "suppression", "imports", "import_problems", "batches",
                  "batch_items", "reviews", "audit_log"):  # fmt: skip
        assert after[table] == before[table], table
    # every source entry is stood for (a check's by the check's new entry), plus the copy entry
    assert after["evidence_log"] == before["evidence_log"] + 1
    assert report.copied["lead"] == before["leads"] and report.copied["check"] == before["checks"]
    assert report.copied["evidence"] == before["evidence_log"] + 1
    assert report.counts_line().startswith(f"{before['leads']} leads, {before['checks']} checks, 1 suppression")

    copy_entry = target.connection.execute("SELECT content FROM evidence_log WHERE kind = 'copy'").fetchone()[0]
    assert source.evidence_head().hash in copy_entry and report.source in copy_entry


def test_references_are_remapped_to_the_copied_rows(source: Store, target: Store) -> None:
    copying.copy_store(source, target)

    def linked(store: Store) -> list[tuple[Any, ...]]:
        return sorted(
            tuple(row)
            for row in store.connection.execute(
                "SELECT l.phone, l.email, c.vendor, c.subject, c.cost, cl.counts, b.name, i.state, imp.source_file "
                "FROM check_leads cl JOIN leads l ON l.id = cl.lead_id JOIN checks c ON c.id = cl.check_id "
                "LEFT JOIN batches b ON b.id = c.batch_id LEFT JOIN batch_items i ON i.check_id = c.id "
                "LEFT JOIN imports imp ON imp.id = l.import_id"
            )
        )

    assert linked(target) == linked(source) and linked(source)
    review = "SELECT l.email, r.reason FROM reviews r JOIN leads l ON l.id = r.lead_id"
    assert target.connection.execute(review).fetchall() == [tuple(r) for r in source.connection.execute(review)]


def test_a_second_run_copies_nothing(source: Store, target: Store) -> None:
    copying.copy_store(source, target)
    first = counts(target)

    again = copying.copy_store(source, target)

    assert again.nothing_new and again.copied["evidence"] == 0
    assert counts(target) == first
    assert again.verification is not None and again.verification.ok


def test_another_seats_rows_stay_beside_the_copied_ones(source: Store, target: Store, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with Store(other / "desk.db") as desk:  # another seat's desktop, copied in before
        fill(desk, other, phones=("4155550111", "2025550123"))
        copying.copy_store(desk, target)
    target.record_check(result("+14155550111"), sent={})  # and a check that seat made in team mode since
    theirs = counts(target)

    copying.copy_store(source, target)

    mine = counts(source)
    now = counts(target)
    for table in ("leads", "checks", "check_leads", "imports", "batches", "batch_items", "reviews", "audit_log"):
        assert now[table] == theirs[table] + mine[table], table
    assert now["suppression"] == 1  # the same suppression entry: kept once
    assert target.verify().ok
    phones = [r[0] for r in target.connection.execute("SELECT phone FROM leads ORDER BY id")]
    assert phones.count("+14155550111") == 1 and phones.count("+12025550123") == 3
    sources = target.connection.execute("SELECT count(DISTINCT source) FROM copies").fetchone()[0]
    assert sources == 2


def test_a_copy_killed_half_way_finishes_on_the_next_run(
    source: Store, target: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    appended = 0
    real_append = ev.append

    def dies_on_the_third_check(conn: Any, kind: str, content: str, **kwargs: Any) -> ev.Head:
        nonlocal appended
        appended += 1
        if appended == 3:
            raise KeyboardInterrupt  # the process is killed inside the chunk's transaction
        return real_append(conn, kind, content, **kwargs)

    monkeypatch.setattr(copying.evidence, "append", dies_on_the_third_check)
    with pytest.raises(KeyboardInterrupt):
        copying.copy_store(source, target, chunk=2)
    part = counts(target)
    assert 0 < part["leads"] and part["checks"] == 2  # the first chunk of checks stayed, the second rolled back

    monkeypatch.setattr(copying.evidence, "append", real_append)
    report = copying.copy_store(source, target, chunk=2)

    assert report.copied["check"] == counts(source)["checks"] - 2 and report.copied["lead"] == 0
    whole = counts(target)
    mine = counts(source)
    for table in ("leads", "checks", "check_leads", "batch_items", "audit_log"):
        assert whole[table] == mine[table], table
    assert report.verification is not None and report.verification.ok


def test_copied_checks_keep_the_seat_that_made_them(
    tmp_path: Path, target: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.store import evidence

    monkeypatch.setattr(evidence, "seat", lambda: "ana@front-desk")
    with Store(tmp_path / "ana.db") as desk:
        check_id = desk.record_check(result("+13035550100"), sent={})
        monkeypatch.setattr(evidence, "seat", lambda: "bob@back-office")  # bob runs the copy
        copying.copy_store(desk, target)
    (copied,) = target.connection.execute("SELECT id FROM checks").fetchall()
    seats = evidence.seats(target.connection, "check", [int(copied[0])])
    assert seats == {int(copied[0]): "ana@front-desk"} and check_id
    (copy_seat,) = target.connection.execute("SELECT seat FROM evidence_log WHERE kind = 'copy'").fetchone()
    assert copy_seat == "bob@back-office"  # the copy itself is bob's
    assert target.verify().ok  # the seat is hashed with the entry: it is part of what verify recomputes
