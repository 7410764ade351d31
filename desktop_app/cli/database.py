"""``leadcheck db info | test [URL] | copy --to URL [--from PATH]``: which database this seat uses, whether one can
be reached, and bringing a desktop's own store into the shared one (team mode).

* ``info``: the database this seat opens (its file, or the shared database's address without the password), the
  engine, the schema version and how many leads, checks and evidence entries it holds.
* ``test [URL]``: connect and say what was found (a Leadcheck database and its schema, an empty database that
  Leadcheck will set up, or why it could not be reached); with no URL, the database this seat is set to use. Exit
  0 when it can be used, 1 when not, 2 for an address that is not one.
* ``copy --to URL``: copy this home's SQLite file (or ``--from PATH``) into the shared database
  (:mod:`desktop_app.store.copy`): resumable, and a second run copies nothing new. Exit 0 when the copy verifies.

The password comes from the URL (when the whole address is given, as in ``LEADCHECK_DATABASE_URL``) or the keyring
(Settings → Database); nothing here prints it. These commands open no core: a seat whose shared database is down can
still test it and copy elsewhere. ``--json`` prints one object.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from desktop_app.cli.common import Exit, Output, UsageError
from desktop_app.paths import Paths
from desktop_app.settings import Settings, check_database_url
from desktop_app.store.backend import Location, describe, is_shared, redact_url


def add_commands(sub: Any) -> None:
    parser = sub.add_parser("db", help="the database this seat uses; test one; copy this computer's into a shared one")
    actions = parser.add_subparsers(dest="action", required=True)
    info = actions.add_parser("info", help="which database this seat uses, its schema and what it holds")
    info.set_defaults(run=db_info)
    test = actions.add_parser("test", help="connect to a database and say what is there (default: this seat's)")
    test.add_argument("url", nargs="?", metavar="URL", help="postgresql://user@host:5432/leadcheck")
    test.set_defaults(run=db_test)
    copy = actions.add_parser(
        "copy", help="copy this computer's database (leads, checks, evidence...) into the shared one; safe to re-run"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the shared database: postgresql://user@host/db")
    copy.add_argument(
        "--from", dest="source", type=Path, metavar="PATH", help="the SQLite file to copy (default: this home's)"
    )
    copy.set_defaults(run=db_copy)


def _seat_location(paths: Paths, settings: Settings) -> Location:
    return settings.database_url() or paths.database


def _shown(location: Location) -> str:
    """The location for the buyer's eyes: the file, or the URL without its password."""
    return redact_url(str(location)) if is_shared(location) else str(location)


def _password(settings: Settings, url: str) -> str | None:
    """The URL's own password, else the keyring's (Settings → Database)."""
    return None if urlsplit(url).password is not None else settings.database_password()


def _url(text: str, name: str) -> str:
    url = check_database_url(text, name=name, allow_password=True)
    if not url:
        raise UsageError(f"{name} is empty; give the shared database as postgresql://user@host:5432/leadcheck.")
    return url


