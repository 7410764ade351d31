"""The one front door to every vendor operation, shared by the CLI, the window and batches.

:class:`CheckService` builds each vendor client from the settings (credentials read when an operation
runs, so a key changed in Settings applies at once), runs the operation, scrubs every configured secret
out of the result one last time, attaches it to the matching lead and stores it, by the rules in
:mod:`desktop_app.check_rules` that batches follow too. Nothing here imports Qt or :mod:`desktop_app.jobs`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import httpx

from desktop_app.check_rules import (
    JORNAYA_DATA,
    call_cost,
    is_evidence_check,
    normalised_sent,
    scrub,
    simulated,
    suppression_for,
)
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.vendors.consentcontrol import (
    ConsentControlClient,
    ConsentControlCredentials,
    OptOutRecord,
    UploadOutcome,
)
from desktop_app.vendors.contactstate.client import ContactStateClient, ContactStateCredentials, ContactStateLimits
from desktop_app.vendors.credentials import FIELDS, require
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.http import Redactor, VendorHttp
from desktop_app.vendors.jornaya import JornayaClient, JornayaCredentials
from desktop_app.vendors.litigator import LitigatorClient, LitigatorCredentials
from desktop_app.vendors.origins import OriginMap
from desktop_app.vendors.ratelimit import Clock, Sleep
from desktop_app.vendors.registry import SUBJECT_COLUMNS
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.trustedform import TrustedFormClient, TrustedFormCredentials

log = logging.getLogger("leadcheck.checks")

USER_AGENT = "Leadcheck/{version} (+https://leadcheck.invalid)"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verifying context (system CA bundle, hostname checks), built once: building it loads the
    CA bundle, ~35 ms that a batch's per-lane clients would otherwise each spend on the window's thread."""
    return httpx.create_ssl_context()


def make_http_client(timeout: float, *, connections: int = 64) -> httpx.AsyncClient:
    """The one shared AsyncClient (or a batch lane's own): https verification on, no redirects (a key must not
    follow one), up to ``connections`` connections, all kept alive."""
    from desktop_app import __version__

    return httpx.AsyncClient(
        timeout=timeout,
        verify=tls_context(),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT.format(version=__version__)},
        # Keep every connection a batch opens alive: with fewer idle slots than calls in flight, httpx closes and
        # reopens connections (measured: 1,658 reconnects for 2,990 calls at 3 lanes x 16).
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


