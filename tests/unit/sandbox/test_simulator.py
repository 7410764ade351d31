"""Tests for the local vendor simulator: every vendor's documented shapes, every trigger, and the server itself."""

from __future__ import annotations

import http.client
import json
import math
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from desktop_app.sandbox import ORIGIN_PREFIXES, RecordedRequest, VendorSimulator
from desktop_app.sandbox import scenarios as sc
from desktop_app.sandbox.__main__ import main as cli_main
from desktop_app.vendors.origins import OriginMap

REPO = Path(__file__).resolve().parents[3]
TF_HEADERS = {"api-version": "4.0", "Accept": "application/json"}
TF_AUTH = ("API", sc.TF_API_KEY)
LITIGATOR_PATH = "/litigator/DDM/WebService.cfc"
LITIGATOR_URL = LITIGATOR_PATH + "?method=process"
LITIGATOR_CREDS = {"ClientID": sc.LITIGATOR_CLIENT_ID, "CWSID": sc.LITIGATOR_CWSID, "Token": sc.LITIGATOR_TOKEN}
CC_URL = "/cc/RestServices/OptOut/Upload"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def sim() -> Iterator[VendorSimulator]:
    with VendorSimulator() as simulator:
        yield simulator


@pytest.fixture(scope="module")
def client(sim: VendorSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=10) as http:
        yield http


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:12]


def cs_headers(key: str | None = None) -> dict[str, str]:
    """Bearer headers with a fresh API key, so rate-limit windows never leak between tests."""
    return {"Authorization": f"Bearer {key or unique('test-key-')}"}


def tf_post(client: httpx.Client, cert_id: str, body: Any, **kwargs: Any) -> httpx.Response:
    kwargs.setdefault("headers", TF_HEADERS)
    kwargs.setdefault("auth", TF_AUTH)
    return client.post(f"/tf/{cert_id}", json=body, **kwargs)


def jornaya_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "lac": sc.JORNAYA_ACCOUNT_CODE,
        "id": sc.JORNAYA_TOKEN_OK,
        "lak": sc.JORNAYA_AUDIT_KEY,
        "lpc": sc.JORNAYA_PROVIDER_CODE,
        "data": "email;jane@example.com|f_name;Jane",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


# ---------------------------------------------------------------------------------------------------------------
# Server, origin map, recording


def test_origin_map_points_every_real_origin_at_its_prefix(sim: VendorSimulator, tmp_path: Path) -> None:
    base = sim.base_url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
    assert sim.origin_map() == {
        "https://cert.trustedform.com": base + "/tf",
        "https://api.leadid.com": base + "/leadid",
        "https://api.rrdblive.com": base + "/litigator",
        "https://cert.contactstate.com": base + "/cs-cert",
        "https://cert-gen.contactstate.com": base + "/cs-certgen",
        "https://connect.contactstate.com": base + "/cs-connect",
        "https://perform.contactstate.com": base + "/cs-perform",
        "https://*.digitalsegment.com": base + "/cc",
    }
    out = tmp_path / "origins.json"
    sim.write_origin_map(out)
    assert json.loads(out.read_text(encoding="utf-8")) == sim.origin_map()
    assert set(ORIGIN_PREFIXES) == set(sim.origin_map())


def test_origin_map_file_is_understood_by_the_app(sim: VendorSimulator, client: httpx.Client) -> None:
    origins = OriginMap(sim.origin_map())
    target = origins.resolve("https://acme.digitalsegment.com/RestServices/OptOut/Upload")
    assert target == sim.base_url + CC_URL
    assert origins.resolve(f"https://cert.contactstate.com/certs/{sc.CS_CERT_ID_CERTIFIED}.json") == (
        f"{sim.base_url}/cs-cert/certs/{sc.CS_CERT_ID_CERTIFIED}.json"
    )
    resolved = origins.resolve(f"https://cert.trustedform.com/{sc.TF_CERT_OK}")
    response = client.post(resolved, json={"retain": {}}, headers=TF_HEADERS, auth=TF_AUTH)
    assert response.status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_to_bind_anything_but_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        VendorSimulator(host=host)
    assert cli_main(["--host", host]) == 2


def test_unknown_paths_answer_404_json(client: httpx.Client) -> None:
    response = client.get("/nowhere/at/all")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "not_found"


def test_a_request_cut_off_mid_body_is_neither_recorded_nor_answered(sim: VendorSimulator) -> None:
    """A client killed while sending (headers out, body not) made no call: a real server never sees a whole
    request, so the simulator neither records nor answers it (the kill -9 test counts recorded calls)."""
    marker = unique("cut")
    before = sim.count("/litigator")
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as conn:
        conn.sendall(
            f"POST /litigator/DDM/WebService.cfc?method=process&marker={marker} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"
            "PhoneNumber=20255".encode()
        )
        conn.shutdown(socket.SHUT_WR)
        assert conn.recv(1024) == b""  # closed without an answer
    time.sleep(0.05)
    assert sim.count("/litigator") == before
    assert not [r for r in sim.requests if marker in r.query]


def test_every_request_is_recorded(sim: VendorSimulator, client: httpx.Client) -> None:
    marker = unique("rec")
    before = sim.count("/litigator")
    client.post(f"{LITIGATOR_URL}&marker={marker}", data={**LITIGATOR_CREDS, "PhoneNumber": sc.LITIGATOR_PHONE_CLEAN})
    assert sim.count("/litigator") == before + 1
    recorded = [r for r in sim.requests if marker in r.query]
    assert len(recorded) == 1
    req = recorded[0]
    assert isinstance(req, RecordedRequest)
    assert (req.method, req.path) == ("POST", "/litigator/DDM/WebService.cfc")
    assert req.params["method"] == ["process"]
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert req.form()["PhoneNumber"] == [sc.LITIGATOR_PHONE_CLEAN]
    assert req.timestamp <= time.time()


def test_latency_delays_every_response_and_is_settable_at_runtime() -> None:
    with VendorSimulator(latency=0.3) as slow, httpx.Client(base_url=slow.base_url, timeout=5) as http:
        started = time.monotonic()
        assert http.get("/nowhere").status_code == 404
        assert time.monotonic() - started >= 0.3
        slow.latency = 0.0
        started = time.monotonic()
        http.get("/nowhere")
        assert time.monotonic() - started < 0.25


def test_sim_delay_header_delays_one_response(client: httpx.Client) -> None:
    started = time.monotonic()
    assert client.get("/nowhere", headers={sc.SIM_DELAY_HEADER: "0.3"}).status_code == 404
    assert time.monotonic() - started >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        client.get("/nowhere", headers={sc.SIM_DELAY_HEADER: "2"}, timeout=0.2)


