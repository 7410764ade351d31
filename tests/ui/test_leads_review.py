"""The lead detail's verdict line of a red lead someone marked reviewed: "Red — reviewed: <reason> (by ..., <date>)"."""

from __future__ import annotations

from typing import Any

from desktop_app.service import CheckService
from desktop_app.ui.leads.detail import LeadDetail
from desktop_app.vendors.results import CheckResult, Flag


async def test_the_detail_shows_a_reviewed_red_verdict(service: CheckService, qtbot: Any) -> None:
    store = service.store
    red = store.add_lead({"phone": "+19418675309", "email": "ann@example.com", "supplier": "Acme"})
    green = store.add_lead({"phone": "+12025550100", "supplier": "Zeta"})
    store.record_check(CheckResult("litigator", "check", "+19418675309", Flag.RED, "Known TCPA litigator."), sent={})
    store.record_check(CheckResult("litigator", "check", "+12025550100", Flag.GREEN, "Not a litigator."), sent={})
    detail = LeadDetail(store)
    qtbot.addWidget(detail)
    detail.show()
    detail.show_lead(red)
    assert "reviewed" not in detail.verdict.text()

    store.review(red, "a known <customer>")
    store.review(green, "checked by phone")
    detail.show_lead(red)
    review = store.reviews([red])[red]
    text = detail.verdict.text()
    assert "Red" in text and "Known TCPA litigator." in text
    expected = f" — reviewed: a known &lt;customer&gt; (by {review['seat']}, {review['at'][:10]})"
    assert expected in text  # escaped: the reason is the buyer's own text
    detail.show_lead(green)
    assert "Green" in detail.verdict.text() and "reviewed" not in detail.verdict.text()  # only a red verdict reads so
