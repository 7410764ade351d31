"""``leadcheck import / scrub / export / suppression`` end to end, including kill -9 mid-batch and ``--resume``."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from desktop_app.cli import main
from desktop_app.demo import demo_environment
from desktop_app.sandbox import VendorSimulator
from desktop_app.store.backend import Location, is_shared
from tests.e2e.outside import query

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def leads_csv(path: Path, n: int, *, start: int = 0) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Phone Number", "Email", "xxTrustedFormCertUrl", "universal_leadid", "First Name"])
        for i in range(start, start + n):
            writer.writerow(
                [
                    f"(202) 555-{i:04d}",
                    f"user{i}@example.com",
                    f"https://cert.trustedform.com/{i:040d}",
                    f"{i:08X}-1234-4234-8234-123456789012",
                    f"Lead {i}",
                ]
            )
    return path


def subject_of(request: object) -> tuple[str, str] | None:
    """(vendor, subject) of a simulator request, in the form the store keeps subjects."""
    path: str = request.path  # type: ignore[attr-defined]
    if path.startswith("/tf/"):
        return "trustedform", "https://cert.trustedform.com/" + path[len("/tf/") :]
    form = {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}  # type: ignore[attr-defined]
    if path.startswith("/litigator"):
        return "litigator", "+1" + form["PhoneNumber"]
    if path.startswith("/leadid"):
        return "jornaya", form["id"].upper()
    return None


@pytest.fixture
def simulator() -> Iterator[VendorSimulator]:
    sim = VendorSimulator(enforce_rate_limits=False).start()
    yield sim
    sim.stop()


def test_kill_9_mid_batch_then_resume_loses_nothing_and_repeats_no_completed_call(
    tmp_path: Path, simulator: VendorSimulator, database: Location
) -> None:
    simulator.latency = 0.1  # each call stays in flight a while, so the kill finds some
    origins = tmp_path / "origins.json"
    simulator.write_origin_map(origins)
    env = {**os.environ, **demo_environment(), "LEADCHECK_ORIGINS": str(origins)}  # LEADCHECK_DATABASE_URL too
    env["PYTHONPATH"] = str(ROOT)
    source = leads_csv(tmp_path / "leads.csv", 60)
    command = [sys.executable, "-m", "desktop_app.cli"]
    log = tmp_path / "scrub.log"
    with open(log, "wb") as stderr:
        scrub = subprocess.Popen(
            [*command, "scrub", str(source), "--vendors", "trustedform,jornaya,litigator", "--concurrency", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 60
    stored = 0
    try:
        while time.monotonic() < deadline and scrub.poll() is None:
            try:
                stored = query(database, "SELECT count(*) FROM checks WHERE batch_id IS NOT NULL", read_only=True)[0][0]
            except Exception:  # no database or no table yet
                stored = 0
            if stored >= 30:
                break
            time.sleep(0.02)
    finally:
        os.kill(scrub.pid, signal.SIGKILL)
        scrub.wait(timeout=10)
    assert scrub.returncode == -signal.SIGKILL, log.read_text()
    assert 30 <= stored < 180

    completed_before = set(
        query(database, "SELECT vendor, subject FROM batch_items WHERE state IN ('done', 'failed') AND batch_id = 1")
    )
    in_flight = query(database, "SELECT count(*) FROM batch_items WHERE state = 'in_flight'")[0][0]
    status = query(database, "SELECT status FROM batches WHERE id = 1")[0][0]
    assert status == "running"  # killed: nobody could say otherwise
    assert len(completed_before) >= 30
    assert in_flight <= 6  # at most 3 lanes x concurrency 2

    claimed = query(database, "SELECT count(*) FROM claims")[0][0]
    assert claimed == in_flight  # the killed seat's calls in flight are still claimed, by an owner that is gone
    simulator.latency = 0.0  # the resume need not wait: what it must not repeat was settled at the kill
    if is_shared(database):  # team mode: another seat (another home: its own settings, keyring, logs) resumes
        env = {**env, "LEADCHECK_HOME": str(tmp_path / "another-seat")}
    resume = subprocess.run(
        [*command, "--json", "scrub", "--resume"], env=env, capture_output=True, text=True, timeout=120
    )
    assert resume.returncode == 0, resume.stderr
    assert "Resuming batch 1" in resume.stderr
    lines = [json.loads(line) for line in resume.stdout.splitlines()]
    assert len(lines) == 180 - len(completed_before)  # one JSON object per check made (or found) by the resume

    states = dict(query(database, "SELECT state, count(*) FROM batch_items GROUP BY state"))
    (checks,) = query(database, "SELECT count(*), count(DISTINCT vendor || subject) FROM checks")
    status = query(database, "SELECT status FROM batches WHERE id = 1")[0][0]
    assert states == {"done": 180}
    assert checks == (180, 180)  # every result stored once: nothing lost, nothing doubled
    assert query(database, "SELECT count(*) FROM claims")[0][0] == 0  # the stale claims were taken over and released
    assert status == "done"

    sent = Counter(s for r in list(simulator.requests) if (s := subject_of(r)) is not None)
    assert len(sent) == 180
    for pair in completed_before:
        assert sent[pair] == 1, f"completed paid call repeated: {pair}"
    repeated = [pair for pair, n in sent.items() if n > 1]
    assert len(repeated) <= in_flight  # only calls in flight at the kill were sent again
    assert all(n <= 2 for n in sent.values())


@pytest.mark.usefixtures("database")
def test_resume_without_concurrency_runs_at_the_concurrency_the_batch_last_ran_with(
    tmp_path: Path, simulator: VendorSimulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scrub at --concurrency 3 stops on a refused litigator token; `scrub --resume` without --concurrency runs
    at the batch's 3, not the Settings default of 8; a --concurrency given to a resume wins and is remembered."""
    from desktop_app.sandbox import scenarios

    origins = tmp_path / "origins.json"
    simulator.write_origin_map(origins)
    good = demo_environment()
    for key, value in {**good, "LEADCHECK_ORIGINS": str(origins)}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LEADCHECK_LITIGATOR_TOKEN", scenarios.LITIGATOR_TOKEN_INVALID)
    source = leads_csv(tmp_path / "leads.csv", 12)

    def scrub(*argv: str) -> tuple[int, str]:
        code = main(["scrub", *argv])
        return code, capsys.readouterr().err

    code, err = scrub(str(source), "--vendors", "litigator", "--concurrency", "3")
    assert code == 1 and "Parallel calls: TCPA Litigator 3." in err and "Stopped:" in err
    code, err = scrub("--resume")
    assert code == 1 and "Resuming batch 1" in err and "Parallel calls: TCPA Litigator 3." in err
    code, err = scrub("--resume", "--concurrency", "2")
    assert code == 1 and "Parallel calls: TCPA Litigator 2." in err
    monkeypatch.setenv("LEADCHECK_LITIGATOR_TOKEN", good["LEADCHECK_LITIGATOR_TOKEN"])
    code, err = scrub("--resume", "--retry-failed")
    assert code == 0, err
    assert "Parallel calls: TCPA Litigator 2." in err and "Batch 1 done: 12 checked" in err


