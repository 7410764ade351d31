"""The lead detail names seats (issue 16): each check in its history with the seat (user@host) that made it, and
the lead with the seat that imported it; a lead entered by hand leaves "Imported by" empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop_app.imports import import_csv
from desktop_app.store import Store, evidence
from desktop_app.ui.leads.detail import COL_SEAT, LeadDetail
from desktop_app.vendors.results import CheckResult, Flag

PHONE = "+19418675309"


def test_the_history_shows_each_checks_seat_and_the_fields_the_importing_seat(
    store: Store, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seat = ["ana@front-desk"]
    monkeypatch.setattr(evidence, "seat", lambda: seat[0])
    source = tmp_path / "leads.csv"
    source.write_text("phone,first_name,supplier\n(941) 867-5309,Ann,Acme\n", encoding="utf-8")
    (imported,) = import_csv(store, source).lead_ids
    store.record_check(CheckResult("litigator", "check", PHONE, Flag.GREEN, "Not a litigator."), sent={})
    seat[0] = "bob@back-office"
    manual = store.add_lead({"phone": PHONE, "first_name": "Annie"}, source="manual")
    store.record_check(CheckResult("litigator", "check", PHONE, Flag.RED, "Known TCPA litigator."), sent={})

    detail = LeadDetail(store)
    qtbot.addWidget(detail)
    detail.show()
    detail.show_lead(imported)
    assert [row[COL_SEAT] for row in detail.history_rows()] == ["bob@back-office", "ana@front-desk"]  # newest first
    assert [row[3] for row in detail.history_rows()] == ["Red", "Green"]
    assert detail.field_labels["imported_by"].full_text() == "ana@front-desk"  # type: ignore[attr-defined]
    detail.show_lead(manual)  # added after Ana's check: only Bob's is linked to it
    assert [row[COL_SEAT] for row in detail.history_rows()] == ["bob@back-office"]
    assert detail.field_labels["imported_by"].full_text() == ""  # type: ignore[attr-defined]
