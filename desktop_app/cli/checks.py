"""One-off vendor commands of ``leadcheck`` (each sends one operation and prints its result) and ``history``.

``trustedform retain``, ``jornaya audit``, ``litigator check``, ``contactstate claim|reclaim|cert|lead|status|
stats|export``, ``consentcontrol upload`` and ``history``: each subcommand names its handler with
``set_defaults(run=...)``; a handler takes the open :class:`~desktop_app.core.Core`, the arguments and the
:class:`~desktop_app.cli.common.Output`, and returns the exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.cli.common import Exit, Output, exit_code, field_value
from desktop_app.vendors.credentials import VENDOR_LABELS
from desktop_app.vendors.errors import InputError, MissingCredentials
from desktop_app.vendors.results import CheckResult, Flag

if TYPE_CHECKING:
    from desktop_app.core import Core


def add_commands(sub: Any) -> None:
    """Add the vendor subcommands and ``history`` to the main parser's subparsers."""
    tf = sub.add_parser("trustedform", help="TrustedForm certificates").add_subparsers(dest="action", required=True)
    retain = tf.add_parser("retain", help="retain a certificate (and match it to the lead)")
    retain.add_argument("cert_url")
    retain.add_argument("--email")
    retain.add_argument("--phone")
    retain.add_argument("--reference")
    retain.add_argument("--vendor")
    retain.set_defaults(run=trustedform_retain)

    jn = sub.add_parser("jornaya", help="Jornaya LeadiD audits").add_subparsers(dest="action", required=True)
    audit = jn.add_parser("audit", help="audit a LeadiD token")
    audit.add_argument("token")
    audit.add_argument("--lpc", help="provider code (default: the one in Settings)")
    audit.add_argument("--field", action="append", type=field_value, default=[], metavar="LABEL=VALUE")
    audit.add_argument("--record-id")
    audit.add_argument("--agency")
    audit.set_defaults(run=jornaya_audit)

    lit = sub.add_parser("litigator", help="TCPA litigator list").add_subparsers(dest="action", required=True)
    check = lit.add_parser("check", help="check one phone number")
    check.add_argument("phone")
    check.set_defaults(run=litigator_check)

    cs = sub.add_parser("contactstate", help="Contact State").add_subparsers(dest="action", required=True)
    claim = cs.add_parser("claim", help="claim a certificate")
    claim.add_argument("claim_url")
    claim.set_defaults(run=contactstate_claim)
    reclaim = cs.add_parser("reclaim", help="reclaim a certificate")
    reclaim.add_argument("reclaim_url")
    reclaim.set_defaults(run=contactstate_reclaim)
    cert = cs.add_parser("cert", help="certificate status")
    cert.add_argument("cert_url")
    cert.set_defaults(run=contactstate_cert)
    lead = cs.add_parser("lead", help="Connect leads").add_subparsers(dest="lead_action", required=True)
    create = lead.add_parser("create", help="create a lead")
    create.add_argument("--field", action="append", type=field_value, default=[], metavar="NAME=VALUE", required=True)
    create.set_defaults(run=contactstate_lead_create)
    get = lead.add_parser("get", help="get a lead")
    get.add_argument("id")
    get.set_defaults(run=contactstate_lead_get)
    delete = lead.add_parser("delete", help="delete leads (up to 25 per request)")
    delete.add_argument("ids", nargs="+")
    delete.set_defaults(run=contactstate_lead_delete)
    status = cs.add_parser("status", help="push a sales status (Perform)")
    target = status.add_mutually_exclusive_group(required=True)
    target.add_argument("--connect-id")
    target.add_argument("--cert-url")
    status.add_argument("status")
    status.add_argument("--field", action="append", type=field_value, default=[], metavar="NAME=VALUE")
    status.set_defaults(run=contactstate_status)
    stats = cs.add_parser("stats", help="sales stats for a lead")
    stats.add_argument("lead_id")
    stats.add_argument("delivery_id", nargs="?")
    stats.set_defaults(run=contactstate_stats)
    cs.add_parser("export", help="bulk stats export (waits for the job)").set_defaults(run=contactstate_export)

    cc = sub.add_parser("consentcontrol", help="Consent Control opt-outs").add_subparsers(dest="action", required=True)
    upload = cc.add_parser("upload", help="upload opt-outs from a CSV file")
    upload.add_argument("file", type=Path)
    upload.add_argument("--project-id")
    upload.set_defaults(run=consentcontrol_upload)

    history = sub.add_parser("history", help="checks stored in the local database")
    history.add_argument("--vendor", choices=sorted(VENDOR_LABELS))
    history.add_argument("--subject", help="a certificate, token, phone (any layout) or email (any case)")
    history.add_argument("--limit", type=int, default=50)
    history.set_defaults(run=show_history)


async def _report(
    out: Output, vendor: str, operation: str, subject: str, call: Callable[[], Awaitable[CheckResult]]
) -> int:
    """Run one operation and print its result; refused input or missing keys print why and exit 2."""
    try:
        result = await call()
    except (InputError, MissingCredentials) as exc:
        out.refused(vendor, operation, subject, exc)
        return Exit.REFUSED
    out.result(result)
    return exit_code([result])


