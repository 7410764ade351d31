"""Evidence packets: everything Leadcheck holds about one consumer, in one ZIP a buyer hands to counsel.

``leadcheck packet VALUE --out FILE.zip`` and the Leads tab's "Evidence packet…" write (atomically: a temporary
file beside the target, renamed into place when complete)::

    report.pdf        the consumer, every lead bought for them, every check of each lead in time order with
                      what the vendor said, the seat that made it and its evidence-log entry, the suppression
                      history, the head hash
                      (made by :mod:`desktop_app.packet_report` with Qt)
    checks/<id>.json  each stored check exactly as stored (request as sent, secrets already removed; response
                      exactly as received); the columns details, error, request and sent are the stored JSON text
    leads.csv         the consumer's leads with every original column and the seat that imported each,
                      formula-neutralised like every export
    manifest.json     SHA-256 of every other file, each check's evidence-log entry (enough to recompute it
                      without Leadcheck) and seat, the log's head, the Leadcheck version and when the packet was made

Nothing in a packet is a secret: stored checks are scrubbed before they are stored. The packet itself is then
recorded in the evidence log (an entry of kind ``packet`` holding the manifest's SHA-256).

The work is split so the window can keep its loop responsive: :func:`gather` (database reads, any thread with
its own :class:`Store`), :func:`~desktop_app.packet_report.render_report` (Qt: the GUI thread; the window draws
it a page at a time), :func:`write_zip` (files, any thread) and :func:`log_packet` (the one write, on the loop's
thread). :func:`write_packet` runs them in turn for the command line; :func:`write_packet_in_window` for the window.

Errors: :class:`NothingToPack` (no lead stored for the value), ``InputError`` (neither a phone nor an email),
``OSError`` (the file could not be written), the store's errors.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.exports import neutralise
from desktop_app.paths import atomic_writer
from desktop_app.store import Store
from desktop_app.store.consumers import contact_key
from desktop_app.store.evidence import DOMAIN, DOMAIN_V2, Head
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.store.packet_reads import EvidenceEntry, evidence_entries, full_leads
from desktop_app.vendors.errors import InputError, LeadcheckError

PACKET_FORMAT = 1
REPORT_NAME, LEADS_NAME, MANIFEST_NAME = "report.pdf", "leads.csv", "manifest.json"
LEAD_CSV_COLUMNS = (
    "lead_id", "source", "source_file", "source_row", "import_id", "imported_by", "bought_at", *LEAD_FIELDS, "verdict",
)  # fmt: skip
CHECKS_NOTE = (
    "checks/<id>.json holds each check's row exactly as stored in Leadcheck's database (columns in stored order). "
    "The columns details, error, request and sent are kept as the stored JSON text, not parsed; request is what "
    "was sent with every secret already removed, response_body is the answer exactly as received."
)
VERIFY_NOTE = (
    'To check an entry without Leadcheck: content_hash = SHA-256 of the UTF-8 JSON {"check": <the row in '
    "checks/<id>.json>} with keys sorted and no spaces (json.dumps(..., sort_keys=True, separators=(',', ':'), "
    f'ensure_ascii=False)); for an entry of hash_version 2, entry_hash = SHA-256 of "{DOMAIN_V2}\\n<seq>\\n'
    '<prev_hash>\\n<content_hash>\\n<at>\\ncheck\\n<check_id>\\n<seat>" (at and seat as given here); for '
    f"hash_version 1 (entries written before Leadcheck's schema 9), SHA-256 of \"{DOMAIN}\\n<seq>\\n<prev_hash>"
    '\\n<content_hash>".'
)
SEAT_NOTE = (
    "seat is who made the entry: the operating-system user and the computer's name (user@host) of the Leadcheck "
    "that stored the check, as recorded in its entry (hashed with it in entries of hash_version 2). It is null where "
    "the log does not say (a check sealed into the log when the database was upgraded); leads.csv's imported_by is "
    "the seat of the import that stored the lead, empty for a lead entered by hand."
)
HEAD_NOTE = (
    "Leadcheck appends every stored check, import, export and suppression change to an evidence log in which each "
    "entry's hash covers its content and the previous entry's hash. The head hash is the newest entry's hash when "
    "this packet was made: it fixes every entry before it, including every check in this packet. Had any of them "
    "been edited, deleted or reordered after it was logged, the log would no longer lead to this hash (`leadcheck "
    "verify` recomputes it). A copy of the head hash kept outside Leadcheck (emailed, printed) shows that the log "
    "has not been rewritten since. The log proves that nothing changed after an entry was written; it cannot show "
    "what a vendor said before Leadcheck stored the answer."
)


class NothingToPack(LeadcheckError):
    """No lead is stored for the phone or email: there is nothing to put in a packet."""


@dataclass(frozen=True)
class PacketData:
    """Everything a packet holds, read from the store in one go (no database access after this)."""

    query: str
    phones: list[str]
    emails: list[str]
    leads: list[dict[str, Any]]  # the lookup's leads (checks, reasons), each with "row": the lead's full row
    checks: dict[int, dict[str, Any]]  # check id -> row exactly as stored
    entries: dict[int, EvidenceEntry]  # check id -> its evidence-log entry
    suppression: list[dict[str, Any]]
    head: Head
    made_at: str  # ISO 8601 UTC
    truncated: bool = False

    @property
    def consumer(self) -> str:
        return " · ".join([*self.phones, *self.emails]) or self.query


@dataclass(frozen=True)
class PacketSummary:
    """What was written: where, for whom, how much, and the head hash it is anchored to."""

    path: Path
    query: str
    consumer: str
    lead_ids: list[int]
    check_ids: list[int]
    head: Head
    manifest_sha256: str
    pages: int
    size: int
    logged_as: Head | None = None  # the evidence log's head once the packet itself was recorded

    def line(self) -> str:
        leads, checks = len(self.lead_ids), len(self.check_ids)
        return (
            f"Evidence packet for {self.consumer}: {leads} lead{'s' if leads != 1 else ''}, {checks} "
            f"check{'s' if checks != 1 else ''}, {self.pages}-page report, written to {self.path}"
        )

    def head_line(self) -> str:
        """The head the packet is anchored to, and the packet's own entry in the log."""
        entry = f"; the packet itself is entry {self.logged_as.entries:,}" if self.logged_as is not None else ""
        return f"{self.head.line()} (in the packet){entry}"