def test_holds_hundreds_of_concurrent_keep_alive_connections(sim: VendorSimulator) -> None:
    connections = [http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10) for _ in range(200)]
    try:
        for conn in connections:
            conn.connect()
        sockets = [conn.sock for conn in connections]
        for _ in range(2):
            for conn in connections:
                conn.request("GET", "/nowhere")
                response = conn.getresponse()
                assert response.status == 404
                assert int(response.headers["Content-Length"]) == len(response.read())
        assert [conn.sock for conn in connections] == sockets  # every connection was kept alive
    finally:
        for conn in connections:
            conn.close()


def test_stop_releases_the_port_and_can_restart() -> None:
    simulator = VendorSimulator().start()
    port = simulator.port
    simulator.stop()
    simulator.stop()  # twice is fine
    with pytest.raises(httpx.ConnectError), httpx.Client() as http:
        http.get(f"http://127.0.0.1:{port}/nowhere", timeout=1)
    with simulator, httpx.Client(base_url=simulator.base_url) as http:
        assert http.get("/nowhere").status_code == 404


def test_command_line_prints_base_url_and_origins_file(tmp_path: Path) -> None:
    origins = tmp_path / "origins.json"
    command = [sys.executable, "-m", "desktop_app.sandbox", "--port", "0", "--origins-out", str(origins)]
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            first, second = proc.stdout.readline(), proc.stdout.readline()
            base_url = first.rsplit(" ", 1)[-1].strip()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url), first
            assert str(origins) in second
            assert json.loads(origins.read_text(encoding="utf-8"))["https://api.leadid.com"] == base_url + "/leadid"
            with httpx.Client() as http:
                assert http.get(base_url + "/nowhere").status_code == 404
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Stopping." in out


# ---------------------------------------------------------------------------------------------------------------
# TrustedForm v4


