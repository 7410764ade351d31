"""The window refuses, at start-up, an origin map that would send keys over plain http to another computer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app import app as app_module
from tests.ui.helpers import OFFSCREEN_SHOW


@OFFSCREEN_SHOW
@pytest.mark.usefixtures("qapp", "restore_app_state")
def test_window_start_up_refuses_plain_http_elsewhere_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    origins = tmp_path / "origins.json"
    origins.write_text(json.dumps({"https://cert.trustedform.com": "http://192.0.2.77/tf"}))
    monkeypatch.setenv("LEADCHECK_ORIGINS", str(origins))
    assert app_module.main(screenshot=tmp_path / "x.png", tab="leads") == 2
    err = capsys.readouterr().err
    assert str(origins) in err and "plain http:// address on another computer" in err
    assert not (tmp_path / "x.png").exists()
