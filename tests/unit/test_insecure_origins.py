"""Keys travel only over https: an origin map sending a vendor over plain http to another computer is refused at
start-up with a sentence naming the file and the origin, exit status 2, before any request is built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli import main
from tests.helpers import FakeTime

TOKEN = "litigator-token-0123456789"


@pytest.fixture
def insecure_origins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "origins.json"
    path.write_text(json.dumps({"https://api.rrdblive.com": "http://192.0.2.77:8080/lit"}))
    monkeypatch.setenv("LEADCHECK_ORIGINS", str(path))
    for name, value in (("CLIENT_ID", "client-123"), ("CWSID", "cws-4567"), ("TOKEN", TOKEN)):
        monkeypatch.setenv(f"LEADCHECK_LITIGATOR_{name}", value)
    return path


def test_cli_refuses_plain_http_to_another_computer_with_exit_2(
    insecure_origins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "litigator", "check", "202-555-0123"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(insecure_origins) in captured.err and "http://192.0.2.77:8080/lit" in captured.err
    assert "plain http:// address on another computer" in captured.err and "Traceback" not in captured.err
    assert TOKEN not in captured.err


def test_cli_accepts_plain_http_to_this_computer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "origins.json"
    path.write_text(json.dumps({"https://api.rrdblive.com": "http://127.0.0.1:9/lit"}))  # nothing listens on 9
    monkeypatch.setenv("LEADCHECK_ORIGINS", str(path))
    for name in ("CLIENT_ID", "CWSID", "TOKEN"):
        monkeypatch.setenv(f"LEADCHECK_LITIGATOR_{name}", f"value-for-{name}")
    # sent, and the call failed: not refused (its retries wait on FakeTime, not the clock)
    assert main(["--json", "litigator", "check", "202-555-0123"], timing=FakeTime().timing) == 1
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "network"
