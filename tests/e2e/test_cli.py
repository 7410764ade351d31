"""End to end: the `leadcheck` command against the vendor simulator, for every operation of issue 2.

Most cases call ``desktop_app.cli.main(argv)`` in-process (the same code path as the console script,
with real HTTP to the simulator on 127.0.0.1 through ``LEADCHECK_ORIGINS``); a few run the installed
``leadcheck`` script in a subprocess. After each test no secret may appear in any file under
LEADCHECK_HOME or in anything printed. The tests that read back what was stored (history, an upload, a retain made
twice) run on both store engines (the ``database`` fixture); the rest only on SQLite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main
from desktop_app.demo import demo_environment
from desktop_app.sandbox import VendorSimulator
from desktop_app.sandbox import scenarios as sim
from tests.helpers import FakeTime

pytestmark = pytest.mark.e2e

SECRETS = [v for k, v in demo_environment().items() if not k.endswith(("_HOST", "_PROVIDER_CODE"))]
TF_URL = f"https://cert.trustedform.com/{sim.TF_CERT_OK}"


@pytest.fixture(scope="module")
def simulator() -> Iterator[VendorSimulator]:
    with VendorSimulator(enforce_rate_limits=False, job_polls_until_done=1) as s:
        yield s


@pytest.fixture
def env(
    simulator: VendorSimulator, leadcheck_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    origins = tmp_path / "origins.json"
    simulator.write_origin_map(origins)
    values = {**demo_environment(), "LEADCHECK_ORIGINS": str(origins), "LEADCHECK_TIMEOUT": "3", "NO_COLOR": "1"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    yield values
    leaked = [
        (path, secret)
        for path in leadcheck_home.rglob("*")
        if path.is_file()
        for secret in SECRETS
        if secret.encode() in path.read_bytes()
    ]
    assert not leaked, f"secrets found under LEADCHECK_HOME: {leaked}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    """Run leadcheck --json ARGV; returns (exit code, JSON lines, stderr). Fails if a secret is printed."""
    code = main(["--json", *argv], timing=FakeTime().timing)  # retries, rate-limit waits and polls take no time
    captured = capsys.readouterr()
    for secret in SECRETS:
        assert secret not in captured.out and secret not in captured.err
    lines = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    return code, lines, captured.err


def one(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, lines, _ = run(capsys, *argv)
    assert len(lines) == 1, lines
    return code, lines[0]


# -- TrustedForm -----------------------------------------------------------------------------------------------


def test_trustedform_retain_green_then_previously_retained(env: dict[str, str], capsys: Any, database: Any) -> None:
    engine = "pg" if isinstance(database, str) else "lite"  # a certificate of its own on each: the simulator remembers
    cert = f"https://cert.trustedform.com/{sim.tf_cert_id('again', engine)}"
    code, first = one(capsys, "trustedform", "retain", cert, "--email", sim.TF_EMAIL_OK, "--phone", sim.TF_PHONE_OK)
    assert code == 0 and first["flag"] == "green" and first["error"] is None
    assert first["details"]["previously_retained"] is False and first["details"]["expires_at"]
    code, second = one(capsys, "trustedform", "retain", cert, "--email", sim.TF_EMAIL_OK)
    assert code == 0 and second["details"]["previously_retained"] is True


def test_trustedform_mismatch_is_yellow_and_nothing_matched_is_red(env: dict[str, str], capsys: Any) -> None:
    code, yellow = one(
        capsys, "trustedform", "retain", TF_URL, "--email", sim.TF_EMAIL_OK, "--phone", sim.TF_PHONE_MISMATCH
    )
    assert code == 0 and yellow["flag"] == "yellow" and yellow["details"]["phone_match"] is False
    code, red = one(capsys, "trustedform", "retain", TF_URL, "--email", sim.TF_EMAIL_MISMATCH)
    assert code == 0 and red["flag"] == "red"


@pytest.mark.parametrize(("status", "flag"), [(404, "red"), (405, "red"), (410, "red"), (422, "red")])
def test_trustedform_certificate_refusals_are_red(env: dict[str, str], capsys: Any, status: int, flag: str) -> None:
    url = f"https://cert.trustedform.com/{sim.TF_CERT_STATUS[status]}"
    code, line = one(capsys, "trustedform", "retain", url, "--email", sim.TF_EMAIL_OK)
    assert code == 0 and line["flag"] == flag and line["http_status"] == status


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (402, "billing"), (400, "rejected"), (500, "vendor_down")])
def test_trustedform_call_failures_have_no_flag(env: dict[str, str], capsys: Any, status: int, kind: str) -> None:
    url = f"https://cert.trustedform.com/{sim.TF_CERT_STATUS[status]}"
    code, line = one(capsys, "trustedform", "retain", url, "--phone", sim.TF_PHONE_OK)
    assert code == 1 and line["flag"] is None
    assert line["error"]["kind"] == kind and line["error"]["http_status"] == status and line["error"]["message"]


def test_trustedform_flaky_503_is_retried_to_green(env: dict[str, str], capsys: Any) -> None:
    url = f"https://cert.trustedform.com/{sim.tf_cert_id('flaky', 'e2e')}"
    code, line = one(capsys, "trustedform", "retain", url, "--email", sim.TF_EMAIL_OK)
    assert code == 0 and line["flag"] == "green"


def test_slow_answer_times_out_as_an_error(env: dict[str, str], capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("LEADCHECK_TIMEOUT", "1")  # the shortest timeout a setting accepts
    url = f"https://cert.trustedform.com/{sim.tf_cert_id('slow', 'e2e')}"
    code, line = one(capsys, "trustedform", "retain", url, "--email", sim.TF_EMAIL_OK)
    assert code == 1 and line["error"]["kind"] == "timeout" and line["flag"] is None


def test_invalid_api_key_is_an_auth_error_naming_settings(env: dict[str, str], capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("LEADCHECK_TRUSTEDFORM_API_KEY", sim.TF_API_KEY_INVALID)
    code, line = one(capsys, "trustedform", "retain", TF_URL, "--email", sim.TF_EMAIL_OK)
    assert code == 1 and line["error"]["kind"] == "auth" and "Settings" in line["error"]["hint"]
    assert sim.TF_API_KEY_INVALID not in json.dumps(line)


@pytest.mark.parametrize(
    "argv",
    [
        ["trustedform", "retain", "http://cert.trustedform.com/" + sim.TF_CERT_OK, "--email", "a@b.co"],
        ["trustedform", "retain", "https://evil.example/" + sim.TF_CERT_OK, "--email", "a@b.co"],
        ["trustedform", "retain", TF_URL],
        ["jornaya", "audit", "not-a-token"],
        ["litigator", "check", "555-0100"],
        ["contactstate", "claim", "https://contactstate.com.evil.example/certs/x/claim"],
        ["contactstate", "cert", "http://cert.contactstate.com/certs/" + sim.CS_CERT_ID_CERTIFIED],
    ],
)
def test_bad_input_exits_2_and_sends_nothing(
    env: dict[str, str], capsys: Any, simulator: VendorSimulator, argv: list[str]
) -> None:
    before = len(simulator.requests)
    code, line = one(capsys, *argv)
    assert code == 2 and line["error"]["kind"] == "input" and line["flag"] is None
    assert len(simulator.requests) == before


def test_missing_credentials_exit_2_naming_the_variable(env: dict[str, str], capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("LEADCHECK_LITIGATOR_TOKEN")
    code, lines, err = run(capsys, "litigator", "check", sim.LITIGATOR_PHONE_CLEAN)
    assert code == 2 and lines[0]["error"]["kind"] == "credentials"
    assert "LEADCHECK_LITIGATOR_TOKEN" in err


# -- Jornaya ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "flag"),
    [
        (sim.JORNAYA_TOKEN_OK, "green"),
        (sim.JORNAYA_TOKEN_CAPTURE_PARTIAL, "yellow"),
        (sim.JORNAYA_TOKEN_NO_DISCLOSURE, "red"),
        (sim.JORNAYA_TOKEN_INAUTHENTIC[1], "red"),
        (sim.JORNAYA_TOKEN_CALL_CENTER, "yellow"),
        (sim.JORNAYA_TOKEN_FLAKY, "green"),
    ],
)
def test_jornaya_audit_flags(env: dict[str, str], capsys: Any, token: str, flag: str) -> None:
    code, line = one(capsys, "jornaya", "audit", token, "--field", "email=jane@example.com", "--field", "f_name=Jane")
    assert code == 0 and line["flag"] == flag
    assert "rules" in line["details"]


def test_jornaya_data_integrity_failure_is_reported(env: dict[str, str], capsys: Any) -> None:
    code, line = one(capsys, "jornaya", "audit", sim.JORNAYA_TOKEN_OK, "--field", "email=wrong@example.com")
    assert code == 0 and line["flag"] in ("yellow", "red")
    assert line["details"]["data_integrity_failed"]


@pytest.mark.parametrize("error_code", [1001, 2000, 5000, 6000, 7000, 100])
def test_jornaya_error_codes_are_call_errors(env: dict[str, str], capsys: Any, error_code: int) -> None:
    code, line = one(capsys, "jornaya", "audit", sim.JORNAYA_TOKEN_ERROR[error_code])
    assert code == 1 and line["flag"] is None and line["error"]["code"] == error_code


def test_jornaya_malformed_answer_is_never_green(env: dict[str, str], capsys: Any) -> None:
    code, line = one(capsys, "jornaya", "audit", sim.JORNAYA_TOKEN_MALFORMED_ANSWER)
    assert code == 1 and line["error"]["kind"] == "bad_response"


# -- Litigator -------------------------------------------------------------------------------------------------


def test_litigator_hit_red_clean_green_and_hit_is_suppressed(env: dict[str, str], capsys: Any) -> None:
    code, hit = one(capsys, "litigator", "check", "(202) 555-6666")
    assert code == 0 and hit["flag"] == "red" and hit["details"]["standardized_phone"] == "2025556666"
    code, clean = one(capsys, "litigator", "check", sim.LITIGATOR_PHONE_CLEAN)
    assert code == 0 and clean["flag"] == "green"


@pytest.mark.parametrize("error_id", [400, 403, 35060])
def test_litigator_documented_errors(env: dict[str, str], capsys: Any, error_id: int) -> None:
    code, line = one(capsys, "litigator", "check", sim.LITIGATOR_PHONE_ERROR[error_id])
    assert code == 1 and line["error"]["code"] == error_id


def test_litigator_bad_token(env: dict[str, str], capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("LEADCHECK_LITIGATOR_TOKEN", sim.LITIGATOR_TOKEN_INVALID)
    code, line = one(capsys, "litigator", "check", sim.LITIGATOR_PHONE_CLEAN)
    assert code == 1 and line["error"]["code"] == 1000 and line["error"]["kind"] == "auth"


# -- Contact State ---------------------------------------------------------------------------------------------


def test_contactstate_claim_then_cert_then_reclaim(env: dict[str, str], capsys: Any) -> None:
    claim = f"https://cert-gen.contactstate.com/certs/{sim.CS_CLAIM_TOKEN_OK}/claim"
    code, claimed = one(capsys, "contactstate", "claim", claim)
    assert code == 0 and claimed["error"] is None
    cert_url = claimed["details"]["cert_url"]
    assert cert_url.startswith("https://cert.contactstate.com/certs/")
    code, cert = one(capsys, "contactstate", "cert", cert_url)
    assert code == 0 and cert["flag"] == "green" and cert["details"]["status"] == "certified"
    code, reclaimed = one(capsys, "contactstate", "reclaim", claimed["details"]["reclaim_cert_url"])
    assert code == 0 and reclaimed["error"] is None


def test_contactstate_claim_expired_is_explained(env: dict[str, str], capsys: Any) -> None:
    claim = f"https://cert-gen.contactstate.com/certs/{sim.CS_CLAIM_TOKEN_EXPIRED}/claim"
    code, line = one(capsys, "contactstate", "claim", claim)
    assert code == 1 and "expired" in line["error"]["message"].lower()


@pytest.mark.parametrize(
    ("cert_id", "flag"),
    [(sim.CS_CERT_ID_CERTIFIED, "green"), (sim.CS_CERT_ID_CLAIMED, "yellow"), (sim.CS_CERT_ID_MISSING, "red")],
)
def test_contactstate_cert_status_flags(env: dict[str, str], capsys: Any, cert_id: str, flag: str) -> None:
    code, line = one(capsys, "contactstate", "cert", f"https://cert.contactstate.com/certs/{cert_id}")
    assert code == 0 and line["flag"] == flag


def test_contactstate_connect_lead_lifecycle(env: dict[str, str], capsys: Any) -> None:
    fields = ["--field", "first_name=Jane", "--field", "last_name=Smith", "--field", "email=jane@example.com"]
    code, created = one(capsys, "contactstate", "lead", "create", *fields, "--field", "title=Ms")
    assert code == 0 and created["error"] is None
    lead_id = created["details"]["lead_id"]
    code, got = one(capsys, "contactstate", "lead", "get", lead_id)
    assert code == 0 and got["details"]["lead_id"] == lead_id
    code, second = one(capsys, "contactstate", "lead", "create", *fields)
    code, deleted = one(capsys, "contactstate", "lead", "delete", lead_id, second["details"]["lead_id"])
    assert code == 0 and deleted["error"] is None
    code, gone = one(capsys, "contactstate", "lead", "get", lead_id)
    assert code == 1 and gone["error"]["http_status"] == 404


def test_contactstate_lead_validation_before_sending(env: dict[str, str], capsys: Any, simulator: Any) -> None:
    before = len(simulator.requests)
    code, line = one(
        capsys, "contactstate", "lead", "create", "--field", "first_name=J", "--field", "last_name=S",
        "--field", "email=j@example.com", "--field", "title=King",
    )  # fmt: skip
    assert code == 2 and "title" in line["error"]["message"].lower()
    assert len(simulator.requests) == before


def test_contactstate_rate_limit_waits_for_reset_then_succeeds(env: dict[str, str], capsys: Any) -> None:
    fields = ["--field", f"first_name={sim.CS_FIRST_NAME_RATE_LIMIT}", "--field", "last_name=S"]
    code, line = one(capsys, "contactstate", "lead", "create", *fields, "--field", "email=r@example.com")
    assert code == 0 and line["error"] is None


def test_contactstate_html_503_is_vendor_down(env: dict[str, str], capsys: Any) -> None:
    fields = ["--field", f"first_name={sim.CS_FIRST_NAME_MAINTENANCE}", "--field", "last_name=S"]
    code, line = one(capsys, "contactstate", "lead", "create", *fields, "--field", "email=m@example.com")
    assert code == 1 and line["error"]["kind"] == "vendor_down" and line["error"]["http_status"] == 503


def test_contactstate_perform_status_stats_and_export(env: dict[str, str], capsys: Any) -> None:
    connect_id = "eb908232-4a92-4de0-95df-f511aa8d9f8b"
    code, pushed = one(
        capsys, "contactstate", "status", "--connect-id", connect_id, "SOLD",
        "--field", "sale_revenue=1000.90", "--field", "sale_currency=GBP",
    )  # fmt: skip
    assert code == 0 and pushed["error"] is None
    code, stats = one(capsys, "contactstate", "stats", connect_id)
    assert code == 0 and stats["details"]["status"] == "SOLD"
    code, lines, err = run(capsys, "contactstate", "export")
    assert code == 0 and lines[0]["details"]["download_url"].startswith("https://")
    assert "pending" in err or "success" in err


def test_contactstate_bad_status_refused(env: dict[str, str], capsys: Any) -> None:
    code, line = one(capsys, "contactstate", "status", "--cert-url", "https://cert.contactstate.com/certs/x1", "WON")
    assert code == 2 and line["error"]["kind"] == "input"


# -- Consent Control -------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("database")
def test_consentcontrol_upload_maps_each_record(env: dict[str, str], capsys: Any, tmp_path: Path) -> None:
    csv_path = tmp_path / "optouts.csv"
    csv_path.write_text(
        "firstname,lastname,address1,city,state,zip,phone1,email1\n"
        "John,Doe,123 Main St,Sarasota,FL,34323,941-867-5309,john.doe@gmail.com\n"
        "Jane,Roe,invalid street,Sarasota,FL,34323,941-867-5308,jane@gmail.com\n"
        "No,Contact,,,,,,\n",
        encoding="utf-8",
    )
    code, lines, err = run(capsys, "consentcontrol", "upload", str(csv_path), "--project-id", "Test Campaign")
    assert code == 2  # one row refused locally; the others were sent and answered
    assert lines[0]["flag"] is None and lines[0]["details"]["row"] == 4  # the refused row comes first
    assert lines[1]["flag"] == "red"  # one record rejected by the vendor
    records = lines[1]["details"]["records"]
    assert [r["status"] for r in records] == ["stored", "rejected"]
    assert "Invalid Address" in records[1]["reason"]
    assert "row 4" in err


def test_consentcontrol_upload_json_has_a_record_for_every_row_refused_before_sending(
    env: dict[str, str], capsys: Any, tmp_path: Path
) -> None:
    """A row with a too-long name and a row with no contact data are never sent; ``--json`` gives each a record of
    its own (no flag, the row number, the reason) beside the upload's, so a script sees every row of the file."""
    csv_path = tmp_path / "optouts.csv"
    csv_path.write_text(
        "firstname,lastname,address1,city,state,zip,phone1,email1\n"
        "John,Doe,123 Main St,Sarasota,FL,34323,941-867-5309,john.doe@gmail.com\n"
        f"{'J' * 46},Long,,,,,941-867-5307,\n"
        "No,Contact,,,,,,\n",
        encoding="utf-8",
    )
    code, lines, err = run(capsys, "consentcontrol", "upload", str(csv_path), "--project-id", "Test Campaign")
    assert code == 2  # rows refused locally; the good one was sent and stored
    refused = [line for line in lines if line["details"].get("status") == "refused"]
    assert [(r["flag"], r["details"]["row"], r["error"]["kind"]) for r in refused] == [
        (None, 3, "input"),
        (None, 4, "input"),
    ]
    assert "at most 45" in refused[0]["details"]["reason"]
    assert "nothing to opt out" in refused[1]["details"]["reason"]
    (upload,) = [line for line in lines if line not in refused]
    assert upload["flag"] == "green" and [r["status"] for r in upload["details"]["records"]] == ["stored"]
    assert "row 3" in err and "row 4" in err  # people still read them on stderr


