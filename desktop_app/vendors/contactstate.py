"""Contact State: claim and read Certify certificates, deliver leads through Connect, report sales to Perform.

Three products on four https hosts, all under ``contactstate.com``:

* **Certify** — ``claim`` / ``reclaim`` POST ``{"secret_key": …}`` to a claim URL and get back the certificate
  URL; ``certificate`` reads the public ``<cert_url>.json`` (no key is sent anywhere).
* **Connect** (``connect.contactstate.com``, Bearer API key) — create, read and delete leads.
* **Perform** (``perform.contactstate.com``) — push a CRM sales status (secret key in the JSON body), read a
  lead's sales stats and run the bulk spreadsheet export (Bearer API key).

Flags (the only operations that judge anything):

* ``cert``: status ``certified`` -> green; ``claimed`` (not scored yet; scoring usually takes a minute) ->
  yellow; any other status -> yellow naming the status; HTTP 404 or a "not found" answer -> red.
* ``claim`` / ``reclaim``: the certificate was claimed for this buyer -> green (the buyer now holds it; its
  score is read with ``certificate`` later). The returned certificate URL must be a contactstate.com https
  URL, otherwise the answer is ``bad_response``.
* Connect and Perform operations judge nothing: flag None and a plain summary; a failed call has an error.

Retries, and why:

* GETs and DELETEs are idempotent: retried on timeouts, network trouble and 500/502/503/504.
* Claims are **not** retried after a timeout or a dropped connection: the claim may have gone through, and a
  claim must happen within 30 seconds of generation, so a late second claim would only fail confusingly.
  They are retried once, quickly, on 502/503 (the request never reached Contact State's application).
  A 500 is Certify's documented error answer and is shown, not retried.
* Lead creation is never retried after a timeout (it could create a duplicate lead); only on 503
  (maintenance) and, through :class:`VendorHttp`, on 429 after waiting for ``RateLimit-Reset``.
* A sales-status push sets values, so resending it is harmless: retried on timeouts and 502/503/504, not on
  Perform's documented 500 error answer. Starting an export may be retried (at worst two spreadsheets).

Rate limits: Connect allows 60 requests a minute and 10 lead creations a minute; :class:`ContactStateLimits`
holds one limiter for each, shared by every Bearer call (Connect and Perform). A 429 that outlasts the
waiting in :class:`VendorHttp` comes back as ``rate_limited`` with the reset time.

``delete_leads`` takes at most 25 IDs (the documented maximum per request); more is refused with InputError
rather than silently split, so one result always stands for one request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from desktop_app.vendors.answers import Exchange
from desktop_app.vendors.contactstate_fields import (
    PERFORM_STATUSES,
    validate_lead_fields,
    validate_lead_id,
    validate_status_push,
)
from desktop_app.vendors.credentials import require
from desktop_app.vendors.errors import CallError, ErrorKind, InputError, bad_response, transport_or_status_error
from desktop_app.vendors.http import Redactor, VendorHttp
from desktop_app.vendors.ratelimit import Clock, RateLimiter, RetryPolicy, Sleep, header_number, retry_after_seconds
from desktop_app.vendors.results import CheckResult, Flag, failed, judged
from desktop_app.vendors.validation import contactstate_url

VENDOR = "contactstate"
LABEL = "Contact State"
CONNECT = "https://connect.contactstate.com"
PERFORM = "https://perform.contactstate.com"
PERFORM_HOST = "perform.contactstate.com"
MAX_DELETE_IDS = 25
DOWNLOAD_VALID_DAYS = 7

API_KEY_HINT = "Open Settings → Contact State to fix the API key (used for Connect leads, stats and exports)."
SECRET_KEY_HINT = "Open Settings → Contact State to fix the secret key (each secret key belongs to one buyer)."
CLAIM_HINT = (
    "Certificates must be claimed within 30 seconds of being generated, with the secret key of the buyer they "
    "are for (Settings → Contact State). Ask the seller for a fresh claim URL or for the certificate URL."
)
RECLAIM_HINT = (
    "A reclaim must be made within 15 minutes of the certificate being generated, and only for a certificate "
    "first claimed against a Seller account; certificates already on a Sales Pipe cannot be reclaimed. The "
    "secret key must be the one for the Sales Pipe you want it on (Settings → Contact State)."
)
CLAIM_UNCERTAIN_HINT = (
    "The claim may have gone through even though no answer arrived. Do not claim again (a claim only works "
    "within 30 seconds of generation); look for the certificate in your Contact State account instead."
)
RECLAIM_UNCERTAIN_HINT = (
    "The reclaim may have gone through even though no answer arrived; look at the certificate in your Contact "
    "State account before trying again (reclaims are possible for 15 minutes after generation)."
)
CREATE_UNCERTAIN_HINT = (
    "The lead may have been created even though no answer arrived. Check the API logs in your Contact State "
    "account before sending it again, or you may create a duplicate."
)
PUSH_REFUSED_HINT = (
    "Check the Connect ID or certificate URL and the values sent. If the message is about the secret key, "
    "open Settings → Contact State."
)
RATE_LIMIT_HINT = (
    "Contact State allows 60 requests a minute, and 10 new leads a minute; wait until the reset time, then "
    "try again (batches slow down automatically)."
)

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
CONNECT_ERROR_TYPES: dict[str, tuple[ErrorKind, str]] = {
    "invalid_request_error": (ErrorKind.REJECTED, "Contact State refused the request"),
    "authentication_error": (ErrorKind.AUTH, "Contact State did not accept the API key"),
    "resource_missing_error": (ErrorKind.NOT_FOUND, "Contact State could not find it"),
    "rate_limit_error": (ErrorKind.RATE_LIMITED, "Contact State is limiting how fast this account can send requests"),
    "api_error": (ErrorKind.VENDOR_DOWN, "Contact State had an internal error"),
}
STATUS_ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "resource_missing_error",
    429: "rate_limit_error",
    500: "api_error",
}
CONNECT_ERROR_HINTS: dict[str, str] = {
    "invalid_request_error": "Correct the fields named above, then send again.",
    "authentication_error": API_KEY_HINT,
    "resource_missing_error": "Check the Connect lead ID (Contact State returns it when the lead is created).",
    "rate_limit_error": RATE_LIMIT_HINT,
    "api_error": "The problem is on Contact State's side; try again later (their API logs are in your account).",
}
MAINTENANCE_HINT = "Contact State is undergoing maintenance; try again later."

STATS_FIELDS = (
    "status",
    "status_at",
    "sale_sold_at",
    "sale_currency",
    "sale_revenue",
    "sale_lead_cost",
    "sale_costs",
    "sale_gross_profit",
    "notes",
)
DELIVERY_FIELDS = (
    "id",
    "status",
    "message",
    "buyer_name",
    "distribution_group_name",
    "endpoint_name",
    "test_mode",
    "delivered_at",
    "failed_at",
    "retry_count",
)
JOB_FAILED = frozenset({"failed", "failure", "error", "errored", "cancelled", "canceled"})


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
        url = _job_url(job_url)
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


# ---------------------------------------------------------------------------------------------------------------
# Reading answers


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """A JSON value kept only if it is a plain scalar (what the window can show in a cell)."""
    return value if value is None or isinstance(value, str | int | float | bool) else None


def _certify_error_message(body: Any) -> str | None:
    """The message of Certify/Perform's documented error answer ``{"error": {"message": …}}``."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
        if isinstance(message, str) and message.strip():
            return message.strip()
    return None


