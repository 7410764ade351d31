"""Batch commands of ``leadcheck``: import, scrub (and resume), export, suppression import.

* ``leadcheck import FILE.csv [--map COLUMN=FIELD ...]`` — import leads; unusable rows are listed and kept.
* ``leadcheck scrub FILE.csv --vendors trustedform,jornaya,litigator[,contactstate] [--out RESULTS.csv]
  [--concurrency N] [--recheck] [--estimate]`` — import, then check every lead with every chosen vendor it has
  data for; a progress bar on stderr (a plain line every few seconds when stderr is not a terminal). With
  ``--estimate`` it imports and sends nothing: one JSON object ``{"total_cost", "vendors": {v: {"calls",
  "cached", "cost"}}}`` (see :meth:`~desktop_app.jobs.runner.BatchRunner.estimate`).
* ``leadcheck scrub --resume [--batch ID] [--retry-failed] [--concurrency N]`` — finish a batch a crash, a stop
  or Ctrl+C left, with as many parallel calls per vendor as it last ran with unless ``--concurrency`` says.
* ``leadcheck export results --out FILE [--batch ID]`` and ``leadcheck export suppression --out FILE
  [--format phone10|e164|email|md5|sha256] [--include litigator,optout,imported,red,...] [--reason] [--date]``;
  ``leadcheck export returns`` is in :mod:`desktop_app.cli.ledger`.
* ``leadcheck suppression import FILE`` — add a Consent Control suppression file to the local list.

Exit status (:class:`~desktop_app.cli.common.Exit`): 0 when everything completed, 1 when a call failed or a vendor
lane stopped on an account problem or paused at its daily cap (``cap.<vendor>``), 2 when input was refused before
sending (a file that is not a usable CSV, rows refused by ``import``, unknown vendors, missing credentials).
``--json`` prints one JSON object per check (cached ones carry ``"cached": true``), or one object for ``import`` /
``export``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from desktop_app.cli.common import Exit, Output, column_field
from desktop_app.cli.ledger import add_export_returns

if TYPE_CHECKING:
    from desktop_app.core import Core

EXIT_OK, EXIT_CALL_FAILED, EXIT_REFUSED = Exit.OK, Exit.FAILED, Exit.REFUSED
SHOWN_PROBLEMS = 20


def add_commands(sub: Any) -> None:
    """Add the batch subcommands to the main parser's subparsers."""
    imp = sub.add_parser("import", help="import leads from a CSV file")
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--map",
        action="append",
        type=column_field,
        default=[],
        metavar="COLUMN=FIELD",
        help="read COLUMN (a header name or 1-based number) as FIELD (phone, email, cert_url, leadid, cs_cert_url, "
        "first_name, last_name, address, city, state, zip, supplier, cost, extra or ignore)",
    )
    imp.set_defaults(run=import_command)

    scrub = sub.add_parser("scrub", help="import a CSV and check every lead with the chosen vendors")
    scrub.add_argument("file", type=Path, nargs="?")
    scrub.add_argument(
        "--vendors",
        default="trustedform,jornaya,litigator",
        help="comma-separated: trustedform, jornaya, litigator, contactstate",
    )
    scrub.add_argument("--out", type=Path, metavar="RESULTS.csv", help="write the results CSV here when done")
    scrub.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="parallel calls per vendor (default: Settings; with --resume, what the batch last ran with)",
    )
    scrub.add_argument("--recheck", action="store_true", help="check pairs already answered again (pays again)")
    scrub.add_argument("--map", action="append", type=column_field, default=[], metavar="COLUMN=FIELD")
    scrub.add_argument("--resume", action="store_true", help="finish the last unfinished batch")
    scrub.add_argument("--batch", type=int, metavar="ID", help="with --resume: which batch")
    scrub.add_argument("--retry-failed", action="store_true", help="with --resume: send failed pairs again")
    scrub.add_argument(
        "--estimate",
        action="store_true",
        help="send nothing: print the calls each vendor would get, the pairs already answered (cached) and the "
        "estimated cost (the file is still imported, so its leads are stored)",
    )
    scrub.set_defaults(run=scrub_command)

    export = sub.add_parser("export", help="export results or suppression lists").add_subparsers(
        dest="action", required=True
    )
    results = export.add_parser("results", help="checked leads with every vendor's flag, reason and date")
    results.add_argument("--out", type=Path, required=True)
    results.add_argument("--batch", type=int, metavar="ID", help="only this batch (default: every checked lead)")
    results.set_defaults(run=export_command)
    add_export_returns(export)
    supp = export.add_parser("suppression", help="phones/emails not to contact")
    supp.add_argument("--out", type=Path, required=True)
    supp.add_argument("--format", default="phone10", choices=("phone10", "e164", "email", "md5", "sha256"))
    supp.add_argument(
        "--include",
        default="litigator,optout,imported",
        help="comma-separated: litigator, optout, imported, red, yellow, green, VENDOR:COLOUR",
    )
    supp.add_argument("--kind", default="both", choices=("phone", "email", "both"), help="for md5/sha256")
    supp.add_argument("--reason", action="store_true", help="add a reason column")
    supp.add_argument("--date", action="store_true", help="add a date column")
    supp.add_argument(
        "--skip-reviewed",
        action="store_true",
        help="leave out the leads marked reviewed (leadcheck review); by default they stay on the list",
    )
    supp.set_defaults(run=export_command)

    sup = sub.add_parser("suppression", help="the local suppression list").add_subparsers(dest="action", required=True)
    sup_import = sup.add_parser("import", help="add a Consent Control suppression file")
    sup_import.add_argument("file", type=Path)
    sup_import.set_defaults(run=suppression_command)


