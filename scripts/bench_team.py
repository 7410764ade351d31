"""Team-mode benchmark (measured, not asserted): ``python scripts/bench_team.py [--skip-seats] [--skip-million]``.

Runs a throwaway PostgreSQL server of its own (tests/pgserver.py, with PostgreSQL's default durability: fsync on)
and the vendor simulator in a subprocess (``--latency`` per call, 0.2 s by default).

(a) Four seats at once: four ``leadcheck scrub`` processes, each with its own home (its own settings, keyring and
    logs, as four computers would have) and ``LEADCHECK_DATABASE_URL`` pointing at the one database, each scrubbing
    a 10,000-lead file with TrustedForm, Jornaya and the litigator list. The files overlap (seat k has leads
    2,000k to 2,000k + 9,999 of one pool of 16,000: neighbours share 8,000 leads, identical rows). Each file is
    imported first (``leadcheck import``, timed on its own), then the four scrubs start together (their import
    step recognises every row). Checked afterwards: every lead has a stored answer from each vendor, and no call
    (vendor, subject, data sent) was stored twice, i.e. each pair was paid once. Floor: one seat alone, its
    10,000 leads at its concurrency (``--concurrency``, 12 by default): calls of its slowest lane × latency ÷
    concurrency. Target: the last seat finishes within 1.2 × that floor. Also printed: the ideal floor if the
    four seats shared the unique calls perfectly (unique calls per vendor × latency ÷ (4 × concurrency)).
(b) 1,000,000 leads on PostgreSQL (built as scripts/bench_lookup.py builds them, rows through COPY): ``lookup``
    of a consumer with 20 leads (target < 100 ms) and the lead table's first rows: the first page of ids and
    their rows for the default view, newest first, and sorted by name (target < 0.5 s).

Everything runs in a temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.demo import demo_environment  # noqa: E402
from desktop_app.store import Store  # noqa: E402
from desktop_app.store.lead_table import LeadQuery  # noqa: E402
from desktop_app.vendors.registry import SUBJECT_COLUMNS  # noqa: E402
from scripts.bench_batch import start_simulator, write_leads  # noqa: E402
from scripts.bench_lookup import CONSUMER_LEADS, QUERIES, build  # noqa: E402
from tests.pgserver import PgServer, binaries  # noqa: E402

SEATS = 4
PER_SEAT = 10_000  # leads in each seat's file (--per-seat); seat k's file: leads k*PER_SEAT/5 onwards of one pool
VENDORS = ("trustedform", "jornaya", "litigator")
PAGE = 100


def seat_files(folder: Path, per_seat: int) -> list[Path]:
    offset = per_seat // 5
    pool = folder / "pool.csv"
    write_leads(pool, offset * (SEATS - 1) + per_seat)
    with open(pool, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    files = []
    for k in range(SEATS):
        path = folder / f"seat{k}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows[offset * k : offset * k + per_seat])
        files.append(path)
    return files


def seat_env(folder: Path, k: int, url: str, origins: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEADCHECK_")}
    env.update(demo_environment())
    env.update(
        LEADCHECK_HOME=str(folder / f"home{k}"),
        LEADCHECK_DATABASE_URL=url,
        LEADCHECK_ORIGINS=str(origins),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        NO_COLOR="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def leadcheck(*argv: str) -> list[str]:
    return [sys.executable, "-m", "desktop_app", *argv]


def bench_seats(folder: Path, server: PgServer, latency: float, concurrency: int, per_seat: int) -> None:
    url = server.new_database()
    files = seat_files(folder, per_seat)
    proc, origins = start_simulator(folder, latency)
    try:
        started = time.perf_counter()
        for k, path in enumerate(files):
            subprocess.run(leadcheck("import", str(path)), env=seat_env(folder, k, url, origins), check=True,
                           capture_output=True, timeout=600)  # fmt: skip
        imported = time.perf_counter() - started
        print(f"(a) imports: {SEATS} files of {per_seat:,} rows one after another: {imported:.1f} s", flush=True)
        vendors = ",".join(VENDORS)
        started = time.perf_counter()
        seats = [
            subprocess.Popen(
                leadcheck("scrub", str(path), "--vendors", vendors, "--concurrency", str(concurrency)),
                env=seat_env(folder, k, url, origins),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for k, path in enumerate(files)
        ]
        ends = []
        for k, seat in enumerate(seats):
            out, err = seat.communicate(timeout=3600)
            ends.append(time.perf_counter() - started)
            if seat.returncode != 0:
                print(f"    seat {k} exited {seat.returncode}: {err.strip()[-3000:]}", flush=True)
            last = [line for line in out.splitlines() if line.strip()][-1:] or [""]
            print(f"    seat {k}: {ends[-1]:.1f} s — {last[0][:150]}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    wall = max(ends)
    with Store(url) as store:
        leads = store.lead_count()
        conn = store.connection
        calls = conn.execute(
            "SELECT vendor, count(*) FROM checks WHERE batch_id IS NOT NULL GROUP BY vendor ORDER BY vendor"
        ).fetchall()
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT vendor, subject, coalesce(sent, '') FROM checks "
            "GROUP BY vendor, subject, coalesce(sent, '') HAVING count(*) > 1) d"
        ).fetchone()[0]
        unanswered = conn.execute(
            "SELECT count(*) FROM leads l WHERE "
            + " OR ".join(
                f"(l.{SUBJECT_COLUMNS[v]} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM check_leads cl JOIN checks c "
                f"ON c.id = cl.check_id WHERE cl.lead_id = l.id AND c.vendor = '{v}' AND c.error IS NULL))"
                for v in VENDORS
            )
        ).fetchone()[0]
        claims = conn.execute("SELECT count(*) FROM claims").fetchone()[0]
        failures = conn.execute(
            "SELECT vendor, note, count(*) FROM batch_items WHERE state = 'failed' GROUP BY vendor, note"
        ).fetchall()
        errors = conn.execute(
            "SELECT vendor, summary, count(*) FROM checks WHERE error IS NOT NULL GROUP BY vendor, summary"
        ).fetchall()
        doubles = conn.execute(
            "SELECT c.vendor, c.subject, c.batch_id, c.finished_at FROM checks c JOIN (SELECT vendor, subject, "
            "coalesce(sent, '') AS s FROM checks GROUP BY vendor, subject, coalesce(sent, '') HAVING count(*) > 1) d "
            "ON d.vendor = c.vendor AND d.subject = c.subject AND d.s = coalesce(c.sent, '') ORDER BY 1, 2 LIMIT 8"
        ).fetchall()
        for row in [*failures, *errors, *doubles]:
            print(f"    {row}", flush=True)
        verified = store.verify()
    floor = per_seat * latency / concurrency
    unique = per_seat // 5 * (SEATS - 1) + per_seat
    shared_floor = unique * latency / (SEATS * concurrency)
    print(f"    {leads:,} leads; calls stored by vendor: {dict(calls)}; calls stored twice: {twice}; "
          f"leads missing an answer they have the data for: {unanswered}; claims left: {claims}; verify: "
          f"{'ok' if verified.ok else verified.problem}", flush=True)  # fmt: skip
    print(f"    wall {wall:.1f} s (last seat), floor (one seat alone) {floor:.1f} s, ratio {wall / floor:.3f} "
          f"(target <= 1.2); perfectly shared floor {shared_floor:.1f} s", flush=True)  # fmt: skip


def copy_build(store: Store, leads: int) -> None:
    """scripts/bench_lookup.py's database, its bulk rows through COPY (executemany takes minutes for 3M rows)."""
    raw = store.connection.raw  # type: ignore[attr-defined]
    check_columns = ("id, lead_id, vendor, operation, subject, flag, summary, details, request, attempts, "
                     "started_at, finished_at")  # fmt: skip

    class _Copying:
        """bench_lookup's bulk ``executemany`` INSERTs as COPY; anything else goes to the store's connection."""

        def __init__(self, conn: object) -> None:
            self.conn = conn

        def execute(self, *args: object) -> object:
            return self.conn.execute(*args)  # type: ignore[attr-defined]

        def executemany(self, sql: str, rows: list[tuple[object, ...]]) -> None:
            table = sql.split()[2]
            if table == "leads":
                columns = sql[sql.index("(") + 1 : sql.index(")")]
            elif table == "checks":
                columns = check_columns
                rows = [(r[0], r[1], "litigator", "check", r[2], "green", "not a known litigator", "{}", "{}", 1,
                         r[3], r[4]) for r in rows]  # fmt: skip
            else:
                columns, rows = "lead_id, check_id, counts", [(*r, 1) for r in rows]
            with raw.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if table != "check_leads":  # rows with ids of their own: later inserts must get new ones
                raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")

    shared = store.db
    copying = _Copying(store.connection)
    shared.conn = copying
    try:
        build(store, leads)
    finally:
        shared.conn = store.connection
    raw.execute("ANALYZE")