def _with_details(result: CheckResult, details: dict[str, Any]) -> CheckResult:
    result.details = details
    return result


def parse_claim(exchange: Exchange, op: str, url: str) -> CheckResult:
    """A claim's answer: 201 with the certificate URL -> green; a refusal shows Contact State's own words."""
    noun = "claim" if op == "claim" else "reclaim"
    if exchange.failure is not None:
        error = exchange.failure
        if error.kind in (ErrorKind.TIMEOUT, ErrorKind.NETWORK):
            uncertain = CLAIM_UNCERTAIN_HINT if op == "claim" else RECLAIM_UNCERTAIN_HINT
            error = dataclasses.replace(error, hint=uncertain, retryable=False)
        return failed(VENDOR, op, url, error, exchange)
    body = exchange.json()
    status = exchange.status_code or 0
    if not 200 <= status < 300:
        said = _certify_error_message(body)
        if said is not None:
            error = CallError(
                ErrorKind.REJECTED,
                f"Contact State refused the {noun}: {said}",
                http_status=status,
                hint=CLAIM_HINT if op == "claim" else RECLAIM_HINT,
            )
        else:
            error = transport_or_status_error(exchange, LABEL, SECRET_KEY_HINT) or bad_response(
                LABEL, "with an unexpected status", exchange
            )
        return failed(VENDOR, op, url, error, exchange)
    if not isinstance(body, dict):
        return failed(VENDOR, op, url, bad_response(LABEL, "not in JSON", exchange), exchange)
    try:
        cert_url = contactstate_url(str(body.get("cert_url") or ""), kind="cert")
    except InputError:
        what = "without a contactstate.com https certificate URL"
        return failed(VENDOR, op, url, bad_response(LABEL, what, exchange), exchange)
    reclaim_url: str | None = None
    if body.get("reclaim_cert_url"):
        try:
            reclaim_url = contactstate_url(str(body["reclaim_cert_url"]), kind="reclaim")
        except InputError:
            what = "with a reclaim URL that is not a contactstate.com https claim URL"
            return failed(VENDOR, op, url, bad_response(LABEL, what, exchange), exchange)
    details = {
        "cert_url": cert_url,
        "cert_id": cert_url.rsplit("/", 1)[-1],
        "reclaim_cert_url": reclaim_url,
    }
    summary = "Certificate claimed" if op == "claim" else "Certificate reclaimed for this Sales Pipe"
    return judged(VENDOR, op, url, Flag.GREEN, f"{summary}: {cert_url}", details, exchange)