# ---------------------------------------------------------------------------------------------------------------
# Printing


class ProgressPrinter:
    """Draws batch progress on ``stream``: a redrawn bar on a terminal, a plain line every few seconds otherwise."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.clock = clock
        self.interval = 0.2 if self.tty else 5.0
        self._last = -1e9
        self._drawn = False

    @staticmethod
    def line(progress: Any) -> str:
        from desktop_app.jobs.events import format_duration

        width = 24
        filled = int(progress.fraction * width)
        bar = "#" * filled + "-" * (width - filled)
        return (
            f"[{bar}] {progress.fraction * 100:3.0f}% {progress.completed:,}/{progress.total:,} · "
            f"done {progress.done:,} · failed {progress.failed:,} · cached {progress.cached:,} · "
            f"remaining {progress.remaining:,} · {progress.rate:.1f}/s · "
            f"ETA {format_duration(progress.eta_seconds)}"
        )

    def __call__(self, event: Any) -> None:
        kind = str(event.kind)
        now = self.clock()
        final = kind == "finished"
        if kind in ("lane_stopped", "paused", "resumed") or (kind == "started" and event.message):
            self._print_message(event.message or kind)
        if not final and now - self._last < self.interval:
            return
        self._last = now
        text = self.line(event.progress)
        if self.tty:
            self.stream.write("\r" + text + "\033[K" + ("\n" if final else ""))
            self._drawn = not final
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _print_message(self, message: str) -> None:
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False
        self.stream.write(message + "\n")
        self.stream.flush()


def _print_import(out: Output, report: Any) -> None:
    if out.json_mode:
        return
    delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(report.delimiter, report.delimiter)
    out.note(
        f"Read {report.source_file} ({report.encoding}, {delimiter}-separated, "
        f"{'with' if report.has_header else 'no'} header row)."
    )
    mapped = [f"{name} → {target}" for name, target in report.mapping.items() if target not in ("extra", "ignore")]
    out.note("Columns: " + (", ".join(mapped) or "none mapped"))
    out.note(f"Imported: {report.summary()}")
    for problem in report.problems[:SHOWN_PROBLEMS]:
        out.note(f"  row {problem.row_number} ({problem.severity}): {problem.reason}")
    shown = min(len(report.problems), SHOWN_PROBLEMS)
    hidden = report.rows_refused + report.warnings + report.rows_recognised - shown
    if hidden > 0:
        out.note(f"  … and {hidden:,} more (all kept with the import; export them from the window).")


def _import_file(service: Any, args: argparse.Namespace, out: Output) -> Any:
    """Import ``args.file`` with ``args.map`` and print the outcome; None (and why) when the file is refused."""
    from desktop_app.imports import import_csv
    from desktop_app.vendors.errors import InputError

    try:
        report = import_csv(service.store, args.file, overrides=args.map, reader_process=service.settings.import_reader)
    except InputError as exc:
        out.refused("import", "import", str(args.file), exc)
        return None
    _print_import(out, report)
    return report


# ---------------------------------------------------------------------------------------------------------------
# Commands


async def import_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    service = core.service
    report = _import_file(service, args, out)
    if report is None:
        return EXIT_REFUSED
    if out.json_mode:
        out.json(report.to_dict())
    return EXIT_REFUSED if report.rows_refused else EXIT_OK


def _item_record(event: Any, batch_id: int) -> dict[str, Any]:
    item = event.item
    if item.result is not None:
        record = dict(item.result.to_public_dict())
    else:
        from desktop_app.jobs import JOBS

        record = {
            "vendor": item.vendor,
            "operation": JOBS[item.vendor].operation,
            "subject": item.subject,
            "flag": item.flag,
            "summary": item.message,
            "details": {},
            "error": None if item.state != "failed" else {"kind": "input", "message": item.message},
        }
    record.update(batch_id=batch_id, lead_id=item.lead_id, check_id=item.check_id, cached=item.state == "cached")
    return record


async def _run_batch(service: Any, out: Output, batch_id: int, args: argparse.Namespace) -> int:
    from desktop_app.jobs import BatchRunner, EventKind, RunState
    from desktop_app.vendors.errors import MissingCredentials

    runner = BatchRunner(service)
    printer = ProgressPrinter(out.err)

    def on_event(event: Any) -> None:
        if out.json_mode and event.kind is EventKind.ITEM:
            out.json(_item_record(event, batch_id))
        if event.kind is EventKind.STARTED:
            out.note(_concurrency_note(run.concurrency))
        printer(event)

    run = runner.run(
        batch_id,
        concurrency=args.concurrency,
        retry_failed=bool(getattr(args, "retry_failed", False)),
        on_event=on_event,
        # team mode: each commit is a round trip to the server, and waits while another seat appends to the
        # evidence log; on a thread of their own they never hold the calls in flight
        writer_thread=bool(getattr(service.store, "shared", False)),
    )
    try:
        progress = await run.run()
    except MissingCredentials as exc:
        out.refused("batch", "scrub", f"batch {batch_id}", exc)
        return EXIT_REFUSED
    out.note(
        f"Batch {batch_id} {progress.state.value}: {progress.done:,} checked, {progress.failed:,} failed, "
        f"{progress.cached:,} cached (already answered, not paid again), {progress.remaining:,} remaining."
    )
    _verdict_note(service, out, batch_id)
    if progress.state is RunState.CAPPED:
        capped = " and ".join(
            f"`leadcheck settings set cap.{v} DOLLARS`" for v, p in progress.vendors.items() if p.capped
        )
        out.note(f"Paused: {progress.stop_reason}")
        out.note(
            f"Run `leadcheck scrub --resume --batch {batch_id}` tomorrow, or raise the cap ({capped}) and run it now."
        )
    elif progress.stop_reason:
        out.note(f"Stopped: {progress.stop_reason}")
        out.note(f"Fix it, then run `leadcheck scrub --resume --batch {batch_id}`.")
    if args.out:
        from desktop_app.exports import write_results_csv

        rows = write_results_csv(service.store, args.out, batch_id=batch_id)
        out.note(f"Results for {rows:,} leads written to {args.out}.")
    if progress.failed or progress.stop_reason or progress.remaining:
        return EXIT_CALL_FAILED
    return EXIT_OK


def _concurrency_note(concurrency: dict[str, int]) -> str:
    """'Parallel calls: TrustedForm 8, TCPA Litigator 32.' — what the run uses (a resume: what its batch used)."""
    from desktop_app.vendors.credentials import VENDOR_LABELS

    lanes = ", ".join(f"{VENDOR_LABELS.get(v, v)} {n}" for v, n in concurrency.items())
    return f"Parallel calls: {lanes}."


def _verdict_note(service: Any, out: Output, batch_id: int) -> None:
    """The batch's leads by verdict and what to do next."""
    from desktop_app.jobs.runner import lead_ids_for
    from desktop_app.store.batches import BatchStore
    from desktop_app.verdict import count_line

    counts = service.store.verdict_counts(lead_ids_for(BatchStore(service.store), batch_id))
    out.note(count_line(counts) + ".")
    if counts.get("red") or counts.get("yellow"):
        out.note(
            "Next: keep the red leads off your dialler with `leadcheck export suppression --out FILE "
            f"--include litigator,red`; see why with `leadcheck export results --batch {batch_id} --out FILE.csv` "
            "or `leadcheck lookup PHONE`."
        )


