"""``leadcheck lookup VALUE``: the consumer behind a phone (any layout) or an email (any case).

Prints every lead bought for them (supplier, cost, date, file and row, certificate, token, verdict and why),
every check of each lead (when and by which seat, vendor, operation, flag, what was sent, what came back) and
their suppression entries; a lead names the seat that imported it. With ``--json``: one JSON object, the store's
:func:`~desktop_app.store.consumers.lookup` contract. Exit 0, also when nothing matches (an empty ``leads``
list); 2 for a value that is neither a phone nor an email.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from desktop_app.check_rules import sent_words
from desktop_app.cli.common import Exit, Output
from desktop_app.vendors.credentials import VENDOR_LABELS
from desktop_app.vendors.errors import InputError
from desktop_app.verdict import Verdict, verdict_words

if TYPE_CHECKING:
    from desktop_app.core import Core


def add_commands(sub: Any) -> None:
    lookup = sub.add_parser(
        "lookup", help="every lead, check and suppression entry for a phone (any layout) or an email (any case)"
    )
    lookup.add_argument("value", metavar="PHONE_OR_EMAIL")
    lookup.set_defaults(run=lookup_consumer)


async def lookup_consumer(core: Core, args: argparse.Namespace, out: Output) -> int:
    try:
        found = core.store.lookup(args.value)
    except InputError as exc:
        out.note(f"leadcheck: {exc}")
        return Exit.REFUSED
    if out.json_mode:
        out.json(found)
    else:
        print_consumer(found, out.stream)
    return Exit.OK


def print_consumer(found: dict[str, Any], stream: Any) -> None:
    leads = found["leads"]
    who = " · ".join([*found["phones"], *found["emails"]]) or found["query"]
    if not leads:
        print(f"No lead stored for {who}.", file=stream)
    else:
        more = " (the first 1,000)" if found.get("truncated") else ""
        print(f"{who}: {len(leads)} lead{'s' if len(leads) != 1 else ''}{more}", file=stream)
    for lead in leads:
        review = lead.get("review")
        verdict = Verdict(lead["verdict"]).word.upper()
        if review and lead["verdict"] == Verdict.RED:
            verdict = verdict_words(lead["verdict"], review)
        origin = (
            f"{lead['source_file']}, row {lead['source_row']}" if lead["source_file"] else f"{lead['source']} entry"
        )
        if lead.get("imported_by"):
            origin += f", imported by {lead['imported_by']}"
        print(
            f"\nLead #{lead['id']}  {verdict}  supplier {lead['supplier'] or '—'}  cost {lead['cost'] or '—'}  "
            f"bought {lead['imported_at'][:16].replace('T', ' ')} ({origin})",
            file=stream,
        )
        name = " ".join(filter(None, (lead["first_name"], lead["last_name"])))
        contact = ", ".join(filter(None, (name, lead["phone"], lead["email"])))
        print(f"  lead data: {contact or '—'}", file=stream)
        for label, key in (("TrustedForm", "cert_url"), ("LeadiD", "leadid"), ("Contact State", "cs_cert_url")):
            if lead[key]:
                print(f"  {label}: {lead[key]}", file=stream)
        for reason in lead["reasons"]:
            print(f"  why: {reason}", file=stream)
        for check in lead["checks"]:
            outcome = (check["flag"] or ("ERROR " + str(check["error"]) if check["error"] else "done")).upper()
            note = "" if check["counts_for_lead"] else "  [sent with other data: does not count for this lead]"
            when, vendor = (
                check["finished_at"][:19].replace("T", " "),
                VENDOR_LABELS.get(check["vendor"], check["vendor"]),
            )
            by = f" — by {check['seat']}" if check.get("seat") else ""
            print(
                f"    {when}{by}  {vendor} {check['operation']}  {outcome}  sent: {sent_words(check['sent'])}{note}",
                file=stream,
            )
            print(f"      {check['summary']}", file=stream)
    if found["suppression"]:
        print("\nSuppression list:", file=stream)
        for entry in found["suppression"]:
            print(f"  {entry['value']}  {entry['reason']}  ({entry['source']}, {entry['added_at'][:10]})", file=stream)