def parse_certificate(exchange: Exchange, url: str) -> CheckResult:
    """A certificate's JSON: certified -> green, claimed or another status -> yellow, missing -> red."""
    op = "cert"
    cert_id = url.rsplit("/", 1)[-1]
    body = exchange.json()
    said = _certify_error_message(body)
    if exchange.status_code == 404 or (said is not None and "not found" in said.lower()):
        missing = {"cert_id": cert_id, "cert_url": url, "status": None, "scored_at": None, "found": False}
        summary = "No such Contact State certificate: the URL does not lead to a certificate."
        return judged(VENDOR, op, url, Flag.RED, summary, missing, exchange)
    error = transport_or_status_error(exchange, LABEL, "")
    if error is not None:
        if said is not None:
            error = dataclasses.replace(error, message=f"{error.message} (Contact State said: {said})")
        return failed(VENDOR, op, url, error, exchange)
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(attributes, dict):
        return failed(VENDOR, op, url, bad_response(LABEL, "not with a certificate", exchange), exchange)
    status = attributes.get("status")
    if not isinstance(status, str) or not status.strip():
        return failed(VENDOR, op, url, bad_response(LABEL, "without the certificate's status", exchange), exchange)
    returned_id = data.get("id")
    if returned_id is not None and str(returned_id).lower() != cert_id.lower():
        what = f"with a different certificate ({returned_id})"
        return failed(VENDOR, op, url, bad_response(LABEL, what, exchange), exchange)
    status = status.strip().lower()
    details: dict[str, Any] = {
        "cert_id": str(returned_id or cert_id),
        "cert_url": str(attributes.get("url") or url),
        "status": status,
        "scored_at": _plain(attributes.get("scored_at")),
        "type": _plain(data.get("type")),
        "found": True,
        "attributes": attributes,
    }
    if status == "certified":
        scored = f" (scored {details['scored_at']})" if details["scored_at"] else ""
        return judged(VENDOR, op, url, Flag.GREEN, f"Certified by Contact State{scored}.", details, exchange)
    if status == "claimed":
        summary = "Claimed but not scored yet; scoring usually takes a minute (sometimes several). Check again soon."
        return judged(VENDOR, op, url, Flag.YELLOW, summary, details, exchange)
    return judged(VENDOR, op, url, Flag.YELLOW, f"Certificate status is “{status}”, not certified.", details, exchange)


