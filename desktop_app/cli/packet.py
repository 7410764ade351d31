"""``leadcheck packet VALUE --out FILE.zip``: the evidence packet for the consumer behind a phone or an email.

Writes the ZIP described in :mod:`desktop_app.packet` (report.pdf, checks/<id>.json, leads.csv, manifest.json) and
records it in the evidence log. Exit 0 and says where it was written, with the evidence log's head; 1 when no lead
is stored for the value (a sentence says so, nothing is written); 2 for a value that is neither a phone nor an
email, or a file that cannot be written there (like ``leadcheck export``). With ``--json``: one object
``{"path", "consumer", "leads", "checks", "pages", "head", "manifest_sha256", "packet_entry"}``. The report is drawn
with Qt, imported only when this command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.cli.common import Exit, Output
from desktop_app.vendors.errors import InputError

if TYPE_CHECKING:
    from desktop_app.core import Core


def add_commands(sub: Any) -> None:
    packet = sub.add_parser(
        "packet",
        help="write a consumer's evidence packet (PDF report, stored checks, leads, manifest) to a ZIP file",
    )
    packet.add_argument("value", metavar="PHONE_OR_EMAIL", help="a phone in any layout or an email in any case")
    packet.add_argument("--out", type=Path, required=True, metavar="FILE.zip")
    packet.set_defaults(run=write_consumer_packet)


async def write_consumer_packet(core: Core, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.packet import NothingToPack, write_packet

    try:
        summary = write_packet(core.store, args.value, args.out)
    except NothingToPack as exc:
        out.note(f"leadcheck: {exc}")
        return Exit.FAILED
    except InputError as exc:
        out.note(f"leadcheck: {exc}")
        return Exit.REFUSED
    except OSError as exc:
        out.note(f"leadcheck: could not write {args.out}: {exc.strerror or exc}.")
        return Exit.REFUSED
    if out.json_mode:
        record = {
            "path": str(summary.path),
            "consumer": summary.consumer,
            "leads": summary.lead_ids,
            "checks": summary.check_ids,
            "pages": summary.pages,
            "head": {"entries": summary.head.entries, "hash": summary.head.hash},
            "manifest_sha256": summary.manifest_sha256,
            "packet_entry": summary.logged_as.entries if summary.logged_as else None,
        }
        print(json.dumps(record, ensure_ascii=False), file=out.stream, flush=True)
    else:
        print(summary.line(), file=out.stream, flush=True)
        print(summary.head_line(), file=out.stream, flush=True)
    return Exit.OK
