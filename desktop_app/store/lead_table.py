"""The SQL behind the lead table: which lead ids a filter and sort give, and the rows of a page of ids.

The window's model (:mod:`desktop_app.ui.leads.model`) knows columns and Qt; this module knows the ``leads``
table. :class:`LeadQuery` is what the table shows (text, verdict or flag filter, sort key, order);
:func:`read_ids` runs it on a connection of the caller's thread (the model's worker thread, so a million ids
never hold the window); :func:`fetch_rows` and :func:`latest_answers` read one page by primary key.

Text search: a phone in any layout or an email in any case finds the consumer's leads, exactly as
:func:`~desktop_app.store.consumers.lookup` does (the leads with that phone or email, and those sharing the other
contact of those leads); a certificate URL or token matches by whole value or prefix; anything
else matches names, email, supplier and, by digits, phones.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.store.backend import Connection, Location, is_shared, sqlite_connect
from desktop_app.store.consumers import contact_key
from desktop_app.store.errors import store_errors
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.registry import FLAG_COLUMNS
from desktop_app.verdict import Verdict

# The columns a page row holds, in this order.
ROW_COLUMNS = (
    "id", "first_name", "last_name", "phone", "email", "supplier", "state", "flag_trustedform", "flag_jornaya",
    "flag_contactstate", "flag_consentcontrol", "flag_litigator", "cert_url", "leadid", "cs_cert_url", "created_at",
    "verdict", "cost",
)  # fmt: skip
_SELECT = ", ".join(ROW_COLUMNS)

_RANK = "CASE {c} WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'green' THEN 2 ELSE 3 END {{o}}, id {{o}}"
# ``{o}``: ASC or DESC; ``{n}``: the same with blanks (NULL) first ascending and last descending, where SQLite puts
# them; PostgreSQL puts them the other way round unless told.
SORTS: dict[str, str] = {
    "name": "last_name {n}, first_name {n}, id {o}",
    "phone": "phone {n}, id {o}",
    "email": "email {n}, id {o}",
    "supplier": "supplier {n}, id {o}",
    "state": "state {n}, id {o}",
    "cert_url": "cert_url {n}, id {o}",
    "leadid": "leadid {n}, id {o}",
    "added": "id {o}",  # ids grow with created_at, and the primary key needs no sort
    "verdict": _RANK.format(c="verdict"),
    **{f"flag:{vendor}": _RANK.format(c=column) for vendor, column in FLAG_COLUMNS.items()},
}


@dataclass(frozen=True)
class FlagFilter:
    """Leads with a verdict (``vendor`` None) or a vendor's latest flag (``"unchecked"``: none yet)."""

    flag: str
    vendor: str | None = None

    def sql(self) -> tuple[str, list[Any]]:
        if self.vendor is None:
            return "verdict = ?", [self.flag]
        column = FLAG_COLUMNS[self.vendor]
        if self.flag == Verdict.UNCHECKED.value:
            return f"{column} IS NULL", []
        return f"{column} = ?", [self.flag]


_TOKEN_START = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f-]*")  # a LeadiD token, or the start of one
_CERT_ID = re.compile(r"[-_A-Za-z0-9]{20,}")  # a TrustedForm certificate id (40 or 80 characters), or its start


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_filter(text: str) -> tuple[str, list[Any]]:
    """The WHERE clause for the search box (see the module doc)."""
    text = text.strip()
    try:
        kind, key = contact_key(text)
    except InputError:
        kind, key = "", ""
    if kind:  # the consumer's leads, as lookup finds them: this phone/email, and the other contact on those leads
        other = "email" if kind == "phone" else "phone"
        sql = f"({kind} = ? OR {other} IN (SELECT {other} FROM leads WHERE {kind} = ? AND {other} IS NOT NULL))"
        return sql, [key, key]
    if text.lower().startswith(("http://", "https://")) or _TOKEN_START.fullmatch(text):
        prefix = _like(text) + "%"
        parts = [f"{c} LIKE ? ESCAPE '\\'" for c in ("cert_url", "leadid", "cs_cert_url")]
        return "(" + " OR ".join(parts) + ")", [prefix] * 3
    if _CERT_ID.fullmatch(text):
        return "cert_url LIKE ? ESCAPE '\\'", [f"https://cert.trustedform.com/{_like(text)}%"]
    like = "%" + _like(text) + "%"
    fields = ("first_name", "last_name", "email", "supplier")
    parts = [f"{f} LIKE ? ESCAPE '\\'" for f in fields]
    params: list[Any] = [like] * len(fields)
    parts.append("(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) LIKE ? ESCAPE '\\'")
    params.append(like)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3 and all(ch.isdigit() or ch in " ()+-." for ch in text):
        parts.append("phone LIKE ?")
        params.append(f"%{digits}%")
    return "(" + " OR ".join(parts) + ")", params