def test_trustedform_retain_and_match_success(client: httpx.Client) -> None:
    cert_id = sc.tf_cert_id("ok", unique())
    body = {
        "retain": {"reference": "lead-42", "vendor": "Acme Co."},
        "match_lead": {"email": sc.TF_EMAIL_OK, "phone": sc.TF_PHONE_OK},
    }
    response = tf_post(client, cert_id, body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["outcome"] == "success"
    assert data["reason"] is None
    assert data["match_lead"] == {
        "email": sc.TF_EMAIL_OK,
        "phone": sc.TF_PHONE_OK,
        "result": {"email_match": True, "phone_match": True, "success": True},
    }
    retain = data["retain"]
    assert (retain["reference"], retain["vendor"]) == ("lead-42", "Acme Co.")
    results = retain["results"]
    assert results["previously_retained"] is False
    assert re.fullmatch(r"https://cert\.trustedform\.com/[0-9a-f]{40}", results["masked_cert_url"])
    expires = datetime.strptime(results["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=1)

    again = tf_post(client, cert_id, body).json()
    assert again["retain"]["results"]["previously_retained"] is True


def test_trustedform_retain_only_has_no_match_lead(client: httpx.Client) -> None:
    data = tf_post(client, sc.tf_cert_id("ret", unique()), {"retain": {}}).json()
    assert data["outcome"] == "success"
    assert "match_lead" not in data
    assert set(data["retain"]) == {"results"}


@pytest.mark.parametrize("cert_id", [sc.TF_CERT_OK, sc.TF_CERT_OK_MOBILE, sc.TF_CERT_OK_META])
def test_trustedform_accepts_web_mobile_and_meta_ids(client: httpx.Client, cert_id: str) -> None:
    assert tf_post(client, cert_id, {"retain": {}}).status_code == 200


@pytest.mark.parametrize(
    ("email", "phone", "email_match", "phone_match"),
    [(sc.TF_EMAIL_MISMATCH, sc.TF_PHONE_OK, False, True), (sc.TF_EMAIL_OK, sc.TF_PHONE_MISMATCH, True, False)],
)
def test_trustedform_partial_match_is_still_a_success(
    client: httpx.Client, email: str, phone: str, email_match: bool, phone_match: bool
) -> None:
    body = {"retain": {}, "match_lead": {"email": email, "phone": phone}}
    data = tf_post(client, sc.tf_cert_id("pm", unique()), body).json()
    # The spec: success is "a boolean indicating if any matches were found" (vendor fixture: true/false -> true).
    assert data["match_lead"]["result"] == {"email_match": email_match, "phone_match": phone_match, "success": True}
    assert (data["outcome"], data["reason"]) == ("success", None)


def test_trustedform_email_only_leaves_phone_match_null(client: httpx.Client) -> None:
    data = tf_post(client, sc.TF_CERT_OK, {"match_lead": {"email": sc.TF_EMAIL_OK}}).json()
    assert data["match_lead"] == {
        "email": sc.TF_EMAIL_OK,
        "result": {"email_match": True, "phone_match": None, "success": True},
    }
    assert "retain" not in data


def test_trustedform_nothing_matched_is_a_failure_but_still_retained(client: httpx.Client) -> None:
    body = {"retain": {}, "match_lead": {"email": sc.TF_EMAIL_MISMATCH, "phone": sc.TF_PHONE_MISMATCH}}
    data = tf_post(client, sc.tf_cert_id("nm", unique()), body).json()
    assert data["outcome"] == "failure"
    assert data["reason"] == "Lead data did not match the certificate"
    assert data["match_lead"]["result"] == {"email_match": False, "phone_match": False, "success": False}
    assert data["retain"]["results"]["previously_retained"] is False


@pytest.mark.parametrize(
    "auth",
    [None, ("API", sc.TF_API_KEY_INVALID), ("NOTAPI", sc.TF_API_KEY), ("API", "")],
    ids=["missing", "invalid-key", "wrong-user", "empty-key"],
)
def test_trustedform_unauthorized(client: httpx.Client, auth: tuple[str, str] | None) -> None:
    response = client.post(
        f"/tf/{sc.TF_CERT_OK}", json={"retain": {}}, headers=TF_HEADERS, auth=auth or httpx.USE_CLIENT_DEFAULT
    )
    assert response.status_code == 401
    assert response.json() == {"outcome": "error", "reason": "Unauthorized"}


@pytest.mark.parametrize("version", [None, "3.0"])
def test_trustedform_requires_api_version_4(client: httpx.Client, version: str | None) -> None:
    headers = {"api-version": version} if version else {}
    response = client.post(f"/tf/{sc.TF_CERT_OK}", json={"retain": {}}, headers=headers, auth=TF_AUTH)
    assert response.status_code == 400
    data = response.json()
    assert set(data) == {"errors", "message", "outcome", "reason"}
    assert data["outcome"] == "error"
    assert "4.0" in data["reason"]


@pytest.mark.parametrize("cert_id", [sc.TF_CERT_MALFORMED, "a" * 41, "0.only-two.parts", "x" * 39 + "!"])
def test_trustedform_malformed_cert_id(client: httpx.Client, cert_id: str) -> None:
    response = tf_post(client, cert_id, {"retain": {}})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"detail": "Malformed certificate id"},
        "message": "Malformed certificate id",
        "outcome": "error",
        "reason": "Malformed certificate id",
    }


def test_trustedform_body_must_be_json_object(client: httpx.Client) -> None:
    response = client.post(f"/tf/{sc.TF_CERT_OK}", content=b"retain", headers=TF_HEADERS, auth=TF_AUTH)
    assert response.status_code == 400
    assert response.json()["outcome"] == "error"


SPEC_REASONS = {
    400: "Malformed certificate id",
    401: "Unauthorized",
    402: "Account is inactive",
    403: "Unavailable product requested",
    404: "TrustedForm certificate has expired or could not be found",
    405: "Certificate is not claimable",
    406: "Not Acceptable",
    422: "Certificate has been claimed too many times",
}


@pytest.mark.parametrize("status", sorted(sc.TF_CERT_STATUS))
def test_trustedform_status_triggers(client: httpx.Client, status: int) -> None:
    cert_id = sc.TF_CERT_STATUS[status]
    assert len(cert_id) == 40
    response = tf_post(client, cert_id, {"retain": {}, "match_lead": {"email": sc.TF_EMAIL_OK}})
    assert response.status_code == status
    content_type = response.headers.get("content-type", "")
    if status in SPEC_REASONS:
        assert response.json()["outcome"] == "error"
        assert response.json()["reason"] == SPEC_REASONS[status]
    elif status == 410:
        assert response.content == b""
        assert response.headers["content-length"] == "0"
    elif status == 500:
        assert content_type.startswith("text/plain")
        assert response.text == "unable to access server"
    elif status == 502:
        assert content_type.startswith("text/html")
        assert "502 Bad Gateway" in response.text
    elif status == 503:
        assert response.json() == {"errors": {"detail": "Internal Server Error"}}
    else:
        pytest.fail(f"no expectation for {status}")


def test_trustedform_flaky_fails_once_then_succeeds(client: httpx.Client) -> None:
    cert_id = sc.tf_cert_id("flaky", unique())
    first = tf_post(client, cert_id, {"retain": {}})
    assert first.status_code == 503
    second = tf_post(client, cert_id, {"retain": {}})
    assert second.status_code == 200
    assert second.json()["retain"]["results"]["previously_retained"] is False
    assert tf_post(client, sc.TF_CERT_FLAKY, {"retain": {}}).status_code == 503  # the constant works too


def test_trustedform_slow_outlasts_a_short_timeout(client: httpx.Client) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        tf_post(client, sc.TF_CERT_SLOW, {"retain": {}}, timeout=0.3)
    assert time.monotonic() - started < sc.TF_SLOW_SECONDS


def test_trustedform_nojson_answers_html(client: httpx.Client) -> None:
    response = tf_post(client, sc.TF_CERT_NOJSON, {"retain": {}})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


# ---------------------------------------------------------------------------------------------------------------
# Jornaya


def test_jornaya_green_audit_has_the_documented_structure(client: httpx.Client) -> None:
    response = client.get("/leadid/SingleQuery", params=jornaya_params())
    assert response.status_code == 200
    audit = response.json()["audit"]
    assert list(audit) == [
        "authentic",
        "reg_rule",
        "data_integrity_failed",
        "data_integrity_passed",
        "data_integrity_default",
        "data_integrity",
        "data_integrity_rule",
        "fields",
        "market",
        "result",
        "token",
    ]
    assert audit["authentic"] == 1
    assert audit["token"] == sc.JORNAYA_TOKEN_OK
    assert audit["data_integrity_passed"] == ["jane@example.com", "Jane"]
    assert audit["data_integrity_failed"] == [] and audit["data_integrity_default"] == []
    assert audit["fields"] == {"email": 1, "f_name": 1}
    assert (audit["data_integrity"], audit["data_integrity_rule"]) == (1, 1)
    tcpa = audit["market"]["leadid"]["tcpafirst"]
    assert tcpa == {
        "disclosure": 1,
        "raw_response": {"disclosures": [{"disclosure_id": 3, "label": "Disclosure Text 1", "interaction": 1}]},
        "disclosure_rule": 1,
        "capture": 1,
        "capture_rule": 1,
        "stored": 1,
        "stored_rule": 1,
        "result": 1,
    }
    assert audit["market"]["leadid"]["result"] == 1
    assert audit["market"]["result"] == 1
    assert audit["result"] == 1


def test_jornaya_post_form_and_data_integrity(client: httpx.Client) -> None:
    data = "email;123@test.com-wrong|f_name;joe|l_name;default-name|phone1;2025551212"
    response = client.post("/leadid/SingleQuery", data=jornaya_params(data=data))
    assert response.status_code == 200
    audit = response.json()["audit"]
    assert audit["fields"] == {"email": 0, "f_name": 1, "l_name": 3, "phone1": 1}
    assert audit["data_integrity_failed"] == ["123", "test.com-wrong", "123@test.com-wrong"]
    assert audit["data_integrity_passed"] == ["joe", "2025551212"]
    assert audit["data_integrity_default"] == ["default-name"]
    assert (audit["data_integrity"], audit["data_integrity_rule"]) == (0, 2)
    assert audit["result"] == 2


def test_jornaya_xml_format(client: httpx.Client) -> None:
    response = client.get("/leadid/SingleQuery", params=jornaya_params(format="xml", data="f_name;a|l_name;b"))
    assert response.status_code == 200
    assert "xml" in response.headers["content-type"]
    root = ET.fromstring(response.text)
    assert root.tag == "audit"
    assert root.findtext("authentic") == "1"
    assert [e.text for e in root.findall("data_integrity_passed")] == ["a", "b"]
    assert root.findtext("fields/f_name") == "1"
    assert root.findtext("market/leadid/tcpafirst/raw_response/disclosures/label") == "Disclosure Text 1"
    assert root.findtext("result") == "1"
    assert root.findtext("token") == sc.JORNAYA_TOKEN_OK


def test_jornaya_xml_error(client: httpx.Client) -> None:
    response = client.get("/leadid/SingleQuery", params=jornaya_params(id="short", format="xml"))
    assert response.status_code == 400
    root = ET.fromstring(response.text)
    assert (root.tag, root.findtext("code"), root.findtext("message")) == ("error", "1001", "Malformed LeadiD")


@pytest.mark.parametrize("reason", [1, 2, 3, 4])
def test_jornaya_inauthentic(client: httpx.Client, reason: int) -> None:
    token = sc.JORNAYA_TOKEN_INAUTHENTIC[reason]
    data = client.get("/leadid/SingleQuery", params=jornaya_params(id=token)).json()
    assert data["audit"] == {"authentic": 0, "reason": reason, "reg_rule": 3, "result": 3, "token": token}
    assert re.fullmatch(r"[0-9A-F-]{36}", data["transid"])


def test_jornaya_capture_partial(client: httpx.Client) -> None:
    audit = client.get("/leadid/SingleQuery", params=jornaya_params(id=sc.JORNAYA_TOKEN_CAPTURE_PARTIAL)).json()
    tcpa = audit["audit"]["market"]["leadid"]["tcpafirst"]
    assert (tcpa["capture"], tcpa["capture_rule"], tcpa["result"]) == (2, 2, 2)
    assert audit["audit"]["authentic"] == 1
    assert audit["audit"]["result"] == 2


def test_jornaya_no_disclosure(client: httpx.Client) -> None:
    audit = client.get("/leadid/SingleQuery", params=jornaya_params(id=sc.JORNAYA_TOKEN_NO_DISCLOSURE)).json()["audit"]
    tcpa = audit["market"]["leadid"]["tcpafirst"]
    assert (tcpa["disclosure"], tcpa["disclosure_rule"], tcpa["result"]) == (0, 3, 3)
    assert audit["result"] == 3


def test_jornaya_call_center(client: httpx.Client) -> None:
    audit = client.get("/leadid/SingleQuery", params=jornaya_params(id=sc.JORNAYA_TOKEN_CALL_CENTER)).json()["audit"]
    assert audit["call_center"] == 1
    assert audit["market"]["result"] == 1
    assert audit["result"] == 2


@pytest.mark.parametrize("code", sorted(sc.JORNAYA_TOKEN_ERROR))
def test_jornaya_error_token_triggers(client: httpx.Client, code: int) -> None:
    response = client.get("/leadid/SingleQuery", params=jornaya_params(id=sc.JORNAYA_TOKEN_ERROR[code]))
    assert response.status_code == (500 if code == 100 else 400)
    assert response.json() == {"error": {"code": code, "message": sc.JORNAYA_ERROR_MESSAGES[code]}}


def test_jornaya_malformed_answer(client: httpx.Client) -> None:
    response = client.get("/leadid/SingleQuery", params=jornaya_params(id=sc.JORNAYA_TOKEN_MALFORMED_ANSWER))
    assert response.status_code == 200
    assert response.json() == {"audit": {"token": sc.JORNAYA_TOKEN_MALFORMED_ANSWER}}


def test_jornaya_flaky_token_errors_once() -> None:
    with VendorSimulator() as fresh, httpx.Client(base_url=fresh.base_url) as http:
        first = http.get("/leadid/SingleQuery", params=jornaya_params(id=sc.JORNAYA_TOKEN_FLAKY))
        assert first.status_code == 500
        assert first.json()["error"]["code"] == 100
        second = http.get("/leadid/SingleQuery", params=jornaya_params(id=sc.JORNAYA_TOKEN_FLAKY))
        assert second.status_code == 200
        assert second.json()["audit"]["authentic"] == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"id": None}, 1000),
        ({"id": "58990313-03FB-43B8-AD0B"}, 1001),
        ({"id": ""}, 1001),
        ({"lac": None}, 2000),
        ({"lac": "not-an-account-code"}, 2001),
        ({"lak": None}, 4001),
        ({"lak": "bad"}, 4001),
        ({"lac": sc.JORNAYA_ACCOUNT_CODE_INVALID}, 6000),
        ({"lak": "00000000-1111-2222-3333"}, 6000),
        ({"lpc": ""}, 5000),
        ({"lpc": None}, 5000),
    ],
)
def test_jornaya_parameter_errors(client: httpx.Client, overrides: dict[str, str | None], code: int) -> None:
    response = client.get("/leadid/SingleQuery", params=jornaya_params(**overrides))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


