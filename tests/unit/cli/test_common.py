"""What the commands share: NAME=VALUE arguments (one parser, two documented rules) and the exit codes."""

from __future__ import annotations

import argparse

import pytest

from desktop_app.cli.common import Exit, column_field, field_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email=a@b.c", ("email", "a@b.c")),
        (" email = a@b.c", ("email", " a@b.c")),  # the value is sent as typed
        ("url=https://x.test/?a=1", ("url", "https://x.test/?a=1")),  # the value may hold "="
        ("note=", ("note", "")),
    ],
)
def test_field_values_split_at_the_first_equals_sign(text: str, expected: tuple[str, str]) -> None:
    assert field_value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phone=phone", ("Phone", "phone")),
        ("a=b=email", ("a=b", "email")),  # a header may hold "="
        (" 3 = phone ", ("3", "phone")),
    ],
)
def test_column_mappings_split_at_the_last_equals_sign(text: str, expected: tuple[str, str]) -> None:
    assert column_field(text) == expected


@pytest.mark.parametrize(("parse", "text"), [(field_value, "email"), (field_value, "=x"), (column_field, "Phone=")])
def test_malformed_pairs_are_refused_naming_the_form(parse: object, text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected (NAME=VALUE|COLUMN=FIELD)"):
        parse(text)  # type: ignore[operator]


def test_exit_codes() -> None:
    assert (Exit.OK, Exit.FAILED, Exit.REFUSED, Exit.INTERRUPTED) == (0, 1, 2, 130)