def connect_error(
    exchange: Exchange, now: float, *, uncertain_hint: str | None = None
) -> tuple[CallError, dict[str, Any]] | None:
    """The error for a failed Connect/Perform Bearer call, with the vendor's errors as details; None on 2xx.

    Connect answers ``{"error_type": …, "errors": [{"code", "message", "param"}]}``; Perform may answer
    ``{"error": {"message": …}}``; a 503 (maintenance) may be HTML. All three are read without trusting the shape.
    """
    if exchange.failure is not None:
        error = exchange.failure
        if uncertain_hint and error.kind in (ErrorKind.TIMEOUT, ErrorKind.NETWORK):
            error = dataclasses.replace(error, hint=uncertain_hint, retryable=False)
        return error, {}
    status = exchange.status_code or 0
    if 200 <= status < 300:
        return None
    body = exchange.json()
    errors: list[dict[str, Any]] = []
    error_type: str | None = None
    if isinstance(body, dict):
        if isinstance(body.get("error_type"), str):
            error_type = body["error_type"]
        listed = body.get("errors")
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, dict):
                errors.append({k: _plain(item.get(k)) for k in ("code", "message", "param")})
        said_single = _certify_error_message(body)
        if said_single and not errors:
            errors.append({"code": None, "message": said_single, "param": None})
    details: dict[str, Any] = {"error_type": error_type, "errors": errors}
    if error_type not in CONNECT_ERROR_TYPES:
        error_type = STATUS_ERROR_TYPES.get(status) if status != 503 else None
    validation = error_type == "invalid_request_error"
    said = "; ".join(
        (f"{e['param']}: " if e.get("param") and validation else "") + str(e["message"]).strip().rstrip(".")
        for e in errors
        if e.get("message")
    )
    if status == 503:
        message = "Contact State is down for maintenance (HTTP 503)"
        error = CallError(ErrorKind.VENDOR_DOWN, message, http_status=status, code="maintenance", hint=MAINTENANCE_HINT)
    elif error_type is not None:
        kind, message = CONNECT_ERROR_TYPES[error_type]
        hint = CONNECT_ERROR_HINTS[error_type]
        if kind is ErrorKind.RATE_LIMITED:
            message, limits = _rate_limit_message(exchange, now)
            details.update(limits)
        error = CallError(
            kind,
            message,
            http_status=status,
            code=error_type,
            hint=hint,
            retryable=kind in (ErrorKind.RATE_LIMITED, ErrorKind.VENDOR_DOWN),
        )
    else:
        fallback = transport_or_status_error(exchange, LABEL, API_KEY_HINT)
        assert fallback is not None  # a non-2xx status always has an explanation
        error = dataclasses.replace(fallback, message=fallback.message.rstrip("."))
    if not said:
        message = f"{error.message}."
    elif validation:
        message = f"{error.message}: {said}."
    else:
        message = f"{error.message} (Contact State said: {said})."
    return dataclasses.replace(error, message=message), details


def _rate_limit_message(exchange: Exchange, now: float) -> tuple[str, dict[str, Any]]:
    headers = exchange.response.headers if exchange.response is not None else {}
    details: dict[str, Any] = {"rate_limit_reset": None, "rate_limit_limit": None, "rate_limit_remaining": None}
    for header, key in (("RateLimit-Limit", "rate_limit_limit"), ("RateLimit-Remaining", "rate_limit_remaining")):
        number = header_number(headers.get(header))
        if number is not None and number.is_integer() and 0 <= number < 1e12:
            details[key] = int(number)
    message = "Contact State is limiting how fast this account can send requests"
    wait = retry_after_seconds(exchange.response, lambda: now) if exchange.response is not None else None
    if wait is None:
        return message, details
    details["rate_limit_reset"] = _iso(now + wait)
    return f"{message}; try again after {details['rate_limit_reset']}", details


