"""Benchmark the window with a large database: time to first rows, scrolling, peak memory, start-up time.

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_window.py [--leads 1000000] [--runs 5]

It fills a database under a temporary LEADCHECK_HOME with ``--leads`` leads (one ``executemany``
transaction), then, each in a fresh subprocess with the window offscreen:

* start-up: process start -> window shown, for the app and for a bare PySide6 ``QMainWindow`` (median of
  ``--runs``, alternating); target: the app within 1.5x of the bare window;
* the lead table: opening it -> first rows painted (target < 0.5 s), -> every id loaded, scrolling to the
  last row and to random rows (each a repaint: a visible stall would show here), a sort by name and a text
  filter (run off the GUI thread: the longest GUI-thread stall while they run is reported), peak RSS
  (target < 250 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez")
SUPPLIERS = ("SunBright Media", "QuoteWave", "Solar Direct", "MedicareLeadsPro", "InsureNow")
STATES = ("TX", "FL", "CA", "OH", "IL", "AZ", "NV", "NY", "GA", "PA")
FLAGS = (None, None, "green", "green", "yellow", "red")


# -- filling the database ---------------------------------------------------------------------------------


def fill(home: Path, count: int) -> float:
    """Create the database under ``home`` and insert ``count`` leads; returns seconds taken."""
    from desktop_app.paths import Paths
    from desktop_app.settings import Settings
    from desktop_app.store import Store

    paths = Paths.from_env(home).ensure()
    Settings(paths, environ={}).set("first_run_done", True)
    Store(paths.database, backups_dir=paths.backups_dir).close()  # schema
    rng = random.Random(7)
    started = time.perf_counter()
    conn = sqlite3.connect(paths.database, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")

    def rows() -> Any:
        for n in range(count):
            checked = rng.random() < 0.4
            yield (
                rng.choice(FIRST),
                rng.choice(LAST),
                f"+1{rng.randint(201, 989)}555{n % 10000:04d}",
                f"lead{n}@example.com",
                rng.choice(SUPPLIERS),
                rng.choice(STATES),
                f"https://cert.trustedform.com/{rng.getrandbits(160):040x}" if rng.random() < 0.6 else None,
                str(uuid.UUID(int=rng.getrandbits(128))).upper() if rng.random() < 0.5 else None,
                rng.choice(FLAGS) if checked else None,
                rng.choice(FLAGS) if checked else None,
                rng.choice(FLAGS) if checked else None,
                "2025-01-01T00:00:00.000Z",
                "2025-01-01T00:00:00.000Z",
            )

    conn.executemany(
        "INSERT INTO leads (first_name, last_name, phone, email, supplier, state, cert_url, leadid, "
        "flag_trustedform, flag_jornaya, flag_litigator, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - started


# -- children (one fresh process each) --------------------------------------------------------------------


def _since_start() -> float:
    return time.time() - float(os.environ["BENCH_T0"])


def child_bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    print(json.dumps({"shown": _since_start()}), flush=True)
    os._exit(0)


def child_app_start() -> None:
    from desktop_app.app import main

    def shown(_window: Any) -> None:
        print(json.dumps({"shown": _since_start()}), flush=True)
        os._exit(0)

    main(on_shown=shown)


def child_app_table() -> None:
    import resource

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    from desktop_app.app import main
    from desktop_app.ui.leads.model import COL_NAME, LeadQuery, LeadsModel
    from desktop_app.ui.leads.tab import LeadsTab
    from desktop_app.ui.main_window import MainWindow

    metrics: dict[str, Any] = {}
    real_reload = LeadsModel.reload
    real_repaint = MainWindow.repaint

    async def timed_reload(self: LeadsModel, **kwargs: Any) -> int:
        first = "open_started" not in metrics
        if first:
            metrics["open_started"] = time.perf_counter()
        count = await real_reload(self, **kwargs)
        if first:
            metrics["all_ids_s"] = time.perf_counter() - metrics["open_started"]
        return count

    def timed_repaint(self: MainWindow) -> None:
        # run_window paints the window right after the table's first page is in the model
        real_repaint(self)
        model = self.leads_tab.model if self.leads_tab is not None else None
        if "first_rows_s" not in metrics and model is not None and model.rowCount():
            metrics["first_rows_s"] = time.perf_counter() - metrics["open_started"]
            metrics["first_rows_since_start_s"] = _since_start()
            metrics["first_row_painted"] = model.data(model.index(0, COL_NAME)) is not None

    LeadsModel.reload = timed_reload  # type: ignore[method-assign]
    MainWindow.repaint = timed_repaint  # type: ignore[method-assign, assignment]

    def repaint_time(tab: LeadsTab, action: Any) -> float:
        started = time.perf_counter()
        action()
        tab.view.viewport().repaint()
        QApplication.processEvents()
        return time.perf_counter() - started

    async def measure(session: Any) -> None:
        tab = session.window.leads_tab
        model = tab.model
        metrics["rows"] = model.rowCount()
        last = model.rowCount() - 1
        metrics["scroll_end_s"] = repaint_time(tab, tab.view.scrollToBottom)
        metrics["last_row_painted"] = model.data(model.index(last, COL_NAME)) is not None
        rng = random.Random(3)
        jumps = []
        for _ in range(20):
            row = rng.randrange(model.rowCount())
            jumps.append(
                repaint_time(
                    tab,
                    lambda r=row: tab.view.scrollTo(model.index(r, 0), QAbstractItemView.ScrollHint.PositionAtCenter),
                )
            )
        metrics["random_rows_max_s"] = max(jumps)
        metrics["random_rows_median_s"] = statistics.median(jumps)

        # Heavy queries run off the GUI thread: measure the longest gap between 5 ms heartbeats meanwhile.
        clock, gaps = QElapsedTimer(), [0]
        clock.start()
        beat = QTimer()
        beat.setInterval(5)

        def tick() -> None:
            gaps.append(clock.restart())

        beat.timeout.connect(tick)
        beat.start()
        started = time.perf_counter()
        await model.set_query(LeadQuery(sort_column=COL_NAME, descending=False))
        metrics["sort_by_name_s"] = time.perf_counter() - started
        started = time.perf_counter()
        metrics["filter_rows"] = await model.set_query(LeadQuery(text="Garcia"))
        metrics["filter_text_s"] = time.perf_counter() - started
        beat.stop()
        metrics["gui_stall_max_ms"] = max(gaps)
        metrics["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(metrics), flush=True)
        session.window.close()

    main(on_ready=measure)


# -- parent -----------------------------------------------------------------------------------------------


def run_child(mode: str, home: Path) -> dict[str, Any]:
    env = {**os.environ, "LEADCHECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "BENCH_T0": repr(time.time())}
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode], env=env, capture_output=True, text=True, timeout=600
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"{mode} child failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--home", type=Path, help="keep the filled database here (reused when it exists)")
    parser.add_argument("--child", choices=("bare", "app-start", "app-table"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"bare": child_bare, "app-start": child_app_start, "app-table": child_app_table}[args.child]()
        return 0

    with tempfile.TemporaryDirectory(prefix="leadcheck-bench-") as tmp:
        home = args.home or Path(tmp)
        database = home / "data" / "leadcheck.db"
        if database.exists():
            fill_s = 0.0
            args.leads = sqlite3.connect(database).execute("SELECT count(*) FROM leads").fetchone()[0]
        else:
            print(f"Filling {args.leads:,} leads…", flush=True)
            fill_s = fill(home, args.leads)
        size_mb = (home / "data" / "leadcheck.db").stat().st_size / 1e6
        bare, app = [], []
        for _ in range(args.runs):
            bare.append(run_child("bare", home)["shown"])
            app.append(run_child("app-start", home)["shown"])
        table = run_child("app-table", home)

    bare_s, app_s = statistics.median(bare), statistics.median(app)
    rows = [
        ("database", f"{args.leads:,} leads, {size_mb:,.0f} MB", f"filled in {fill_s:.1f} s" if fill_s else "reused"),
        ("start -> window shown (app)", f"{app_s * 1000:.0f} ms", f"median of {args.runs}"),
        ("start -> window shown (bare QMainWindow)", f"{bare_s * 1000:.0f} ms", f"median of {args.runs}"),
        ("app / bare", f"{app_s / bare_s:.2f}x", "target <= 1.5x"),
        ("open table -> first rows painted", f"{table['first_rows_s'] * 1000:.0f} ms", "target < 500 ms"),
        ("process start -> first rows painted", f"{table['first_rows_since_start_s'] * 1000:.0f} ms", ""),
        (
            "open table -> all 1M ids loaded (off-thread)"
            if args.leads == 1_000_000
            else "open table -> all ids loaded",
            f"{table['all_ids_s'] * 1000:.0f} ms",
            f"{table['rows']:,} rows",
        ),
        ("scroll to last row + repaint", f"{table['scroll_end_s'] * 1000:.1f} ms", ""),
        ("scroll to random row + repaint (max of 20)", f"{table['random_rows_max_s'] * 1000:.1f} ms", ""),
        ("scroll to random row + repaint (median)", f"{table['random_rows_median_s'] * 1000:.1f} ms", ""),
        ("sort by name (off-thread)", f"{table['sort_by_name_s'] * 1000:.0f} ms", ""),
        ("filter 'Garcia' (off-thread)", f"{table['filter_text_s'] * 1000:.0f} ms", f"{table['filter_rows']:,} rows"),
        ("longest GUI stall during sort + filter", f"{table['gui_stall_max_ms']} ms", "5 ms heartbeat"),
        ("peak RSS (table process)", f"{table['peak_rss_mb']:.0f} MB", "target < 250 MB"),
    ]
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print()
    print(f"{'measure':<{width}}  {'value':>{value_width}}  note")
    print(f"{'-' * width}  {'-' * value_width}  ----")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {note}")
    ok = (
        app_s / bare_s <= 1.5
        and table["first_rows_s"] < 0.5
        and table["peak_rss_mb"] < 250
        and table["first_row_painted"]
        and table["last_row_painted"]
    )
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
