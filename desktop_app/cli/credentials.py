"""``leadcheck credentials set VENDOR`` / ``credentials status``: vendor keys in the system keyring.

These run without the core (no database, no HTTP client): a handler takes the :class:`~desktop_app.paths.Paths`,
the arguments and the :class:`~desktop_app.cli.common.Output` (``set_defaults(run=...)``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from desktop_app.cli.common import Exit, Output
from desktop_app.paths import Paths
from desktop_app.vendors.credentials import VENDOR_LABELS, fields_for


def add_commands(sub: Any) -> None:
    creds = sub.add_parser("credentials", help="vendor keys").add_subparsers(dest="action", required=True)
    store = creds.add_parser("set", help="store a vendor's keys in the system keyring")
    store.add_argument("vendor", choices=sorted(VENDOR_LABELS))
    store.set_defaults(run=set_credentials)
    creds.add_parser("status", help="which keys are set, and where").set_defaults(run=credential_status)


def credential_status(paths: Paths, args: argparse.Namespace, out: Output) -> int:
    """Which keys are set and where (environment or keyring); a secret's value is never shown."""
    from desktop_app.settings import Settings

    settings = Settings(paths.ensure())
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
    return Exit.OK


def set_credentials(paths: Paths, args: argparse.Namespace, out: Output) -> int:
    """Ask for each of the vendor's keys (hidden for secrets; one line each from a pipe); empty keeps a key."""
    from desktop_app.settings import KeyringUnavailable, Settings

    settings = Settings(paths.ensure())
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
            return Exit.REFUSED
        out.note(f"Saved {VENDOR_LABELS[vendor]} {spec.label}.")
    return Exit.OK
