"""Seats at once (issue 16): two seats' batches on one database never pay twice for one call, and a seat that is
gone leaves nothing that blocks the others. Both engines (the ``database`` fixture): two stores on one SQLite file
or on one PostgreSQL database are two seats."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

from desktop_app.jobs import BatchRunner, RunState
from desktop_app.store import Store
from desktop_app.store import claims as claim_rules
from desktop_app.store.batches import BatchStore, call_key
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import until
from tests.unit.jobs.test_runner import VENDORS, FakeService, add_leads, fakes


async def test_two_seats_batches_over_overlapping_leads_pay_each_call_once(database: Any) -> None:
    with Store(database) as seat_a, Store(database) as seat_b:
        ids = add_leads(seat_a, 12)
        clients = fakes()
        gate = asyncio.Event()
        for client in clients.values():
            client.gate = gate  # every call waits until both seats have calls out
        runner_a = BatchRunner(FakeService(seat_a), clients=clients, sleep=_yield_only)
        runner_b = BatchRunner(FakeService(seat_b), clients=clients, sleep=_yield_only)
        plan_a = runner_a.create(ids[:8], VENDORS, name="seat a")
        plan_b = runner_b.create(ids[4:], VENDORS, name="seat b")
        assert plan_a.batch_id is not None and plan_b.batch_id is not None
        both = asyncio.gather(runner_a.run(plan_a.batch_id).run(), runner_b.run(plan_b.batch_id).run())
        # leads 4-7 are in both batches: one seat claims each of their calls, the other waits for its answer
        await until(lambda: sum(c.in_flight for c in clients.values()) >= 8)
        assert seat_b.db.execute("SELECT count(*) FROM claims").fetchone()[0] >= 8  # each call out is claimed
        gate.set()
        progress_a, progress_b = await both
        assert progress_a.state is RunState.DONE and progress_b.state is RunState.DONE
        calls = Counter_of(clients)
        assert calls and set(calls.values()) == {1}  # every certificate, token and phone was paid for once
        assert len(calls) == 4 * 12
        states_a = [r["state"] for r in runner_a.batches.items(plan_a.batch_id)]
        states_b = [r["state"] for r in runner_b.batches.items(plan_b.batch_id)]
        assert states_a.count("cached") + states_b.count("cached") == 4 * 4  # the overlap, answered by the other
        assert set(states_a + states_b) == {"done", "cached"}
        assert seat_a.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0  # released with the answers
        # each overlapping lead is linked to the one answer, whichever seat paid for it
        for lead_id in ids[4:8]:
            history = seat_a.lead_history(lead_id)
            assert sorted(check.result.vendor for check, counts in history if counts) == sorted(VENDORS)
        assert seat_b.verify().ok


async def _yield_only(_seconds: float) -> None:
    """The runs' wait for another seat's answer, without waiting on the wall clock: one turn of the loop."""
    await asyncio.sleep(0)


def Counter_of(clients: dict[str, Any]) -> dict[tuple[str, str], int]:  # noqa: N802 - reads like a noun
    return {(vendor, subject): n for vendor, client in clients.items() for subject, n in client.calls.items()}


async def test_a_claim_whose_owner_is_gone_is_taken_over(database: Any) -> None:
    with Store(database) as store:
        lead = add_leads(store, 1)[0]
        key = call_key("+12025550000", None)
        gone = (
            "pg:2147483000:2000-01-01 00:00:00+00"
            if store.shared
            else f"proc:{socket.gethostname()}:{os.getpid()}:not-this-process-start:1"
        )
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO claims (vendor, call_key, batch_id, seat, owner, claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
                ("litigator", key, None, "killed@elsewhere", gone, "2026-11-30T00:00:00Z"),
            )
            assert not claim_rules.alive(conn, gone)
            holder = claim_rules.claim(conn, "litigator", key, batch_id=None, seat="me@here", now="2026-11-30T01:00Z")
        assert holder is None
        row = store.db.execute("SELECT seat, owner FROM claims WHERE call_key = ?", [key]).fetchone()
        assert row[0] == "me@here" and row[1] == claim_rules.owner(store.connection)
        assert lead


async def test_a_live_seats_claim_holds_and_is_released_with_its_answer(database: Any) -> None:
    with Store(database) as seat_a, Store(database) as seat_b:
        add_leads(seat_a, 1)
        runner = BatchRunner(FakeService(seat_a), clients=fakes())
        plan = runner.create([1], ["litigator"], name="a")
        assert plan.batch_id is not None
        item = BatchStore(seat_a).pending_items(plan.batch_id, "litigator")[0]
        key = call_key(item.subject, None)
        assert BatchStore(seat_a).start_call(item, key, operation="check").outcome == "claimed"
        other = BatchStore(seat_b).start_call(item, key, operation="check")
        assert other.outcome == "held" and other.holder  # the seat (user@host) that is making the call
        BatchStore(seat_a).release_claims()
        assert BatchStore(seat_b).start_call(item, key, operation="check").outcome == "claimed"


async def test_a_call_another_seat_is_making_is_skipped_until_the_lanes_other_items_are_done(database: Any) -> None:
    with Store(database) as seat_a, Store(database) as seat_b:
        ids = add_leads(seat_a, 3)
        runner_a = BatchRunner(FakeService(seat_a), clients=fakes())
        plan_a = runner_a.create(ids[:1], ["litigator"], name="a")
        assert plan_a.batch_id is not None
        held = BatchStore(seat_a).pending_items(plan_a.batch_id, "litigator")[0]
        key = call_key(held.subject, None)  # a litigator check sends nothing but its subject
        assert BatchStore(seat_a).start_call(held, key, operation="check").outcome == "claimed"  # seat A is calling

        clients = fakes()
        runner_b = BatchRunner(FakeService(seat_b), clients=clients, sleep=_yield_only)
        plan_b = runner_b.create(ids, ["litigator"], name="b")
        assert plan_b.batch_id is not None
        outcomes: list[tuple[int, str, str]] = []

        def seen(event: Any) -> None:
            if event.item is not None:
                outcomes.append((event.item.lead_id, event.item.state, event.item.message))

        run_b = asyncio.ensure_future(runner_b.run(plan_b.batch_id, on_event=seen).run())
        await until(lambda: len(outcomes) == 2)  # seat B went on with the other leads instead of waiting
        assert sorted(lead for lead, _, _ in outcomes) == ids[1:]
        answer = CheckResult("litigator", "check", held.subject, Flag.GREEN, "not a known litigator")
        BatchStore(seat_a).complete_item(held, answer, sent={}, claim_key=key)
        progress = await run_b
        assert progress.state is RunState.DONE
        assert outcomes[-1] == (ids[0], "cached", "answered by another seat")
        assert held.subject not in clients["litigator"].calls  # seat B never paid for it
