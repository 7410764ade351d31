"""Batch benchmarks (measured, not asserted): ``python scripts/bench_batch.py [--skip-run] [--skip-import]``.

(a) 10,000 leads × 3 vendors (TrustedForm, Jornaya, litigator) against the vendor simulator running in a
    subprocess (so it does not share our GIL) with 0.1 s latency per call, beside the floor for the settings
    used: for each lane, calls × latency ÷ concurrency; the batch's floor is the slowest lane's (the lanes run
    at the same time). Target: ≤ 1.15 × the floor.
(b) Import of a 1,000,000-row CSV beside the least any importer must do in the same run (read the CSV with
    ``csv.reader``, normalise phone and email, ``executemany`` into a fresh Leadcheck database's ``leads``
    table in one transaction, same pragmas, then build the same lookup indexes). Target: ≤ 1.5 ×. Leadcheck's
    import of a large file into an empty table drops the lead indexes and builds them again at its end; that
    build is inside its time, and both databases end with the same indexes (checked).
    Only (b): ``python scripts/bench_batch.py --skip-run``. ``--reader process|here`` reads and cleans the file in a
    child process or in this one (``LeadImporter(reader_process=...)``); by default the importer decides (a core to
    spare: the child), and the report says which it took.
(c) (the longest event-loop stall with the window open) is measured with the window.
(d) ``--scaling``: concurrency scaling. ``--scaling-calls`` (default 3,000) litigator checks against the same
    simulator at each of ``--scaling-at`` (default 8, 32 and 64) calls in flight: wall time beside the floor
    (calls × latency ÷ concurrency) and CPU per check (this process's CPU time during the run ÷ calls). Raising
    concurrency should shorten the run while CPU per check stays flat.

Everything runs in a temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.demo import demo_environment  # noqa: E402
from desktop_app.imports import LeadImporter  # noqa: E402
from desktop_app.jobs import BatchRunner  # noqa: E402
from desktop_app.jobs.runner import BatchPlan  # noqa: E402
from desktop_app.paths import Paths  # noqa: E402
from desktop_app.service import CheckService, make_http_client  # noqa: E402
from desktop_app.settings import IMPORT_READERS, Settings  # noqa: E402
from desktop_app.store import Store  # noqa: E402
from desktop_app.store.db import sorter_threads  # noqa: E402
from desktop_app.store.fields import LEAD_FIELDS  # noqa: E402
from desktop_app.store.schema import LEAD_INDEXES  # noqa: E402
from desktop_app.vendors.origins import OriginMap  # noqa: E402

VENDORS = ("trustedform", "jornaya", "litigator")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_leads(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "email", "first_name", "last_name", "state", "zip", "xxTrustedFormCertUrl", "leadid"])
        for i in range(n):
            area = 200 + i % 700
            writer.writerow(
                [
                    f"({area}) {200 + (i // 10000) % 800}-{i % 10000:04d}",
                    f"Lead.{i}@Example.com",
                    f"First{i}",
                    f"Last{i}",
                    "ca",
                    f"{90000 + i % 9999}",
                    f"https://cert.trustedform.com/{i:040x}",
                    f"{i:08x}-1234-4234-8234-123456789012",
                ]
            )


# -- (a) ------------------------------------------------------------------------------------------------------


def start_simulator(folder: Path, latency: float, *, nice: int = 0) -> tuple[subprocess.Popen[bytes], Path]:
    """The vendor simulator in a subprocess; ``nice`` > 0 runs it at a lower CPU priority than the benchmark."""
    origins = folder / "origins.json"
    port = free_port()
    proc = subprocess.Popen(
        [*(["nice", "-n", str(nice)] if nice else []), sys.executable, "-m", "desktop_app.sandbox",
         "--port", str(port), "--latency", str(latency), "--origins-out", str(origins), "--no-rate-limits"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not origins.exists() or not origins.read_text().strip().endswith("}"):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("the simulator did not start")
        time.sleep(0.05)
    return proc, origins


async def timed_batch(
    folder: Path, origins: Path, leads: int, vendors: tuple[str, ...], concurrency: int | None, *, items: int = 0
) -> tuple[BatchPlan, dict[str, int], float, float]:
    """Import ``leads`` generated leads into a fresh home under ``folder`` and run one batch over them (over the
    first ``items`` leads the vendors can check, when given) against the simulator at ``origins``; returns the
    plan, the concurrency of each lane, the wall time and this process's CPU time of the run."""
    paths = Paths.from_env(folder / "home").ensure()
    settings = Settings(paths, environ=demo_environment())
    source = folder / "leads.csv"
    write_leads(source, leads)
    store = Store(paths.database)
    report = LeadImporter(store, source).run()
    client = make_http_client(30.0)
    service = CheckService(settings, store, client, origins=OriginMap(json.loads(origins.read_text())))
    runner = BatchRunner(service)
    lead_ids = report.lead_ids
    if items:
        lead_ids = list(dict.fromkeys(lead_id for lead_id, _, _ in runner.plan(lead_ids, vendors)[1]))[:items]
    plan = runner.create(lead_ids, vendors, name="bench")
    assert plan.batch_id is not None
    run = runner.run(plan.batch_id, concurrency=concurrency)
    lanes = {v: run._concurrency_for(v) for v in vendors}
    cpu0 = time.process_time()
    started = time.perf_counter()
    progress = await run.run()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    await client.aclose()
    store.close()
    shutil.rmtree(folder / "home", ignore_errors=True)
    if progress.failed or progress.remaining:
        print(f"  warning: {progress.failed} failed, {progress.remaining} remaining", flush=True)
    return plan, lanes, wall, cpu


