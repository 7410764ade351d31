"""Batch commands of ``leadcheck`` (import, scrub, export). Registered by :func:`add_commands`."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any


def add_commands(sub: Any) -> None:
    """Add the batch subcommands to the main parser's subparsers."""


def dispatch(args: argparse.Namespace, out: Any) -> Callable[[Any], Awaitable[int]] | None:
    """The coroutine body for a batch subcommand, or None when ``args`` is not one."""
    return None
