"""Batches from the window: the Check dialog, the progress panel, pause / resume / cancel, and resume at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.app import AppSession
from desktop_app.demo import demo_environment
from desktop_app.jobs import RunState
from desktop_app.paths import Paths
from desktop_app.sandbox import VendorSimulator
from desktop_app.service import CheckService
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.store.batches import BatchStore
from desktop_app.ui.batch.check_dialog import BatchRequest
from desktop_app.ui.batch.feature import BatchFeature
from desktop_app.ui.leads.model import COL_JORNAYA, COL_LITIGATOR, COL_TRUSTEDFORM, COL_VERDICT, FLAG_ROLE
from desktop_app.ui.main_window import MainWindow
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import let_the_loop_run, until
from tests.ui.helpers import (
    OFFSCREEN_SHOW,
    add_leads,
    close_feature,
    feature_on,
    make_feature,
    service_for,
    slow_simulator,
    use_fake_tabs,
)

pytestmark = OFFSCREEN_SHOW
VENDORS = ("trustedform", "jornaya", "litigator")


@pytest.fixture(scope="module")
def slow_sim() -> Iterator[VendorSimulator]:
    sim = slow_simulator(0.04)
    yield sim
    sim.stop()


@pytest.fixture
async def slow_feature(
    settings: Settings,
    store: Store,
    slow_sim: VendorSimulator,
    paths: Paths,
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BatchFeature]:
    async with feature_on(slow_sim, settings, store, paths, qtbot, tmp_path, monkeypatch) as feat:
        yield feat


def flag(feature: BatchFeature, lead_id: int, column: int) -> Any:
    tab = feature.window.leads_tab
    assert tab is not None
    row = tab.model.row_of(lead_id)
    assert row is not None
    return tab.model.data(tab.model.index(row, column), FLAG_ROLE)


async def test_check_dialog_counts_the_leads_each_vendor_can_check(feature: BatchFeature) -> None:
    store = feature.store
    ids = add_leads(store, 4)
    ids.append(store.add_lead({"phone": "+13125550199"}))  # a phone only: litigator, nothing else
    assert feature.window.leads_tab is not None
    await feature.window.leads_tab.refresh()
    dialog = await feature.open_check_dialog()
    assert dialog is not None and dialog.isVisible()
    assert dialog.scope is not None and dialog.scope.key == "all" and len(dialog.scope.lead_ids) == 5
    assert dialog.plan_labels["trustedform"].text() == "4  (1 without it)"
    assert dialog.plan_labels["litigator"].text() == "5"
    assert dialog.plan_labels["contactstate"].text().startswith("0")
    assert dialog.concurrency_spins["trustedform"].value() == 8
    assert dialog.start_button.isEnabled()
    for vendor in ("trustedform", "jornaya", "contactstate"):
        dialog.vendor_checks[vendor].setChecked(False)
    dialog.concurrency_spins["litigator"].setValue(3)
    dialog.recheck_check.setChecked(True)
    request = dialog.request()
    assert request is not None
    assert request.vendors == ("litigator",) and request.concurrency == {"litigator": 3} and request.recheck
    assert dialog.summary.text() == "5 calls to send over 5 leads."


async def test_check_dialog_says_what_is_already_answered_and_not_paid_again(feature: BatchFeature) -> None:
    store = feature.store
    ids = [store.add_lead({"phone": f"+1312555010{n}"}) for n in range(3)]
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for lead_id, n in zip(ids[:2], range(2), strict=True):
        answer = CheckResult("litigator", "check", f"+1312555010{n}", Flag.GREEN, "Not a litigator.", finished_at=now)
        store.record_check(answer, lead_id=lead_id)
    assert feature.window.leads_tab is not None
    await feature.window.leads_tab.refresh()
    dialog = await feature.open_check_dialog()
    assert dialog is not None
    await until(lambda: dialog.plan is not None and dialog.plan_labels["litigator"].text() != "counting…")
    assert dialog.plan_labels["litigator"].text() == "3  (2 already answered)"
    assert dialog.chosen_vendors() == ("litigator",)
    assert dialog.summary.text() == "1 call to send over 3 leads; 2 already answered (cached, not paid again)."
    dialog.recheck_check.setChecked(True)
    assert dialog.summary.text() == "3 calls to send over 3 leads, 2 of them answered before and paid again."
    dialog.recheck_check.setChecked(False)
    store.record_check(
        CheckResult("litigator", "check", "+13125550102", Flag.GREEN, "Not a litigator.", finished_at=now),
        lead_id=ids[2],
    )
    await dialog.update_plan()
    assert dialog.summary.text() == (
        "Nothing to send: all 3 checks over 3 leads are already answered (cached, not paid again)."
    )


async def test_a_batch_runs_to_completion_with_counts_and_flags_in_the_lead_table(
    feature: BatchFeature, qtbot: Any
) -> None:
    ids = add_leads(feature.store, 12)
    assert feature.window.leads_tab is not None
    await feature.window.leads_tab.refresh()
    refreshes: list[int] = []
    feature.controller.results_changed.connect(lambda: refreshes.append(1))
    final = await feature.start_batch(BatchRequest(ids, VENDORS, "twelve", concurrency={v: 4 for v in VENDORS}))
    assert final is not None and final.state is RunState.DONE
    assert (final.total, final.done, final.failed, final.cached, final.remaining) == (36, 36, 0, 0, 0)
    panel = feature.panel
    assert feature.dock.isVisibleTo(feature.window)
    assert panel.bar.value() == panel.bar.maximum() == 36
    assert panel.counts.text().startswith("36 of 36 · done 36 · failed 0 · cached 0 · remaining 0")
    assert "TrustedForm 12/12" in panel.lanes.text()
    assert "Finished" in panel.title.text()
    assert "Every check is done" in panel.message.text()
    assert panel.export_button.isEnabled() and not panel.pause_button.isEnabled()
    assert flag(feature, ids[0], COL_TRUSTEDFORM) == "green"
    assert flag(feature, ids[0], COL_JORNAYA) == "green"
    assert flag(feature, ids[4], COL_LITIGATOR) == "red"  # a ...6666 phone is a litigator
    assert 1 <= len(refreshes) < 36  # throttled: never once per result
    counts = feature.store.verdict_counts(ids)
    assert counts.get("red", 0) >= 1 and sum(counts.values()) == 12
    assert panel.verdicts.text().startswith(f"12 leads: {counts['red']} red, ")
    assert panel.red_button.isVisibleTo(panel) and panel.suppression_button.isVisibleTo(panel)
    qtbot.mouseClick(panel.red_button, Qt.MouseButton.LeftButton)  # real click: the table shows only red leads
    tab = feature.window.leads_tab
    await until(lambda: tab.model.rowCount() == counts["red"])
    assert feature.window.tabs.currentWidget() is tab
    assert {tab.model.data(tab.model.index(r, COL_VERDICT)) for r in range(tab.model.rowCount())} == {"Red"}

    # The same leads again: every pair is cached, nothing is paid twice.
    again = await feature.start_batch(BatchRequest(ids, VENDORS, "twelve again"))
    assert again is not None and (again.cached, again.done) == (36, 0)
    assert "cached 36" in panel.counts.text()


async def test_pause_resume_and_cancel_change_the_state(slow_feature: BatchFeature, slow_sim: VendorSimulator) -> None:
    feature = slow_feature
    ids = add_leads(feature.store, 60)
    panel = feature.panel
    request = BatchRequest(ids, ("litigator",), "slow", concurrency={"litigator": 1})
    task = asyncio.ensure_future(feature.start_batch(request))
    await until(lambda: panel.progress is not None and panel.progress.completed >= 3)
    assert panel.pause_button.isEnabled() and not panel.resume_button.isEnabled()
    panel.pause()
    assert feature.controller.run is not None and feature.controller.run.state is RunState.PAUSED
    await until(lambda: panel.state == "paused")
    assert "Paused" in panel.title.text() and panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()
    # the call in flight lands; nothing new is sent
    await until(lambda: (p := feature.controller.last_progress) is not None and p.in_flight == 0)
    settled = feature.controller.last_progress
    await let_the_loop_run()
    assert feature.controller.last_progress is settled

    panel.resume()
    await until(lambda: panel.state == "running")
    assert panel.pause_button.isEnabled()
    await until(lambda: panel.progress is not None and panel.progress.completed > settled.completed)  # type: ignore[union-attr]

    panel.cancel()
    final = await asyncio.wait_for(task, 10)
    assert final is not None and final.state is RunState.CANCELLED and final.remaining > 0
    assert panel.state == "cancelled"
    assert "Cancelled" in panel.message.text()
    assert panel.resume_button.isEnabled() and not panel.cancel_button.isEnabled()

    # Resume from the panel finishes it without re-sending what was answered (no latency needed any more).
    done_before = final.done
    latency, slow_sim.latency = slow_sim.latency, 0.0
    try:
        panel.resume()
        await until(lambda: panel.state == "done", timeout=15)
    finally:
        slow_sim.latency = latency
    assert panel.progress is not None and (panel.progress.done, panel.progress.remaining) == (60, 0)
    assert done_before < 60
    sends = BatchStore(feature.store).items(final.batch_id)
    assert all(item["state"] == "done" and item["sends"] == 1 for item in sends)


async def test_the_resume_offer_appears_for_an_unfinished_batch_and_resuming_completes_it(
    service: CheckService, simulator: VendorSimulator, paths: Paths, tmp_path: Path, qtbot: Any
) -> None:
    # A batch a killed run left behind: two answered, one in flight, the rest pending.
    store = service.store
    ids = add_leads(store, 8)
    controller_runner = BatchStore(store)
    from desktop_app.jobs import BatchRunner

    runner = BatchRunner(service)
    plan = runner.create(ids, ("litigator",), name="killed.csv")
    assert plan.batch_id is not None
    answered = [await service.litigator().check_phone(store.lead(i)["phone"]) for i in ids[:2]]  # type: ignore[index]
    items = controller_runner.pending_items(plan.batch_id, "litigator")
    for item, result in zip(items[:2], answered, strict=True):
        controller_runner.mark_in_flight(item.id)
        controller_runner.complete_item(item, result)
    controller_runner.mark_in_flight(items[2].id)
    controller_runner.set_status(plan.batch_id, "running")
    database = store.path
    store.close()

    origins = tmp_path / "origins.json"
    simulator.write_origin_map(origins)
    window = MainWindow()
    qtbot.addWidget(window)
    session = AppSession(window, paths, environ={**demo_environment(), "LEADCHECK_ORIGINS": str(origins)})
    try:
        assert session.store.path == database
        await session.open()
        assert session.batch is not None
        panel = session.batch.panel
        offered = panel.offered
        assert offered is not None and offered.id == plan.batch_id
        assert session.batch.dock.isVisibleTo(window)
        assert "did not finish" in panel.offer_label.text() and "6 of 8 checks left" in panel.offer_label.text()
        final = await panel.resume_batch(offered.id)
        assert final is not None and final.state is RunState.DONE
        assert (final.done, final.remaining) == (8, 0)  # 2 before the crash + 6 now (the in-flight one re-sent)
        assert panel.offered is None
        items_after = BatchStore(session.store).items(plan.batch_id)
        assert [i["sends"] for i in items_after[:2]] == [1, 1]  # completed paid calls were not repeated
        assert session.batch.controller.resumable() == []
    finally:
        window.close()
        await session.finished


async def test_missing_credentials_show_a_message_and_send_nothing(
    store: Store, simulator: VendorSimulator, paths: Paths, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake_tabs(monkeypatch)
    settings = Settings(paths, environ={})
    service, client = await service_for(settings, store, simulator)
    feature = make_feature(service, paths, qtbot, tmp_path)
    try:
        ids = add_leads(store, 2)
        final = await feature.start_batch(BatchRequest(ids, ("trustedform",), "no keys"))
        assert final is None
        assert feature.panel.message.isVisibleTo(feature.panel)
        assert "TrustedForm" in feature.panel.message.text()
        assert feature.panel.message.objectName() == "errorMessage"
        assert store.checks(vendor="trustedform") == []
    finally:
        close_feature(feature)
        await client.aclose()


async def test_a_large_batch_is_planned_in_chunks_and_stored_off_the_gui_thread(feature: BatchFeature) -> None:
    store = feature.store
    ids = add_leads(store, 800)  # 2,400 pairs: over the size written on the loop
    plan = await feature.controller.create(ids, VENDORS, name="large")
    assert plan.batch_id is not None and plan.total == 2400
    info = feature.controller.batch_info(plan.batch_id)
    assert info is not None and info.total == 2400 and info.count("pending") == 2400
    assert [b.id for b in feature.controller.resumable()] == [plan.batch_id]  # created, not run: offered


async def test_check_dialog_estimates_the_cost_and_follows_the_vendor_ticks(feature: BatchFeature, qtbot: Any) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    feature.service.settings.set("price.litigator", 0.05)
    feature.service.settings.set("price.trustedform", 0.25)
    store = feature.store
    ids = add_leads(store, 3)
    ids.append(store.add_lead({"phone": "+13125550199"}))
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    store.record_check(
        CheckResult("litigator", "check", "+13125550199", Flag.GREEN, "Not a litigator.", finished_at=now),
        lead_id=ids[3],
    )
    assert feature.window.leads_tab is not None
    await feature.window.leads_tab.refresh()
    dialog = await feature.open_check_dialog()
    assert dialog is not None
    await until(lambda: dialog.estimates is not None)
    assert dialog.estimate_labels["litigator"].text() == "3 calls · $0.15 (1 cached, $0)"
    assert dialog.estimate_labels["trustedform"].text() == "3 calls · $0.75"
    before = dialog.estimate_total.text()
    assert before.startswith("Estimated cost: $0.90 ")
    box = dialog.vendor_checks["trustedform"]
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # untick TrustedForm
    assert not box.isChecked()
    assert dialog.estimate_labels["trustedform"].text() == "not sent"
    assert dialog.estimate_total.text().startswith("Estimated cost: $0.15 ")
    recheck = dialog.recheck_check
    QTest.mouseClick(recheck, Qt.MouseButton.LeftButton, pos=QPoint(8, recheck.height() // 2))
    assert dialog.estimate_labels["litigator"].text() == "4 calls · $0.20"


async def test_check_dialog_says_when_a_daily_cap_will_pause_the_batch(feature: BatchFeature, qtbot: Any) -> None:
    """Three TrustedForm retains at $0.25 against a $0.60 daily cap: the dialog says the batch will pause at the cap
    and how it goes on; unticking TrustedForm takes the note away, and none shows under the cap."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    feature.service.settings.set("price.trustedform", 0.25)
    feature.service.settings.set("cap.trustedform", 0.60)
    add_leads(feature.store, 3)
    assert feature.window.leads_tab is not None
    await feature.window.leads_tab.refresh()
    dialog = await feature.open_check_dialog()
    assert dialog is not None
    await until(lambda: dialog.estimates is not None)
    assert dialog.cap_note.isVisible()
    assert dialog.cap_note.text() == (
        "TrustedForm's daily cap of $0.60 leaves $0.60 today: this batch's $0.75 of TrustedForm calls will pause at "
        "the cap and go on tomorrow, or when the cap is raised (Settings → Costs)."
    )
    box = dialog.vendor_checks["trustedform"]
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # untick TrustedForm
    assert not dialog.cap_note.isVisible()
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert dialog.cap_note.isVisible()
    dialog.reject()
    feature.service.settings.set("cap.trustedform", 0.75)
    dialog = await feature.open_check_dialog()
    assert dialog is not None
    await until(lambda: dialog.estimates is not None)
    assert not dialog.cap_note.isVisible() and dialog.cap_note.text() == ""
