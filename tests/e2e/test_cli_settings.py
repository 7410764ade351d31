"""``leadcheck`` with a bad setting or a file that is not a regular file: exit 2 and one sentence, no traceback.

Most cases call ``desktop_app.cli.main(argv)`` in-process, as tests/e2e/test_cli.py does. Commands that read a
named pipe run in a subprocess with a timeout, so that a regression fails the test instead of hanging the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run leadcheck ARGV; assert exit 2 and no traceback; return stderr."""
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("value", ["nan", "0", "-1", "inf", "3000", "soon"])
def test_bad_timeout_exits_2_with_the_range(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LEADCHECK_TIMEOUT", value)
    err = refused(capsys, "history")
    assert err == f"leadcheck: LEADCHECK_TIMEOUT must be a number of seconds between 1 and 600; it is “{value}”.\n"


def test_bad_timeout_is_refused_by_every_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADCHECK_TIMEOUT", "nan")
    assert "LEADCHECK_TIMEOUT" in refused(capsys, "litigator", "check", "2025550123")
    assert "LEADCHECK_TIMEOUT" in refused(capsys, "credentials", "status")
    assert "LEADCHECK_TIMEOUT" in refused(capsys, "--json", "litigator", "check", "2025550123")


def test_home_that_is_a_file_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home-file"
    home.write_text("")
    monkeypatch.setenv("LEADCHECK_HOME", str(home))
    err = refused(capsys, "history")
    assert f"LEADCHECK_HOME must be a folder Leadcheck can create or write to; it is “{home}”, which is a file." in err
    monkeypatch.delenv("LEADCHECK_HOME")
    assert "which is a file" in refused(capsys, "--home", str(home), "history")


def test_broken_settings_file_exits_2_naming_the_file(capsys: pytest.CaptureFixture[str], leadcheck_home: Path) -> None:
    config = leadcheck_home / "config" / "settings.json"
    config.parent.mkdir(parents=True)
    config.write_text('{"timeout": 30', encoding="utf-8")
    err = refused(capsys, "history")
    assert f"The settings file {config} is not valid JSON" in err and "delete that file" in err
    config.write_text('{"concurrency.litigator": 0}', encoding="utf-8")
    assert "concurrency.litigator must be a whole number of requests from 1 to 64; it is “0”" in refused(
        capsys, "history"
    )


def test_origins_fifo_or_missing_file_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fifo = tmp_path / "origins.json"
    os.mkfifo(fifo)
    monkeypatch.setenv("LEADCHECK_ORIGINS", str(fifo))
    assert "which is a named pipe (FIFO), not a regular file" in refused(capsys, "history")
    monkeypatch.setenv("LEADCHECK_ORIGINS", str(tmp_path / "missing.json"))
    assert "LEADCHECK_ORIGINS must be the path of a readable JSON file" in refused(capsys, "history")


def test_good_settings_still_run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADCHECK_TIMEOUT", "600")
    assert main(["history"]) == 0


def run_leadcheck(*argv: str, env: dict[str, str], timeout: float = 60, umask: int | None = None) -> Any:
    """``leadcheck ARGV`` in a fresh interpreter (optionally under ``umask``); the CompletedProcess."""
    code = "import os, sys; from desktop_app.cli import main; sys.exit(main(sys.argv[1:]))"
    if umask is not None:
        code = f"import os; os.umask({umask}); " + code
    return subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )


@pytest.mark.parametrize("command", [["import"], ["scrub", "--vendors", "litigator"]])
def test_import_and_scrub_of_a_fifo_exit_2_without_waiting(
    tmp_path: Path, leadcheck_home: Path, command: list[str]
) -> None:
    fifo = tmp_path / "leads.csv"
    os.mkfifo(fifo)
    env = {**os.environ, "LEADCHECK_HOME": str(leadcheck_home), "NO_COLOR": "1"}
    proc = run_leadcheck(command[0], str(fifo), *command[1:], env=env)
    assert proc.returncode == 2, proc.stderr
    assert f"“{fifo}” is a named pipe (FIFO), not a regular file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_home_created_under_umask_0_is_private(tmp_path: Path) -> None:
    home = tmp_path / "fresh" / "home"
    proc = run_leadcheck("history", env={**os.environ, "LEADCHECK_HOME": str(home)}, umask=0)
    assert proc.returncode == 0, proc.stderr
    folders = [tmp_path / "fresh", home, *(p for p in home.rglob("*") if p.is_dir())]
    files = [p for p in home.rglob("*") if p.is_file()]
    assert len(folders) >= 6 and files
    assert {str(p): oct(p.stat().st_mode & 0o777) for p in folders} == {str(p): "0o700" for p in folders}
    assert {str(p): oct(p.stat().st_mode & 0o777) for p in files} == {str(p): "0o600" for p in files}


@pytest.mark.parametrize("command", [["suppression", "import"], ["consentcontrol", "upload"]])
def test_consent_control_files_that_are_fifos_exit_2(tmp_path: Path, leadcheck_home: Path, command: list[str]) -> None:
    fifo = tmp_path / "optouts.csv"
    os.mkfifo(fifo)
    env = {**os.environ, "LEADCHECK_HOME": str(leadcheck_home), "NO_COLOR": "1"}
    proc = run_leadcheck(*command, str(fifo), env=env)
    assert proc.returncode == 2 and "named pipe" in proc.stderr, proc.stderr


def test_home_option_keeps_the_files_there_without_touching_the_environment(
    tmp_path: Path, leadcheck_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "elsewhere"
    before = os.environ.get("LEADCHECK_HOME")
    assert main(["--home", str(home), "history"]) == 0
    assert os.environ.get("LEADCHECK_HOME") == before  # passed down as Paths, not through os.environ
    assert (home / "data").is_dir() and not (leadcheck_home / "data" / "leadcheck.db").exists()