async def run_batch(
    folder: Path, origins: Path, leads: int, latency: float, concurrency: int | None
) -> dict[str, float]:
    plan, lanes, wall, cpu = await timed_batch(folder, origins, leads, VENDORS, concurrency)
    floor = max(plan.items[v] * latency / lanes[v] for v in VENDORS)
    return {"calls": plan.total, "wall": wall, "floor": floor, "cpu": cpu, **{f"c_{v}": lanes[v] for v in VENDORS}}


@contextlib.contextmanager
def simulator(folder: Path, latency: float) -> Iterator[Path]:
    """The simulator's origin map while the block runs (see start_simulator); stopped at its end."""
    proc, origins = start_simulator(folder, latency)
    try:
        yield origins
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def bench_run(folder: Path, leads: int, latency: float, concurrency: list[int | None]) -> None:
    with simulator(folder, latency) as origins:
        for conc in concurrency:
            r = asyncio.run(run_batch(folder, origins, leads, latency, conc))
            lanes = ", ".join(f"{v} {int(r['c_' + v])}" for v in VENDORS)
            print(
                f"(a) {leads:,} leads x {len(VENDORS)} vendors = {int(r['calls']):,} calls, latency {latency} s, "
                f"concurrency per lane: {lanes}\n"
                f"    wall {r['wall']:.1f} s, floor {r['floor']:.1f} s, ratio {r['wall'] / r['floor']:.3f} "
                f"(target <= 1.15); CPU in this process {r['cpu']:.1f} s",
                flush=True,
            )


async def run_scaling(folder: Path, origins: Path, calls: int, latency: float, concurrency: int) -> dict[str, float]:
    """``calls`` litigator checks (one distinct phone each) at ``concurrency`` calls in flight."""
    # a few generated phones are not valid numbers: generate a few more leads than calls
    plan, _, wall, cpu = await timed_batch(
        folder, origins, calls + calls // 20, ("litigator",), concurrency, items=calls
    )
    assert plan.total == calls, plan
    return {"wall": wall, "floor": calls * latency / concurrency, "cpu": cpu}


def bench_scaling(folder: Path, calls: int, latency: float, levels: list[int]) -> None:
    with simulator(folder, latency) as origins:
        print(f"(d) {calls:,} litigator checks, latency {latency} s, by concurrency:", flush=True)
        for conc in levels:
            r = asyncio.run(run_scaling(folder, origins, calls, latency, conc))
            print(
                f"    concurrency {conc:3d}: wall {r['wall']:5.1f} s, floor {r['floor']:5.1f} s, "
                f"ratio {r['wall'] / r['floor']:.2f}; CPU {r['cpu']:.1f} s = "
                f"{r['cpu'] / calls * 1000:.2f} ms per check",
                flush=True,
            )


# -- (b) ------------------------------------------------------------------------------------------------------


_DIGITS = re.compile(r"\D")


