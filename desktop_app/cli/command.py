"""``leadcheck``: the parser (a table of commands) and :func:`main`, which opens the core once and runs one.

Each command module adds its subcommands with ``set_defaults(run=handler)``. :func:`main` parses, and calls
``await args.run(core, args, out)`` inside :func:`desktop_app.core.open_core` (settings, the store, the HTTP
client, the service; the simulator with ``--demo``). A handler that is a plain function, not a coroutine
function (``credentials``, ``gui``), runs without the core: it gets the :class:`~desktop_app.paths.Paths`.
``--home DIR`` is passed down as the paths, never through ``os.environ``.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import pathlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from desktop_app import __version__
from desktop_app.cli import batch, checks, credentials, database, evidence, ledger, lookup, packet, settings
from desktop_app.cli.common import Exit, Output, UsageError
from desktop_app.paths import Paths
from desktop_app.settings import InvalidSetting
from desktop_app.vendors.errors import LeadcheckError

if TYPE_CHECKING:
    from desktop_app.core import Timing


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with a clear line, as argparse does, but never a traceback
        self.print_usage(sys.stderr)
        print(f"leadcheck: {message}", file=sys.stderr)
        raise SystemExit(Exit.REFUSED)


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
    parser.set_defaults(run=open_window)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    checks.add_commands(sub)
    credentials.add_commands(sub)
    gui = sub.add_parser("gui", help="open the window")
    gui.add_argument("--screenshot", type=pathlib.Path, metavar="FILE.png", help="render the window to a PNG and exit")
    gui.add_argument("--tab", help="tab to show (leads, trustedform, jornaya, contactstate, consentcontrol, ...)")
    gui.set_defaults(run=open_window)
    batch.add_commands(sub)
    lookup.add_commands(sub)
    packet.add_commands(sub)
    evidence.add_commands(sub)
    ledger.add_commands(sub)
    settings.add_commands(sub)
    database.add_commands(sub)
    return parser


def open_window(paths: Paths, args: argparse.Namespace, out: Output) -> int:
    """``leadcheck`` with no command, or ``leadcheck gui``: the window (Qt is imported only now)."""
    from desktop_app.launch import launch_window

    return launch_window(
        demo=args.demo, screenshot=getattr(args, "screenshot", None), tab=getattr(args, "tab", None), paths=paths
    )


async def _run_with_core(paths: Paths, args: argparse.Namespace, out: Output, timing: Timing | None) -> int:
    from desktop_app.core import open_core

    async with open_core(paths, demo=args.demo, configure_logs=True, timing=timing) as core:
        code: int = await args.run(core, args, out)
        return code


def main(argv: Sequence[str] | None = None, *, timing: Timing | None = None) -> int:
    """Run the command in ``argv`` (default: the process's); ``timing`` is for tests (see :func:`open_core`)."""
    args = build_parser().parse_args(argv)
    out = Output(args.json)
    try:
        paths = Paths.from_env(home=args.home)
    except InvalidSetting as exc:
        out.note(f"leadcheck: {exc}")
        return int(Exit.REFUSED)
    try:
        if not inspect.iscoroutinefunction(args.run):
            return int(args.run(paths, args, out))
        return int(asyncio.run(_run_with_core(paths, args, out, timing)))
    except (UsageError, InvalidSetting) as exc:
        out.note(f"leadcheck: {exc}")
        return int(Exit.REFUSED)
    except LeadcheckError as exc:
        out.note(f"leadcheck: {exc}")
        return int(Exit.FAILED)
    except KeyboardInterrupt:
        out.note("leadcheck: interrupted; every result received so far is stored.")
        return int(Exit.INTERRUPTED)


if __name__ == "__main__":
    raise SystemExit(main())