# -- History, credentials, the real console script ---------------------------------------------------------------


@pytest.mark.usefixtures("database")
def test_history_lists_stored_checks_newest_first(env: dict[str, str], capsys: Any) -> None:
    one(capsys, "litigator", "check", sim.LITIGATOR_PHONE_CLEAN)
    one(capsys, "litigator", "check", sim.LITIGATOR_PHONE_HIT)
    code, lines, _ = run(capsys, "history", "--vendor", "litigator")
    assert code == 0 and [line["flag"] for line in lines[:2]] == ["red", "green"]
    code, lines, _ = run(capsys, "history", "--subject", "+12025556666")
    assert code == 0 and len(lines) == 1


@pytest.mark.usefixtures("database")
def test_history_lines_start_with_the_local_time_the_check_finished(env: dict[str, str], capsys: Any) -> None:
    _, stored = one(capsys, "litigator", "check", sim.LITIGATOR_PHONE_HIT)
    assert main(["history", "--vendor", "litigator"], timing=FakeTime().timing) == 0
    (line,) = capsys.readouterr().out.splitlines()
    finished = datetime.fromisoformat(stored["finished_at"].replace("Z", "+00:00")).astimezone()
    assert line.startswith(finished.strftime("%Y-%m-%d %H:%M:%S") + "  RED")


def test_credentials_status_names_sources_without_values(env: dict[str, str], capsys: Any) -> None:
    assert main(["--json", "credentials", "status"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    sources = {(row["vendor"], row["field"]): row["source"] for row in data["credentials"]}
    assert sources[("trustedform", "api_key")] == "environment"
    assert all(secret not in out for secret in SECRETS)


def test_console_script_prints_coloured_line_and_exit_code(env: dict[str, str], leadcheck_home: Path) -> None:
    script = Path(sys.executable).parent / "leadcheck"
    environ = {**os.environ, **env}
    environ.pop("NO_COLOR")
    proc = subprocess.run(
        [str(script), "litigator", "check", sim.LITIGATOR_PHONE_HIT],
        capture_output=True, text=True, env=environ, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "\033[1;31mRED" in proc.stdout and "litigator" in proc.stdout
    environ["NO_COLOR"] = "1"
    proc = subprocess.run(
        [str(script), "--json", "litigator", "check", "12345"], capture_output=True, text=True, env=environ, timeout=60
    )
    assert proc.returncode == 2 and "digits" in proc.stderr
    assert "\033[" not in proc.stdout
