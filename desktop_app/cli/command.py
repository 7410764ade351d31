"""The headless front door: ``leadcheck`` runs the same core as the window, with no Qt import.

Exit status: 0 when every call completed (whatever the flags), 1 when a call failed, 2 for bad usage or
input refused before sending (including missing credentials). ``--json`` prints one JSON object per
check (JSON Lines) on stdout; messages for people go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from desktop_app import __version__
from desktop_app.paths import Paths
from desktop_app.settings import InvalidSetting, home_folder
from desktop_app.vendors.credentials import VENDOR_LABELS, fields_for
from desktop_app.vendors.errors import InputError, LeadcheckError, MissingCredentials
from desktop_app.vendors.results import CheckResult, Flag

EXIT_OK, EXIT_CALL_FAILED, EXIT_REFUSED = 0, 1, 2

COLOURS = {"green": "\033[1;32m", "yellow": "\033[1;33m", "red": "\033[1;31m", "error": "\033[1;35m"}
RESET = "\033[0m"


class UsageError(LeadcheckError):
    """The command line itself is wrong."""


def _key_value(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    if not key.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return key.strip(), value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with a clear line, as argparse does, but never a traceback
        self.print_usage(sys.stderr)
        print(f"leadcheck: {message}", file=sys.stderr)
        raise SystemExit(EXIT_REFUSED)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="leadcheck",
        description="Check leads with TrustedForm, Jornaya, Contact State, Consent Control and the TCPA "
        "litigator list. With no command, opens the window.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per check (JSON Lines)")
    parser.add_argument("--home", metavar="DIR", help="keep every file under DIR (same as LEADCHECK_HOME)")
    parser.add_argument("--demo", action="store_true", help="use the built-in vendor simulator and a demo database")
    parser.add_argument("--version", action="version", version=f"leadcheck {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    tf = sub.add_parser("trustedform", help="TrustedForm certificates").add_subparsers(dest="action", required=True)
    retain = tf.add_parser("retain", help="retain a certificate (and match it to the lead)")
    retain.add_argument("cert_url")
    retain.add_argument("--email")
    retain.add_argument("--phone")
    retain.add_argument("--reference")
    retain.add_argument("--vendor")

    jn = sub.add_parser("jornaya", help="Jornaya LeadiD audits").add_subparsers(dest="action", required=True)
    audit = jn.add_parser("audit", help="audit a LeadiD token")
    audit.add_argument("token")
    audit.add_argument("--lpc", help="provider code (default: the one in Settings)")
    audit.add_argument("--field", action="append", type=_key_value, default=[], metavar="LABEL=VALUE")
    audit.add_argument("--record-id")
    audit.add_argument("--agency")

    lit = sub.add_parser("litigator", help="TCPA litigator list").add_subparsers(dest="action", required=True)
    lit.add_parser("check", help="check one phone number").add_argument("phone")

    cs = sub.add_parser("contactstate", help="Contact State").add_subparsers(dest="action", required=True)
    cs.add_parser("claim", help="claim a certificate").add_argument("claim_url")
    cs.add_parser("reclaim", help="reclaim a certificate").add_argument("reclaim_url")
    cs.add_parser("cert", help="certificate status").add_argument("cert_url")
    lead = cs.add_parser("lead", help="Connect leads").add_subparsers(dest="lead_action", required=True)
    create = lead.add_parser("create", help="create a lead")
    create.add_argument("--field", action="append", type=_key_value, default=[], metavar="NAME=VALUE", required=True)
    lead.add_parser("get", help="get a lead").add_argument("id")
    lead.add_parser("delete", help="delete leads (up to 25 per request)").add_argument("ids", nargs="+")
    status = cs.add_parser("status", help="push a sales status (Perform)")
    target = status.add_mutually_exclusive_group(required=True)
    target.add_argument("--connect-id")
    target.add_argument("--cert-url")
    status.add_argument("status")
    status.add_argument("--field", action="append", type=_key_value, default=[], metavar="NAME=VALUE")
    stats = cs.add_parser("stats", help="sales stats for a lead")
    stats.add_argument("lead_id")
    stats.add_argument("delivery_id", nargs="?")
    cs.add_parser("export", help="bulk stats export (waits for the job)")

    cc = sub.add_parser("consentcontrol", help="Consent Control opt-outs").add_subparsers(dest="action", required=True)
    upload = cc.add_parser("upload", help="upload opt-outs from a CSV file")
    upload.add_argument("file", type=Path)
    upload.add_argument("--project-id")

    history = sub.add_parser("history", help="checks stored in the local database")
    history.add_argument("--vendor", choices=sorted(VENDOR_LABELS))
    history.add_argument("--subject", help="a certificate, token, phone (any layout) or email (any case)")
    history.add_argument("--limit", type=int, default=50)

    creds = sub.add_parser("credentials", help="vendor keys").add_subparsers(dest="action", required=True)
    creds.add_parser("set", help="store a vendor's keys in the system keyring").add_argument(
        "vendor", choices=sorted(VENDOR_LABELS)
    )
    creds.add_parser("status", help="which keys are set, and where")

    gui = sub.add_parser("gui", help="open the window")
    gui.add_argument("--screenshot", type=Path, metavar="FILE.png", help="render the window to a PNG and exit")
    gui.add_argument("--tab", help="tab to show (leads, trustedform, jornaya, contactstate, consentcontrol, ...)")

    from desktop_app import cli_batch, cli_evidence, cli_lookup, cli_packet

    cli_batch.add_commands(sub)
    cli_lookup.add_commands(sub)
    cli_packet.add_commands(sub)
    cli_evidence.add_commands(sub)
    return parser


class Output:
    """Prints results for people (one coloured line each) or machines (JSON Lines)."""

    def __init__(self, json_mode: bool, stream: TextIO | None = None, err: TextIO | None = None) -> None:
        self.json_mode = json_mode
        self.stream = stream or sys.stdout
        self.err = err or sys.stderr
        self.colour = not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def _paint(self, word: str, key: str) -> str:
        return f"{COLOURS[key]}{word}{RESET}" if self.colour else word

    def result(self, result: CheckResult) -> None:
        if self.json_mode:
            print(json.dumps(result.to_public_dict(), ensure_ascii=False, default=str), file=self.stream, flush=True)
            return
        if result.error is not None:
            tag = self._paint("ERROR ", "error")
            line = f"{tag} {result.vendor} {result.operation} {result.subject}: {result.error.message}"
            if result.error.hint:
                line += f" — {result.error.hint}"
        else:
            word = result.flag.word.upper().ljust(6) if result.flag else "DONE  "
            tag = self._paint(word, result.flag.value) if result.flag else word
            line = f"{tag} {result.vendor} {result.operation} {result.subject}: {result.summary}"
        print(line, file=self.stream, flush=True)

    def refused(self, vendor: str, operation: str, subject: str, exc: LeadcheckError) -> None:
        kind = "credentials" if isinstance(exc, MissingCredentials) else "input"
        print(f"leadcheck: {exc}", file=self.err, flush=True)
        if self.json_mode:
            record = {
                "vendor": vendor,
                "operation": operation,
                "subject": subject,
                "flag": None,
                "summary": str(exc),
                "details": {},
                "error": {"kind": kind, "message": str(exc), "http_status": None, "code": None},
            }
            print(json.dumps(record, ensure_ascii=False), file=self.stream, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.err, flush=True)


def exit_code(results: Sequence[CheckResult]) -> int:
    return EXIT_CALL_FAILED if any(r.error is not None for r in results) else EXIT_OK


async def _with_service(paths: Paths, demo: bool, body: Callable[[Any], Awaitable[int]]) -> int:
    """Open the store, settings and the shared HTTP client (and the simulator in demo mode), run ``body``."""
    from desktop_app.logs import configure_logging
    from desktop_app.service import CheckService, make_http_client
    from desktop_app.settings import Settings, origins_from_env
    from desktop_app.store import Store
    from desktop_app.vendors.origins import OriginMap

    paths.ensure()
    settings = Settings(paths)
    simulator = None
    origins = origins_from_env()
    database = paths.database
    if demo:
        from desktop_app.demo import demo_environment
        from desktop_app.sandbox import VendorSimulator

        simulator = VendorSimulator().start()
        origins = OriginMap(simulator.origin_map())
        settings = Settings(paths, environ={**os.environ, **demo_environment()})
        database = paths.demo_database
    configure_logging(paths, settings)
    store = Store(database, backups_dir=paths.backups_dir)
    client = make_http_client(settings.timeout)
    try:
        service = CheckService(settings, store, client, origins=origins)
        return await body(service)
    finally:
        await client.aclose()
        store.close()
        if simulator is not None:
            simulator.stop()


def _run_check(
    out: Output, vendor: str, operation: str, subject: str, call: Callable[[Any], Awaitable[CheckResult]]
) -> Callable[[Any], Awaitable[int]]:
    async def body(service: Any) -> int:
        try:
            result = await call(service)
        except (InputError, MissingCredentials) as exc:
            out.refused(vendor, operation, subject, exc)
            return EXIT_REFUSED
        out.result(result)
        return exit_code([result])

    return body


def _dispatch(args: argparse.Namespace, out: Output) -> Callable[[Any], Awaitable[int]] | None:
    cmd, action = args.command, getattr(args, "action", None)
    if cmd == "trustedform":
        return _run_check(
            out,
            "trustedform",
            "retain",
            args.cert_url,
            lambda s: s.retain(
                args.cert_url, email=args.email, phone=args.phone, reference=args.reference, vendor=args.vendor
            ),
        )
    if cmd == "jornaya":
        data = dict(args.field)
        return _run_check(
            out,
            "jornaya",
            "audit",
            args.token,
            lambda s: s.audit(
                args.token, provider_code=args.lpc, data=data or None, record_id=args.record_id, agency=args.agency
            ),
        )
    if cmd == "litigator":
        return _run_check(out, "litigator", "check", args.phone, lambda s: s.check_litigator(args.phone))
    if cmd == "contactstate":
        if action == "claim":
            return _run_check(out, "contactstate", "claim", args.claim_url, lambda s: s.claim(args.claim_url))
        if action == "reclaim":
            return _run_check(out, "contactstate", "reclaim", args.reclaim_url, lambda s: s.reclaim(args.reclaim_url))
        if action == "cert":
            return _run_check(out, "contactstate", "cert", args.cert_url, lambda s: s.certificate(args.cert_url))
        if action == "lead":
            if args.lead_action == "create":
                fields = dict(args.field)
                subject = fields.get("email", "new lead")
                return _run_check(out, "contactstate", "lead_create", subject, lambda s: s.create_lead(fields))
            if args.lead_action == "get":
                return _run_check(out, "contactstate", "lead_get", args.id, lambda s: s.get_lead(args.id))
            return _run_check(
                out, "contactstate", "lead_delete", " ".join(args.ids), lambda s: s.delete_leads(list(args.ids))
            )
        if action == "status":
            fields = dict(args.field)
            subject = args.connect_id or args.cert_url
            return _run_check(
                out,
                "contactstate",
                "status",
                subject,
                lambda s: s.push_status(
                    args.status, connect_id=args.connect_id, certificate_url=args.cert_url, fields=fields
                ),
            )
        if action == "stats":
            return _run_check(
                out, "contactstate", "stats", args.lead_id, lambda s: s.stats(args.lead_id, args.delivery_id)
            )
        if action == "export":

            def progress(status: str, elapsed: float) -> None:
                out.note(f"export job {status} ({elapsed:.0f} s)")

            return _run_check(out, "contactstate", "export", "bulk stats", lambda s: s.export(on_progress=progress))
    if cmd == "consentcontrol":
        return _upload_optouts(args, out)
    if cmd == "history":
        return _history(args, out)
    return None


def _upload_optouts(args: argparse.Namespace, out: Output) -> Callable[[Any], Awaitable[int]]:
    from desktop_app.vendors.consentcontrol import records_from_csv

    async def body(service: Any) -> int:
        try:
            records, problems = records_from_csv(args.file, project_id=args.project_id)
        except (InputError, OSError) as exc:
            out.refused("consentcontrol", "optout_upload", str(args.file), InputError(str(exc)))
            return EXIT_REFUSED
        for problem in problems:
            _refused_row(out, problem.row, problem.reason)
        if not records:
            out.note("No usable opt-out records in the file; nothing was sent.")
            return EXIT_REFUSED
        try:
            outcome = await service.upload_optouts(records, project_id=args.project_id)
        except (InputError, MissingCredentials) as exc:
            out.refused("consentcontrol", "optout_upload", str(args.file), exc)
            return EXIT_REFUSED
        for result in outcome.results:
            out.result(result)
        if not out.json_mode:
            for item in outcome.records:
                if item.flag is Flag.RED:
                    out.note(f"record {item.index + 1}: rejected — {item.reason}")
        code = exit_code(outcome.results)
        return EXIT_REFUSED if code == EXIT_OK and problems else code

    return body


def _refused_row(out: Output, row: int, reason: str) -> None:
    """An opt-out CSV row refused before sending: a line on stderr and, with ``--json``, a record of its own with
    no flag, so that a script sees every row of the file."""
    out.note(f"row {row}: {reason} (not uploaded)")
    if out.json_mode:
        record = {
            "vendor": "consentcontrol",
            "operation": "optout_upload",
            "subject": f"row {row}",
            "flag": None,
            "summary": f"Not uploaded: {reason}",
            "details": {"row": row, "status": "refused", "reason": reason},
            "error": {"kind": "input", "message": reason, "http_status": None, "code": None},
        }
        print(json.dumps(record, ensure_ascii=False), file=out.stream, flush=True)


def _history(args: argparse.Namespace, out: Output) -> Callable[[Any], Awaitable[int]]:
    async def body(service: Any) -> int:
        stored = service.store.checks(vendor=args.vendor, subject=args.subject, limit=max(1, args.limit))
        for item in stored:
            out.result(item.result)
        if not stored and not out.json_mode:
            out.note("No checks stored yet.")
        return EXIT_OK

    return body


def _credentials(args: argparse.Namespace, paths: Paths, out: Output) -> int:
    from desktop_app.settings import KeyringUnavailable, Settings

    paths.ensure()
    settings = Settings(paths)
    if args.action == "status":
        usable, description = settings.keyring_status()
        rows = []
        for vendor in VENDOR_LABELS:
            for spec in fields_for(vendor):
                value, source = settings.credential(spec)
                shown = value if (value and not spec.secret) else ""
                rows.append({"vendor": vendor, "field": spec.name, "env": spec.env, "source": source or None})
                if not out.json_mode:
                    state = f"set ({source})" if source else "missing"
                    extra = f" = {shown}" if shown else ""
                    print(f"{VENDOR_LABELS[vendor]:<16} {spec.label:<32} {state}{extra}", file=out.stream)
        if out.json_mode:
            print(json.dumps({"keyring": {"usable": usable, "description": description}, "credentials": rows}))
        else:
            print(("" if usable else "No usable keyring: ") + description, file=out.stream)
        return EXIT_OK
    vendor = args.vendor
    interactive = sys.stdin.isatty()
    for spec in fields_for(vendor):
        prompt = f"{VENDOR_LABELS[vendor]} {spec.label} (empty keeps the current value): "
        if interactive:
            value = getpass.getpass(prompt) if spec.secret else input(prompt)
        else:
            out.note(prompt)
            value = sys.stdin.readline().rstrip("\n")
        if not value.strip():
            continue
        try:
            settings.set_credential(spec, value)
        except KeyringUnavailable as exc:
            out.note(f"leadcheck: {exc}")
            return EXIT_REFUSED
        out.note(f"Saved {VENDOR_LABELS[vendor]} {spec.label}.")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(args.json)
    try:
        if args.home:
            os.environ["LEADCHECK_HOME"] = str(home_folder(args.home))
        paths = Paths.from_env()
    except InvalidSetting as exc:
        out.note(f"leadcheck: {exc}")
        return EXIT_REFUSED
    if args.command in (None, "gui"):
        from desktop_app.launch import launch_window

        return launch_window(
            demo=args.demo,
            screenshot=getattr(args, "screenshot", None),
            tab=getattr(args, "tab", None),
        )
    try:
        if args.command == "credentials":
            return _credentials(args, paths, out)
        from desktop_app import cli_batch, cli_evidence, cli_lookup, cli_packet

        body = (
            _dispatch(args, out)
            or cli_batch.dispatch(args, out)
            or cli_lookup.dispatch(args, out)
            or cli_packet.dispatch(args, out)
            or cli_evidence.dispatch(args, out)
        )
        if body is None:
            parser.print_help(sys.stderr)
            return EXIT_REFUSED
        return asyncio.run(_with_service(paths, args.demo, body))
    except (UsageError, InvalidSetting) as exc:
        out.note(f"leadcheck: {exc}")
        return EXIT_REFUSED
    except LeadcheckError as exc:
        out.note(f"leadcheck: {exc}")
        return EXIT_CALL_FAILED
    except KeyboardInterrupt:
        out.note("leadcheck: interrupted; every result received so far is stored.")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