def _deliveries(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        return []
    return [{k: _plain(d.get(k)) for k in DELIVERY_FIELDS} for d in raw if isinstance(d, dict)]


def _delivery_summary(deliveries: list[dict[str, Any]]) -> str:
    if not deliveries:
        return ""
    counts: dict[str, int] = {}
    for d in deliveries:
        word = str(d.get("status") or "unknown")
        counts[word] = counts.get(word, 0) + 1
    return " Deliveries: " + ", ".join(f"{n} {word}" for word, n in counts.items()) + "."


def _failed_with(op: str, subject: str, exchange: Exchange, problem: tuple[CallError, dict[str, Any]]) -> CheckResult:
    error, details = problem
    return _with_details(failed(VENDOR, op, subject, error, exchange), details)


def parse_lead_created(exchange: Exchange, lead: Mapping[str, str], now: float) -> CheckResult:
    op = "lead_create"
    subject = lead.get("email", "")
    problem = connect_error(exchange, now, uncertain_hint=CREATE_UNCERTAIN_HINT)
    if problem is not None:
        return _failed_with(op, subject, exchange, problem)
    body = exchange.json()
    lead_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(lead_id, str) or not lead_id.strip():
        return failed(VENDOR, op, subject, bad_response(LABEL, "without the new lead's ID", exchange), exchange)
    assert isinstance(body, dict)
    deliveries = _deliveries(body.get("deliveries"))
    details = {
        "lead_id": lead_id,
        "deliveries": deliveries,
        "test_mode": lead.get("contact_state_test_mode") == "true",
        "connect_code": lead.get("contact_state_connect_code"),
    }
    summary = f"Lead created in Contact State Connect (ID {lead_id})."
    if details["test_mode"]:
        summary += " Test mode: deliveries go to the buyers' test environments."
    if deliveries:
        summary += _delivery_summary(deliveries)
    elif not details["connect_code"]:
        summary += " It is not delivered to any buyer until a connect code is given."
    return judged(VENDOR, op, subject, None, summary, details, exchange)


def parse_lead(exchange: Exchange, lead_id: str, now: float) -> CheckResult:
    op = "lead_get"
    problem = connect_error(exchange, now)
    if problem is not None:
        return _failed_with(op, lead_id, exchange, problem)
    body = exchange.json()
    if not isinstance(body, dict):
        return failed(VENDOR, op, lead_id, bad_response(LABEL, "not in JSON", exchange), exchange)
    # The webhook wraps the lead as {"lead": …, "deliveries": […]}; the GET may also answer flat.
    lead = body["lead"] if isinstance(body.get("lead"), dict) else body
    fields = {k: _plain(v) for k, v in lead.items() if k not in ("deliveries", "lead") and _plain(v) == v}
    returned_id = fields.get("id")
    if not fields or (returned_id is not None and str(returned_id) != lead_id):
        what = "without the lead" if not fields else f"with a different lead ({returned_id})"
        return failed(VENDOR, op, lead_id, bad_response(LABEL, what, exchange), exchange)
    deliveries = _deliveries(body.get("deliveries", lead.get("deliveries")))
    details = {"lead_id": lead_id, "fields": fields, "deliveries": deliveries, "created_at": fields.get("created_at")}
    name = " ".join(str(fields[k]) for k in ("first_name", "last_name") if fields.get(k))
    who = f"{name} <{fields['email']}>" if fields.get("email") else name or lead_id
    summary = f"Lead {who} found in Contact State Connect." + _delivery_summary(deliveries)
    return judged(VENDOR, op, lead_id, None, summary, details, exchange)


def parse_deleted(exchange: Exchange, op: str, subject: str, ids: list[str], now: float) -> CheckResult:
    problem = connect_error(exchange, now)
    if problem is not None:
        return _failed_with(op, subject, exchange, problem)
    body = exchange.json()
    status = _plain(body.get("status")) if isinstance(body, dict) else None
    details = {"lead_ids": ids, "deleted": len(ids), "status": status}
    what = f"Lead {ids[0]} was" if len(ids) == 1 else f"{len(ids)} leads were"
    return judged(VENDOR, op, subject, None, f"{what} deleted from Contact State.", details, exchange)


def parse_pushed(exchange: Exchange, sent: Mapping[str, str]) -> CheckResult:
    op = "status"
    subject = sent.get("connect_id") or sent.get("certificate_url") or ""
    if exchange.failure is not None:
        return failed(VENDOR, op, subject, exchange.failure, exchange)
    body = exchange.json()
    status = exchange.status_code or 0
    if not 200 <= status < 300:
        said = _certify_error_message(body)
        if said is not None:
            error = CallError(
                ErrorKind.REJECTED,
                f"Contact State refused the sales status: {said}",
                http_status=status,
                hint=PUSH_REFUSED_HINT,
            )
        else:
            error = transport_or_status_error(exchange, LABEL, SECRET_KEY_HINT) or bad_response(
                LABEL, "with an unexpected status", exchange
            )
        return failed(VENDOR, op, subject, error, exchange)
    details = {
        "status": sent["status"],
        "status_description": PERFORM_STATUSES[sent["status"]],
        "connect_id": sent.get("connect_id"),
        "certificate_url": sent.get("certificate_url"),
        "sent": dict(sent),
    }
    summary = f"Sales status {sent['status']} ({PERFORM_STATUSES[sent['status']].lower()}) sent to Contact State."
    return judged(VENDOR, op, subject, None, summary, details, exchange)


def parse_stats(exchange: Exchange, lead_id: str, delivery_id: str | None, now: float) -> CheckResult:
    op = "stats"
    subject = f"{lead_id}/{delivery_id}" if delivery_id else lead_id
    problem = connect_error(exchange, now)
    if problem is not None:
        return _failed_with(op, subject, exchange, problem)
    body = exchange.json()
    for wrapper in ("stats", "data"):
        if isinstance(body, dict) and isinstance(body.get(wrapper), dict) and not any(k in body for k in STATS_FIELDS):
            body = body[wrapper]
    if not isinstance(body, dict) or not any(k in body for k in STATS_FIELDS):
        what = "without any of the documented stats fields"
        return failed(VENDOR, op, subject, bad_response(LABEL, what, exchange), exchange)
    details: dict[str, Any] = {"lead_id": lead_id, "delivery_id": delivery_id}
    details.update({k: _plain(body.get(k)) for k in STATS_FIELDS})
    status = details["status"]
    details["status_description"] = PERFORM_STATUSES.get(str(status)) if status else None
    if not status:
        summary = "The buyer has not reported a sales status yet."
    else:
        summary = f"Sales status {status}"
        if details["status_description"]:
            summary += f" ({details['status_description'].lower()})"
        if details["status_at"]:
            summary += f" since {details['status_at']}"
        summary += "."
        if details["sale_revenue"]:
            summary += f" Revenue {details['sale_revenue']} {details['sale_currency'] or 'GBP'}."
    return judged(VENDOR, op, subject, None, summary, details, exchange)


def _job_url(text: str, *, field: str = "job_url") -> str:
    """A Perform job URL; the Bearer key is only ever sent to perform.contactstate.com."""
    url = contactstate_url(text, kind="job")
    if urlsplit(url).hostname != PERFORM_HOST:
        raise InputError(f"“{text}” is not a Contact State export job URL (https://{PERFORM_HOST}/jobs/<id>).", field)
    return url


def parse_export_started(exchange: Exchange, now: float) -> CheckResult:
    op = "export"
    subject = "Perform export"
    problem = connect_error(exchange, now)
    if problem is not None:
        return _failed_with(op, subject, exchange, problem)
    body = exchange.json()
    raw = body.get("job_url") if isinstance(body, dict) else None
    try:
        job_url = _job_url(str(raw or ""))
    except InputError:
        what = f"without a job URL on {PERFORM_HOST}"
        return failed(VENDOR, op, subject, bad_response(LABEL, what, exchange), exchange)
    details = {"job_url": job_url, "status": "pending", "download_url": None}
    summary = "Export started; the spreadsheet is usually ready within 30–90 seconds."
    return judged(VENDOR, op, job_url, None, summary, details, exchange)


def parse_job(exchange: Exchange, job_url: str, now: float) -> CheckResult:
    op = "export_poll"
    problem = connect_error(exchange, now)
    if problem is not None:
        error, error_details = problem
        return _with_details(failed(VENDOR, op, job_url, error, exchange), {"job_url": job_url, **error_details})
    body = exchange.json()
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(status, str) or not status.strip():
        return failed(VENDOR, op, job_url, bad_response(LABEL, "without the export job's status", exchange), exchange)
    assert isinstance(body, dict)
    status = status.strip().lower()
    download = body.get("download_url")
    details: dict[str, Any] = {"job_url": job_url, "status": status, "download_url": None, "download_valid_until": None}
    if status in JOB_FAILED:
        error = CallError(
            ErrorKind.VENDOR_DOWN,
            f"Contact State could not build the export spreadsheet (job status: {status}).",
            http_status=exchange.status_code,
            code=status,
            hint="Start a new export; if it fails again, email support@contactstate.com.",
        )
        return _with_details(failed(VENDOR, op, job_url, error, exchange), details)
    if status != "success":
        return judged(VENDOR, op, job_url, None, f"Export job is {status}; not ready yet.", details, exchange)
    if not isinstance(download, str) or urlsplit(download).scheme != "https" or not urlsplit(download).hostname:
        what = "said the export is ready without an https download URL"
        return failed(VENDOR, op, job_url, bad_response(LABEL, what, exchange), exchange)
    details["download_url"] = download
    details["download_valid_until"] = _iso(now + DOWNLOAD_VALID_DAYS * 86400)
    summary = f"Export ready: download the spreadsheet within {DOWNLOAD_VALID_DAYS} days."
    return judged(VENDOR, op, job_url, None, summary, details, exchange)
