"""Money and time: ``leadcheck deadlines``, ``costs``, ``suppliers``, ``review`` and ``export returns``.

* ``leadcheck [--json] deadlines [--retain-hours H] [--expiry-days D]`` — one line (or JSON object: ``lead_id``,
  ``vendor``, ``subject``, ``due_at``, ``hours_left``, ``kind``) per due item, most urgent first: certificates not
  yet retained (due ``H`` hours after purchase, default 72), retentions ending within ``D`` days (30), Contact
  State certificates not yet claimed or read. "Now" is the clock the command runs with (``main(timing=)``).
* ``leadcheck [--json] costs [--by vendor|supplier|day|batch]`` — the ledger of what stored checks cost.
* ``leadcheck [--json] suppliers`` — one scorecard per supplier.
* ``leadcheck export returns [--supplier S] --out F.csv`` — leads that turned red within their supplier's
  return window (``return_window.<supplier>`` hours, else ``return_window_hours``, 72 by default), with the reason
  in words and the evidence-log hash of the check that made each red.
* ``leadcheck review LEAD_ID --reason TEXT`` — mark a red verdict or litigator hit reviewed (an evidence-log entry).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.cli.common import Exit, Output, local_when

if TYPE_CHECKING:
    from desktop_app.core import Core


def add_commands(sub: Any) -> None:
    """Add ``deadlines``, ``costs``, ``suppliers`` and ``review`` to the main parser's subparsers."""
    due = sub.add_parser("deadlines", help="certificates to retain or claim before they expire, most urgent first")
    due.add_argument(
        "--retain-hours", type=float, default=72.0, metavar="H", help="hours after purchase a certificate is due"
    )
    due.add_argument(
        "--expiry-days", type=float, default=30.0, metavar="D", help="list retentions ending within D days"
    )
    due.set_defaults(run=deadlines_command)
    costs = sub.add_parser("costs", help="what stored checks cost, per vendor, supplier, day or batch")
    costs.add_argument("--by", default="vendor", choices=("vendor", "supplier", "day", "batch"))
    costs.set_defaults(run=costs_command)
    sub.add_parser("suppliers", help="one scorecard per supplier").set_defaults(run=suppliers_command)
    review = sub.add_parser("review", help="mark a lead's red verdict or litigator hit reviewed, with a reason")
    review.add_argument("lead_id", type=int, metavar="LEAD_ID")
    review.add_argument("--reason", required=True, help="why (a false positive, a known customer...)")
    review.set_defaults(run=review_command)


def add_export_returns(export: Any) -> None:
    """Add ``returns`` to ``leadcheck export``'s subparsers."""
    returns = export.add_parser("returns", help="leads that turned red within their supplier's return window")
    returns.add_argument("--supplier", metavar="S", help="only this supplier's leads")
    returns.add_argument("--out", type=Path, required=True, metavar="F.csv")
    returns.set_defaults(run=returns_command)


def now_of(core: Core) -> datetime:
    """The command's "now": the clock its vendor calls use (``main(timing=)`` replaces it in tests)."""
    return datetime.fromtimestamp(core.service.http.clock(), UTC)


async def deadlines_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    if args.retain_hours < 0 or args.expiry_days < 0:
        out.note("leadcheck: --retain-hours and --expiry-days must be 0 or more.")
        return int(Exit.REFUSED)
    items = core.store.deadlines(now_of(core), retain_hours=args.retain_hours, expiry_days=args.expiry_days)
    for item in items:
        if out.json_mode:
            out.json(item.to_dict())
            continue
        left = f"overdue by {-item.hours_left:.1f} h" if item.hours_left < 0 else f"{item.hours_left:.1f} h left"
        due = local_when(item.due_at)
        print(
            f"{left:>20}  {item.kind:<15} lead {item.lead_id}  {item.vendor} {item.subject}  due {due}", file=out.stream
        )
    if not out.json_mode:
        out.note(f"{len(items):,} due." if items else "Nothing is due.")
    return int(Exit.OK)


async def costs_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    rows = core.store.costs(args.by)
    for row in rows:
        if out.json_mode:
            out.json(row)
        else:
            name = row[args.by] if row[args.by] not in ("", None) else "(none)"
            print(f"{name}  {row['checks']:,} checks, {row['billed']:,} billed, {row['cost']:.2f}", file=out.stream)
    if not out.json_mode:
        out.note(f"Total: {sum(r['cost'] for r in rows):.2f}")
    return int(Exit.OK)


async def suppliers_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    for card in core.store.supplier_scorecards():
        if out.json_mode:
            out.json(card)
            continue
        v = card["verdicts"]
        per_green = card["cost_per_green_lead"]
        print(
            f"{card['supplier'] or '(none)'}: {card['leads']:,} leads ({card['lead_cost']:.2f}), red {v['red']:,}, "
            f"yellow {v['yellow']:,}, green {v['green']:,}, unchecked {v['unchecked']:,}; litigator hits "
            f"{card['litigator_hits']:,}; compliance spend {card['compliance_spend']:.2f}; cost per green lead "
            + ("-" if per_green is None else f"{per_green:.2f}"),
            file=out.stream,
        )
    return int(Exit.OK)


async def review_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    reason = " ".join(args.reason.split())
    if not reason:
        out.note("leadcheck: --reason must say why the lead was reviewed.")
        return int(Exit.REFUSED)
    if core.store.lead(args.lead_id) is None:
        out.note(f"leadcheck: there is no lead {args.lead_id}.")
        return int(Exit.REFUSED)
    review_id = core.store.review(args.lead_id, reason)
    if out.json_mode:
        out.json({"review_id": review_id, "lead_id": args.lead_id, "reason": reason})
    out.note(f"Lead {args.lead_id} marked reviewed: {reason} (logged in the evidence log).")
    return int(Exit.OK)


async def returns_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.exports.returns import write_returns

    rows = core.store.returnable(core.settings.return_windows(), supplier=args.supplier)
    try:
        write_returns(core.store, args.out, rows, supplier=args.supplier)
    except OSError as exc:
        out.note(f"leadcheck: could not write {args.out}: {exc.strerror or exc}.")
        return int(Exit.REFUSED)
    if out.json_mode:
        out.json({"export": "returns", "out": str(args.out), "rows": len(rows), "supplier": args.supplier})
    out.note(f"{len(rows):,} returnable leads written to {args.out}.")
    return int(Exit.OK)
