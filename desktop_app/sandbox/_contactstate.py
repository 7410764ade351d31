"""Simulated Contact State: Certify (claim, reclaim, certificate JSON), Connect (leads) and Perform (sales data).

Served under four prefixes standing for four real hosts:

* ``/cs-certgen`` = cert-gen.contactstate.com: ``POST /certs/<claim_token>/claim``
* ``/cs-cert`` = cert.contactstate.com: ``POST /certs/<claim_token>/claim`` (reclaim), ``GET /certs/<id>.json``
* ``/cs-connect`` = connect.contactstate.com: ``POST|DELETE /leads``, ``GET|DELETE /leads/<id>``
* ``/cs-perform`` = perform.contactstate.com: ``POST /leads``, ``GET /stats/<id>[/<delivery_id>]``,
  ``POST /stats``, ``GET /jobs/<id>``

Bodies follow the Certify/Connect/Perform document: claim ``{cert_url, reclaim_cert_url}`` (201) and
``{"error": {"message"}}`` (500); certificate JSON ``{"data": {id, type, attributes}}``; Connect error objects
``{error_type, errors: [{code, message, param}]}`` for 400/401/404/429/500; delivery objects as in the
webhook payload; Perform ``{"error": {"message"}}`` (500) and the documented stats fields.

Assumptions where the documents are silent: the certificate 404 body (Certify error shape); Perform push
success body ``{"status": "success"}``; stats 404 and unknown-job 404 use Connect's ``resource_missing_error``
shape; Perform stats/jobs count toward the same per-key limit as Connect; unknown Connect fields are
accepted (the API "is reasonably permissive"); every 400 starts with the documented ``invalid_parameters``
entry followed by one ``validation`` entry per field; ``sale_gross_profit`` defaults to revenue - costs.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections import deque
from decimal import Decimal
from typing import Any

from desktop_app.sandbox import scenarios as sc
from desktop_app.sandbox._contactstate_leads import (
    CERT_URL,
    MAINTENANCE_HTML,
    SALE_FIELDS,
    certify_error,
    connect_error,
    invalid_request,
    money,
    rate_limited,
    resource_missing,
    unauthorized,
    validate_lead,
)
from desktop_app.sandbox._http import (
    HTML_TYPE,
    SimContext,
    SimRequest,
    SimResponse,
    iso_offset,
    json_response,
    text_response,
    utc_now,
)

CERT_HOST = "https://cert.contactstate.com"
PERFORM_HOST = "https://perform.contactstate.com"
JOB_DOWNLOADS = "https://contactstate-job-downloads.s3.eu-west-2.amazonaws.com/downloads"
WINDOW = 60.0


class ContactState:
    """All four Contact State hosts; ``service`` says which one a request arrived on."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.claims: dict[str, str] = {}  # claim token -> cert id
        self.leads: dict[str, dict[str, Any]] = {}  # connect id -> stored lead
        self.pushes: dict[str, dict[str, Any]] = {}  # connect id or cert id -> last Perform push
        self.jobs: dict[str, int] = {}  # job id -> polls so far
        self.hits: dict[tuple[str, str], deque[float]] = {}
        self.rate_limit_me_seen: set[str] = set()

    # -- routing ---------------------------------------------------------------------------------------------

    def handle_certgen(self, req: SimRequest) -> SimResponse:
        match = re.fullmatch(r"/certs/([^/]+)/claim", req.path)
        if match and req.method == "POST":
            return self._claim(req, match.group(1), reclaim=False)
        return certify_error("Not found", 404)

    def handle_cert(self, req: SimRequest) -> SimResponse:
        claim = re.fullmatch(r"/certs/([^/]+)/claim", req.path)
        if claim and req.method == "POST":
            return self._claim(req, claim.group(1), reclaim=True)
        cert = re.fullmatch(r"/certs/([^/]+?)(\.json)?", req.path)
        if cert and req.method == "GET":
            return self._certificate(cert.group(1), as_json=bool(cert.group(2)))
        return certify_error("Not found", 404)

    def handle_connect(self, req: SimRequest) -> SimResponse:
        key = self._bearer(req)
        if key is None:
            return unauthorized()
        create = req.method == "POST" and req.path.rstrip("/") == "/leads"
        limited = self._rate_limit(key, create)
        if limited is not None:
            return limited
        path = req.path.rstrip("/")
        if path == "/leads":
            if req.method == "POST":
                return self._create_lead(req, key)
            if req.method == "DELETE":
                return self._delete_many(req)
        lead = re.fullmatch(r"/leads/([^/]+)", path)
        if lead and req.method == "GET":
            return self._get_lead(lead.group(1))
        if lead and req.method == "DELETE":
            return self._delete_lead(lead.group(1))
        return resource_missing("not_found", f"No route for {req.method} {req.path}")

    def handle_perform(self, req: SimRequest) -> SimResponse:
        path = req.path.rstrip("/")
        if path == "/leads" and req.method == "POST":
            return self._push(req)
        key = self._bearer(req)
        if key is None:
            return unauthorized()
        limited = self._rate_limit(key, False)
        if limited is not None:
            return limited
        stats = re.fullmatch(r"/stats/([^/]+)(?:/([^/]+))?", path)
        if stats and req.method == "GET":
            return self._stats(stats.group(1), stats.group(2))
        if path == "/stats" and req.method == "POST":
            job_id = self.ctx.new_id()
            with self.ctx.lock:
                self.jobs[job_id] = 0
            return json_response(200, {"job_url": f"{PERFORM_HOST}/jobs/{job_id}"})
        job = re.fullmatch(r"/jobs/([^/]+)", path)
        if job and req.method == "GET":
            return self._job(job.group(1))
        return resource_missing("not_found", f"No route for {req.method} {req.path}")

    # -- Certify ---------------------------------------------------------------------------------------------

    def _claim(self, req: SimRequest, claim_token: str, reclaim: bool) -> SimResponse:
        fields = req.fields() or {}
        secret = str(fields.get("secret_key") or "")
        if not secret:
            return certify_error("Secret key is required")
        if secret.startswith(sc.INVALID_PREFIX):
            return certify_error("Invalid secret key")
        if claim_token.startswith("expired"):
            return certify_error("Certificate claim window has expired")
        if reclaim and claim_token.startswith("pipe"):
            return certify_error("Certificate cannot be reclaimed")
        with self.ctx.lock:
            cert_id = self.claims.get(claim_token)
            if cert_id is None:
                cert_id = self.ctx.new_id()
                while cert_id.startswith(("dead", "c1a1")):  # scenarios of their own (a 1 in 32,768 chance)
                    cert_id = self.ctx.new_id()
                if claim_token.startswith("c1a1"):
                    cert_id = "c1a1" + cert_id[4:]
                self.claims[claim_token] = cert_id
        return json_response(
            201,
            {
                "cert_url": f"{CERT_HOST}/certs/{cert_id}",
                "reclaim_cert_url": f"{CERT_HOST}/certs/{claim_token}/claim",
            },
        )

    def _certificate(self, cert_id: str, as_json: bool) -> SimResponse:
        if cert_id.startswith("dead"):
            return certify_error("Certificate not found", 404)
        claimed = cert_id.startswith("c1a1")
        status = "claimed" if claimed else "certified"
        if not as_json:
            html = (
                f"<!DOCTYPE html><html><head><title>Contact State Certificate {cert_id}</title></head>"
                f"<body><h1>Certificate {cert_id}</h1><p>Status: {status}</p></body></html>"
            )
            return text_response(200, html, HTML_TYPE)
        scored_at = None if claimed else iso_offset(utc_now(), millis=True)
        return json_response(
            200,
            {
                "data": {
                    "id": cert_id,
                    "type": "contact-state-certificate",
                    "attributes": {"url": f"{CERT_HOST}/certs/{cert_id}", "status": status, "scored_at": scored_at},
                }
            },
        )

    # -- Connect ---------------------------------------------------------------------------------------------

    @staticmethod
    def _bearer(req: SimRequest) -> str | None:
        header = (req.header("authorization") or "").strip()
        if not header.lower().startswith("bearer "):
            return None
        key = header[7:].strip()
        if not key or key.startswith(sc.INVALID_PREFIX):
            return None
        return key

    def _rate_limit(self, key: str, create: bool) -> SimResponse | None:
        if not self.ctx.enforce_rate_limits:
            return None
        now = self.ctx.now()
        buckets = [((key, "all"), sc.CS_RATE_LIMIT_PER_MINUTE)]
        if create:
            buckets.append(((key, "create"), sc.CS_LEAD_CREATE_LIMIT_PER_MINUTE))
        with self.ctx.lock:
            for bucket, limit in buckets:
                hits = self.hits.setdefault(bucket, deque())
                while hits and hits[0] <= now - WINDOW:
                    hits.popleft()
                if len(hits) >= limit:
                    return rate_limited(limit, math.ceil(hits[0] + WINDOW))
            for bucket, _ in buckets:
                self.hits[bucket].append(now)
        return None

    def _create_lead(self, req: SimRequest, key: str) -> SimResponse:
        fields = req.fields()
        if fields is None:
            return invalid_request([])
        first_name = str(fields.get("first_name") or "")
        if first_name == sc.CS_FIRST_NAME_MAINTENANCE:
            return text_response(503, MAINTENANCE_HTML, HTML_TYPE)
        if first_name == sc.CS_FIRST_NAME_SERVER_ERROR:
            return connect_error(
                500, "api_error", [{"code": "internal_server_error", "message": "Something went wrong", "param": None}]
            )
        if first_name == sc.CS_FIRST_NAME_RATE_LIMIT:
            fingerprint = hashlib.sha256((key + json.dumps(fields, sort_keys=True, default=str)).encode()).hexdigest()
            with self.ctx.lock:
                first = fingerprint not in self.rate_limit_me_seen
                self.rate_limit_me_seen.add(fingerprint)
            if first:
                return rate_limited(sc.CS_LEAD_CREATE_LIMIT_PER_MINUTE, math.ceil(self.ctx.now()) + 1)
        lead, problems = validate_lead(fields)
        if problems:
            return invalid_request(problems)
        lead_id = self.ctx.new_id()
        created_at = iso_offset(utc_now())
        deliveries = self._deliveries(lead, created_at)
        stored: dict[str, Any] = {**lead, "id": lead_id, "created_at": created_at, "deliveries": deliveries}
        with self.ctx.lock:
            self.leads[lead_id] = stored
        return json_response(201, {"id": lead_id, "deliveries": deliveries})

    def _deliveries(self, lead: dict[str, str], created_at: str) -> list[dict[str, Any]]:
        code = lead.get("contact_state_connect_code", "").strip()
        if not code:
            return []
        status = {sc.CS_CONNECT_CODE_FAILED: "failed", sc.CS_CONNECT_CODE_PENDING: "pending"}.get(code, "delivered")

        def stable(kind: str) -> str:
            return str(uuid.uuid5(uuid.NAMESPACE_URL, f"contactstate-sim/{kind}/{code}"))

        return [
            {
                "id": self.ctx.new_id(),
                "distribution_group_id": stable("group"),
                "distribution_group_name": f"Simulated group {code}",
                "buyer_id": stable("buyer"),
                "buyer_name": "Simulated Buyer",
                "endpoint_id": stable("endpoint"),
                "endpoint_name": "Mock",
                "test_mode": lead.get("contact_state_test_mode") == "true",
                "status": status,
                "message": "Rejected by buyer: duplicate lead" if status == "failed" else None,
                "delivered_at": created_at if status == "delivered" else None,
                "failed_at": created_at if status == "failed" else None,
                "retried_at": None,
                "retry_count": 0,
                "created_at": created_at,
            }
        ]

    def _get_lead(self, lead_id: str) -> SimResponse:
        with self.ctx.lock:
            lead = self.leads.get(lead_id)
            snapshot = json.loads(json.dumps(lead)) if lead is not None else None
        if snapshot is None:
            return resource_missing("lead_not_found", f"Lead with id='{lead_id}' not found")
        return json_response(200, snapshot)

    def _delete_lead(self, lead_id: str) -> SimResponse:
        with self.ctx.lock:
            removed = self.leads.pop(lead_id, None)
        if removed is None:
            return resource_missing("lead_not_found", f"Lead with id='{lead_id}' not found")
        return json_response(200, {"status": "success"})

    def _delete_many(self, req: SimRequest) -> SimResponse:
        try:
            body = req.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        ids = body.get("lead_ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return invalid_request([("lead_ids", "must be a non-empty array of lead ids")])
        if len(ids) > sc.CS_MAX_BULK_DELETE:
            return invalid_request([("lead_ids", f"size cannot be greater than {sc.CS_MAX_BULK_DELETE}")])
        with self.ctx.lock:
            for lead_id in ids:
                self.leads.pop(lead_id, None)
        return json_response(200, {"status": "success"})

    # -- Perform ---------------------------------------------------------------------------------------------

    def _push(self, req: SimRequest) -> SimResponse:
        fields = req.fields()
        if fields is None:
            return certify_error("The request body could not be parsed")
        secret = str(fields.get("secret_key") or "")
        if not secret:
            return certify_error("Secret key is required")
        if secret.startswith(sc.INVALID_PREFIX):
            return certify_error("Invalid secret key")
        connect_id = str(fields.get("connect_id") or "").strip()
        cert_url = str(fields.get("certificate_url") or "").strip()
        if not connect_id and not cert_url:
            return certify_error("Either connect_id or certificate_url is required")
        if cert_url and not CERT_URL.match(cert_url):
            return certify_error(f"Invalid certificate_url '{cert_url}'")
        status = str(fields.get("status") or "").strip()
        if not status:
            return certify_error("Status is required")
        if status not in sc.CS_STATUSES:
            return certify_error(f"Invalid status '{status}'. Must be one of: " + ", ".join(sc.CS_STATUSES))
        subject = connect_id or cert_url.rsplit("/", 1)[-1]
        if subject.startswith("dead"):
            return certify_error("Lead not found")
        push = {k: (None if v is None else str(v)) for k, v in fields.items() if k != "secret_key"}
        push["status"] = status
        push.setdefault("status_at", iso_offset(utc_now()))
        with self.ctx.lock:
            self.pushes[subject] = push
        return json_response(201, {"status": "success"})

    def _stats(self, lead_id: str, delivery_id: str | None) -> SimResponse:
        if lead_id.startswith("dead"):
            return resource_missing("lead_not_found", f"Lead with id='{lead_id}' not found")
        with self.ctx.lock:
            lead = self.leads.get(lead_id)
            push = dict(self.pushes.get(lead_id) or {})
            delivery_ids = [d["id"] for d in lead["deliveries"]] if lead else []
            created_at = lead["created_at"] if lead else None
        if delivery_id and lead is not None and delivery_ids and delivery_id not in delivery_ids:
            return resource_missing("delivery_not_found", f"Delivery with id='{delivery_id}' not found")
        stats: dict[str, Any] = {
            "status": push.get("status", "NEW"),
            "status_at": push.get("status_at", created_at),
        }
        for name in SALE_FIELDS:
            stats[name] = push.get(name) or None
        if stats["sale_currency"] is None and push:
            stats["sale_currency"] = "GBP"
        revenue, costs = money(stats["sale_revenue"]), money(stats["sale_costs"])
        if stats["sale_gross_profit"] is None and revenue is not None:
            stats["sale_gross_profit"] = str((revenue - (costs or Decimal(0))).quantize(Decimal("0.01")))
        return json_response(200, stats)

    def _job(self, job_id: str) -> SimResponse:
        with self.ctx.lock:
            if job_id not in self.jobs:
                polls = -1
            else:
                self.jobs[job_id] += 1
                polls = self.jobs[job_id]
        if polls < 0:
            return resource_missing("job_not_found", f"Job with id='{job_id}' not found")
        if polls <= self.ctx.job_polls_until_done:
            return json_response(200, {"status": "pending", "download_url": None})
        return json_response(200, {"status": "success", "download_url": f"{JOB_DOWNLOADS}/{job_id}.csv"})
