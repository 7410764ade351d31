"""The Contact State client: one method per operation, each validating its input, sending one request through
:class:`~desktop_app.vendors.http.VendorHttp` with the operation's retry policy and reading the answer with
:mod:`desktop_app.vendors.contactstate.answers`. The rules are in :mod:`desktop_app.vendors.contactstate`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.vendors.answers import Exchange
from desktop_app.vendors.contactstate.answers import (
    parse_certificate,
    parse_claim,
    parse_deleted,
    parse_export_started,
    parse_job,
    parse_lead,
    parse_lead_created,
    parse_pushed,
    parse_stats,
    perform_job_url,
)
from desktop_app.vendors.contactstate.errors import LABEL, VENDOR
from desktop_app.vendors.contactstate.fields import (
    validate_lead_fields,
    validate_lead_id,
    validate_status_push,
)
from desktop_app.vendors.credentials import require
from desktop_app.vendors.errors import CallError, ErrorKind, InputError
from desktop_app.vendors.http import Redactor, VendorHttp
from desktop_app.vendors.ratelimit import Clock, RateLimiter, RetryPolicy, Sleep
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.validation import contactstate_url

CONNECT = "https://connect.contactstate.com"
PERFORM = "https://perform.contactstate.com"
MAX_DELETE_IDS = 25
GET_RETRY = RetryPolicy(max_attempts=3, retry_statuses=frozenset({500, 502, 503, 504}))
CLAIM_RETRY = RetryPolicy(
    max_attempts=2,
    base_delay=0.5,
    max_delay=1.0,
    retry_statuses=frozenset({502, 503}),
    retry_timeouts=False,
    retry_network=False,
)
LEAD_CREATE_RETRY = RetryPolicy(
    max_attempts=3, retry_statuses=frozenset({503}), retry_timeouts=False, retry_network=False
)
PUSH_RETRY = RetryPolicy(max_attempts=3, retry_statuses=frozenset({502, 503, 504}))
EXPORT_START_RETRY = RetryPolicy(max_attempts=3, retry_statuses=frozenset({500, 502, 503, 504}))

# Connect's error_type -> (kind, what happened). Statuses without an error_type fall back to STATUS_ERROR_TYPES.


@dataclass(frozen=True)
class ContactStateCredentials:
    secret_key: str = ""
    api_key: str = ""


@dataclass(frozen=True)
class ContactStateLimits:
    """Connect's documented rate limits: ``requests`` (60/minute, every Bearer call) and ``lead_creation``
    (10/minute, ``POST /leads``). Share one instance across every call to Contact State."""

    requests: RateLimiter
    lead_creation: RateLimiter

    @classmethod
    def create(cls, *, clock: Clock = time.time, sleep: Sleep = asyncio.sleep) -> ContactStateLimits:
        return cls(
            requests=RateLimiter(60, 60.0, clock=clock, sleep=sleep, name="contactstate"),
            lead_creation=RateLimiter(10, 60.0, clock=clock, sleep=sleep, name="contactstate-lead-creation"),
        )


class ContactStateClient:
    """Certify claims and certificates, Connect leads, Perform sales statuses, stats and exports."""

    vendor = VENDOR

    def __init__(
        self, http: VendorHttp, credentials: ContactStateCredentials, *, limiters: ContactStateLimits | None = None
    ) -> None:
        self._http = http
        self._credentials = credentials
        self.limits = limiters or ContactStateLimits.create(clock=http.clock, sleep=http.sleep)

    # -- Certify -----------------------------------------------------------------------------------------------

    async def claim(self, claim_url: str) -> CheckResult:
        """Claim a freshly generated certificate for this buyer (within 30 seconds of generation)."""
        url = contactstate_url(claim_url, kind="claim")
        return await self._claim("claim", url)

    async def reclaim(self, reclaim_url: str) -> CheckResult:
        """Move a certificate from a Seller account to this secret key's Sales Pipe (within 15 minutes)."""
        url = contactstate_url(reclaim_url, kind="reclaim")
        return await self._claim("reclaim", url)

    async def _claim(self, op: str, url: str) -> CheckResult:
        creds = self._credentials
        require(VENDOR, dataclasses.asdict(creds), "secret_key")
        exchange = await self._http.send(
            "POST",
            url,
            json_body={"secret_key": creds.secret_key},
            headers={"Accept": "application/json"},
            redactor=Redactor([creds.secret_key]),
            secret_fields=("secret_key",),
            retry=CLAIM_RETRY,
            label=LABEL,
        )
        return parse_claim(exchange, op, url)

    async def certificate(self, cert_url: str) -> CheckResult:
        """Read a certificate's scoring status from its public JSON (``<cert_url>.json``). No key is sent."""
        url = contactstate_url(cert_url, kind="cert")
        exchange = await self._http.send(
            "GET", url + ".json", headers={"Accept": "application/json"}, retry=GET_RETRY, label=LABEL
        )
        return parse_certificate(exchange, url)

    # -- Connect -----------------------------------------------------------------------------------------------

    async def create_lead(self, fields: Mapping[str, str]) -> CheckResult:
        """Create (and, with a connect code, deliver) a lead. Every field is checked against the catalogue first."""
        lead = validate_lead_fields(fields)
        exchange = await self._bearer(
            "POST",
            f"{CONNECT}/leads",
            json_body=lead,
            retry=LEAD_CREATE_RETRY,
            limiters=(self.limits.lead_creation, self.limits.requests),
        )
        return parse_lead_created(exchange, lead, self._http.clock())

    async def get_lead(self, lead_id: str) -> CheckResult:
        """Everything Connect holds about a lead: the fields sent and its deliveries."""
        lead_id = validate_lead_id(lead_id)
        exchange = await self._bearer("GET", f"{CONNECT}/leads/{lead_id}", retry=GET_RETRY)
        return parse_lead(exchange, lead_id, self._http.clock())

    async def delete_lead(self, lead_id: str) -> CheckResult:
        """Delete one lead from Contact State's platform."""
        lead_id = validate_lead_id(lead_id)
        exchange = await self._bearer("DELETE", f"{CONNECT}/leads/{lead_id}", retry=GET_RETRY)
        return parse_deleted(exchange, "lead_delete", lead_id, [lead_id], self._http.clock())

    async def delete_leads(self, lead_ids: Sequence[str]) -> CheckResult:
        """Delete up to 25 leads in one request (duplicates are sent once)."""
        if isinstance(lead_ids, str):
            raise InputError("Give a list of Contact State lead IDs, not a single string.", field="lead_ids")
        ids = list(dict.fromkeys(validate_lead_id(i, field="lead_ids") for i in lead_ids))
        if not ids:
            raise InputError("Give at least one Contact State lead ID to delete.", field="lead_ids")
        if len(ids) > MAX_DELETE_IDS:
            raise InputError(
                f"Contact State deletes at most {MAX_DELETE_IDS} leads per request; {len(ids)} were given. "
                "Split the list into groups of 25.",
                field="lead_ids",
            )
        exchange = await self._bearer("DELETE", f"{CONNECT}/leads", json_body={"lead_ids": ids}, retry=GET_RETRY)
        subject = ids[0] if len(ids) == 1 else f"{len(ids)} leads"
        return parse_deleted(exchange, "lead_delete_many", subject, ids, self._http.clock())

    # -- Perform -----------------------------------------------------------------------------------------------

    async def push_status(
        self,
        status: str,
        *,
        connect_id: str | None = None,
        certificate_url: str | None = None,
        **optional: str | None,
    ) -> CheckResult:
        """Report a CRM sales status (one of the 15) for a Connect lead or a certificate."""
        body = validate_status_push(status, connect_id=connect_id, certificate_url=certificate_url, optional=optional)
        creds = self._credentials
        require(VENDOR, dataclasses.asdict(creds), "secret_key")
        entity = {k: body[k] for k in ("connect_id", "certificate_url") if k in body}
        rest = {k: v for k, v in body.items() if k not in entity}
        exchange = await self._http.send(
            "POST",
            f"{PERFORM}/leads",
            json_body={**entity, "secret_key": creds.secret_key, **rest},
            headers={"Accept": "application/json"},
            redactor=Redactor([creds.secret_key]),
            secret_fields=("secret_key",),
            retry=PUSH_RETRY,
            label=LABEL,
        )
        return parse_pushed(exchange, body)

    async def stats(self, lead_id: str, delivery_id: str | None = None) -> CheckResult:
        """A lead's sales stats; without ``delivery_id``, those of its last successful delivery."""
        lead_id = validate_lead_id(lead_id)
        delivery = validate_lead_id(delivery_id, field="delivery_id") if delivery_id and delivery_id.strip() else None
        path = f"{lead_id}/{delivery}" if delivery else lead_id
        exchange = await self._bearer("GET", f"{PERFORM}/stats/{path}", retry=GET_RETRY)
        return parse_stats(exchange, lead_id, delivery, self._http.clock())

    async def start_export(self) -> CheckResult:
        """Queue the feedback spreadsheet; the job URL comes back in ``details["job_url"]``."""
        exchange = await self._bearer("POST", f"{PERFORM}/stats", retry=EXPORT_START_RETRY)
        return parse_export_started(exchange, self._http.clock())

    async def poll_export(self, job_url: str) -> CheckResult:
        """The export job's status, and the download URL once it is ``success``."""
        url = perform_job_url(job_url)
        exchange = await self._bearer("GET", url, retry=GET_RETRY)
        return parse_job(exchange, url, self._http.clock())

    async def export(
        self,
        *,
        poll_interval: float = 10.0,
        timeout: float = 300.0,
        on_progress: Callable[[str, float], None] | None = None,
    ) -> CheckResult:
        """Start the export and poll every ``poll_interval`` seconds until the spreadsheet is ready.

        ``on_progress(status, seconds_waited)`` is called once the job is queued (``"pending"``, 0) and after
        every poll. Jobs usually finish within 30–90 seconds; after ``timeout`` seconds this gives up with a
        timeout error whose details keep the job URL, so it can be polled later.
        """
        if not poll_interval > 0 or not timeout > 0:
            raise InputError("The export's poll interval and timeout must be positive numbers of seconds.")
        started = await self.start_export()
        if started.error is not None:
            return started
        job_url = str(started.details["job_url"])
        if on_progress:
            on_progress("pending", 0.0)
        waited = 0.0
        last = started
        while waited < timeout:
            pause = min(poll_interval, timeout - waited)
            await self._http.sleep(pause)
            waited += pause
            last = await self.poll_export(job_url)
            last.operation = "export"
            last.details.setdefault("job_url", job_url)
            if last.error is not None:
                return last
            status = str(last.details.get("status"))
            if on_progress:
                on_progress(status, waited)
            if status == "success":
                return last
        error = CallError(
            ErrorKind.TIMEOUT,
            f"The Contact State export was not ready after {timeout:g} seconds.",
            hint="Jobs usually finish within 30–90 seconds; check the job again later (its URL is in the details).",
            retryable=True,
        )
        return dataclasses.replace(
            last,
            operation="export",
            flag=None,
            summary=error.message,
            error=error,
            details={"job_url": job_url, "status": last.details.get("status"), "download_url": None},
        )

    # -- plumbing ----------------------------------------------------------------------------------------------

    async def _bearer(
        self,
        method: str,
        url: str,
        *,
        retry: RetryPolicy,
        json_body: Any = None,
        limiters: Sequence[RateLimiter] | None = None,
    ) -> Exchange:
        creds = self._credentials
        require(VENDOR, dataclasses.asdict(creds), "api_key")
        return await self._http.send(
            method,
            url,
            headers={"Authorization": f"Bearer {creds.api_key}", "Accept": "application/json"},
            json_body=json_body,
            redactor=Redactor([creds.api_key]),
            retry=retry,
            limiters=limiters if limiters is not None else (self.limits.requests,),
            label=LABEL,
        )