# ---------------------------------------------------------------------------------------------------------------
# TCPA Litigator


@pytest.mark.parametrize(
    ("sent", "standard", "flag"),
    [(sc.LITIGATOR_PHONE_HIT, "2025556666", "1"), ("+1 (202) 555-1234", sc.LITIGATOR_PHONE_CLEAN, "0")],
)
def test_litigator_post_and_get(client: httpx.Client, sent: str, standard: str, flag: str) -> None:
    expected = {
        "success": True,
        "errors": [],
        "dataIn": [{"PhoneNumber": sent}],
        "dataOut": [{"PhoneIsLitigator": flag, "PhoneNumber": standard}],
    }
    posted = client.post(LITIGATOR_URL, data={**LITIGATOR_CREDS, "PhoneNumber": sent})
    assert posted.status_code == 200
    assert posted.json() == expected
    got = client.get(LITIGATOR_PATH, params={"method": "process", **LITIGATOR_CREDS, "PhoneNumber": sent})
    assert got.json() == expected


@pytest.mark.parametrize(
    ("fields", "error_id", "status"),
    [
        ({"Token": sc.LITIGATOR_TOKEN_INVALID}, 1000, 401),
        ({"Token": None}, 1000, 401),
        ({"CWSID": sc.LITIGATOR_CWSID_MISSING}, 35030, 400),
        ({"Token": sc.LITIGATOR_TOKEN_UNAUTHORIZED}, 35040, 400),
        ({"PhoneNumber": None}, 2000, 400),
        ({"PhoneNumber": "   "}, 2000, 400),
        ({"PhoneNumber": sc.LITIGATOR_PHONE_MULTIPLE}, 35070, 400),
        ({"PhoneNumber": "123"}, 35060, 400),
        ({"PhoneNumber": sc.LITIGATOR_PHONE_ERROR[400]}, 400, 400),
        ({"PhoneNumber": sc.LITIGATOR_PHONE_ERROR[403]}, 403, 403),
        ({"PhoneNumber": sc.LITIGATOR_PHONE_ERROR[500]}, 500, 400),
        ({"PhoneNumber": sc.LITIGATOR_PHONE_ERROR[35060]}, 35060, 400),
    ],
)
def test_litigator_errors(client: httpx.Client, fields: dict[str, str | None], error_id: int, status: int) -> None:
    data = {**LITIGATOR_CREDS, "PhoneNumber": sc.LITIGATOR_PHONE_CLEAN, **fields}
    response = client.post(LITIGATOR_URL, data={k: v for k, v in data.items() if v is not None})
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert set(error) == {"errorID", "errorHeader", "errorMessage"}
    assert error["errorID"] == error_id
    assert error["errorHeader"] and error["errorMessage"]


