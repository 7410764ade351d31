"""The window and ``leadcheck`` processes on one home at the same time (issue 10): while CLI processes import,
look up and list history, the window keeps reading its lead table and writing leads and checks; nothing shows
"malformed" or "locked", no write is lost and the file stays sound."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.paths import Paths
from desktop_app.service import CheckService
from desktop_app.ui.main_window import MainWindow
from desktop_app.vendors.results import CheckResult, Flag
from tests.ui.helpers import use_fake_tabs

ROOT = Path(__file__).resolve().parents[2]
AREAS = (305, 415, 512)
ROWS_PER_FILE = 400


def leads_csv(path: Path, area: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Phone Number", "Email", "First Name", "Supplier"])
        for i in range(ROWS_PER_FILE):
            writer.writerow([f"({area}) 555-{i:04d}", f"p{area}.{i}@example.com", f"Lead {i}", f"Seller {area}"])
    return path


@pytest.fixture
def window(service: CheckService, paths: Paths, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    use_fake_tabs(monkeypatch)
    win = MainWindow()
    qtbot.addWidget(win)
    win.populate(service, settings=service.settings, paths=paths)
    yield win
    win.shutdown_ui()


def start_cli(home: Path, *argv: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADCHECK_")}
    env.update(LEADCHECK_HOME=str(home), PYTHONPATH=str(ROOT), NO_COLOR="1")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def read_every_row(window: MainWindow) -> list[tuple[Any, ...]]:
    """Every cell of every row of the lead table, as the view would ask for them."""
    model = window.leads_tab.model
    return [
        tuple(model.data(model.index(row, column)) for column in range(model.columnCount()))
        for row in range(model.rowCount())
    ]


async def test_window_and_cli_processes_share_one_home_without_errors_or_lost_writes(
    window: MainWindow, service: CheckService, paths: Paths, leadcheck_home: Path, tmp_path: Path
) -> None:
    failures: list[str] = []
    window.leads_tab.model.load_failed.connect(failures.append)
    store = service.store
    window_leads = [store.add_lead({"phone": f"+1202555{i:04d}", "first_name": "Window"}) for i in range(20)]
    assert await window.leads_tab.open() == 20

    files = [leads_csv(tmp_path / f"leads{area}.csv", area) for area in AREAS]
    commands = [["import", str(f)] for f in files]
    commands += [["lookup", "(202) 555-0001"], ["history", "--subject", "202.555.0002"]]
    processes = [start_cli(leadcheck_home, *argv) for argv in commands]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    rounds = 0
    while any(p.poll() is None for p in processes) and loop.time() < deadline:
        rounds += 1
        await window.leads_tab.refresh()
        read_every_row(window)
        lead_id = window_leads[rounds % len(window_leads)]
        phone = f"+1202555{rounds % len(window_leads):04d}"
        store.record_check(
            CheckResult(vendor="litigator", operation="check", subject=phone, flag=Flag.GREEN, summary="clean"),
            lead_id=lead_id,
        )
        window_leads.append(store.add_lead({"phone": f"+1202556{rounds:04d}", "first_name": "Window"}))
        await asyncio.sleep(0.01)

    outcomes = [(p.wait(timeout=60), *p.communicate()) for p in processes]
    for argv, (code, out, err) in zip(commands, outcomes, strict=True):
        assert code == 0, (argv, out, err)
        assert not any(word in err for word in ("malformed", "locked", "already exists")), (argv, err)

    total = len(window_leads) + ROWS_PER_FILE * len(AREAS)
    assert await window.leads_tab.refresh() == total
    rows = read_every_row(window)
    assert len(rows) == total and all(any(cell for cell in row) for row in rows)
    assert failures == []
    assert "could not read" not in window.statusBar().currentMessage()

    with contextlib.closing(sqlite3.connect(paths.database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        per_file = dict(conn.execute("SELECT source_file, count(*) FROM leads GROUP BY source_file").fetchall())
        assert per_file == {None: len(window_leads), **{f.name: ROWS_PER_FILE for f in files}}
        assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == rounds
    assert rounds > 0
