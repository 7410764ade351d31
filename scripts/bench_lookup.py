"""Lookup benchmark (measured, not asserted): ``python scripts/bench_lookup.py [--leads N] [--runs N] [--keep DB]``.

Builds a Leadcheck database of 1,000,000 leads (each with one linked check, as after a litigator scrub), in
which one consumer, (941) 867-5309 / ann@example.com, has 20 leads bought from different suppliers with 5
checks each (two TrustedForm retains and a Jornaya audit and a Contact State read of the lead's own evidence,
and the one litigator check of the shared phone, linked to all 20). Then times ``Store.lookup`` for that
consumer, by phone in several layouts and by email, ``--runs`` times each: median and max. Target: < 100 ms.

The bulk rows go in with ``executemany`` on the store's connection (lead indexes dropped, then built again);
the consumer's checks go through ``Store.record_check``, so their links are the store's own. Everything runs in
a temporary folder that is deleted afterwards (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.store import Store  # noqa: E402
from desktop_app.vendors.results import CheckResult, Flag  # noqa: E402

PHONE, EMAIL = "+19418675309", "ann@example.com"
QUERIES = ("(941) 867-5309", "941.867.5309", "+1 941 867 5309", "ANN@Example.com")
CONSUMER_LEADS = 20
NOW = "2026-01-05T10:00:00+00:00"
CHUNK = 50_000


def build(store: Store, leads: int) -> None:
    """``leads`` leads in all; the last CONSUMER_LEADS belong to the consumer (and get their checks after)."""
    conn = store.db.conn
    store.drop_lead_indexes()
    others = leads - CONSUMER_LEADS
    with store.transaction():
        for start in range(0, others, CHUNK):
            rows = [
                (
                    i + 1,
                    f"+1{200 + i // 10_000_000 % 700:03d}{2_000_000 + i % 8_000_000:07d}",
                    f"buyer{i}@example.com",
                    f"https://cert.trustedform.com/{i:040d}",
                    f"Seller {i % 50}",
                    "12.50",
                    "bulk.csv",
                    i + 2,
                    "import",
                    "green",
                    "green",
                    NOW,
                    NOW,
                )
                for i in range(start, min(start + CHUNK, others))
            ]
            conn.executemany(
                "INSERT INTO leads (id, phone, email, cert_url, supplier, cost, source_file, source_row, source, "
                "flag_litigator, verdict, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "INSERT INTO checks (id, lead_id, vendor, operation, subject, flag, summary, details, request, "
                "attempts, started_at, finished_at) VALUES (?, ?, 'litigator', 'check', ?, 'green', "
                "'not a known litigator', '{}', '{}', 1, ?, ?)",
                [(r[0], r[0], r[1], NOW, NOW) for r in rows],
            )
            conn.executemany(
                "INSERT INTO check_leads (lead_id, check_id, counts) VALUES (?, ?, 1)", [(r[0], r[0]) for r in rows]
            )
    store.ensure_lead_indexes()
    consumer = []
    for k in range(CONSUMER_LEADS):
        fields = {
            "phone": PHONE,
            "email": EMAIL if k % 2 == 0 else f"ann.{k}@example.com",
            "cert_url": f"https://cert.trustedform.com/ann{k:02d}{'0' * 35}",
            "leadid": f"{k:08X}-1234-4234-8234-123456789012",
            "cs_cert_url": f"https://cert.contactstate.com/certificates/{k:08x}-0000-4000-8000-000000000000",
            "first_name": "Ann",
            "supplier": f"Seller {k}",
            "cost": f"{10 + k}.00",
        }
        consumer.append((store.add_lead(fields, source_file="ann.csv", source_row=k + 2), fields))
    for lead_id, fields in consumer:
        sent = {"email": fields["email"], "phone": PHONE}
        for flag in (Flag.GREEN, Flag.GREEN):
            store.record_check(check("trustedform", "retain", fields["cert_url"], flag), lead_id=lead_id, sent=sent)
        store.record_check(check("jornaya", "audit", fields["leadid"], Flag.YELLOW), lead_id=lead_id, sent=sent)
        store.record_check(check("contactstate", "certificate", fields["cs_cert_url"], Flag.GREEN), lead_id=lead_id)
    store.record_check(check("litigator", "check", PHONE, Flag.GREEN), lead_id=consumer[0][0])
    store.db.execute("ANALYZE")


def check(vendor: str, operation: str, subject: str, flag: Flag) -> CheckResult:
    return CheckResult(
        vendor=vendor,
        operation=operation,
        subject=subject,
        flag=flag,
        summary=f"{vendor} {operation}: {flag.value}",
        details={"answer": "x" * 200},
        request={"method": "POST", "url": "https://vendor.invalid/" + operation, "body": {"subject": subject}},
        response_body=json.dumps({"outcome": "success", "padding": "y" * 1500}),
    )


@contextmanager
def built_database(prefix: str, doc: str, runs: int) -> Iterator[tuple[argparse.Namespace, Path, Path]]:
    """Parse ``--leads --runs --keep``, build the benchmark database in a temporary folder (or reuse ``--keep``),
    yield (arguments, folder, database path); the folder is deleted afterwards. Shared by the bench scripts."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--keep", type=Path, metavar="DB", help="build (or reuse) the database here and keep it")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    path = args.keep or folder / "leadcheck.db"
    try:
        with Store(path, backups_dir=folder / "backups") as store:
            if store.lead_count() == 0:
                started = time.perf_counter()
                build(store, args.leads)
                print(f"built {store.lead_count():,} leads in {time.perf_counter() - started:.1f} s ({path})")
        yield args, folder, path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    with built_database("bench-lookup-", __doc__ or "", 20) as (args, folder, path):
        with Store(path, backups_dir=folder / "backups") as store:
            started = time.perf_counter()
            found = store.lookup(QUERIES[0])
            print(f"first lookup on a newly opened connection: {(time.perf_counter() - started) * 1000:.1f} ms")
            checks = sum(len(lead["checks"]) for lead in found["leads"])
            print(f"consumer: {len(found['leads'])} leads, {checks} checks listed, phones {found['phones']}")
            assert len(found["leads"]) == CONSUMER_LEADS and checks == CONSUMER_LEADS * 5, (len(found["leads"]), checks)
            worst = 0.0
            for query in QUERIES:
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    result = store.lookup(query)
                    times.append((time.perf_counter() - started) * 1000)
                    assert len(result["leads"]) == CONSUMER_LEADS
                worst = max(worst, max(times))
                print(
                    f"lookup {query!r:>22}: median {statistics.median(times):6.1f} ms, max {max(times):6.1f} ms "
                    f"({args.runs} runs)"
                )
            print(f"target < 100 ms: {'met' if worst < 100 else 'NOT met'} (slowest run {worst:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
