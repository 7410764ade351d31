"""``leadcheck settings get KEY | set KEY VALUE | unset KEY | list``: every non-secret setting, without editing JSON.

``set`` checks the value with the setting's own rule (:mod:`desktop_app.settings`) and saves it to
``settings.json``; a value it does not accept exits 2 with the setting's sentence (what it accepts, what it is)
and saves nothing; ``unset`` removes a saved value (its default applies again). A supplier's return window is
``return_window.<supplier>`` (the supplier's name as its leads carry it; ``list`` shows those that are set). The
change is an entry in the evidence log (the service records every settings change). Keys live in the keyring
(``leadcheck credentials``), never here. ``--json`` prints one object per setting:
``key``, ``value``, ``default``, ``source`` (environment, settings or default), ``accepts``, ``description``.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from desktop_app.cli.common import Exit, Output

if TYPE_CHECKING:
    from desktop_app.core import Core


def add_commands(sub: Any) -> None:
    """Add ``settings get|set|list`` to the main parser's subparsers."""
    parser = sub.add_parser("settings", help="read or change a setting (prices, concurrency, timeout...)")
    actions = parser.add_subparsers(dest="action", required=True)
    get = actions.add_parser("get", help="print one setting's value")
    get.add_argument("key")
    get.set_defaults(run=settings_command)
    put = actions.add_parser("set", help="check and save one setting (e.g. `settings set price.trustedform 0.25`)")
    put.add_argument("key")
    put.add_argument("value")
    put.set_defaults(run=settings_command)
    unset = actions.add_parser("unset", help="remove a saved setting: its default applies again")
    unset.add_argument("key")
    unset.set_defaults(run=settings_command)
    listing = actions.add_parser("list", help="every setting with its value, where it comes from and what it accepts")
    listing.set_defaults(run=settings_command)


def _record(core: Core, key: str) -> dict[str, Any]:
    from desktop_app.settings import setting

    declared = setting(key)
    return {
        "key": key,
        "value": core.settings.get(key),
        "default": declared.default,
        "source": core.settings.source(key),
        "accepts": declared.accepts,
        "description": declared.description,
    }


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _known(key: str, out: Output) -> bool:
    from desktop_app.settings import is_setting

    if is_setting(key):
        return True
    out.note(f"leadcheck: there is no setting {key!r}; `leadcheck settings list` shows them all.")
    return False


def _listed(core: Core) -> list[str]:
    """Every declared setting, then each supplier's return window that is set (by supplier name)."""
    from desktop_app.settings import RETURN_WINDOW_PREFIX, SETTINGS

    suppliers = sorted(core.settings.return_windows())
    return [s.key for s in SETTINGS] + [RETURN_WINDOW_PREFIX + name for name in suppliers]


async def settings_command(core: Core, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.settings import InvalidSetting, setting

    if args.action == "list":
        for key in _listed(core):
            record = _record(core, key)
            if out.json_mode:
                out.json(record)
            else:
                print(f"{key} = {_shown(record['value'])}  ({record['source']})", file=out.stream)
        return int(Exit.OK)
    if not _known(args.key, out):
        return int(Exit.REFUSED)
    if args.action == "get":
        record = _record(core, args.key)
        if out.json_mode:
            out.json(record)
        else:
            print(_shown(record["value"]), file=out.stream)
        return int(Exit.OK)
    if args.action == "unset":
        removed = core.settings.unset(args.key)
        record = _record(core, args.key)
        if out.json_mode:
            out.json(record)
        shown = _shown(record["value"])
        out.note(f"Removed {args.key}; it is {shown} again." if removed else f"{args.key} was not set; it is {shown}.")
        return int(Exit.OK)
    declared = setting(args.key)
    try:
        value = declared.parse(args.value, text=True)
        core.settings.set(args.key, value)
    except InvalidSetting as exc:
        out.note(f"leadcheck: {exc}")
        return int(Exit.REFUSED)
    record = _record(core, args.key)
    if out.json_mode:
        out.json(record)
    if record["source"] == "environment":
        out.note(f"Saved {args.key} = {_shown(value)}; the environment's value applies while it is set.")
    else:
        out.note(f"Saved {args.key} = {_shown(value)}.")
    return int(Exit.OK)