def test_litigator_no_data_and_repeated_phone(client: httpx.Client) -> None:
    empty = client.post(LITIGATOR_URL)
    assert empty.status_code == 400
    assert empty.json()["errors"][0] == {
        "errorID": 35050,
        "errorHeader": "Web Service Error",
        "errorMessage": "No data was submitted",
    }
    query = urlencode([*LITIGATOR_CREDS.items(), ("PhoneNumber", "2025551234"), ("PhoneNumber", "2025551235")])
    twice = client.get(f"{LITIGATOR_URL}&{query}")
    assert twice.json()["errors"][0]["errorID"] == 35070


# ---------------------------------------------------------------------------------------------------------------
# Contact State: Certify


def test_contactstate_claim_and_reclaim(client: httpx.Client) -> None:
    token = unique("claim-")
    claimed = client.post(f"/cs-certgen/certs/{token}/claim", json={"secret_key": sc.CS_SECRET_KEY})
    assert claimed.status_code == 201
    data = claimed.json()
    assert set(data) == {"cert_url", "reclaim_cert_url"}
    match = re.fullmatch(r"https://cert\.contactstate\.com/certs/([0-9a-f-]{36})", data["cert_url"])
    assert match and UUID_RE.match(match.group(1))
    assert data["reclaim_cert_url"] == f"https://cert.contactstate.com/certs/{token}/claim"

    reclaimed = client.post(f"/cs-cert/certs/{token}/claim", json={"secret_key": "another-buyer-secret"})
    assert reclaimed.status_code == 201
    assert reclaimed.json()["cert_url"] == data["cert_url"]

    cert = client.get(f"/cs-cert/certs/{match.group(1)}.json").json()
    assert cert["data"]["attributes"]["status"] == "certified"


@pytest.mark.parametrize(
    ("prefix", "token", "secret", "message"),
    [
        ("/cs-certgen", sc.CS_CLAIM_TOKEN_OK, sc.CS_SECRET_KEY_INVALID, "Invalid secret key"),
        ("/cs-certgen", sc.CS_CLAIM_TOKEN_EXPIRED, sc.CS_SECRET_KEY, "Certificate claim window has expired"),
        ("/cs-cert", sc.CS_CLAIM_TOKEN_ON_PIPE, sc.CS_SECRET_KEY, "Certificate cannot be reclaimed"),
        ("/cs-cert", sc.CS_CLAIM_TOKEN_OK, "", "Secret key is required"),
    ],
)
def test_contactstate_claim_errors(client: httpx.Client, prefix: str, token: str, secret: str, message: str) -> None:
    response = client.post(f"{prefix}/certs/{token}/claim", json={"secret_key": secret})
    assert response.status_code == 500
    assert response.json() == {"error": {"message": message}}


def test_contactstate_first_claim_of_a_pipe_token_works(client: httpx.Client) -> None:
    response = client.post(f"/cs-certgen/certs/{sc.CS_CLAIM_TOKEN_ON_PIPE}/claim", json={"secret_key": "s"})
    assert response.status_code == 201


def test_contactstate_scoring_claim_gives_a_claimed_certificate(client: httpx.Client) -> None:
    data = client.post(f"/cs-certgen/certs/{sc.CS_CLAIM_TOKEN_SCORING}/claim", data={"secret_key": "s"}).json()
    cert_id = data["cert_url"].rsplit("/", 1)[-1]
    assert cert_id.startswith("c1a1")
    attributes = client.get(f"/cs-cert/certs/{cert_id}.json").json()["data"]["attributes"]
    assert (attributes["status"], attributes["scored_at"]) == ("claimed", None)


def test_contactstate_certificate_json(client: httpx.Client) -> None:
    certified = client.get(f"/cs-cert/certs/{sc.CS_CERT_ID_CERTIFIED}.json")
    assert certified.status_code == 200
    data = certified.json()["data"]
    assert data["id"] == sc.CS_CERT_ID_CERTIFIED
    assert data["type"] == "contact-state-certificate"
    assert data["attributes"]["url"] == f"https://cert.contactstate.com/certs/{sc.CS_CERT_ID_CERTIFIED}"
    assert data["attributes"]["status"] == "certified"
    assert datetime.fromisoformat(data["attributes"]["scored_at"]).tzinfo is not None

    claimed = client.get(f"/cs-cert/certs/{sc.CS_CERT_ID_CLAIMED}.json").json()["data"]["attributes"]
    assert (claimed["status"], claimed["scored_at"]) == ("claimed", None)

    missing = client.get(f"/cs-cert/certs/{sc.CS_CERT_ID_MISSING}.json")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "Certificate not found"}}


# ---------------------------------------------------------------------------------------------------------------
# Contact State: Connect


LEAD = {"first_name": "Jane", "last_name": "Smith", "email": "jane.smith@example.com", "home_phone": "01223 444555"}


