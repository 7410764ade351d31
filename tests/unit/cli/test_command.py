"""The command table: every subcommand names a handler (set_defaults(run=...)), and the CLI loads without Qt."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Iterator

from desktop_app.cli import build_parser


def leaf_parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        yield path
    for action in actions:
        for name, child in action.choices.items():
            yield from leaf_parsers(child, (*path, name))


def test_every_command_runs_a_handler_of_its_own() -> None:
    parser = build_parser()
    commands = list(leaf_parsers(parser))
    assert len(commands) > 20
    for command in commands:
        sub = parser
        for name in command:
            action = next(a for a in sub._actions if isinstance(a, argparse._SubParsersAction))
            sub = action.choices[name]
        run = sub.get_default("run") or parser.get_default("run")
        assert inspect.isfunction(run), f"leadcheck {' '.join(command)} runs {run!r}"
        params = list(inspect.signature(run).parameters)
        assert params[1:] == ["args", "out"], f"leadcheck {' '.join(command)}: {params}"
        assert params[0] == ("core" if inspect.iscoroutinefunction(run) else "paths")
