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
from collections.abc import Awaitable, Callable
from typing import Any

EXIT_OK, EXIT_FAILED = 0, 1
PROGRESS_EVERY_SECONDS = 0.5


def add_commands(sub: Any) -> None:
    sub.add_parser("verify", help="check that no stored check or evidence-log entry was changed since it was written")


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


def dispatch(args: argparse.Namespace, out: Any) -> Callable[[Any], Awaitable[int]] | None:
    if args.command != "verify":
        return None

    async def body(service: Any) -> int:
        bar = _Bar(getattr(out, "err", sys.stderr))
        try:
            outcome = service.store.verify(on_progress=bar)
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
        return EXIT_OK if outcome.ok else EXIT_FAILED

    return body