def test_connect_create_get_delete(client: httpx.Client) -> None:
    headers = cs_headers()
    lead = {**LEAD, "contact_state_connect_code": sc.CS_CONNECT_CODE_OK, "contact_state_test_mode": "true"}
    created = client.post("/cs-connect/leads", json=lead, headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert UUID_RE.match(body["id"])
    (delivery,) = body["deliveries"]
    assert set(delivery) >= {
        "id",
        "distribution_group_id",
        "distribution_group_name",
        "buyer_id",
        "buyer_name",
        "endpoint_id",
        "endpoint_name",
        "test_mode",
        "status",
        "delivered_at",
        "failed_at",
        "retried_at",
        "retry_count",
        "created_at",
    }
    assert (delivery["status"], delivery["test_mode"], delivery["retry_count"]) == ("delivered", True, 0)

    fetched = client.get(f"/cs-connect/leads/{body['id']}", headers=headers)
    assert fetched.status_code == 200
    stored = fetched.json()
    assert {k: stored[k] for k in lead} == lead
    assert stored["id"] == body["id"]
    assert stored["deliveries"] == body["deliveries"]
    assert datetime.fromisoformat(stored["created_at"]).tzinfo is not None

    deleted = client.delete(f"/cs-connect/leads/{body['id']}", headers=headers)
    assert (deleted.status_code, deleted.json()) == (200, {"status": "success"})
    gone = client.get(f"/cs-connect/leads/{body['id']}", headers=headers)
    assert gone.status_code == 404
    assert gone.json() == {
        "error_type": "resource_missing_error",
        "errors": [{"code": "lead_not_found", "message": f"Lead with id='{body['id']}' not found", "param": None}],
    }
    assert client.delete(f"/cs-connect/leads/{body['id']}", headers=headers).status_code == 404


def test_connect_form_encoded_lead_without_code_has_no_deliveries(client: httpx.Client) -> None:
    created = client.post("/cs-connect/leads", data=LEAD, headers=cs_headers())
    assert created.status_code == 201
    assert created.json()["deliveries"] == []


@pytest.mark.parametrize(
    ("code", "status"), [(sc.CS_CONNECT_CODE_FAILED, "failed"), (sc.CS_CONNECT_CODE_PENDING, "pending")]
)
def test_connect_delivery_outcomes(client: httpx.Client, code: str, status: str) -> None:
    lead = {**LEAD, "contact_state_connect_code": code}
    (delivery,) = client.post("/cs-connect/leads", json=lead, headers=cs_headers()).json()["deliveries"]
    assert delivery["status"] == status
    assert delivery["delivered_at"] is None
    assert (delivery["message"] is not None) == (status == "failed")


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Bearer {sc.CS_API_KEY_INVALID}"}, {"Authorization": "x"}])
def test_connect_unauthorized(client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.post("/cs-connect/leads", json=LEAD, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error_type": "authentication_error",
        "errors": [
            {"code": "invalid_credentials", "message": "Invalid credentials", "param": "Authorization Bearer token"}
        ],
    }


def test_connect_missing_required_fields(client: httpx.Client) -> None:
    response = client.post("/cs-connect/leads", json={"last_name": "Smith"}, headers=cs_headers())
    assert response.status_code == 400
    body = response.json()
    assert body["error_type"] == "invalid_request_error"
    assert body["errors"][0] == {
        "code": "invalid_parameters",
        "message": "The request payload is incorrectly formatted, empty, or contains invalid parameters.",
        "param": None,
    }
    assert {(e["code"], e["param"], e["message"]) for e in body["errors"][1:]} == {
        ("validation", "first_name", "must be filled"),
        ("validation", "email", "must be filled"),
    }


def test_connect_empty_or_unreadable_body(client: httpx.Client) -> None:
    empty = client.post("/cs-connect/leads", headers={**cs_headers(), "Content-Type": "application/json"})
    assert empty.status_code == 400
    params = [e["param"] for e in empty.json()["errors"]]
    assert params == [None, "first_name", "last_name", "email"]
    garbage = client.post(
        "/cs-connect/leads", content=b"[1, 2]", headers={**cs_headers(), "Content-Type": "application/json"}
    )
    assert garbage.status_code == 400
    assert [e["code"] for e in garbage.json()["errors"]] == ["invalid_parameters"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Sir"),
        ("gender", "male"),
        ("contact_time", "Lunchtime"),
        ("contact_time", "2024-13-01"),
        ("product_type", "Car"),
        ("employment_status", "Employed"),
        ("homeowner", "yes"),
        ("credit_grade", "Bad"),
        ("credit_missed_payments", "Maybe"),
        ("cover_type", "XT"),
        ("cover_for", "Dog"),
        ("click_id_type", "yclid"),
        ("date_of_birth", "10/05/1970"),
        ("cover_required_from", "2021-02-30"),
        ("applicant2_gender", "Unknown"),
        ("consent_marketing_sms", "true"),
        ("contact_state_test_mode", "yes"),
        ("contact_state_cert_url", "https://example.com/certs/1"),
        ("contact_state_claim_url", "https://cert-gen.contactstate.com/certs/abc"),
    ],
)
def test_connect_field_validation(client: httpx.Client, field: str, value: str) -> None:
    lead = {**LEAD, "contact_state_landing_page_id": sc.CS_LANDING_PAGE_ID, field: value}
    response = client.post("/cs-connect/leads", json=lead, headers=cs_headers())
    assert response.status_code == 400
    problems = [e for e in response.json()["errors"] if e["code"] == "validation"]
    assert [e["param"] for e in problems] == [field]
    assert problems[0]["message"]


def test_connect_claim_url_needs_landing_page_id(client: httpx.Client) -> None:
    claim_url = f"https://cert-gen.contactstate.com/certs/{sc.CS_CLAIM_TOKEN_OK}/claim"
    missing = client.post(
        "/cs-connect/leads", json={**LEAD, "contact_state_claim_url": claim_url}, headers=cs_headers()
    )
    assert [e["param"] for e in missing.json()["errors"][1:]] == ["contact_state_landing_page_id"]
    lead = {**LEAD, "contact_state_claim_url": claim_url, "contact_state_landing_page_id": sc.CS_LANDING_PAGE_ID}
    assert client.post("/cs-connect/leads", json=lead, headers=cs_headers()).status_code == 201


def test_connect_accepts_every_documented_value(client: httpx.Client) -> None:
    lead = {
        **LEAD,
        "title": "Mx",
        "gender": "Not disclosed",
        "contact_time": "2030-01-02",
        "date_of_birth": "1970-05-10",
        "product_type": "Income Protection",
        "employment_status": "Self-employed",
        "homeowner": "No",
        "credit_grade": "Very good",
        "cover_type": "DT",
        "click_id_type": "gclid",
        "contact_state_test_mode": "false",
        "contact_state_cert_url": f"https://cert.contactstate.com/certs/{sc.CS_CERT_ID_CERTIFIED}",
        "consent_marketing_whatsapp": "Yes",
        "some_unknown_field": "kept",
    }
    assert client.post("/cs-connect/leads", json=lead, headers=cs_headers()).status_code == 201


def test_connect_bulk_delete(client: httpx.Client) -> None:
    headers = cs_headers()
    ids = [client.post("/cs-connect/leads", json=LEAD, headers=headers).json()["id"] for _ in range(2)]
    deleted = client.request("DELETE", "/cs-connect/leads", json={"lead_ids": ids}, headers=headers)
    assert (deleted.status_code, deleted.json()) == (200, {"status": "success"})
    assert all(client.get(f"/cs-connect/leads/{i}", headers=headers).status_code == 404 for i in ids)
    too_many = client.request("DELETE", "/cs-connect/leads", json={"lead_ids": ["x"] * 26}, headers=headers)
    assert too_many.status_code == 400
    assert too_many.json()["error_type"] == "invalid_request_error"
    exactly = client.request("DELETE", "/cs-connect/leads", json={"lead_ids": ["x"] * 25}, headers=headers)
    assert exactly.status_code == 200


def assert_rate_limited(response: httpx.Response, limit: int) -> int:
    assert response.status_code == 429
    assert response.json() == {
        "error_type": "rate_limit_error",
        "errors": [
            {
                "code": "rate_limit_exceeded",
                "message": f"Rate limit exceeded, 0/{limit} remaining. "
                "Check header RateLimit-Reset for next retry time.",
                "param": None,
            }
        ],
    }
    assert response.headers["RateLimit-Limit"] == str(limit)
    assert response.headers["RateLimit-Remaining"] == "0"
    reset = response.headers["RateLimit-Reset"]
    assert reset.isdigit()
    assert int(reset) > time.time()
    return int(reset)


def test_connect_rate_limit_on_lead_creation(client: httpx.Client) -> None:
    headers = cs_headers()
    for _ in range(sc.CS_LEAD_CREATE_LIMIT_PER_MINUTE):
        assert client.post("/cs-connect/leads", json=LEAD, headers=headers).status_code == 201
    reset = assert_rate_limited(client.post("/cs-connect/leads", json=LEAD, headers=headers), 10)
    assert reset <= math.ceil(time.time()) + 60
    assert client.get("/cs-connect/leads/whatever", headers=headers).status_code == 404  # reads still allowed
    assert client.post("/cs-connect/leads", json=LEAD, headers=cs_headers()).status_code == 201  # per key


def test_connect_rate_limit_per_key_across_connect_and_perform(client: httpx.Client) -> None:
    headers = cs_headers()
    for i in range(sc.CS_RATE_LIMIT_PER_MINUTE):
        path = "/cs-connect/leads/some-id" if i % 2 else "/cs-perform/stats/some-id"
        assert client.get(path, headers=headers).status_code in (200, 404)
    assert_rate_limited(client.get("/cs-perform/stats/some-id", headers=headers), 60)
    assert_rate_limited(client.get("/cs-connect/leads/some-id", headers=headers), 60)


def test_rate_limits_can_be_switched_off() -> None:
    with VendorSimulator(enforce_rate_limits=False) as free, httpx.Client(base_url=free.base_url) as http:
        headers = cs_headers()
        codes = {http.post("/cs-connect/leads", json=LEAD, headers=headers).status_code for _ in range(12)}
        assert codes == {201}


def test_connect_rate_limit_me_trigger_fails_once(client: httpx.Client) -> None:
    headers = cs_headers()
    lead = {**LEAD, "first_name": sc.CS_FIRST_NAME_RATE_LIMIT, "email": unique() + "@example.com"}
    before = time.time()
    reset = assert_rate_limited(client.post("/cs-connect/leads", json=lead, headers=headers), 10)
    assert reset - before <= 2.0
    assert client.post("/cs-connect/leads", json=lead, headers=headers).status_code == 201


def test_connect_maintenance_and_server_error_triggers(client: httpx.Client) -> None:
    headers = cs_headers()
    maintenance = client.post(
        "/cs-connect/leads", json={**LEAD, "first_name": sc.CS_FIRST_NAME_MAINTENANCE}, headers=headers
    )
    assert maintenance.status_code == 503
    assert maintenance.headers["content-type"].startswith("text/html")
    assert "<html" in maintenance.text
    boom = client.post("/cs-connect/leads", json={**LEAD, "first_name": sc.CS_FIRST_NAME_SERVER_ERROR}, headers=headers)
    assert boom.status_code == 500
    assert boom.json() == {
        "error_type": "api_error",
        "errors": [{"code": "internal_server_error", "message": "Something went wrong", "param": None}],
    }


# ---------------------------------------------------------------------------------------------------------------
# Contact State: Perform


def test_perform_push_then_stats(client: httpx.Client) -> None:
    headers = cs_headers()
    lead = {**LEAD, "contact_state_connect_code": sc.CS_CONNECT_CODE_OK}
    created = client.post("/cs-connect/leads", json=lead, headers=headers).json()
    connect_id = created["id"]

    fresh = client.get(f"/cs-perform/stats/{connect_id}", headers=headers)
    assert fresh.status_code == 200
    stats = fresh.json()
    assert set(stats) == {
        "status",
        "status_at",
        "sale_sold_at",
        "sale_currency",
        "sale_revenue",
        "sale_lead_cost",
        "sale_costs",
        "sale_gross_profit",
    }
    assert stats["status"] == "NEW"
    assert stats["status_at"] == client.get(f"/cs-connect/leads/{connect_id}", headers=headers).json()["created_at"]

    push = {
        "connect_id": connect_id,
        "secret_key": sc.CS_SECRET_KEY,
        "status": "SOLD",
        "status_at": "2020-01-15T12:00:45+0100",
        "sale_sold_at": "2020-01-15T12:00:45+0100",
        "sale_currency": "GBP",
        "sale_revenue": "1000.90",
        "sale_lead_cost": "35.15",
        "sale_costs": "20.99",
    }
    pushed = client.post("/cs-perform/leads", json=push)
    assert (pushed.status_code, pushed.json()) == (201, {"status": "success"})

    sold = client.get(f"/cs-perform/stats/{connect_id}", headers=headers).json()
    assert sold == {
        "status": "SOLD",
        "status_at": "2020-01-15T12:00:45+0100",
        "sale_sold_at": "2020-01-15T12:00:45+0100",
        "sale_currency": "GBP",
        "sale_revenue": "1000.90",
        "sale_lead_cost": "35.15",
        "sale_costs": "20.99",
        "sale_gross_profit": "979.91",
    }
    delivery_id = created["deliveries"][0]["id"]
    assert client.get(f"/cs-perform/stats/{connect_id}/{delivery_id}", headers=headers).json()["status"] == "SOLD"
    assert client.get(f"/cs-perform/stats/{connect_id}/not-a-delivery", headers=headers).status_code == 404


def test_perform_push_by_certificate_url(client: httpx.Client) -> None:
    cert_url = f"https://cert.contactstate.com/certs/{uuid.uuid4()}"
    push = {"certificate_url": cert_url, "secret_key": sc.CS_SECRET_KEY, "status": "CONTACTED"}
    assert client.post("/cs-perform/leads", data=push).status_code == 201


@pytest.mark.parametrize("status", sc.CS_STATUSES)
def test_perform_accepts_all_15_statuses(client: httpx.Client, status: str) -> None:
    push = {"connect_id": str(uuid.uuid4()), "secret_key": sc.CS_SECRET_KEY, "status": status}
    assert client.post("/cs-perform/leads", json=push).status_code == 201


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"status": "WON"}, "Invalid status"),
        ({"status": None}, "Status is required"),
        ({"connect_id": None}, "connect_id or certificate_url"),
        ({"secret_key": sc.CS_SECRET_KEY_INVALID}, "Invalid secret key"),
        ({"secret_key": None}, "Secret key is required"),
        ({"connect_id": sc.CS_LEAD_ID_MISSING}, "not found"),
    ],
)
def test_perform_push_errors(client: httpx.Client, changes: dict[str, str | None], fragment: str) -> None:
    push: dict[str, str | None] = {"connect_id": str(uuid.uuid4()), "secret_key": sc.CS_SECRET_KEY, "status": "NEW"}
    push.update(changes)
    response = client.post("/cs-perform/leads", json={k: v for k, v in push.items() if v is not None})
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message"}
    assert fragment in body["error"]["message"]


