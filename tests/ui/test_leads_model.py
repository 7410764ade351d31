"""LeadsModel without widgets: qtmodeltester, lazy paging, first page before the id list, filters, sort, flags."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.store import Store
from desktop_app.ui import theme
from desktop_app.ui.leads import model as lm
from desktop_app.ui.leads.model import (
    COL_CERT,
    COL_CONTACTSTATE,
    COL_EMAIL,
    COL_LITIGATOR,
    COL_NAME,
    COL_PHONE,
    COL_TRUSTEDFORM,
    FLAG_ROLE,
    LEAD_ID_ROLE,
    FlagFilter,
    LeadsModel,
)
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import until

SUPPLIERS = ("SunBright Media", "QuoteWave", "Solar Direct")


def fill(store: Store, count: int) -> None:
    """``count`` leads in one transaction: lead n is "First{n} Last{n}", phone +1202555nnnn."""
    rows = [
        (
            f"First{n}",
            f"Last{n:05d}",
            f"+1202555{n % 10000:04d}",
            f"lead{n}@example.com",
            SUPPLIERS[n % 3],
            "TX",
            "2025-01-01T00:00:00.000Z",
            "2025-01-01T00:00:00.000Z",
        )
        for n in range(1, count + 1)
    ]
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO leads (first_name, last_name, phone, email, supplier, state, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def flag(store: Store, lead_id: int, vendor: str, value: Flag, summary: str = "judged") -> None:
    store.record_check(
        CheckResult(
            vendor=vendor,
            operation="check",
            subject=f"subject-{lead_id}",
            flag=value,
            summary=summary,
            finished_at="2025-03-01T14:05:09.123Z",
        ),
        lead_id=lead_id,
    )


@pytest.fixture
def model(store: Store) -> Any:
    m = LeadsModel(store)
    yield m
    m.close()


async def test_model_passes_qtmodeltester(store: Store, model: LeadsModel, qtmodeltester: Any) -> None:
    fill(store, 450)
    flag(store, 3, "litigator", Flag.RED)
    assert await model.reload() == 450
    qtmodeltester.check(model, force_py=True)


async def test_empty_database_is_an_empty_table(model: LeadsModel, qtmodeltester: Any) -> None:
    assert await model.reload() == 0
    assert model.rowCount() == 0
    qtmodeltester.check(model, force_py=True)


async def test_newest_leads_first_with_phone_in_us_format(store: Store, model: LeadsModel) -> None:
    fill(store, 5)
    await model.reload()
    assert [model.data(model.index(r, COL_NAME)) for r in range(5)] == [
        f"First{n} Last{n:05d}" for n in (5, 4, 3, 2, 1)
    ]
    assert model.data(model.index(0, COL_PHONE)) == "(202) 555-0005"
    assert model.data(model.index(0, COL_NAME), LEAD_ID_ROLE) == 5
    assert model.headerData(COL_TRUSTEDFORM, Qt.Orientation.Horizontal) == "TrustedForm"


async def test_narrow_columns_show_the_certificate_id_and_copy_the_whole_url(store: Store, model: LeadsModel) -> None:
    url = "https://cert.trustedform.com/0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    store.add_lead({"phone": "+12025550101", "cert_url": url})
    await model.reload()
    assert model.data(model.index(0, COL_CERT)) == url.rsplit("/", 1)[1]
    assert model.data(model.index(0, COL_CERT), Qt.ItemDataRole.ToolTipRole) == url
    assert model.cell_text(0, COL_CERT) == url and url in model.row_text(0)
    assert model.headerData(COL_CONTACTSTATE, Qt.Orientation.Horizontal) == "Contact\nState"
    assert model.headerData(COL_CERT, Qt.Orientation.Horizontal) == "TrustedForm\ncertificate"


async def test_first_page_shows_before_the_id_list_arrives(
    store: Store, model: LeadsModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(store, 1000)
    release = threading.Event()
    real = model._read_ids

    def slow_read(query: Any) -> Any:
        release.wait(5)
        return real(query)

    monkeypatch.setattr(model, "_read_ids", slow_read)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    task = asyncio.ensure_future(model.reload())
    await until(lambda: model.rowCount() == lm.PAGE_SIZE)
    assert not model.complete
    assert model.data(model.index(0, COL_NAME)) == "First1000 Last01000"
    release.set()
    assert await task == 1000
    assert model.complete and model.rowCount() == 1000
    assert inserted == [(lm.PAGE_SIZE, 999)]  # appended, not reset: the rows on screen stay put


async def test_rows_are_fetched_a_page_at_a_time_into_a_bounded_cache(
    store: Store, model: LeadsModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(store, 2000)
    monkeypatch.setattr(lm, "CACHE_PAGES", 3)
    await model.reload()
    fetched: list[int] = []
    real = model._fetch_page
    monkeypatch.setattr(model, "_fetch_page", lambda ids: fetched.append(len(ids)) or real(ids))
    model.refresh()
    assert model.data(model.index(1999, COL_NAME)) == "First1 Last00001"
    assert model.data(model.index(1990, COL_EMAIL)) == "lead10@example.com"
    assert fetched == [lm.PAGE_SIZE]  # one page read for both rows
    for row in (0, 500, 900, 1300):
        model.data(model.index(row, COL_NAME))
    assert len(model._pages) == 3


async def test_text_filter_matches_name_email_and_phone_digits(store: Store, model: LeadsModel) -> None:
    fill(store, 300)
    assert await model.set_text_filter("Last00042") == 1
    assert await model.set_text_filter("lead25@") == 1
    assert await model.set_text_filter("(202) 555-0123") == 1
    assert model.data(model.index(0, COL_PHONE)) == "(202) 555-0123"
    assert await model.set_text_filter("QuoteWave") == 100
    assert await model.set_text_filter("100%") == 0  # % is literal, not a wildcard
    assert await model.set_text_filter("") == 300


async def test_flag_filters(store: Store, model: LeadsModel) -> None:
    fill(store, 10)
    flag(store, 2, "litigator", Flag.RED)
    flag(store, 3, "trustedform", Flag.RED)
    flag(store, 4, "jornaya", Flag.YELLOW)
    assert await model.set_flag_filter(FlagFilter("red")) == 2
    assert await model.set_flag_filter(FlagFilter("red", "litigator")) == 1
    assert model.data(model.index(0, COL_NAME), LEAD_ID_ROLE) == 2
    assert await model.set_flag_filter(FlagFilter("yellow")) == 1
    assert await model.set_flag_filter(FlagFilter("unchecked")) == 7
    assert await model.set_flag_filter(None) == 10
    assert lm.filter_label(FlagFilter("red", "litigator")) == "TCPA Litigator: Red"
    assert lm.filter_label(FlagFilter("red")) == "Red leads"


async def test_sort_by_name_and_by_flag(store: Store, model: LeadsModel) -> None:
    fill(store, 30)
    flag(store, 7, "trustedform", Flag.GREEN)
    flag(store, 8, "trustedform", Flag.RED)
    flag(store, 9, "trustedform", Flag.YELLOW)
    await model.set_query(lm.LeadQuery(sort="name", descending=False))
    assert model.data(model.index(0, COL_NAME)) == "First1 Last00001"
    await model.set_query(lm.LeadQuery(sort="flag:trustedform", descending=False))
    assert [model.data(model.index(r, COL_TRUSTEDFORM)) for r in range(4)] == ["Red", "Yellow", "Green", "—"]


async def test_header_click_sorts_off_thread(store: Store, model: LeadsModel) -> None:
    fill(store, 20)
    await model.reload()
    done = asyncio.get_running_loop().create_future()
    model.loaded.connect(lambda n: done.done() or done.set_result(n))
    model.sort(COL_NAME, Qt.SortOrder.AscendingOrder)
    assert await asyncio.wait_for(done, 5) == 20
    assert model.data(model.index(0, COL_NAME)) == "First1 Last00001"


async def test_flag_cells_show_word_colour_and_dated_tooltip(store: Store, model: LeadsModel) -> None:
    fill(store, 2)
    flag(store, 2, "litigator", Flag.RED, summary="Known TCPA litigator")
    await model.reload()
    cell = model.index(0, COL_LITIGATOR)
    assert model.data(cell) == "Red"
    assert model.data(cell, FLAG_ROLE) == "red"
    assert model.data(cell, Qt.ItemDataRole.BackgroundRole) == theme.flag_background("red")
    tip = model.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert "TCPA Litigator: Red" in tip and "2025-03-01 14:05 UTC" in tip and "Known TCPA litigator" in tip
    unchecked = model.index(1, COL_LITIGATOR)
    assert model.data(unchecked) == "—"
    assert model.data(unchecked, Qt.ItemDataRole.BackgroundRole) is None
    assert "not checked" in model.data(unchecked, Qt.ItemDataRole.ToolTipRole)


async def test_refresh_shows_new_flags_without_reloading(store: Store, model: LeadsModel) -> None:
    fill(store, 3)
    await model.reload()
    assert model.data(model.index(0, COL_TRUSTEDFORM)) == "—"
    flag(store, 3, "trustedform", Flag.GREEN)
    model.refresh()
    assert model.data(model.index(0, COL_TRUSTEDFORM)) == "Green"


async def test_copy_text_and_lookup_helpers(store: Store, model: LeadsModel) -> None:
    fill(store, 3)
    flag(store, 3, "litigator", Flag.GREEN)
    await model.reload()
    assert model.cell_text(0, COL_PHONE) == "(202) 555-0003"
    assert model.cell_text(0, COL_TRUSTEDFORM) == ""  # never checked copies as nothing
    row = model.row_text(0).split("\t")
    assert row[COL_NAME] == "First3 Last00003" and row[COL_LITIGATOR] == "Green"
    assert model.row_of(1) == 2 and model.row_of(99) is None
    assert model.row_values(0)["email"] == "lead3@example.com"


async def test_deleted_lead_reads_as_deleted(store: Store, model: LeadsModel) -> None:
    fill(store, 2)
    await model.reload()
    store.db.execute("DELETE FROM leads WHERE id = 2")
    model.refresh()
    assert model.data(model.index(0, COL_NAME)) == "(deleted)"
    assert model.row_values(0) is None


async def test_close_stops_further_loads(store: Store, model: LeadsModel) -> None:
    fill(store, 5)
    await model.reload()
    model.close()
    fill(store, 5)
    assert await model.reload() == 5


def test_flag_colours_have_readable_contrast() -> None:
    for background, text in [*theme.FLAG_COLOURS.values(), theme.FAILED_COLOURS]:
        assert theme.contrast_ratio(theme.QColor(background), theme.QColor(text)) >= 4.5