def bench_million(server: PgServer, leads: int, runs: int) -> None:
    url = server.new_database()
    with Store(url) as store:
        started = time.perf_counter()
        copy_build(store, leads)
        print(
            f"(b) built {store.lead_count():,} leads on PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True
        )
    with Store(url) as store:
        worst = 0.0
        for query in QUERIES:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                found = store.lookup(query)
                times.append((time.perf_counter() - started) * 1000)
                assert len(found["leads"]) == CONSUMER_LEADS, len(found["leads"])
            worst = max(worst, max(times))
            print(f"    lookup {query!r:>22}: median {statistics.median(times):6.1f} ms, max {max(times):6.1f} ms")
        print(f"    lookup target < 100 ms: {'met' if worst < 100 else 'NOT met'} (slowest {worst:.1f} ms)")
        views = (("newest first", LeadQuery()), ("by name", LeadQuery(sort="name", descending=False)))
        for label, view in views:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                ids = store.first_lead_ids(view, PAGE)
                rows = store.lead_rows(ids)
                times.append(time.perf_counter() - started)
                assert len(rows) == PAGE
            print(f"    lead table first {PAGE} rows, {label}: median {statistics.median(times) * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms (target < 500 ms)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--per-seat", type=int, default=PER_SEAT, help="leads in each seat's file (a quick try: 1000)")
    parser.add_argument("--skip-seats", action="store_true")
    parser.add_argument("--skip-million", action="store_true")
    args = parser.parse_args()
    bindir = binaries()
    if bindir is None:
        raise SystemExit("PostgreSQL's server binaries are missing (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="bench-team-"))
    server = PgServer(bindir, durable=not os.environ.get("BENCH_FSYNC_OFF")).start()
    try:
        if not args.skip_seats:
            bench_seats(folder, server, args.latency, args.concurrency, args.per_seat)
        if not args.skip_million:
            bench_million(server, args.leads, args.runs)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