@dataclass(frozen=True)
class LeadQuery:
    """What the table shows: text filter, verdict/flag filter, sort key (one of :data:`SORTS`) and order."""

    text: str = ""
    flag_filter: FlagFilter | None = None
    sort: str = "added"
    descending: bool = True

    @property
    def quick_first_page(self) -> bool:
        """True when ``LIMIT n`` is answered by the primary key alone (so it can run on the GUI thread)."""
        return self.sort == "added" and not self.text.strip() and self.flag_filter is None

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.text.strip():
            sql, text_params = text_filter(self.text)
            clauses.append(sql)
            params.extend(text_params)
        if self.flag_filter is not None:
            sql, flag_params = self.flag_filter.sql()
            clauses.append(f"({sql})")
            params.extend(flag_params)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def ids_sql(self, limit: int | None = None) -> tuple[str, list[Any]]:
        where, params = self.where()
        order = "DESC" if self.descending else "ASC"
        nulls = "DESC NULLS LAST" if self.descending else "ASC NULLS FIRST"
        sql = "SELECT id FROM leads" + where + " ORDER BY " + SORTS[self.sort].format(o=order, n=nulls)
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params


def reader(database: Location) -> Connection:
    """A read connection of the calling thread's own (WAL: it reads while the store writes; in team mode, a
    connection to the shared database)."""
    if is_shared(database):
        from desktop_app.store import postgres

        return postgres.connect(str(database))
    return sqlite_connect(Path(database), autocommit=False)


def iter_ids(conn: Connection, query: LeadQuery, *, batch: int = 65536) -> Iterator[Sequence[tuple[int]]]:
    """The ordered ids for ``query``, a batch of rows at a time (the caller's thread and connection)."""
    sql, params = query.ids_sql()
    with store_errors("read the leads"):
        cursor = conn.execute(sql, params)
        while chunk := cursor.fetchmany(batch):
            yield chunk


def read_ids(database: Location, query: LeadQuery | None = None) -> list[int]:
    """Worker thread: the ids ``query`` gives (every lead, oldest first, when None) on a connection of its own."""
    with store_errors("read the leads"), contextlib.closing(reader(database)) as conn:
        if query is None:
            return [int(r[0]) for r in conn.execute("SELECT id FROM leads ORDER BY id")]
        return [int(r[0]) for chunk in iter_ids(conn, query) for r in chunk]


def first_ids(conn: Connection, query: LeadQuery, limit: int) -> list[int]:
    sql, params = query.ids_sql(limit=limit)
    return [int(r[0]) for r in conn.execute(sql, params).fetchall()]


def fetch_rows(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """Id -> row (:data:`ROW_COLUMNS`) for the leads of one page (at most a few hundred ids)."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return {r[0]: r for r in conn.execute(f"SELECT {_SELECT} FROM leads WHERE id IN ({marks})", tuple(ids))}


def latest_answers(conn: Connection, lead_ids: Sequence[int]) -> dict[tuple[int, str], tuple[str, str]]:
    """(lead id, vendor) -> (when, summary) of each lead's latest counted completed answer per vendor."""
    if not lead_ids:
        return {}
    marks = ", ".join("?" * len(lead_ids))
    rows = conn.execute(
        "SELECT cl.lead_id, c.vendor, max(c.id) FROM check_leads cl JOIN checks c ON c.id = cl.check_id "
        f"WHERE cl.lead_id IN ({marks}) AND cl.counts = 1 AND c.error IS NULL AND c.flag IS NOT NULL "
        "GROUP BY cl.lead_id, c.vendor",
        tuple(lead_ids),
    ).fetchall()
    if not rows:
        return {}
    ids = [r[2] for r in rows]
    details = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            f"SELECT id, finished_at, summary FROM checks WHERE id IN ({', '.join('?' * len(ids))})", ids
        )
    }
    return {(lead, vendor): details[check] for lead, vendor, check in rows if check in details}
