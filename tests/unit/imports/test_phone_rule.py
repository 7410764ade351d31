"""One phone rule: the import's fast path (``PHONE_LAYOUT`` and the column cleaner built on it) gives exactly what
``normalize_phone`` gives, on random text as well as on the usual layouts."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from desktop_app.imports import cleaning
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.validation import PHONE_LAYOUT, normalize_phone

# Mostly what phone cells are made of, plus a few characters that must send a cell down the slow path.
PHONE_CHARACTERS = st.sampled_from(list("0123456789" * 4 + "01" * 4 + "  ()..--++" + "x\t/٢２a"))
PHONE_TEXT = st.text(PHONE_CHARACTERS, max_size=20) | st.text(max_size=20)


def _rule(cell: str) -> str | None:
    try:
        return normalize_phone(cell).e164
    except InputError:
        return None


# Cheap examples: ten times the profile's count (tests/unit/conftest.py), 500 by default.
@settings(max_examples=10 * settings().max_examples, deadline=None)
@given(PHONE_TEXT)
@example("(211) 555-1212")
@example("1 (202) 555-1212")
@example("+1 202 555 1212")
@example("1202555121")
@example("202-055-1212")
def test_the_usual_layout_agrees_with_normalize_phone(cell: str) -> None:
    match = PHONE_LAYOUT.fullmatch(cell)
    if match:
        assert _rule(cell) == "+1" + "".join(match.groups())


@settings(max_examples=2 * settings().max_examples, deadline=None)
@given(st.lists(PHONE_TEXT, min_size=1, max_size=30))
def test_the_column_cleaner_agrees_with_normalize_phone(cells: list[str]) -> None:
    problems: dict[int, list[tuple[str, str]]] = {}
    values = cleaning.clean_column(cells, "phone", cleaning.CLEANERS["phone"], problems)
    for k, cell in enumerate(cells):
        expected = _rule(cell.strip()) if cell.strip() and len(cell.strip()) <= 10_000 else None
        assert values[k] == expected
        assert (k in problems) == (expected is None and bool(cell.strip()))
