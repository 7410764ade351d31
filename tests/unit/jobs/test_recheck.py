"""The Leads tab's re-check: the batch's calls (JOBS) for one lead, stored against it by the service's rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.demo import demo_environment
from desktop_app.jobs.recheck import recheck_lead, recheck_plan
from desktop_app.paths import Paths
from desktop_app.service import CheckService
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.vendors.errors import MissingCredentials
from desktop_app.vendors.results import CheckResult, Flag

CERT = "https://cert.trustedform.com/eb9fc4dd9bed9ad451a5648946cf4bf09b5bb947"
TOKEN = "58990313-03FB-43B8-AD0B-08CEF791D49B"
LEAD = {
    "first_name": "Jane",
    "phone": "+12025551212",
    "email": "not-an-email",
    "cert_url": CERT,
    "leadid": TOKEN,
    "supplier": "SunBright Media",
}


class Recorder:
    """A vendor client that records each call's arguments and answers green (or a litigator hit)."""

    def __init__(self, vendor: str, details: dict[str, Any] | None = None) -> None:
        self.vendor = vendor
        self.details = details or {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def _answer(self, operation: str, subject: str, kwargs: dict[str, Any]) -> CheckResult:
        self.calls.append((operation, subject, kwargs))
        return CheckResult(self.vendor, operation, subject, Flag.GREEN, "fine", dict(self.details))

    async def retain(self, cert_url: str, **kwargs: Any) -> CheckResult:
        return self._answer("retain", cert_url, kwargs)

    async def audit(self, token: str, **kwargs: Any) -> CheckResult:
        return self._answer("audit", token, kwargs)

    async def check_phone(self, phone: str) -> CheckResult:
        return self._answer("check", phone, {})


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[CheckService]:
    paths = Paths.from_env(home=tmp_path / "home").ensure()
    store = Store(paths.database, backups_dir=paths.backups_dir)
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(599)))
    try:
        yield CheckService(Settings(paths, environ=demo_environment()), store, client)
    finally:
        await client.aclose()
        store.close()


async def test_recheck_makes_the_batch_calls_and_stores_them_against_the_lead(
    service: CheckService, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = {
        "trustedform": Recorder("trustedform"),
        "jornaya": Recorder("jornaya"),
        "litigator": Recorder("litigator", {"phone_is_litigator": True}),
    }
    for vendor, client in clients.items():
        monkeypatch.setattr(service, vendor, lambda client=client: client)
    lead_id = service.store.add_lead(LEAD, source_file="test.csv")
    lead = service.store.lead(lead_id)
    assert lead is not None and recheck_plan(lead) == ["trustedform", "jornaya", "litigator"]

    outcomes = await recheck_lead(service, lead)

    assert [o.vendor for o in outcomes] == ["trustedform", "jornaya", "litigator"]
    assert not any(o.failed for o in outcomes)
    # the bad email is left out of the match, the supplier is passed (as a batch does)
    assert clients["trustedform"].calls == [
        ("retain", CERT, {"email": None, "phone": "+12025551212", "vendor": "SunBright Media"})
    ]
    ((_, token, kwargs),) = clients["jornaya"].calls
    assert kwargs["data"]["phone1"] == "2025551212" and kwargs["data"]["f_name"] == "Jane"
    found = service.store.lookup("+12025551212")
    checks = {c["vendor"]: c for c in found["leads"][0]["checks"]}
    assert set(checks) == {"trustedform", "jornaya", "litigator"}
    assert checks["trustedform"]["sent"] == {"phone": "+12025551212"}
    assert all(c["counts_for_lead"] for c in checks.values())
    assert [e["reason"] for e in found["suppression"]] == ["litigator"]  # the hit is suppressed, as in a batch


async def test_recheck_reports_a_refusal_instead_of_raising(
    service: CheckService, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NoKeys(Recorder):
        async def check_phone(self, phone: str) -> CheckResult:
            raise MissingCredentials("litigator", ["token"], "TCPA Litigator keys are not set.")

    monkeypatch.setattr(service, "litigator", lambda: NoKeys("litigator"))
    lead_id = service.store.add_lead({"phone": "+12025551212"}, source_file="test.csv")
    lead = service.store.lead(lead_id)
    assert lead is not None

    (outcome,) = await recheck_lead(service, lead)

    assert outcome.vendor == "litigator" and outcome.failed and "not set" in outcome.refused
    assert service.store.lookup("+12025551212")["leads"][0]["checks"] == []
