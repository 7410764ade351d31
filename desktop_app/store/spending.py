"""What a vendor's stored checks cost over a span of time: the reads behind the daily spending caps
(:mod:`desktop_app.jobs.spending`) and the automatic retains. Read-only; times are computed in Python and compared
as the ISO UTC text every check stores (``finished_at``), so the SQL is the same on every database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(moment: datetime) -> str:
    """``moment`` as stored check times are: ISO 8601 UTC with milliseconds and a ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def spent(conn: Any, vendor: str, start: datetime, end: datetime) -> float:
    """What ``vendor``'s stored checks that finished in [``start``, ``end``) cost, in dollars (the
    ``checks_vendor_time`` index reads only that range). ``conn``: the store's open connection."""
    row = conn.execute(
        "SELECT sum(cost) FROM checks WHERE vendor = ? AND finished_at >= ? AND finished_at < ? AND cost > 0",
        (vendor, iso(start), iso(end)),
    ).fetchone()
    return round(float(row[0] or 0.0), 6)
