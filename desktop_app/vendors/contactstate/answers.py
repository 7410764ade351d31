"""Reading Contact State's answers: Certify claims and certificates, Connect leads, Perform statuses, stats and
export jobs, each turned into a result; Connect's and Perform's error answers in the buyer's words.

The rules (which status is green, what is retried and why) are in :mod:`desktop_app.vendors.contactstate`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from desktop_app.vendors.answers import Exchange
from desktop_app.vendors.contactstate.errors import (
    LABEL,
    SECRET_KEY_HINT,
    VENDOR,
    certify_error_message,
    connect_error,
    iso_utc,
    plain_value,
)
from desktop_app.vendors.contactstate.fields import (
    PERFORM_STATUSES,
)
from desktop_app.vendors.errors import CallError, ErrorKind, InputError, bad_response, transport_or_status_error
from desktop_app.vendors.results import CheckResult, Flag, failed, judged
from desktop_app.vendors.validation import contactstate_url

PERFORM_HOST = "perform.contactstate.com"


DOWNLOAD_VALID_DAYS = 7


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


def refusal(exchange: Exchange, body: Any, noun: str, hint: str) -> CallError:
    """A non-2xx answer to a certify call: a refusal in Contact State's own words (``noun``: what was refused) when
    it gave them, else the transport or status error."""
    said = certify_error_message(body)
    if said is not None:
        return CallError(
            ErrorKind.REJECTED,
            f"Contact State refused the {noun}: {said}",
            http_status=exchange.status_code or 0,
            hint=hint,
        )
    return transport_or_status_error(exchange, LABEL, SECRET_KEY_HINT) or bad_response(
        LABEL, "with an unexpected status", exchange
    )


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
        error = refusal(exchange, body, noun, CLAIM_HINT if op == "claim" else RECLAIM_HINT)
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
    said = certify_error_message(body)
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
        "scored_at": plain_value(attributes.get("scored_at")),
        "type": plain_value(data.get("type")),
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


def _deliveries(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        return []
    return [{k: plain_value(d.get(k)) for k in DELIVERY_FIELDS} for d in raw if isinstance(d, dict)]


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
    fields = {k: plain_value(v) for k, v in lead.items() if k not in ("deliveries", "lead") and plain_value(v) == v}
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
    status = plain_value(body.get("status")) if isinstance(body, dict) else None
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
        return failed(VENDOR, op, subject, refusal(exchange, body, "sales status", PUSH_REFUSED_HINT), exchange)
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
    details.update({k: plain_value(body.get(k)) for k in STATS_FIELDS})
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


def perform_job_url(text: str, *, field: str = "job_url") -> str:
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
        job_url = perform_job_url(str(raw or ""))
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
    details["download_valid_until"] = iso_utc(now + DOWNLOAD_VALID_DAYS * 86400)
    summary = f"Export ready: download the spreadsheet within {DOWNLOAD_VALID_DAYS} days."
    return judged(VENDOR, op, job_url, None, summary, details, exchange)
