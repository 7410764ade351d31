"""The Leads tab's re-check: one lead checked with every vendor it has data for, by the batch's own rules.

:func:`recheck_lead` makes the same calls a batch makes (:data:`~desktop_app.jobs.vendor_jobs.JOBS`: the same
subject, the same lead data sent, a bad email or phone left out of a TrustedForm match, the supplier passed, the
same Jornaya data) and stores each answer against the lead through the service's ``save`` (scrubbed, with the
data sent, a litigator hit suppressed: :mod:`desktop_app.check_rules`). Calls to different vendors run
concurrently; a refusal before sending (bad input, missing keys) is an outcome, not an exception. No Qt here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop_app.jobs.vendor_jobs import JOBS
from desktop_app.vendors.errors import InputError, MissingCredentials
from desktop_app.vendors.registry import in_tab_order
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


def recheck_plan(lead: Mapping[str, Any]) -> list[str]:
    """The vendors ``lead`` can be checked with, from the data it has (those a batch would check it with), in
    tab order."""
    return [v.key for v in in_tab_order() if v.key in JOBS and JOBS[v.key].subject(lead) is not None]


async def recheck_lead(service: Any, lead: Mapping[str, Any]) -> list[RecheckOutcome]:
    """Check ``lead`` (a stored lead, with its ``id``) with every vendor it has data for, concurrently; each result
    is stored against it with the data sent. ``service`` is the :class:`~desktop_app.service.CheckService`."""
    lead_id = int(lead["id"])

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

    return list(await asyncio.gather(*(one(v) for v in recheck_plan(lead))))