async def scrub_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.jobs import BatchRunner, parse_vendors
    from desktop_app.jobs.spending import cap_pauses
    from desktop_app.store.batches import BatchStore
    from desktop_app.vendors.credentials import VENDOR_LABELS
    from desktop_app.vendors.errors import InputError

    service = core.service
    if args.concurrency is not None and args.concurrency < 1:
        out.note("leadcheck: --concurrency must be at least 1.")
        return EXIT_REFUSED
    if args.resume and args.estimate:
        out.note("leadcheck: --estimate works on a file, not with --resume.")
        return EXIT_REFUSED
    if args.resume:
        batches = BatchStore(service.store)
        if args.batch is not None:
            info = batches.batch(args.batch)
            if info is None:
                out.note(f"leadcheck: there is no batch {args.batch}.")
                return EXIT_REFUSED
        else:
            waiting = batches.resumable()
            if not waiting:
                out.note("Nothing to resume: every batch has finished.")
                return EXIT_OK
            info = waiting[0]
        out.note(f"Resuming batch {info.id} ({info.name}): {info.remaining:,} of {info.total:,} left.")
        return await _run_batch(service, out, info.id, args)
    if args.file is None:
        out.note("leadcheck: scrub needs a CSV file (or --resume).")
        return EXIT_REFUSED
    try:
        vendors = parse_vendors(args.vendors)
    except InputError as exc:
        out.note(f"leadcheck: {exc}")
        return EXIT_REFUSED
    report = _import_file(service, args, out)
    if report is None:
        return EXIT_REFUSED
    if not report.lead_ids:
        out.note("No usable leads in the file; nothing was sent.")
        return EXIT_REFUSED
    runner = BatchRunner(service)
    if args.estimate:
        estimate = runner.estimate(report.lead_ids, vendors, service.settings.prices(), recheck=args.recheck)
        out.json(estimate)
        for words in cap_pauses(estimate):
            out.note(words)
        out.note("Estimate only: nothing was sent (the file's leads were imported).")
        return EXIT_OK
    plan = runner.create(
        report.lead_ids, vendors, name=Path(args.file).name, recheck=args.recheck, import_id=report.import_id
    )
    assert plan.batch_id is not None
    parts = []
    for vendor in vendors:
        skipped = plan.skipped[vendor]
        extra = f" ({skipped:,} without the data)" if skipped else ""
        parts.append(f"{VENDOR_LABELS[vendor]} {plan.items[vendor]:,}{extra}")
    out.note(f"Batch {plan.batch_id}: {plan.leads:,} leads — " + ", ".join(parts) + ".")
    return await _run_batch(service, out, plan.batch_id, args)