class CheckService:
    """Runs vendor operations and records each result. Construct once per app (or per CLI run)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        client: httpx.AsyncClient,
        *,
        origins: OriginMap | None = None,
        http: VendorHttp | None = None,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        demo: bool = False,
    ) -> None:
        """``demo``: every vendor is the simulator, so a failed call's advice says so (:func:`simulated`).

        ``clock`` and ``sleep`` (wall time in seconds; the waits of retries, rate limits and the export's polls)
        are for tests, which pass time that moves only when slept on; ignored when ``http`` is given."""
        self.settings = settings
        self.store = store
        self.demo = demo
        self.http = http or VendorHttp(
            client, origins=origins or OriginMap.from_env(), timeout=settings.timeout, clock=clock, sleep=sleep
        )
        self.contactstate_limits = ContactStateLimits.create(clock=self.http.clock, sleep=self.http.sleep)
        if http is None:  # the app's or the command's own service (a batch lane's shares its settings)
            settings.listeners.append(self._record_setting)

    def _record_setting(self, key: str, detail: dict[str, Any]) -> None:
        """A settings change joins the evidence log (settings hold no secret; a key's change is logged without it)."""
        try:
            self.store.log_event("settings", {"key": key, **detail})
        except LeadcheckError as exc:  # the change is saved; only its record failed (said in the log file)
            log.warning("The settings change %s was saved but not recorded in the evidence log: %s", key, exc)

    # -- clients -------------------------------------------------------------------------------------------

    def _creds(self, vendor: str) -> dict[str, str]:
        return self.settings.credentials_for(vendor)

    def trustedform(self) -> TrustedFormClient:
        return TrustedFormClient(self.http, TrustedFormCredentials(**self._creds("trustedform")))

    def jornaya(self) -> JornayaClient:
        return JornayaClient(self.http, JornayaCredentials(**self._creds("jornaya")))

    def litigator(self) -> LitigatorClient:
        return LitigatorClient(self.http, LitigatorCredentials(**self._creds("litigator")))

    def contactstate(self) -> ContactStateClient:
        return ContactStateClient(
            self.http, ContactStateCredentials(**self._creds("contactstate")), limiters=self.contactstate_limits
        )

    def consentcontrol(self) -> ConsentControlClient:
        creds = self._creds("consentcontrol")
        require("consentcontrol", creds, "api_key", "host")
        return ConsentControlClient(self.http, ConsentControlCredentials(**creds))

    def lane_client(self, vendor: str, connections: int) -> tuple[Any, Callable[[], Awaitable[None]]]:
        """``vendor``'s client over an httpx connection pool of its own, for a batch lane of ``connections``
        parallel calls; returns it with the coroutine function that closes the pool.

        httpcore scans its whole pool on every request, and for each idle connection counts the pool again
        (quadratic): one shared pool of 48 connections for three lanes of 16 spent 84% of the batch's CPU
        there. Same settings, origins, timeout and Contact State limiters as the shared client."""
        client = make_http_client(self.http.timeout, connections=max(1, connections))
        http = VendorHttp(
            client, origins=self.http.origins, timeout=self.http.timeout, clock=self.http.clock, sleep=self.http.sleep
        )
        lane = CheckService(self.settings, self.store, client, http=http)
        lane.contactstate_limits = self.contactstate_limits  # Contact State's 60 a minute is per account
        return getattr(lane, vendor)(), client.aclose

    def redactor(self) -> Redactor:
        """Every secret currently configured, for the last scrub before anything is stored or shown."""
        return Redactor(self.settings.credential(spec)[0] for spec in FIELDS if spec.secret)

    # -- storing -------------------------------------------------------------------------------------------

    def clean(self, result: CheckResult, redactor: Redactor) -> CheckResult:
        """What is stored and shown: ``result`` scrubbed of secrets, and in demo mode with the demo's advice."""
        clean = scrub(result, redactor)
        return simulated(clean) if self.demo else clean

    def save(
        self,
        result: CheckResult,
        *,
        lead_id: int | None = None,
        batch_id: int | None = None,
        sent: Mapping[str, str | None] | None = None,
    ) -> CheckResult:
        """Scrub and store, linked to every lead whose evidence it checked; returns the scrubbed result.

        ``sent``: the lead data the call carried (lead field names), kept with the check; it counts for a lead
        only when that data is the lead's own. A completed call of a billed operation stores its vendor's price as
        the check's cost (:func:`~desktop_app.check_rules.call_cost`). A completed manual check of a certificate,
        token or phone that no lead holds yet creates a lead for it (source "manual"), with the data sent. A
        litigator hit also joins the local suppression list."""
        clean = self.clean(result, self.redactor())
        given = normalised_sent(sent)
        column = SUBJECT_COLUMNS.get(clean.vendor)
        # Only the operation that checks a lead's evidence makes a lead: a claim, a stats read or an export is about
        # no purchase.
        if (
            lead_id is None
            and column
            and is_evidence_check(clean)
            and clean.ok
            and not self.store.leads_for_subject(clean.vendor, clean.subject)
        ):
            lead_id = self.store.add_lead({**given, column: clean.subject}, source="manual")
        cost = call_cost(clean, self.settings.prices())
        self.store.record_check(clean, lead_id=lead_id, batch_id=batch_id, sent=given, cost=cost)
        suppression = suppression_for(clean)
        if suppression:
            self.store.add_suppression(suppression)
        outcome = clean.flag.value if clean.flag else f"error:{clean.error.kind.value}" if clean.error else "done"
        log.info("%s %s %s -> %s (HTTP %s)", clean.vendor, clean.operation, clean.subject, outcome, clean.http_status)
        return clean

    # -- operations ----------------------------------------------------------------------------------------

    async def retain(
        self,
        cert_url: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        reference: str | None = None,
        vendor: str | None = None,
        lead_id: int | None = None,
    ) -> CheckResult:
        result = await self.trustedform().retain(cert_url, email=email, phone=phone, reference=reference, vendor=vendor)
        return self.save(result, lead_id=lead_id, sent={"email": email, "phone": phone})

    async def audit(
        self,
        token: str,
        *,
        provider_code: str | None = None,
        data: Mapping[str, str] | None = None,
        record_id: str | None = None,
        agency: str | None = None,
        lead_id: int | None = None,
    ) -> CheckResult:
        client = self.jornaya()
        result = await client.audit(token, provider_code=provider_code, data=data, record_id=record_id, agency=agency)
        fields = dict(JORNAYA_DATA)
        return self.save(result, lead_id=lead_id, sent={fields[k]: v for k, v in (data or {}).items() if k in fields})

    async def check_litigator(self, phone: str, *, lead_id: int | None = None) -> CheckResult:
        """Check one phone; a litigator hit also joins the local suppression list."""
        return self.save(await self.litigator().check_phone(phone), lead_id=lead_id)

    async def claim(self, claim_url: str) -> CheckResult:
        return self.save(await self.contactstate().claim(claim_url))

    async def reclaim(self, reclaim_url: str) -> CheckResult:
        return self.save(await self.contactstate().reclaim(reclaim_url))

    async def certificate(self, cert_url: str, *, lead_id: int | None = None) -> CheckResult:
        return self.save(await self.contactstate().certificate(cert_url), lead_id=lead_id)

    async def create_lead(self, fields: Mapping[str, str]) -> CheckResult:
        return self.save(await self.contactstate().create_lead(fields))

    async def get_lead(self, lead_id: str) -> CheckResult:
        return self.save(await self.contactstate().get_lead(lead_id))

    async def delete_leads(self, lead_ids: Sequence[str]) -> CheckResult:
        client = self.contactstate()
        if len(lead_ids) == 1:
            return self.save(await client.delete_lead(lead_ids[0]))
        return self.save(await client.delete_leads(list(lead_ids)))

    async def push_status(
        self,
        status: str,
        *,
        connect_id: str | None = None,
        certificate_url: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> CheckResult:
        client = self.contactstate()
        result = await client.push_status(
            status, connect_id=connect_id, certificate_url=certificate_url, **dict(fields or {})
        )
        return self.save(result)

    async def stats(self, lead_id: str, delivery_id: str | None = None) -> CheckResult:
        return self.save(await self.contactstate().stats(lead_id, delivery_id))

    async def export(self, *, on_progress: Callable[[str, float], None] | None = None) -> CheckResult:
        return self.save(await self.contactstate().export(on_progress=on_progress))

    async def upload_optouts(self, records: Sequence[OptOutRecord], *, project_id: str | None = None) -> UploadOutcome:
        """Upload opt-outs (≤100 per request); accepted ones join the local suppression list."""
        outcome = await self.consentcontrol().upload(records, project_id=project_id)
        redactor = self.redactor()
        outcome = dataclasses.replace(outcome, results=[self.clean(r, redactor) for r in outcome.results])
        for result in outcome.results:
            self.store.record_check(result)
        entries: list[tuple[str, str, str, str]] = []
        for item in outcome.records:
            if item.error is None and item.flag is not None and item.flag.value == "green":
                entries.extend(suppression_entries(item.record))
        if entries:
            self.store.add_suppression(entries)
        return outcome


def suppression_entries(record: OptOutRecord) -> list[tuple[str, str, str, str]]:
    """The phones and emails of an accepted opt-out, normalised, as suppression rows."""
    from desktop_app.vendors.validation import normalize_email, normalize_phone

    rows: list[tuple[str, str, str, str]] = []
    for attr in ("phone1", "phone2"):
        value = getattr(record, attr, None)
        if value:
            try:
                rows.append(("phone", normalize_phone(value).e164, "optout", "Consent Control upload"))
            except ValueError:
                pass
    for attr in ("email1", "email2"):
        value = getattr(record, attr, None)
        if value:
            try:
                rows.append(("email", normalize_email(value), "optout", "Consent Control upload"))
            except ValueError:
                pass
    return rows