def test_perform_stats_unknown_missing_and_unauthorized(client: httpx.Client) -> None:
    unknown = client.get(f"/cs-perform/stats/{uuid.uuid4()}", headers=cs_headers())
    assert (unknown.status_code, unknown.json()["status"]) == (200, "NEW")
    missing = client.get(f"/cs-perform/stats/{sc.CS_LEAD_ID_MISSING}", headers=cs_headers())
    assert missing.status_code == 404
    assert missing.json()["error_type"] == "resource_missing_error"
    assert client.get(f"/cs-perform/stats/{uuid.uuid4()}").status_code == 401


def test_perform_export_job_polling(client: httpx.Client, sim: VendorSimulator) -> None:
    headers = cs_headers()
    started = client.post("/cs-perform/stats", headers=headers)
    assert started.status_code == 200
    job_url = started.json()["job_url"]
    match = re.fullmatch(r"https://perform\.contactstate\.com/jobs/([0-9a-f-]{36})", job_url)
    assert match
    path = OriginMap(sim.origin_map()).resolve(job_url)
    polls = [client.get(path, headers=headers).json() for _ in range(sim.job_polls_until_done + 1)]
    assert polls[:-1] == [{"status": "pending", "download_url": None}] * sim.job_polls_until_done
    assert polls[-1] == {
        "status": "success",
        "download_url": f"https://contactstate-job-downloads.s3.eu-west-2.amazonaws.com/downloads/{match.group(1)}.csv",
    }
    assert client.get(f"/cs-perform/jobs/{uuid.uuid4()}", headers=headers).status_code == 404
    assert client.get(path).status_code == 401


