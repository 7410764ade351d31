"""Change-poll benchmark (measured, not asserted): ``python scripts/bench_changes.py [--leads N] [--runs N] [--keep DB]
[--postgres]``.

What an open window pays every 2 s to see other seats' writes (:mod:`desktop_app.store.changes`), on
scripts/bench_lookup.py's database (1,000,000 leads, each with a linked check), SQLite by default; ``--postgres``
builds it on a throwaway PostgreSQL server instead (scripts/bench_team.py's COPY build). Timed on a reader
connection of its own, as the window's poller reads: (1) a poll that finds nothing (the mark: three primary-key
lookups), (2) a poll after another seat stored 100 leads and 200 checks, (3) one after 10,000 new checks (beyond
the 5,000-lead cap: "many"). Median and max of ``--runs``.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.store import Store  # noqa: E402
from desktop_app.store.backend import Connection, Location  # noqa: E402
from desktop_app.store.changes import Changes, Mark, changes_since, read_mark  # noqa: E402
from desktop_app.store.lead_table import reader  # noqa: E402
from desktop_app.vendors.results import Flag  # noqa: E402
from scripts.bench_lookup import built_database, check  # noqa: E402


def timed(label: str, runs: int, poll: Callable[[], Changes | Mark]) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        poll()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label}: median {statistics.median(times):7.2f} ms, max {max(times):7.2f} ms ({runs} runs)", flush=True)


def write_as_another_seat(location: Location, leads: int, checks: int) -> None:
    """``leads`` new leads, then ``checks`` litigator checks of the oldest leads' phones in one transaction."""
    with Store(location) as seat:
        for i in range(leads):
            seat.add_lead({"phone": f"+1999555{i:04d}", "first_name": "New"})
    with Store(location) as seat, seat.transaction() as conn:
        phones = [r[0] for r in conn.execute("SELECT phone FROM leads WHERE id <= ?", (checks,)).fetchall()]
        for phone in phones:
            seat.insert_check(conn, check("litigator", "check", phone, Flag.GREEN), None, None, None)


def bench(location: Location, runs: int) -> None:
    with contextlib.closing(reader(location)) as conn:
        poll: Connection = conn
        mark = read_mark(poll)
        print(f"mark {mark}", flush=True)
        timed("(1) poll, nothing new (the mark)", runs, lambda: changes_since(poll, mark))
        write_as_another_seat(location, 100, 200)
        found = changes_since(poll, mark)
        print(f"    another seat stored {found.new_leads} leads, {found.new_results} checks "
              f"({len(found.changed_leads or ())} leads changed)", flush=True)  # fmt: skip
        timed("(2) poll after 100 leads + 200 checks", runs, lambda: changes_since(poll, mark))
        after = found.mark
        write_as_another_seat(location, 0, 10_000)
        many = changes_since(poll, after)
        print(f"    another seat stored {many.new_results} checks: changed leads "
              f"{'many' if many.changed_leads is None else len(many.changed_leads)}", flush=True)  # fmt: skip
        timed("(3) poll after 10,000 checks (many)", runs, lambda: changes_since(poll, after))


def main() -> int:
    if "--postgres" in sys.argv:
        sys.argv.remove("--postgres")
        return on_postgres()
    with built_database("bench-changes-", __doc__ or "", 50) as (args, _folder, path):
        bench(path, args.runs)
    return 0


def on_postgres() -> int:
    import argparse

    from scripts.bench_team import copy_build
    from tests.pgserver import PgServer, binaries

    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    bindir = binaries()
    if bindir is None:
        raise SystemExit("PostgreSQL's server binaries are missing (apt-get install postgresql)")
    server = PgServer(bindir).start()
    try:
        url = server.new_database()
        with Store(url) as store:
            started = time.perf_counter()
            copy_build(store, args.leads)
            print(f"built {store.lead_count():,} leads on PostgreSQL in {time.perf_counter() - started:.0f} s")
        bench(url, args.runs)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