@pytest.mark.usefixtures("database")
def test_import_command_lists_refused_rows_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Tel;Mail\n2025551212;a@example.com\nnope;nope\n", encoding="utf-8")
    assert main(["import", str(path), "--map", "Tel=phone", "--map", "Mail=email"]) == 2
    err = capsys.readouterr().err
    assert "semicolon-separated" in err
    assert "Tel → phone" in err
    assert "row 3 (refused)" in err
    assert main(["--json", "import", str(tmp_path / "missing.csv")]) == 2
    out = capsys.readouterr().out
    assert json.loads(out)["error"]["kind"] == "input"


def test_scrub_demo_writes_results_and_json_and_suppression_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = leads_csv(tmp_path / "leads.csv", 3)
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("(202) 555-6666,hit@example.com,,,Litigator\n")  # the simulator's litigator trigger
    results = tmp_path / "results.csv"
    code = main(["--demo", "--json", "scrub", str(source), "--vendors", "trustedform,litigator", "--out", str(results)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert len(records) == 7 and {r["vendor"] for r in records} == {"trustedform", "litigator"}
    assert all(r["batch_id"] == 1 and r["lead_id"] for r in records)
    assert "Batch 1 done" in captured.err
    with open(results, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows.pop()["lead_id"].startswith("# Evidence log: ")  # the head hash at the time of the export
    assert len(rows) == 4
    assert rows[3]["litigator_flag"] == "Red" and rows[1]["trustedform_flag"] == "Green"

    again = main(["--demo", "--json", "scrub", str(source), "--vendors", "litigator"])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert again == 0 and all(r["cached"] for r in records)

    out = tmp_path / "suppression.csv"
    assert main(["--demo", "export", "suppression", "--out", str(out), "--format", "e164", "--reason"]) == 0
    with open(out, encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [["e164", "reason"], ["+12025556666", "litigator"]]
    out2 = tmp_path / "results-all.csv"
    assert main(["--demo", "export", "results", "--out", str(out2)]) == 0
    assert "Results for 4 leads" in capsys.readouterr().err


@pytest.mark.usefixtures("database")
def test_scrub_refuses_missing_credentials_and_unknown_vendors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = leads_csv(tmp_path / "leads.csv", 2)
    assert main(["scrub", str(source), "--vendors", "trustedform,fax"]) == 2
    assert "Unknown vendor fax" in capsys.readouterr().err
    assert main(["scrub", str(source), "--vendors", "litigator"]) == 2
    assert "LEADCHECK_LITIGATOR_CLIENT_ID" in capsys.readouterr().err
    assert main(["scrub", "--resume"]) == 2  # the refused batch is still waiting, and still refused
    assert main(["scrub", "--resume", "--batch", "99"]) == 2


@pytest.mark.usefixtures("database")
def test_suppression_import_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cc.txt"
    path.write_text("2025551212\nsomeone@example.com\n", encoding="utf-8")
    assert main(["suppression", "import", str(path)]) == 0
    assert "2 new on the local suppression list" in capsys.readouterr().err
    assert main(["suppression", "import", str(tmp_path / "nope.csv")]) == 2


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal() -> None:
    import io

    from desktop_app.cli.batch import ProgressPrinter
    from desktop_app.jobs.events import BatchEvent, BatchProgress, EventKind, RunState, VendorProgress

    now = [0.0]
    stream = io.StringIO()
    printer = ProgressPrinter(stream, tty=False, clock=lambda: now[0])

    def event(kind: EventKind, done: int) -> BatchEvent:
        lane = VendorProgress("litigator", 100, done, 1, 2, 0, 10.0)
        state = RunState.DONE if kind is EventKind.FINISHED else RunState.RUNNING
        return BatchEvent(kind, BatchProgress(1, state, {"litigator": lane}, now[0]))

    printer(event(EventKind.STARTED, 0))
    for done in range(1, 50):
        now[0] += 0.5
        printer(event(EventKind.ITEM, done))
    printer(event(EventKind.FINISHED, 97))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and "\033" not in stream.getvalue()
    assert 5 <= len(lines) <= 8  # one line every 5 seconds, plus the start and the end
    assert lines[-1].startswith("[########################] 100% 100/100 · done 97 · failed 1 · cached 2")
    assert "ETA 0:00" in lines[-1]
