"""What another seat stored since a window last looked (issue 16): the change mark and the leads it touched, read
by a connection of its own while a second store (another seat) writes; both engines."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app.store import Store
from desktop_app.store.backend import Connection
from desktop_app.store.changes import Changes, Mark, changes_since, read_mark
from desktop_app.store.lead_table import reader
from desktop_app.vendors.results import CheckResult, Flag


@pytest.fixture
def seats(database: Any) -> Iterator[tuple[Store, Connection]]:
    """Another seat's store, and the window's reader connection on the same database."""
    with Store(database) as other, contextlib.closing(reader(database)) as conn:
        yield other, conn


def litigator(phone: str, flag: Flag = Flag.RED) -> CheckResult:
    return CheckResult(vendor="litigator", operation="check", subject=phone, flag=flag, summary="known litigator")


def test_an_empty_database_has_the_zero_mark_and_nothing_changes_without_writes(
    seats: tuple[Store, Connection],
) -> None:
    _other, conn = seats
    assert read_mark(conn) == Mark(0, 0, 0)
    assert changes_since(conn, Mark()) == Changes(Mark())
    assert not changes_since(conn, Mark()).any


def test_new_leads_checks_and_reviews_name_the_leads_they_touched(seats: tuple[Store, Connection]) -> None:
    other, conn = seats
    shared = [other.add_lead({"phone": "+12025550100", "first_name": f"Ann {i}"}) for i in range(2)]
    alone = other.add_lead({"phone": "+12025550199", "first_name": "Bob"})
    before = read_mark(conn)
    assert before == Mark(alone, 0, 0)

    newcomer = other.add_lead({"phone": "+12025550142", "first_name": "Cy"})
    check = other.record_check(litigator("+12025550100"))  # linked to both leads with that phone
    review = other.review(alone, "spoke to the consumer")
    found = changes_since(conn, before)

    assert found.mark == Mark(newcomer, check, review)
    assert found.new_lead_ids == (newcomer,) and found.new_leads == 1
    assert found.new_results == 1 and found.new_reviews == 1
    assert found.changed_leads == frozenset({*shared, alone})
    assert found.any
    assert changes_since(conn, found.mark) == Changes(found.mark)  # read again: nothing new


def test_beyond_the_cap_the_answer_is_many(seats: tuple[Store, Connection]) -> None:
    other, conn = seats
    before = read_mark(conn)
    leads = [other.add_lead({"phone": f"+1202555{i:04d}"}) for i in range(4)]
    for lead in leads:
        other.record_check(litigator(f"+1202555{lead - leads[0]:04d}", Flag.GREEN))
    found = changes_since(conn, before, cap=3)
    assert found.new_lead_ids is None and found.new_leads == 4
    assert found.changed_leads is None and found.new_results == 4
    exact = changes_since(conn, before, cap=4)
    assert exact.new_lead_ids == tuple(leads) and exact.changed_leads == frozenset(leads)


def test_a_mark_from_another_database_means_everything_changed(seats: tuple[Store, Connection]) -> None:
    other, conn = seats
    other.add_lead({"phone": "+12025550100"})
    found = changes_since(conn, Mark(leads=50, checks=9, reviews=0))
    assert found.changed_leads is None and found.new_lead_ids is None and found.any
