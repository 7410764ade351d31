"""The origin map: where a vendor's https origin is delivered instead, and keys travel only over https."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.vendors.errors import LeadcheckError, OriginMapError
from desktop_app.vendors.origins import OriginMap


def test_origin_map_appends_path_and_query() -> None:
    origins = OriginMap({"https://cert.trustedform.com": "http://127.0.0.1:8765/tf/"})
    assert origins.resolve("https://cert.trustedform.com/abc?x=1") == "http://127.0.0.1:8765/tf/abc?x=1"
    assert origins.resolve("https://api.leadid.com/SingleQuery") == "https://api.leadid.com/SingleQuery"


def test_origin_map_wildcard_matches_account_hosts_only() -> None:
    origins = OriginMap({"https://*.digitalsegment.com": "http://127.0.0.1:1/cc"})
    assert origins.resolve("https://acme.digitalsegment.com/RestServices/OptOut/Upload") == (
        "http://127.0.0.1:1/cc/RestServices/OptOut/Upload"
    )
    assert origins.resolve("https://digitalsegment.com/x") == "https://digitalsegment.com/x"
    assert origins.resolve("https://evil.com/?h=.digitalsegment.com") == "https://evil.com/?h=.digitalsegment.com"


def test_origin_map_from_env(tmp_path: Path) -> None:
    path = tmp_path / "origins.json"
    path.write_text(json.dumps({"https://api.leadid.com": "http://127.0.0.1:9/j"}))
    assert OriginMap.from_env({"LEADCHECK_ORIGINS": str(path)}).resolve("https://api.leadid.com/a") == (
        "http://127.0.0.1:9/j/a"
    )
    path.write_text("not json")
    with pytest.raises(LeadcheckError, match="not a readable JSON file"):
        OriginMap.from_env({"LEADCHECK_ORIGINS": str(path)})


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8765/tf",
        "http://127.8.9.10/x",
        "http://[::1]:9/x",
        "http://localhost:1",
        "https://proxy.example",
    ],
)
def test_origin_map_accepts_https_and_plain_http_to_this_computer(target: str) -> None:
    assert OriginMap({"https://api.rrdblive.com": target}).resolve("https://api.rrdblive.com/a") == target + "/a"


@pytest.mark.parametrize(
    "target",
    [
        "http://192.0.2.77:8080/lit",
        "http://127.0.0.1.evil.example/x",
        "http://localhost.evil.example",
        "http://[::2]/x",
        "http://10.0.0.1",
    ],
)
def test_origin_map_refuses_plain_http_to_another_computer(target: str) -> None:
    with pytest.raises(OriginMapError, match="plain http:// address on another computer") as refused:
        OriginMap({"https://api.rrdblive.com": target})
    assert target in str(refused.value) and "https://api.rrdblive.com" in str(refused.value)


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/x", "127.0.0.1:8080", "http://", "http://127.0.0.1:port/"])
def test_origin_map_refuses_what_is_not_an_http_address(target: str) -> None:
    with pytest.raises(OriginMapError, match="not an http"):
        OriginMap({"https://api.leadid.com": target})


def test_origin_map_file_with_plain_http_elsewhere_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "origins.json"
    path.write_text(json.dumps({"https://api.rrdblive.com": "http://192.0.2.77:8080/lit"}))
    with pytest.raises(OriginMapError) as refused:
        OriginMap.from_env({"LEADCHECK_ORIGINS": str(path)})
    assert str(path) in str(refused.value) and "LEADCHECK_ORIGINS" in str(refused.value)
    assert isinstance(refused.value, LeadcheckError)
