"""Several writers at once on one database (threads, each with a connection of its own, as seats or processes
have): every check is stored with its evidence entry, and the one chain verifies (issue 16). Both engines."""

from __future__ import annotations

import threading
from typing import Any

from desktop_app.store import Store
from desktop_app.vendors.results import CheckResult, Flag

WRITERS, CHECKS = 4, 25


def _writer(database: Any, number: int, lead_ids: list[int], errors: list[BaseException]) -> None:
    try:
        with Store(database) as store:
            for k in range(CHECKS):
                lead = lead_ids[(number + k) % len(lead_ids)]
                phone = f"+1202555{lead:04d}"
                result = CheckResult("litigator", "check", phone, Flag.GREEN, f"writer {number} call {k}")
                store.record_check(result, lead_id=lead, sent={"phone": phone})
                if k % 5 == 0:
                    store.log_event("export", {"writer": number, "k": k})
    except BaseException as exc:  # noqa: BLE001 - reported by the test below
        errors.append(exc)


def test_writers_at_once_keep_every_check_and_one_chain(database: Any) -> None:
    with Store(database) as store:
        lead_ids = [store.add_lead({"phone": f"+1202555{i:04d}"}) for i in range(1, 9)]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_writer, args=(database, n, lead_ids, errors)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with Store(database) as store:
        checks = store.db.execute("SELECT count(*) FROM checks").fetchone()[0]
        assert checks == WRITERS * CHECKS
        seqs = [row[0] for row in store.db.execute("SELECT seq FROM evidence_log ORDER BY seq").fetchall()]
        assert seqs == list(range(1, len(seqs) + 1))  # no gap, no number taken twice
        assert len(seqs) == WRITERS * CHECKS + WRITERS * (CHECKS // 5)
        outcome = store.verify()
        assert outcome.ok, outcome.problem
        assert outcome.checks == WRITERS * CHECKS