async def trustedform_retain(core: Core, args: argparse.Namespace, out: Output) -> int:
    service = core.service
    return await _report(
        out,
        "trustedform",
        "retain",
        args.cert_url,
        lambda: service.retain(
            args.cert_url, email=args.email, phone=args.phone, reference=args.reference, vendor=args.vendor
        ),
    )


async def jornaya_audit(core: Core, args: argparse.Namespace, out: Output) -> int:
    service, data = core.service, dict(args.field)
    return await _report(
        out,
        "jornaya",
        "audit",
        args.token,
        lambda: service.audit(
            args.token, provider_code=args.lpc, data=data or None, record_id=args.record_id, agency=args.agency
        ),
    )


async def litigator_check(core: Core, args: argparse.Namespace, out: Output) -> int:
    return await _report(out, "litigator", "check", args.phone, lambda: core.service.check_litigator(args.phone))


async def contactstate_claim(core: Core, args: argparse.Namespace, out: Output) -> int:
    return await _report(out, "contactstate", "claim", args.claim_url, lambda: core.service.claim(args.claim_url))


async def contactstate_reclaim(core: Core, args: argparse.Namespace, out: Output) -> int:
    url = args.reclaim_url
    return await _report(out, "contactstate", "reclaim", url, lambda: core.service.reclaim(url))


async def contactstate_cert(core: Core, args: argparse.Namespace, out: Output) -> int:
    return await _report(out, "contactstate", "cert", args.cert_url, lambda: core.service.certificate(args.cert_url))


async def contactstate_lead_create(core: Core, args: argparse.Namespace, out: Output) -> int:
    fields = dict(args.field)
    subject = fields.get("email", "new lead")
    return await _report(out, "contactstate", "lead_create", subject, lambda: core.service.create_lead(fields))


async def contactstate_lead_get(core: Core, args: argparse.Namespace, out: Output) -> int:
    return await _report(out, "contactstate", "lead_get", args.id, lambda: core.service.get_lead(args.id))


async def contactstate_lead_delete(core: Core, args: argparse.Namespace, out: Output) -> int:
    ids = list(args.ids)
    return await _report(out, "contactstate", "lead_delete", " ".join(ids), lambda: core.service.delete_leads(ids))


async def contactstate_status(core: Core, args: argparse.Namespace, out: Output) -> int:
    fields = dict(args.field)
    return await _report(
        out,
        "contactstate",
        "status",
        args.connect_id or args.cert_url,
        lambda: core.service.push_status(
            args.status, connect_id=args.connect_id, certificate_url=args.cert_url, fields=fields
        ),
    )


async def contactstate_stats(core: Core, args: argparse.Namespace, out: Output) -> int:
    return await _report(
        out, "contactstate", "stats", args.lead_id, lambda: core.service.stats(args.lead_id, args.delivery_id)
    )


async def contactstate_export(core: Core, args: argparse.Namespace, out: Output) -> int:
    def progress(status: str, elapsed: float) -> None:
        out.note(f"export job {status} ({elapsed:.0f} s)")

    return await _report(out, "contactstate", "export", "bulk stats", lambda: core.service.export(on_progress=progress))


async def consentcontrol_upload(core: Core, args: argparse.Namespace, out: Output) -> int:
    """Upload the opt-outs of a CSV file; rows refused before sending are listed and make the exit status 2."""
    from desktop_app.imports.optouts import records_from_csv

    try:
        records, problems = records_from_csv(args.file, project_id=args.project_id)
    except (InputError, OSError) as exc:
        out.refused("consentcontrol", "optout_upload", str(args.file), InputError(str(exc)))
        return Exit.REFUSED
    for problem in problems:
        _refused_row(out, problem.row, problem.reason)
    if not records:
        out.note("No usable opt-out records in the file; nothing was sent.")
        return Exit.REFUSED
    try:
        outcome = await core.service.upload_optouts(records, project_id=args.project_id)
    except (InputError, MissingCredentials) as exc:
        out.refused("consentcontrol", "optout_upload", str(args.file), exc)
        return Exit.REFUSED
    for result in outcome.results:
        out.result(result)
    if not out.json_mode:
        for item in outcome.records:
            if item.flag is Flag.RED:
                out.note(f"record {item.index + 1}: rejected — {item.reason}")
    code = exit_code(outcome.results)
    return Exit.REFUSED if code == Exit.OK and problems else code


def _refused_row(out: Output, row: int, reason: str) -> None:
    """An opt-out CSV row refused before sending: a line on stderr and, with ``--json``, a record of its own with
    no flag, so that a script sees every row of the file."""
    out.note(f"row {row}: {reason} (not uploaded)")
    if out.json_mode:
        out.json(
            {
                "vendor": "consentcontrol",
                "operation": "optout_upload",
                "subject": f"row {row}",
                "flag": None,
                "summary": f"Not uploaded: {reason}",
                "details": {"row": row, "status": "refused", "reason": reason},
                "error": {"kind": "input", "message": reason, "http_status": None, "code": None},
            }
        )


async def show_history(core: Core, args: argparse.Namespace, out: Output) -> int:
    stored = core.store.checks(vendor=args.vendor, subject=args.subject, limit=max(1, args.limit))
    for item in stored:
        out.result(item.result, when=True)
    if not stored and not out.json_mode:
        out.note("No checks stored yet.")
    return Exit.OK