def baseline_insert(folder: Path, source: Path) -> float:
    """The least any importer must do, in plain Python and sqlite3: read the CSV with csv.reader, normalise the
    phone (digits to E.164) and the email (lower case), executemany into the same leads table without its
    indexes in one transaction, then build the same lookup indexes."""
    path = folder / "baseline.db"
    Store(path).close()  # the same schema and pragmas as Leadcheck's database
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA threads={sorter_threads()}")  # as Leadcheck builds its indexes
    for name in LEAD_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    columns = ("phone", "email", "first_name", "last_name", "state", "zip", "cert_url", "leadid")
    sql = f"INSERT INTO leads ({', '.join(columns)}, created_at, updated_at) VALUES ({', '.join('?' * 10)})"
    digits = _DIGITS.sub

    def rows(reader: Iterable[list[str]]) -> Iterator[tuple[str, ...]]:
        for phone, email, *rest in reader:
            yield ("+1" + digits("", phone)[-10:], email.lower(), *rest, "now", "now")

    started = time.perf_counter()
    with open(source, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany(sql, rows(reader))
        conn.execute("COMMIT")
    for name, column in LEAD_INDEXES.items():
        conn.execute(f"CREATE INDEX {name} ON leads({column})")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def leadcheck_import(folder: Path, source: Path, reader_process: bool | None = None) -> tuple[float, int, bool]:
    """Leadcheck's import of ``source`` into a fresh database: wall time, leads created, read in a child process."""
    path = folder / "import.db"
    store = Store(path)
    started = time.perf_counter()
    report = LeadImporter(store, source, reader_process=reader_process).run()
    elapsed = time.perf_counter() - started
    assert not store.missing_lead_indexes(), "the import must end with every lead index in place"
    store.close()
    return elapsed, report.leads_created, report.read_in_child


def bench_import(folder: Path, rows: int, repeats: int, reader_process: bool | None = None) -> None:
    source = folder / "leads-b.csv"
    t = time.perf_counter()
    write_leads(source, rows)
    print(f"(b) generated {rows:,} rows ({source.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s",
          flush=True)  # fmt: skip
    base, ours, cpu, loads, where = [], [], [], [], []
    for _ in range(repeats):
        for name in ("baseline.db", "import.db"):
            for suffix in ("", "-wal", "-shm"):
                Path(str(folder / name) + suffix).unlink(missing_ok=True)
        started = cpu_seconds()
        base.append(baseline_insert(folder, source))
        middle = cpu_seconds()
        elapsed, created, in_child = leadcheck_import(folder, source, reader_process)
        ours.append(elapsed)
        where.append("child" if in_child else "here")
        cpu.append((middle - started, cpu_seconds() - middle))
        loads.append(os.getloadavg()[0])
        assert created == rows, created
    b, o = sorted(base)[len(base) // 2], sorted(ours)[len(ours) // 2]
    per_run = ", ".join(f"{y / x:.2f}" for x, y in zip(base, ours, strict=True))
    print(
        f"    least any importer must do (read, normalise phone/email, insert, same indexes): {b:.2f} s (runs: "
        f"{', '.join(f'{x:.2f}' for x in base)})\n"
        f"    leadcheck import (detect, map, clean every field, recognise, problems):         {o:.2f} s (runs: "
        f"{', '.join(f'{x:.2f}' for x in ours)})\n"
        f"    ratio {o / b:.3f} (target <= 1.5); per run: {per_run}; file read: {', '.join(where)}\n"
        f"    CPU seconds (this process and its children): {', '.join(f'{x:.1f} / {y:.1f}' for x, y in cpu)}; "
        f"load average after each run: {', '.join(f'{x:.1f}' for x in loads)} (this machine has {os.cpu_count()} "
        "cores: other work on the machine slows the runs)",
        flush=True,
    )


def cpu_seconds() -> float:
    """User and system CPU time of this process and of its ended children."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument(
        "--concurrency",
        type=int,
        action="append",
        help="per-lane concurrency to run (repeatable; default: the Settings defaults)",
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="import runs (median reported)")
    parser.add_argument(
        "--reader", choices=tuple(IMPORT_READERS), default="auto",
        help="(b): read and clean in a child process, here, or as the importer decides (default)",
    )  # fmt: skip
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--scaling", action="store_true", help="only (d): concurrency scaling of litigator checks")
    parser.add_argument("--scaling-calls", type=int, default=3_000)
    parser.add_argument("--scaling-at", type=int, action="append", help="concurrency for (d) (default 8, 32, 64)")
    args = parser.parse_args()
    assert LEAD_FIELDS  # the leads table the baseline writes to is Leadcheck's own
    folder = Path(tempfile.mkdtemp(prefix="leadcheck-bench-"))
    os.environ.pop("LEADCHECK_ORIGINS", None)
    try:
        if args.scaling:
            bench_scaling(folder, args.scaling_calls, args.latency, args.scaling_at or [8, 32, 64])
            return 0
        if not args.skip_run:
            bench_run(folder, args.leads, args.latency, args.concurrency or [None])
        if not args.skip_import:
            bench_import(folder, args.rows, args.repeats, IMPORT_READERS[args.reader])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
