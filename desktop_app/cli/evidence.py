"""``leadcheck verify``: recompute the evidence log and every stored check against it.

Exit 0 with the number of entries and the head hash when everything matches; exit 1 naming the first entry that
does not (an edited response, a deleted or reordered entry, a check with no entry). A progress bar on stderr on
long runs. ``--json`` prints one object: ``{"ok", "entries", "checks", "head", "problem"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from desktop_app.cli.common import Exit, Output

if TYPE_CHECKING:
    from desktop_app.core import Core

PROGRESS_EVERY_SECONDS = 0.5


def add_commands(sub: Any) -> None:
    verify = sub.add_parser(
        "verify", help="check that no stored check or evidence-log entry was changed since it was written"
    )
    verify.set_defaults(run=verify_evidence)
    purge = sub.add_parser("purge", help="remove checks older than the retention period (asks first)")
    purge.add_argument(
        "--older-than-years", type=int, metavar="N", help="default: evidence_retention_years in Settings (5)"
    )
    purge.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    purge.set_defaults(run=purge_old_checks)


class _Bar:
    """A progress bar on stderr, redrawn at most twice a second, only for a terminal."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.shown = 0.0
        self.live = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.live or (now - self.shown < PROGRESS_EVERY_SECONDS and done < total):
            return
        self.shown = now
        fraction = done / total if total else 1.0
        filled = int(fraction * 24)
        bar = "#" * filled + "-" * (24 - filled)
        print(f"\r[{bar}] {fraction:4.0%} {done:,}/{total:,} entries", end="", file=self.stream, flush=True)

    def close(self) -> None:
        if self.live and self.shown:
            print(file=self.stream, flush=True)


async def verify_evidence(core: Core, args: argparse.Namespace, out: Output) -> int:
    bar = _Bar(getattr(out, "err", sys.stderr))
    try:
        outcome = core.store.verify(on_progress=bar)
    finally:
        bar.close()
    if out.json_mode:
        record = {
            "ok": outcome.ok,
            "entries": outcome.entries,
            "checks": outcome.checks,
            "head": outcome.head.hash,
            "problem": outcome.problem,
        }
        print(json.dumps(record), file=out.stream, flush=True)
    elif outcome.ok:
        print(
            f"Evidence intact: {outcome.entries:,} entries, {outcome.checks:,} checks. Head {outcome.head.hash}",
            file=out.stream,
            flush=True,
        )
    else:
        print(
            f"Evidence NOT intact: {outcome.problem} The {outcome.entries:,} entries before it match "
            f"(up to head {outcome.head.hash}).",
            file=out.stream,
            flush=True,
        )
    return Exit.OK if outcome.ok else Exit.FAILED


async def purge_old_checks(core: Core, args: argparse.Namespace, out: Output) -> int:
    """Nothing is purged without the buyer confirming: typed at the prompt, or ``--yes``; the purge is logged."""
    from desktop_app.settings import setting

    service = core.service
    years = args.older_than_years
    if years is None:
        years = int(service.settings.get("evidence_retention_years"))
    minimum = int(setting("evidence_retention_years").minimum or 1)
    if years < minimum:
        out.note(f"leadcheck: evidence is kept at least {minimum} years (TCPA claims can be brought for 4).")
        return Exit.REFUSED
    cutoff = (datetime.now(UTC) - timedelta(days=365.25 * years)).isoformat(timespec="milliseconds")
    cutoff = cutoff.replace("+00:00", "Z")
    count = service.store.count_checks_before(cutoff)
    if not count:
        out.note(f"Nothing to purge: no check finished before {cutoff[:10]} ({years} years ago).")
        return Exit.OK
    question = (
        f"Remove {count:,} checks that finished before {cutoff[:10]} ({years} years ago)? Their evidence-log "
        "entries keep only their hashes. Type PURGE to confirm: "
    )
    if not args.yes:
        if not sys.stdin.isatty():
            out.note(f"leadcheck: {count:,} checks would be removed; add --yes to confirm without a prompt.")
            return Exit.REFUSED
        if input(question).strip() != "PURGE":
            out.note("Nothing was purged.")
            return Exit.OK
    removed = service.store.purge_checks(cutoff, reason=f"older than {years} years, confirmed by the buyer")
    out.note(f"Purged {removed:,} checks. {service.store.evidence_head().line()}")
    return Exit.OK
