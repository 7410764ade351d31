"""Money and time over the store: certificate deadlines, what checks cost, supplier scorecards, returnable leads,
reviewed hits. Read-only queries over the lead and check tables (reviews are written through the evidence log).

Deadlines (:func:`deadlines`): a TrustedForm certificate not yet retained is due ``retain_hours`` (72 by default)
after the lead was bought (its file's lead-date column, else its import time); a retained certificate whose
retention ends within ``expiry_days`` (30) is listed by its end; a Contact State certificate that no completed
Contact State call has read or claimed is due like a TrustedForm one. A certificate retained by any completed
retain is no longer due, whichever lead it was retained for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from desktop_app.store import evidence
from desktop_app.store.backend import Connection

GROUPS = {
    "vendor": "c.vendor",
    "supplier": "coalesce(l.supplier, '')",
    "day": "substr(c.finished_at, 1, 10)",
    "batch": "coalesce(c.batch_id, 0)",
}
DEFAULT_RETURN_HOURS = 72.0


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Deadline:
    lead_id: int
    vendor: str
    subject: str
    due_at: str
    hours_left: float
    kind: str  # "retain", "retention_ends", "claim"

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead_id": self.lead_id,
            "vendor": self.vendor,
            "subject": self.subject,
            "due_at": self.due_at,
            "hours_left": round(self.hours_left, 2),
            "kind": self.kind,
        }


# A certificate's purchase time, as the partial indexes of schema 6 (leads_*_due) hold it: the planner then reads
# only the leads still due, in due order.
BOUGHT = "coalesce(purchased_at, created_at)"
DUE_SOURCES = (
    ("cert_url", "trustedform", "retain", ("retain",)),
    ("cs_cert_url", "contactstate", "claim", ("claim", "reclaim", "cert")),
)


def deadlines(
    conn: Connection,
    now: datetime,
    *,
    retain_hours: float = 72.0,
    expiry_days: float = 30.0,
    limit: int | None = None,
) -> list[Deadline]:
    """Due items, most urgent first, at most ``limit`` of each kind (see the module doc)."""
    out: list[Deadline] = []
    now_text, sql = iso(now), conn.dialect
    cap = "" if limit is None else f" LIMIT {int(limit)}"
    for column, vendor, kind, operations in DUE_SOURCES:
        marks = ", ".join("?" * len(operations))
        rows = conn.execute(
            f"SELECT id, {column}, {sql.iso_plus_hours(BOUGHT, '?')}, {sql.hours_between(BOUGHT, '?')} + ? "
            f"FROM leads WHERE {column} IS NOT NULL AND flag_{vendor} IS NULL AND NOT EXISTS (SELECT 1 FROM checks c "
            f"WHERE c.vendor = ? AND c.subject = leads.{column} AND c.operation IN ({marks}) AND c.error IS NULL) "
            f"ORDER BY {BOUGHT}, id{cap}",
            (float(retain_hours), now_text, float(retain_hours), vendor, *operations),
        )
        out.extend(
            Deadline(int(i), vendor, str(subject), str(due), round(float(hours), 3), kind)
            for i, subject, due, hours in rows
        )
    horizon = iso(now + timedelta(days=expiry_days))
    expires = sql.json_text("c.details", "expires_at")
    rows = conn.execute(
        f"SELECT l.id, c.subject, {expires}, {sql.hours_between(expires, '?')} FROM checks c "
        "JOIN (SELECT subject, max(id) AS id FROM checks WHERE vendor = 'trustedform' AND operation = 'retain' "
        "AND error IS NULL GROUP BY subject) m ON m.id = c.id JOIN leads l ON l.cert_url = c.subject "
        f"WHERE {sql.json_is_true('c.details', 'retained')} AND {expires} <= ?{cap}",
        (now_text, horizon),
    )
    out.extend(
        Deadline(int(i), "trustedform", str(subject), str(expires), round(float(hours), 3), "retention_ends")
        for i, subject, expires, hours in rows
        if expires
    )
    out.sort(key=lambda d: (d.hours_left, d.lead_id))
    return out


def costs(conn: Connection, by: str = "vendor") -> list[dict[str, Any]]:
    """The ledger: per vendor, supplier (of the lead a check was made for), day or batch, how many checks were
    stored, how many were billed (cost above 0) and what they cost."""
    group = GROUPS[by]
    rows = conn.execute(
        f"SELECT {group} AS k, count(*), count(*) FILTER (WHERE c.cost > 0), round(CAST(sum(c.cost) AS NUMERIC), 4) "
        "FROM checks c "
        f"LEFT JOIN leads l ON l.id = c.lead_id GROUP BY k ORDER BY k"
    )
    return [
        {by: key, "checks": int(n), "billed": int(billed or 0), "cost": float(cost or 0)}
        for key, n, billed, cost in rows
    ]


def suppliers(conn: Connection) -> list[dict[str, Any]]:
    """Per supplier: leads bought and their cost, verdicts, per-vendor red and yellow counts, litigator hits,
    TrustedForm and Jornaya failures, compliance spend and the cost of a green lead."""
    flags = ("trustedform", "jornaya", "litigator", "contactstate")
    per_flag = ", ".join(
        f"count(*) FILTER (WHERE flag_{v} = 'red'), count(*) FILTER (WHERE flag_{v} = 'yellow')" for v in flags
    )
    verdicts = ", ".join(f"count(*) FILTER (WHERE verdict = '{v}')" for v in ("red", "yellow", "green", "unchecked"))
    lead_cost = conn.dialect.number("coalesce(cost, '0')")
    # GROUP BY the bare column, so the leads_scorecard covering index is read in order (no table, no sort)
    grouped = conn.execute(
        f"SELECT supplier, count(*), round(CAST(sum({lead_cost}) AS NUMERIC), 2), "
        f"{verdicts}, {per_flag} FROM leads GROUP BY supplier"
    ).fetchall()
    rows = sorted(((name or "", *rest) for name, *rest in grouped), key=lambda r: r[0])
    spend = dict(
        conn.execute(
            "SELECT coalesce(l.supplier, ''), round(CAST(sum(c.cost) AS NUMERIC), 4) FROM checks c "
            "JOIN leads l ON l.id = c.lead_id WHERE c.cost > 0 GROUP BY 1"
        ).fetchall()
    )
    out = []
    for row in rows:
        name, leads, lead_cost, red, yellow, green, unchecked = row[:7]
        vendor_counts = {
            v: {"red": int(row[7 + 2 * i] or 0), "yellow": int(row[8 + 2 * i] or 0)} for i, v in enumerate(flags)
        }
        compliance = float(spend.get(name) or 0)
        out.append(
            {
                "supplier": name,
                "leads": int(leads),
                "lead_cost": float(lead_cost or 0),
                "verdicts": {
                    "red": int(red or 0),
                    "yellow": int(yellow or 0),
                    "green": int(green or 0),
                    "unchecked": int(unchecked or 0),
                },  # fmt: skip
                "vendors": vendor_counts,
                "litigator_hits": vendor_counts["litigator"]["red"],
                "trustedform_failures": vendor_counts["trustedform"]["red"],
                "jornaya_failures": vendor_counts["jornaya"]["red"],
                "compliance_spend": compliance,
                "cost_per_green_lead": round((float(lead_cost or 0) + compliance) / green, 4) if green else None,
            }
        )
    return out


def returnable(
    conn: Connection, windows: Mapping[str, float] | None = None, *, supplier: str | None = None
) -> list[dict[str, Any]]:
    """Leads that turned red within their supplier's return window (hours after purchase; default 72): the lead,
    when it turned red, the reason in words, and the evidence-log hash of the check that made it red."""
    windows = windows or {}
    where, params = "", []
    if supplier is not None:
        where, params = " AND l.supplier = ?", [supplier]
    rows = conn.execute(
        "SELECT l.id, coalesce(l.supplier, ''), coalesce(l.purchased_at, l.created_at), l.phone, l.email, "
        "c.id, c.vendor, c.summary, c.finished_at FROM leads l JOIN check_leads cl ON cl.lead_id = l.id "
        "AND cl.counts = 1 JOIN checks c ON c.id = cl.check_id AND c.flag = 'red' AND c.error IS NULL "
        f"WHERE l.verdict = 'red'{where} ORDER BY l.id, c.id",
        params,
    ).fetchall()
    first: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        first.setdefault(int(row[0]), row)
    hashes = evidence.entries_for_checks(conn, [int(r[5]) for r in first.values()])
    out = []
    for lead_id, (_, name, bought, phone, email, check_id, vendor, summary, red_at) in first.items():
        hours = (parse_iso(str(red_at)) - parse_iso(str(bought))).total_seconds() / 3600
        window = float(windows.get(name, DEFAULT_RETURN_HOURS))
        if hours <= window:
            out.append(
                {
                    "lead_id": lead_id,
                    "supplier": name,
                    "phone": phone,
                    "email": email,
                    "bought_at": bought,
                    "red_at": red_at,
                    "hours_after_purchase": round(hours, 2),
                    "window_hours": window,
                    "vendor": vendor,
                    "reason": summary,
                    "check_id": int(check_id),
                    "evidence_hash": hashes.get(int(check_id), (0, ""))[1],
                }  # fmt: skip
            )
    return out


def review(conn: Connection, lead_id: int, reason: str, at: str) -> int:
    """Mark a lead's red verdict or litigator hit reviewed (inside the caller's transaction); the review is an
    evidence-log entry. Returns the review's id."""
    cur = conn.execute(
        "INSERT INTO reviews (lead_id, reason, seat, at) VALUES (?, ?, ?, ?) RETURNING id",
        (lead_id, reason, evidence.seat(), at),
    )
    review_id = int(cur.fetchone()[0])
    evidence.log_event(conn, "review", {"lead_id": lead_id, "reason": reason, "at": at}, ref=review_id)
    return review_id


def reviews(conn: Connection, lead_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each lead's latest review: {reason, seat, at}."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(lead_ids), 500):
        part = list(lead_ids[start : start + 500])
        rows = conn.execute(
            f"SELECT lead_id, reason, seat, at FROM reviews WHERE lead_id IN ({', '.join('?' * len(part))}) "
            "ORDER BY id",
            part,
        )
        for lead_id, reason, seat, at in rows:
            out[int(lead_id)] = {"reason": reason, "seat": seat, "at": at}
    return out
