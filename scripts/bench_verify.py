"""Evidence-log benchmark (measured, not asserted): ``python scripts/bench_verify.py [--checks N]``.

Builds a database of N stored checks (default 1,000,000; litigator-sized answers of about 300 bytes) sealed into
the evidence log the way a migration seals them, then times ``Store.verify`` over it and reports entries per
second and MB of logged content per second. Target: under 30 s for 1,000,000 checks on this machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.store import Store  # noqa: E402
from desktop_app.store import evidence as ev  # noqa: E402


def build(path: Path, checks: int) -> float:
    started = time.perf_counter()
    with Store(path) as store:
        conn = store.connection
        columns = [c for c in ev.CHECK_COLUMNS if c != "id"]
        sql = f"INSERT INTO checks ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

        def rows(start: int, stop: int):  # type: ignore[no-untyped-def]
            for i in range(start, stop):
                phone = f"+1202{i:07d}"
                body = f'{{"results": {{"phone_number": "{phone[2:]}", "is_bad_number": false}}, "n": {i}}}'
                yield (
                    None, None, "litigator", "check", phone, "green", "Not a known TCPA litigator.",
                    '{"phone_is_litigator": false}', None, None, 200,
                    '{"method": "POST", "url": "https://api.tcpalitigatorlist.com/scrub/phone/", "body": "[redacted]"}',
                    body, 1, "2026-11-30T08:00:00.000Z", "2026-11-30T08:00:00.100Z", "{}",
                )  # fmt: skip

        step = 100_000
        for start in range(0, checks, step):
            with store.transaction():
                conn.executemany(sql, rows(start, min(checks, start + step)))
        with store.transaction():
            ev.seal_existing_checks(conn)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checks", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "verify.db"
        built = build(path, args.checks)
        with Store(path) as store:
            size = int(store.connection.execute("SELECT sum(length(content)) FROM evidence_log").fetchone()[0] or 0)
            started = time.perf_counter()
            outcome = store.verify()
            elapsed = time.perf_counter() - started
        assert outcome.ok, outcome.problem
        print(f"built {args.checks:,} checks and their entries in {built:.1f} s")
        print(
            f"verify: {outcome.entries:,} entries ({size / 1e6:.0f} MB of content) in {elapsed:.1f} s — "
            f"{outcome.entries / elapsed:,.0f} entries/s, {size / 1e6 / elapsed:.1f} MB/s (target: under 30 s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