# ---------------------------------------------------------------------------------------------------------------
# Consent Control


DOC_RECORDS = [
    {
        "firstname": "John",
        "lastname": "Doe",
        "address1": "123 Main St",
        "address2": "APT 23",
        "city": "Sarasota",
        "state": "FL",
        "zip": "34323",
        "phone1": "941-867-5309",
        "phone2": "(727) 867-5309",
        "email1": "john.doe@gmail.com",
        "email2": "johndoe@gmail.com",
        "validation": "1",
        "projectid": "Test Campaign",
    },
    {
        "firstname": "John",
        "lastname": "Does",
        "address1": "128 Main St",
        "address2": "APT 28",
        "city": "Sarasota",
        "state": "FL",
        "zip": "34323",
        "phone1": "941-867-5308",
        "phone2": "(727) 867-5308",
        "email1": "john.doe8@gmail.com",
        "email2": "johndoe8@gmail.com",
        "validation": "1",
        "projectid": "Test Campaign",
    },
]


def cc_post(client: httpx.Client, records: Any, key: str | None = sc.CC_API_KEY) -> httpx.Response:
    headers = {"api-key": key} if key is not None else {}
    return client.post(CC_URL, json=records, headers=headers)


def test_consent_control_documented_sample(client: httpx.Client) -> None:
    response = cc_post(client, DOC_RECORDS)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["status", "transaction_id", "successful", "unsuccessful", "unsuccessful_ids", "results"]
    assert body["status"] is True
    assert UUID_RE.match(body["transaction_id"])
    assert (body["successful"], body["unsuccessful"], body["unsuccessful_ids"]) == (2, 0, [])
    for sent, result in zip(DOC_RECORDS, body["results"], strict=True):
        assert {k: result[k] for k in sent} == sent
        assert UUID_RE.match(result["recordID"])
        assert result["successful"] is True
        assert "unsuccessful_reason" not in result


def test_consent_control_per_record_results(client: httpx.Client) -> None:
    ok = {"firstname": "Ann", "email1": "ann@example.com", "validation": "1"}
    records = [
        ok,
        {**ok, "address1": "1 Invalid Road", "validation": "2"},
        {"firstname": "NoContact", "validation": "1"},
        {**ok, "firstname": "x" * 46},
        {**ok, "state": "FLA"},
        {"firstname": "Ann", "email1": "ann@example.com"},
        {"Phone1": "941-867-5309", "validation": "1"},
        {**ok, "phone1": "9418675309", "email1": None},
    ]
    body = cc_post(client, records).json()
    assert (body["successful"], body["unsuccessful"]) == (2, 6)
    assert body["unsuccessful_ids"] == [1, 2, 3, 4, 5, 6]
    reasons = [r.get("unsuccessful_reason") for r in body["results"]]
    assert reasons == [
        None,
        "Invalid Address",
        "Missing contact information",
        "firstname exceeds maximum length",
        "state exceeds maximum length",
        "validation is required",
        "Missing contact information",  # field names are case-sensitive
        None,
    ]
    assert [r["successful"] for r in body["results"]] == [True, False, False, False, False, False, False, True]
    assert "recordID" not in body["results"][1]
    assert body["results"][1]["address1"] == "1 Invalid Road"


def test_consent_control_record_limit(client: httpx.Client) -> None:
    record = {"email1": "a@example.com", "validation": "1"}
    full = cc_post(client, [record] * sc.CC_MAX_RECORDS)
    assert full.status_code == 200
    assert full.json()["successful"] == 100
    over = cc_post(client, [record] * (sc.CC_MAX_RECORDS + 1))
    assert over.status_code == 400
    assert over.json() == {"status": False, "message": "Maximum of 100 records per request"}


@pytest.mark.parametrize("key", [None, "", sc.CC_API_KEY_INVALID])
def test_consent_control_api_key(client: httpx.Client, key: str | None) -> None:
    response = cc_post(client, DOC_RECORDS, key=key)
    assert response.status_code == 401
    assert response.json() == {"status": False, "message": "Invalid API key"}


@pytest.mark.parametrize("body", [{"firstname": "x"}, [], "text"])
def test_consent_control_body_must_be_a_non_empty_array(client: httpx.Client, body: Any) -> None:
    response = cc_post(client, body)
    assert response.status_code == 400
    assert response.json()["status"] is False