async def export_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.exports import parse_include, write_results_csv, write_suppression
    from desktop_app.vendors.errors import InputError

    service = core.service
    try:
        if args.action == "results":
            rows = write_results_csv(service.store, args.out, batch_id=args.batch)
            summary = {"export": "results", "out": str(args.out), "rows": rows}
            message = f"Results for {rows:,} leads written to {args.out}."
        else:
            kinds = ("phone", "email") if args.kind == "both" else (args.kind,)
            rows = write_suppression(
                service.store,
                args.out,
                fmt=args.format,
                include=parse_include(args.include),
                reason=args.reason,
                date=args.date,
                kinds=kinds,
                skip_reviewed=args.skip_reviewed,
            )
            summary = {"export": "suppression", "out": str(args.out), "rows": rows, "format": args.format}
            message = f"{rows:,} {args.format} values written to {args.out}."
    except InputError as exc:
        out.note(f"leadcheck: {exc}")
        return EXIT_REFUSED
    except OSError as exc:
        out.note(f"leadcheck: could not write {args.out}: {exc.strerror or exc}.")
        return EXIT_REFUSED
    if out.json_mode:
        out.json(summary)
    out.note(message)
    return EXIT_OK


async def suppression_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.exports import import_suppression_file
    from desktop_app.vendors.errors import InputError

    service = core.service
    try:
        outcome = import_suppression_file(service.store, args.file)
    except InputError as exc:
        out.note(f"leadcheck: {exc}")
        return EXIT_REFUSED
    for problem in outcome.problems[:SHOWN_PROBLEMS]:
        out.note(f"line {problem.row}: {problem.reason} (not added)")
    if out.json_mode:
        out.json({"read": outcome.read, "added": outcome.added, "problems": len(outcome.problems)})
    out.note(f"{outcome.read:,} phones/emails read, {outcome.added:,} new on the local suppression list.")
    return EXIT_REFUSED if not outcome.read else EXIT_OK