def db_info(paths: Paths, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.store import Store

    settings = Settings(paths)
    location = _seat_location(paths, settings)
    origin = settings.source("database_url")
    record: dict[str, Any] = {
        "database": _shown(location),
        "engine": "PostgreSQL" if is_shared(location) else "SQLite",
        "team_mode": is_shared(location),
        "set_in": {"environment": "LEADCHECK_DATABASE_URL", "settings": "Settings → Database"}.get(origin),
    }
    if not is_shared(location) and not Path(location).exists():
        record.update(schema=None, leads=0, checks=0, evidence_entries=0)
        return _print_info(out, record, f"No database yet at {location}; Leadcheck creates it when it starts.")
    password = settings.database_password() if is_shared(location) else None
    with Store(location, backups_dir=paths.backups_dir, password=password) as store:
        head = store.evidence_head()
        record.update(
            schema=store.version,
            leads=store.lead_count(),
            checks=store.check_count(),
            evidence_entries=head.entries,
            evidence_head=head.hash,
        )
    return _print_info(out, record, None)


def _print_info(out: Output, record: dict[str, Any], note: str | None) -> int:
    if out.json_mode:
        out.json(record)
        return int(Exit.OK)
    lines = [f"Database: {record['database']}"]
    where = "team mode, shared by every seat pointed at it" if record["team_mode"] else "this computer's own file"
    set_in = f"; set in {record['set_in']}" if record["team_mode"] and record["set_in"] else ""
    lines.append(f"Engine:   {record['engine']} ({where}{set_in})")
    if note:
        lines.append(note)
    else:
        lines.append(f"Schema:   {record['schema']}")
        lines.append(
            f"Holds:    {record['leads']:,} leads, {record['checks']:,} checks, "
            f"{record['evidence_entries']:,} evidence entries (head {record['evidence_head']})"
        )
    print("\n".join(lines), file=out.stream, flush=True)
    return int(Exit.OK)


def db_test(paths: Paths, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.store.probe import probe

    settings = Settings(paths)
    if args.url:
        location: Location = _url(args.url, "URL")
    else:
        location = _seat_location(paths, settings)
    password = _password(settings, str(location)) if is_shared(location) else None
    outcome = probe(location, password=password)
    if out.json_mode:
        out.json(
            {
                "database": _shown(location),
                "engine": outcome.engine,
                "reached": outcome.reached,
                "usable": outcome.usable,
                "schema": outcome.version,
                "message": outcome.message,
                "warning": outcome.warning,
            }
        )
    else:
        print(outcome.message, file=out.stream, flush=True)
    if outcome.warning:
        out.note(f"leadcheck: warning: {outcome.warning}")
    return int(Exit.OK if outcome.usable else Exit.FAILED)


def db_copy(paths: Paths, args: argparse.Namespace, out: Output) -> int:
    from desktop_app.store import Store
    from desktop_app.store.copy import copy_store

    settings = Settings(paths)
    url = _url(args.to, "--to")
    source_path = (args.source or paths.database).expanduser().resolve()
    if not source_path.is_file():
        raise UsageError(f"There is no Leadcheck database at {source_path} to copy (give it with --from PATH).")
    progress = _Progress(out.err)
    with (
        Store(source_path, backups_dir=paths.backups_dir) as source,
        Store(url, backups_dir=paths.backups_dir, password=_password(settings, url)) as target,
    ):
        out.note(f"Copying {source_path} into {describe(url)}…")
        try:
            report = copy_store(source, target, on_progress=progress)
        except KeyboardInterrupt:
            progress.close()
            out.note("leadcheck: interrupted; what was copied is kept. Run the same command again to finish the copy.")
            return int(Exit.INTERRUPTED)
        progress.close()
    verification = report.verification
    assert verification is not None
    verdict = "verify passes" if verification.ok else f"verify FAILS: {verification.problem}"
    if out.json_mode:
        out.json(
            {
                "source": str(source_path),
                "source_identity": report.source,
                "target": redact_url(url),
                "copied": {k: v for k, v in report.copied.items() if k != "copy"},
                "verify_ok": verification.ok,
                "problem": verification.problem,
                "entries": verification.entries,
                "head": verification.head.hash,
            }
        )
    elif report.nothing_new:
        print(
            f"Nothing new to copy from {source_path}: everything in it was copied to {describe(url)} before; "
            f"{verdict}.",
            file=out.stream,
            flush=True,
        )
    else:
        print(
            f"Copied {report.counts_line()} from {source_path} to {describe(url)}; {verdict} "
            f"({verification.entries:,} entries, head {verification.head.hash}).",
            file=out.stream,
            flush=True,
        )
    return int(Exit.OK if verification.ok else Exit.FAILED)


class _Progress:
    """One line on a terminal's stderr, rewritten as chunks are copied (nothing when stderr is not a terminal)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = False

    def __call__(self, kind: str, done: int) -> None:
        from desktop_app.store.copy import WORDS

        if self.live:
            print(f"\r  {done:,} {WORDS.get(kind, kind)} copied   ", end="", file=self.stream, flush=True)
            self.shown = True

    def close(self) -> None:
        if self.shown:
            print(file=self.stream, flush=True)
            self.shown = False
