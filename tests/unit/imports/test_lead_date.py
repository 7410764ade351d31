"""The lead date column: recognised by name, read in the usual layouts as ISO UTC, part of a dated row's key only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app.imports import import_csv, propose_mapping
from desktop_app.imports.cleaning import clean_lead_date
from desktop_app.store import Store
from desktop_app.store.imports import ImportStore
from desktop_app.store.links import row_key, row_keys
from desktop_app.vendors.errors import InputError


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "leads.db") as s:
        yield s


def write(tmp_path: Path, text: str, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "header",
    ["lead_date", "Date", "Lead Date", "created", "Created At", "timestamp", "submitted", "submitted_at", "date_added"],
)
def test_lead_date_column_names_are_recognised(header: str) -> None:
    mapping = propose_mapping(["phone", header], [["2025551212", "2026-03-01"]])
    assert mapping.columns[1].field == "purchased_at" and mapping.columns[1].source == "header"
    assert mapping.mapped() == [(0, "phone"), (1, "purchased_at")]


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("2026-03-01", "2026-03-01T00:00:00.000Z"),
        ("2026-03-01T14:05:09Z", "2026-03-01T14:05:09.000Z"),
        ("2026-03-01T14:05:09.123456+02:00", "2026-03-01T12:05:09.123Z"),
        ("2026-03-01 14:05", "2026-03-01T14:05:00.000Z"),
        ("3/1/2026", "2026-03-01T00:00:00.000Z"),
        ("03/01/2026 14:05", "2026-03-01T14:05:00.000Z"),
        ("03/01/2026 14:05:07", "2026-03-01T14:05:07.000Z"),
    ],
)
def test_lead_dates_are_read_as_iso_utc(cell: str, stored: str) -> None:
    assert clean_lead_date(cell) == stored


@pytest.mark.parametrize("cell", ["yesterday", "13/45/2026", "2026-02-30", "0001-01-01T00:00:00+05:00"])
def test_an_unreadable_date_is_refused_with_a_reason(cell: str) -> None:
    with pytest.raises(InputError, match="is not a date"):
        clean_lead_date(cell)


def test_a_row_without_a_date_keeps_the_key_it_always_had() -> None:
    fields = ("+12025551212", None, None)
    assert row_key(fields, None) == row_key(fields, None, None) == row_keys([(fields, None)])[0]
    assert row_key(fields, None, "2026-03-01T00:00:00.000Z") != row_key(fields, None)


def test_the_date_is_stored_and_a_bad_one_is_a_field_warning(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path, "phone,lead_date\n2025551212,03/01/2026 14:05\n3035551212,soon\n4045551212,\n")
    report = import_csv(store, path)
    assert report.leads_created == 3 and report.rows_refused == 0
    problems = [p for p in ImportStore(store).import_problems(report.import_id) if p.severity == "warning"]
    assert [(p.row_number, p.field) for p in problems] == [(3, "purchased_at")]
    assert "is not a date" in problems[0].reason
    with sqlite3.connect(tmp_path / "leads.db") as conn:
        dates = conn.execute("SELECT purchased_at FROM leads ORDER BY id").fetchall()
    assert dates == [("2026-03-01T14:05:00.000Z",), (None,), (None,)]


def test_rows_differing_only_by_date_are_two_purchases_and_a_reimport_adds_nothing(
    tmp_path: Path, store: Store
) -> None:
    path = write(
        tmp_path, "phone,email,date\n2025551212,a@example.com,2026-03-01\n2025551212,a@example.com,2026-03-02\n"
    )
    first = import_csv(store, path)
    assert first.leads_created == 2
    again = import_csv(store, path)
    assert again.leads_created == 0 and again.rows_recognised == 2
    assert store.lead_count() == 2
    assert store.verify().problem is None


def test_an_undated_file_keys_as_before_so_a_dated_column_added_later_is_new(tmp_path: Path, store: Store) -> None:
    undated = write(tmp_path, "phone\n2025551212\n", "undated.csv")
    assert import_csv(store, undated).leads_created == 1
    blank_date = write(tmp_path, "phone,date\n2025551212,\n", "blank.csv")
    assert import_csv(store, blank_date).rows_recognised == 1  # no date: the same purchase
    dated = write(tmp_path, "phone,date\n2025551212,2026-03-01\n", "dated.csv")
    assert import_csv(store, dated).leads_created == 1


def test_verify_fails_when_a_lead_date_is_edited(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path, "phone,date\n2025551212,2026-03-01\n")
    import_csv(store, path)
    assert store.verify().problem is None
    with sqlite3.connect(tmp_path / "leads.db") as conn:
        conn.execute("UPDATE leads SET purchased_at = '2026-04-01T00:00:00.000Z'")
    problem = store.verify().problem
    assert problem is not None and "Lead 1 was changed after import" in problem
