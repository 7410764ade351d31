"""Evidence packet benchmark (measured, not asserted): ``python scripts/bench_packet.py [--leads N] [--runs N]``.

Builds the database of ``scripts/bench_lookup.py`` (1,000,000 leads; one consumer, (941) 867-5309 /
ann@example.com, with 20 leads bought from different suppliers and 5 checks each), then writes that consumer's
evidence packet ``--runs`` times (a fresh ZIP each time, every one logged in the evidence log, as the command does)
and reports the whole ``write_packet`` (median and max; target < 2 s) and its parts: the database reads
(``gather``: the window runs them on a worker thread), the PDF (``render_report``: on the GUI thread; the window
draws it a page at a time, so the longest step is what holds its loop), and the ZIP (worker thread). Qt runs
offscreen. Temporary files are deleted afterwards (unless ``--keep DB``, which builds the database there or reuses
it).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.packet import PacketData, gather, log_packet, write_packet, write_zip  # noqa: E402
from desktop_app.packet_report import render_report, render_steps  # noqa: E402
from desktop_app.store import Store  # noqa: E402
from scripts.bench_lookup import CONSUMER_LEADS, QUERIES, built_database  # noqa: E402

TARGET_SECONDS = 2.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _longest_step(data: PacketData) -> float:
    """The longest the window's loop waits while the PDF is drawn a page at a time (render_report_in_steps)."""
    longest, started = 0.0, time.perf_counter()
    for _ in render_steps(data, []):
        longest = max(longest, time.perf_counter() - started)
        started = time.perf_counter()
    return max(longest, time.perf_counter() - started)


def main() -> int:
    with built_database("bench-packet-", __doc__ or "", 5) as (args, folder, path):
        with Store(path, backups_dir=folder / "backups") as store:
            started = time.perf_counter()
            first = write_packet(store, QUERIES[0], folder / "first.zip")
            print(f"first packet (Qt started, connection new): {_ms(time.perf_counter() - started)}")
            assert len(first.lead_ids) == CONSUMER_LEADS, first.lead_ids
            with zipfile.ZipFile(first.path) as archive:
                names = archive.namelist()
            print(
                f"consumer: {len(first.lead_ids)} leads, {len(first.check_ids)} distinct checks "
                f"({CONSUMER_LEADS} x 5 listed, one litigator check shared), {first.pages}-page report, "
                f"{len(names)} files, {first.size / 1024:.0f} KiB"
            )
            totals, reads, renders, zips, steps = [], [], [], [], []
            for run in range(args.runs):
                started = time.perf_counter()
                write_packet(store, QUERIES[run % len(QUERIES)], folder / f"run{run}.zip")
                totals.append(time.perf_counter() - started)
                started = time.perf_counter()
                data = gather(store, QUERIES[0])
                reads.append(time.perf_counter() - started)
                started = time.perf_counter()
                report = render_report(data)
                renders.append(time.perf_counter() - started)
                started = time.perf_counter()
                summary = write_zip(data, report.pdf, folder / f"parts{run}.zip", pages=report.pages)
                zips.append(time.perf_counter() - started)
                log_packet(store, summary)
                steps.append(_longest_step(data))
            for label, times in (
                ("write_packet (whole)", totals),
                ("  reads (worker thread)", reads),
                ("  PDF (GUI thread)", renders),
                ("  ZIP (worker thread)", zips),
                ("longest GUI-thread step", steps),
            ):
                print(f"{label:<24} median {_ms(statistics.median(times))}, max {_ms(max(times))} ({args.runs} runs)")
            worst = max(totals)
            print(
                f"target < {TARGET_SECONDS:.0f} s: {'met' if worst < TARGET_SECONDS else 'NOT met'} "
                f"(slowest {worst:.2f} s)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
