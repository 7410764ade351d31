"""The lead table's reads on both engines: every sort gives the same order on SQLite and PostgreSQL, blanks (NULL)
first ascending and last descending, text filters ignore the case of letters."""

from __future__ import annotations

import contextlib

import pytest

from desktop_app.store import Store
from desktop_app.store.backend import Location
from desktop_app.store.lead_table import SORTS, FlagFilter, LeadQuery, first_ids, read_ids, reader


@pytest.fixture
def leads(database: Location) -> list[int]:
    """Four leads, two of them without a supplier or a name; ids in order of adding."""
    with Store(database) as store:
        return [
            store.add_lead({"phone": "+12025550003", "supplier": "Zeta", "last_name": "Abe"}),
            store.add_lead({"phone": "+12025550001"}),
            store.add_lead({"phone": "+12025550002", "supplier": "Acme", "last_name": "abe", "first_name": "Bo"}),
            store.add_lead({"email": "x@example.com"}),
        ]


@pytest.mark.parametrize("descending", [False, True])
def test_blanks_sort_first_ascending_and_last_descending(
    database: Location, leads: list[int], descending: bool
) -> None:
    a, b, c, d = leads
    expected = {
        "supplier": [b, d, c, a],  # blank, blank, Acme, Zeta
        "phone": [d, b, c, a],
        "added": [a, b, c, d],
    }
    for sort, ascending in expected.items():
        order = read_ids(database, LeadQuery(sort=sort, descending=descending))
        assert order == (ascending[::-1] if descending else ascending), sort
    for sort in SORTS:  # every sort runs on both engines, its first page the start of the whole order
        query = LeadQuery(sort=sort, descending=descending)
        with contextlib.closing(reader(database)) as conn:
            assert first_ids(conn, query, 2) == read_ids(database, query)[:2], sort


def test_text_and_flag_filters(database: Location, leads: list[int]) -> None:
    a, b, c, d = leads
    assert read_ids(database, LeadQuery(text="ACME", sort="added", descending=False)) == [c]
    assert read_ids(database, LeadQuery(text="X@EXAMPLE", sort="added", descending=False)) == [d]
    unchecked = LeadQuery(flag_filter=FlagFilter("unchecked"), sort="added", descending=False)
    assert read_ids(database, unchecked) == [a, b, c, d]