def suggested_name(value: str) -> str:
    """A file name for the packet of ``value``: ``evidence-packet-12025550123.zip``, ``…-ann@example.com.zip``."""
    try:
        key = contact_key(value)[1]
    except InputError:
        key = value
    safe = re.sub(r"[^\w.@-]+", "", key.lstrip("+")).strip(".") or "consumer"
    return f"evidence-packet-{safe[:80]}.zip"


def _utc(now: datetime | None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def gather(store: Store, value: str, *, now: datetime | None = None) -> PacketData:
    """Read everything the packet holds for the consumer behind ``value`` (a phone in any layout or an email).

    Raises InputError for a value that is neither, :class:`NothingToPack` when no lead is stored for it."""
    found = store.lookup(value)
    if not found["leads"]:
        who = " · ".join([*found["phones"], *found["emails"]]) or value
        raise NothingToPack(f"No lead is stored for {who}, so there is nothing to put in an evidence packet.")
    rows = full_leads(store.connection, [lead["id"] for lead in found["leads"]])
    leads = [{**lead, "row": rows.get(lead["id"], {})} for lead in found["leads"]]
    check_ids = sorted({check["id"] for lead in leads for check in lead["checks"]})
    return PacketData(
        query=value,
        phones=list(found["phones"]),
        emails=list(found["emails"]),
        leads=leads,
        checks={int(row["id"]): row for row in store.check_records(check_ids)},
        entries=evidence_entries(store.connection, check_ids),
        suppression=list(found["suppression"]),
        head=store.evidence_head(),
        made_at=_utc(now),
        truncated=bool(found.get("truncated")),
    )


def leads_csv(data: PacketData) -> bytes:
    """The consumer's leads, one row each: Leadcheck's fields, then every other original column (``extra``).
    Phones as 10 digits, like the results export; every cell formula-neutralised."""
    extra_keys: list[str] = []
    for lead in data.leads:
        extra_keys.extend(k for k in lead["row"].get("extra", {}) if k not in extra_keys)
    header = [*LEAD_CSV_COLUMNS, *(k if k not in LEAD_CSV_COLUMNS else f"{k} (original column)" for k in extra_keys)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for lead in data.leads:
        row = lead["row"]
        phone = row.get("phone") or ""
        own = {
            **{field: row.get(field) for field in LEAD_FIELDS},
            "lead_id": lead["id"],
            "source": row.get("source"),
            "source_file": row.get("source_file"),
            "source_row": row.get("source_row"),
            "import_id": row.get("import_id"),
            "imported_by": lead.get("imported_by"),
            "bought_at": row.get("created_at"),
            "verdict": lead["verdict"],
            "phone": phone[2:] if phone.startswith("+1") and len(phone) == 12 else phone,
        }
        extra = row.get("extra", {})
        writer.writerow([neutralise(own[c]) for c in LEAD_CSV_COLUMNS] + [neutralise(extra.get(k)) for k in extra_keys])
    return buffer.getvalue().encode("utf-8-sig")


def check_json(row: Mapping[str, Any]) -> bytes:
    return (json.dumps(dict(row), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def check_seats(data: PacketData) -> dict[int, str | None]:
    """check id -> the seat that made it (user@host, from the lookup's check rows), None where the log does not say."""
    return {int(check["id"]): check.get("seat") for lead in data.leads for check in lead["checks"]}


def manifest(data: PacketData, files: Mapping[str, bytes]) -> dict[str, Any]:
    entries = []
    seats = check_seats(data)
    for check_id in sorted(data.checks):
        entry = data.entries.get(check_id)
        entries.append(
            {"check_id": check_id, "file": f"checks/{check_id}.json", "seat": seats.get(check_id)}
            | (
                {
                    "seq": entry.seq,
                    "entry_hash": entry.entry_hash,
                    "prev_hash": entry.prev_hash,
                    "content_hash": entry.content_hash,
                    "hash_version": entry.hash_version,
                    "at": entry.at,
                    # hashed with the entry from hash version 2; a check sealed at an upgrade names no seat
                    "seat": entry.seat if entry.hash_version >= 2 else seats.get(check_id),
                }  # fmt: skip
                if entry is not None
                else {"seq": None, "entry_hash": None, "note": "This check has no entry in the evidence log."}
            )
        )
    return {
        "packet": "Leadcheck evidence packet",
        "format": PACKET_FORMAT,
        "leadcheck_version": __version__,
        "made_at": data.made_at,
        "query": data.query,
        "consumer": {"phones": data.phones, "emails": data.emails},
        "leads": [lead["id"] for lead in data.leads],
        "leads_truncated": data.truncated,
        "files": {
            name: {"sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)} for name, body in files.items()
        },
        "evidence_head": {"entries": data.head.entries, "hash": data.head.hash, "meaning": HEAD_NOTE},
        "evidence_entries": entries,
        "notes": {"checks": CHECKS_NOTE, "verify": VERIFY_NOTE, "seat": SEAT_NOTE},
    }


def write_zip(data: PacketData, report_pdf: bytes, out_path: Path, *, pages: int = 0) -> PacketSummary:
    """Write the ZIP (temporary file beside ``out_path``, renamed into place when complete). No database access."""
    out_path = Path(out_path)
    files: dict[str, bytes] = {REPORT_NAME: report_pdf, LEADS_NAME: leads_csv(data)}
    for check_id in sorted(data.checks):
        files[f"checks/{check_id}.json"] = check_json(data.checks[check_id])
    manifest_bytes = (json.dumps(manifest(data, files), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    stamp = datetime.fromisoformat(data.made_at.replace("Z", "+00:00")).timetuple()[:6]
    with atomic_writer(out_path, binary=True) as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, body in [*files.items(), (MANIFEST_NAME, manifest_bytes)]:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, body)
    return PacketSummary(
        path=out_path,
        query=data.query,
        consumer=data.consumer,
        lead_ids=[lead["id"] for lead in data.leads],
        check_ids=sorted(data.checks),
        head=data.head,
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        pages=pages,
        size=out_path.stat().st_size,
    )


def log_packet(store: Store, summary: PacketSummary) -> Head:
    """Record the packet in the evidence log (the one write; on the thread that owns writes)."""
    return store.log_event(
        "packet",
        {
            "path": str(summary.path),
            "query": summary.query,
            "leads": summary.lead_ids,
            "checks": summary.check_ids,
            "head": {"entries": summary.head.entries, "hash": summary.head.hash},
            "manifest_sha256": summary.manifest_sha256,
        },
    )


def write_packet(store: Store, value: str, out_path: Path, *, now: datetime | None = None) -> PacketSummary:
    """Write the evidence packet for the consumer behind ``value`` to ``out_path`` and log it (see the module doc).
    Renders the report with Qt on this thread (a QGuiApplication is created if there is none)."""
    from desktop_app.packet_report import render_report

    data = gather(store, value, now=now)
    report = render_report(data)
    summary = write_zip(data, report.pdf, out_path, pages=report.pages)
    return replace(summary, logged_as=log_packet(store, summary))


def _gather_with_own_store(store: Store, value: str, now: datetime | None) -> PacketData:
    reader = store.reopen()
    try:
        return gather(reader, value, now=now)
    finally:
        reader.close()


async def write_packet_in_window(
    store: Store, value: str, out_path: Path, *, now: datetime | None = None
) -> PacketSummary:
    """:func:`write_packet` for the window: the reads and the ZIP on a worker thread (the reads with a Store of
    their own), the report on this (GUI) thread as Qt requires, a page at a time with the loop running in between,
    and the log entry on this thread too."""
    from desktop_app.packet_report import render_report_in_steps

    data = await asyncio.to_thread(_gather_with_own_store, store, value, now)
    report = await render_report_in_steps(data)
    summary = await asyncio.to_thread(write_zip, data, report.pdf, out_path, pages=report.pages)
    return replace(summary, logged_as=log_packet(store, summary))
