"""Deadlines and supplier scorecards benchmark (measured, not asserted): ``python scripts/bench_ledger.py``.

Builds the 1,000,000-lead database of ``scripts/bench_lookup.py`` (or reuses one given with ``--keep DB``): every
bulk lead has a TrustedForm certificate that was never retained, so all 1,000,000 are due (the worst case for
``deadlines``), from 50 suppliers. Times ``Store.deadlines`` (the 1,000 most urgent, as the window shows them,
and all of them) and ``Store.supplier_scorecards`` ``--runs`` times each: median and max; then again after
99% of the certificates are retained (10,000 due: a buyer who keeps up). Target: under 1 s each.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_lookup import built_database  # noqa: E402

from desktop_app.store import Store  # noqa: E402


def main() -> int:
    with built_database("bench-ledger-", __doc__ or "", 5) as (args, folder, path):
        now = datetime(2026, 1, 6, tzinfo=UTC)
        with Store(path, backups_dir=folder / "backups") as store:
            for scenario in ("every certificate due", "1% of certificates due"):
                if scenario.startswith("1%"):
                    with store.transaction() as conn:
                        conn.execute("UPDATE leads SET flag_trustedform = 'green' WHERE id % 100 != 0")
                print(scenario + ":")
                for name, run in (
                    ("deadlines, the 1,000 most urgent", lambda: len(store.deadlines(now, limit=1000))),
                    ("deadlines, all", lambda: len(store.deadlines(now))),
                    ("supplier scorecards", lambda: len(store.supplier_scorecards())),
                ):
                    times, count = [], 0
                    for _ in range(args.runs):
                        started = time.perf_counter()
                        count = run()
                        times.append(time.perf_counter() - started)
                    print(
                        f"  {name}: {count:,} rows, median {statistics.median(times) * 1000:.0f} ms, "
                        f"max {max(times) * 1000:.0f} ms over {args.runs} runs (target < 1 s)"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
