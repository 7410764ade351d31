"""The headless front door: ``leadcheck`` runs the same core as the window, with no Qt import.

One module per family of commands, each adding its subcommands with ``set_defaults(run=handler)``:

    command.py      the parser and main(): parse, open the core once (desktop_app.core), run the handler
    common.py       exit codes (Exit), NAME=VALUE arguments, the printer (Output)
    checks.py       one-off vendor operations (trustedform, jornaya, litigator, contactstate, consentcontrol)
                    and history
    credentials.py  vendor keys in the keyring (runs without the core)
    batch.py        import, scrub (and resume), export, suppression import
    lookup.py       everything stored about a phone or an email
    packet.py       a consumer's evidence packet
    evidence.py     verify the evidence log, purge old checks

Exit status: 0 when every call completed (whatever the flags), 1 when a call failed, 2 for bad usage or input
refused before sending (including missing credentials). ``--json`` prints one JSON object per check (JSON Lines)
on stdout; messages for people go to stderr.
"""

from desktop_app.cli.command import build_parser, main

__all__ = ["build_parser", "main"]
