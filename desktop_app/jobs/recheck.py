"""The Leads tab's re-check: one lead checked with every vendor it has data for, by the batch's own rules.

:func:`recheck_lead` makes the same calls a batch makes (:data:`~desktop_app.jobs.vendor_jobs.JOBS`: the same
subject, the same lead data sent, a bad email or phone left out of a TrustedForm match, the supplier passed, the
same Jornaya data) and stores each answer against the lead through the service's ``save`` (scrubbed, with the
data sent, a litigator hit suppressed: :mod:`desktop_app.check_rules`). Calls to different vendors run
concurrently; a refusal before sending (bad input, missing keys) is an outcome, not an exception.
:func:`recheck_steps` is what the window asks the buyer to confirm first: each vendor, whether it bills the call,
and when it last answered for this lead. No Qt here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop_app.jobs.vendor_jobs import JOBS
from desktop_app.vendors.errors import InputError, MissingCredentials
from desktop_app.vendors.registry import in_tab_order
from desktop_app.vendors.registry import vendor as vendor_facts
from desktop_app.vendors.results import CheckResult


@dataclass(frozen=True)
class RecheckOutcome:
    """One vendor's part of a re-check: the stored result, or the reason nothing was sent."""

    vendor: str
    result: CheckResult | None = None
    refused: str = ""  # InputError / MissingCredentials text: nothing was sent

    @property
    def failed(self) -> bool:
        """Nothing was sent, or the call failed."""
        return bool(self.refused) or (self.result is not None and self.result.error is not None)


@dataclass(frozen=True)
class RecheckStep:
    """What re-checking a lead with one vendor means, for the buyer to confirm: whether the vendor bills the call,
    and when this lead was last answered by it (``last_checked``, an ISO time, None when never)."""

    vendor: str
    billed: bool
    last_checked: str | None


def recheck_steps(lead: Mapping[str, Any], history: Iterable[CheckResult]) -> list[RecheckStep]:
    """One :class:`RecheckStep` per vendor of :func:`recheck_plan`; ``history`` is the lead's stored checks (any
    order). Only a completed answer to the call a re-check makes counts as "already checked"."""
    latest: dict[str, str] = {}
    for result in history:
        job = JOBS.get(result.vendor)
        if job is None or result.operation != job.operation or result.error is not None or not result.finished_at:
            continue
        latest[result.vendor] = max(latest.get(result.vendor, ""), result.finished_at)
    return [RecheckStep(v, vendor_facts(v).batch_billed, latest.get(v)) for v in recheck_plan(lead)]


def recheck_plan(lead: Mapping[str, Any]) -> list[str]:
    """The vendors ``lead`` can be checked with, from the data it has (those a batch would check it with), in
    tab order."""
    return [v.key for v in in_tab_order() if v.key in JOBS and JOBS[v.key].subject(lead) is not None]


async def recheck_lead(
    service: Any, lead: Mapping[str, Any], vendors: Iterable[str] | None = None
) -> list[RecheckOutcome]:
    """Check ``lead`` (a stored lead, with its ``id``) with every vendor it has data for (of ``vendors``, when
    given), concurrently; each result is stored against it with the data sent. ``service`` is the
    :class:`~desktop_app.service.CheckService`."""
    lead_id = int(lead["id"])
    chosen = recheck_plan(lead) if vendors is None else [v for v in recheck_plan(lead) if v in set(vendors)]

    async def one(vendor: str) -> RecheckOutcome:
        job = JOBS[vendor]
        subject = job.subject(lead)
        assert subject is not None  # recheck_plan chose only vendors with a subject
        try:
            result = await job.call(getattr(service, vendor)(), subject, lead)
        except (InputError, MissingCredentials) as exc:
            return RecheckOutcome(vendor, refused=str(exc))
        saved: CheckResult = service.save(result, lead_id=lead_id, sent=job.sent(lead))
        return RecheckOutcome(vendor, result=saved)

    return list(await asyncio.gather(*(one(v) for v in chosen)))
