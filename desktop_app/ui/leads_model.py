"""The lead table: a lazily fetched ``QAbstractTableModel`` over the ``leads`` table, smooth at a million rows.

How it stays fast:

* For the current sort and filter the model keeps only the ordered lead ids, an ``array('q')`` (8 bytes a
  lead, ~8 MB for 1,000,000). That list comes from one query run *off* the GUI thread on its own sqlite3
  connection (WAL lets it read while the store writes on the loop); a newer sort or filter interrupts it.
* While the list loads, the newest page is shown at once when the order allows it (newest first, no
  filter: the primary key answers ``LIMIT 200`` instantly), so the first rows appear immediately.
* Rows are read by id, :data:`PAGE_SIZE` at a time, through the store's connection on the GUI thread (a
  primary-key lookup of 200 rows takes about a millisecond) and kept in a small LRU page cache.

Filters: free text (name, phone digits, email, supplier, certificate, LeadiD) and a :class:`FlagFilter`
("any red", "litigator red", "not checked yet"). Sorting by lead fields uses the store's indexes where they
exist (phone, email, certificate, LeadiD, id); other columns are sorted by SQLite off-thread.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from desktop_app.ui import theme

PAGE_SIZE = 200
CACHE_PAGES = 64

VENDOR_ORDER = ("trustedform", "jornaya", "contactstate", "consentcontrol", "litigator")
VENDOR_TITLES = {
    "trustedform": "TrustedForm",
    "jornaya": "Jornaya",
    "contactstate": "Contact State",
    "consentcontrol": "Consent Control",
    "litigator": "TCPA Litigator",
}

(
    COL_NAME,
    COL_PHONE,
    COL_EMAIL,
    COL_SUPPLIER,
    COL_STATE,
    COL_TRUSTEDFORM,
    COL_JORNAYA,
    COL_CONTACTSTATE,
    COL_CONSENTCONTROL,
    COL_LITIGATOR,
    COL_CERT,
    COL_LEADID,
    COL_ADDED,
) = range(13)
COLUMN_COUNT = 13

FLAG_COLUMNS: dict[int, str] = {
    COL_TRUSTEDFORM: "trustedform",
    COL_JORNAYA: "jornaya",
    COL_CONTACTSTATE: "contactstate",
    COL_CONSENTCONTROL: "consentcontrol",
    COL_LITIGATOR: "litigator",
}
HEADERS: dict[int, str] = {
    COL_NAME: "Name",
    COL_PHONE: "Phone",
    COL_EMAIL: "Email",
    COL_SUPPLIER: "Supplier",
    COL_STATE: "State",
    **{col: VENDOR_TITLES[vendor] for col, vendor in FLAG_COLUMNS.items()},
    COL_CERT: "TrustedForm certificate",
    COL_LEADID: "LeadiD token",
    COL_ADDED: "Added",
}
HEADER_TIPS: dict[int, str] = {
    COL_NAME: "The lead's first and last name",
    COL_PHONE: "The lead's phone number",
    COL_SUPPLIER: "Who sold you the lead",
    COL_ADDED: "When the lead was added to Leadcheck",
    **{col: f"The latest {VENDOR_TITLES[v]} flag for this lead (sorted red first)" for col, v in FLAG_COLUMNS.items()},
}

# Columns read for each row, in this order (indexes into the row tuple below).
_SELECT = (
    "id, first_name, last_name, phone, email, supplier, state, flag_trustedform, flag_jornaya, "
    "flag_contactstate, flag_consentcontrol, flag_litigator, cert_url, leadid, cs_cert_url, created_at"
)
(
    _R_ID,
    _R_FIRST,
    _R_LAST,
    _R_PHONE,
    _R_EMAIL,
    _R_SUPPLIER,
    _R_STATE,
    _R_FLAG_TF,
    _R_FLAG_JO,
    _R_FLAG_CS,
    _R_FLAG_CC,
    _R_FLAG_LI,
    _R_CERT,
    _R_LEADID,
    _R_CS_CERT,
    _R_CREATED,
) = range(16)
_FLAG_FIELD = {
    "trustedform": _R_FLAG_TF,
    "jornaya": _R_FLAG_JO,
    "contactstate": _R_FLAG_CS,
    "consentcontrol": _R_FLAG_CC,
    "litigator": _R_FLAG_LI,
}

_SORT_SQL: dict[int, str] = {
    COL_NAME: "last_name {o}, first_name {o}, id {o}",
    COL_PHONE: "phone {o}, id {o}",
    COL_EMAIL: "email {o}, id {o}",
    COL_SUPPLIER: "supplier {o}, id {o}",
    COL_STATE: "state {o}, id {o}",
    COL_CERT: "cert_url {o}, id {o}",
    COL_LEADID: "leadid {o}, id {o}",
    COL_ADDED: "id {o}",  # ids grow with created_at, and the primary key needs no sort
    **{
        col: f"CASE flag_{v} WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'green' THEN 2 ELSE 3 END {{o}}, id {{o}}"
        for col, v in FLAG_COLUMNS.items()
    },
}

LEAD_ID_ROLE = Qt.ItemDataRole.UserRole + 1
FLAG_ROLE = Qt.ItemDataRole.UserRole + 2  # the stored flag value ("red"...) of a flag column, or None


@dataclass(frozen=True)
class FlagFilter:
    """Leads whose latest flag from ``vendor`` (any vendor when None) is ``flag``; "unchecked" means none yet."""

    flag: str
    vendor: str | None = None

    @property
    def label(self) -> str:
        word = "Not checked yet" if self.flag == "unchecked" else theme.flag_word(self.flag)
        if self.vendor is None:
            return "Not checked by any vendor" if self.flag == "unchecked" else f"Any {word}"
        return f"{VENDOR_TITLES[self.vendor]}: {word}"

    def sql(self) -> tuple[str, list[Any]]:
        vendors = [self.vendor] if self.vendor else list(VENDOR_ORDER)
        columns = [f"flag_{v}" for v in vendors]
        if self.flag == "unchecked":
            return " AND ".join(f"{c} IS NULL" for c in columns), []
        return f"? IN ({', '.join(columns)})", [self.flag]


FLAG_FILTERS: tuple[FlagFilter | None, ...] = (
    None,
    FlagFilter("red"),
    FlagFilter("yellow"),
    FlagFilter("unchecked"),
    *(FlagFilter(flag, vendor) for vendor in VENDOR_ORDER for flag in ("red", "yellow", "green")),
)


@dataclass(frozen=True)
class LeadQuery:
    """What the table shows: text filter, flag filter, sort column and order."""

    text: str = ""
    flag_filter: FlagFilter | None = None
    sort_column: int = COL_ADDED
    descending: bool = True

    @property
    def quick_first_page(self) -> bool:
        """True when ``LIMIT n`` is answered by the primary key alone (so it can run on the GUI thread)."""
        return self.sort_column == COL_ADDED and not self.text.strip() and self.flag_filter is None

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        text = self.text.strip()
        if text:
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            fields = ["first_name", "last_name", "email", "supplier", "cert_url", "leadid", "cs_cert_url", "phone"]
            parts = [f"{f} LIKE ? ESCAPE '\\'" for f in fields]
            params.extend([like] * len(fields))
            parts.append("(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) LIKE ? ESCAPE '\\'")
            params.append(like)
            digits = "".join(ch for ch in text if ch.isdigit())
            if len(digits) >= 3 and all(ch.isdigit() or ch in " ()+-." for ch in text):
                parts.append("phone LIKE ?")
                params.append(f"%{digits}%")
            clauses.append("(" + " OR ".join(parts) + ")")
        if self.flag_filter is not None:
            sql, flag_params = self.flag_filter.sql()
            clauses.append(f"({sql})")
            params.extend(flag_params)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def order_by(self) -> str:
        return " ORDER BY " + _SORT_SQL[self.sort_column].format(o="DESC" if self.descending else "ASC")

    def ids_sql(self, limit: int | None = None) -> tuple[str, list[Any]]:
        where, params = self.where()
        sql = "SELECT id FROM leads" + where + self.order_by()
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params


@dataclass
class _Page:
    rows: list[tuple[Any, ...] | None]
    latest: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)  # (lead, vendor) -> (at, summary)


def display_phone(value: str | None) -> str:
    """A stored phone in US layout ("(202) 555-1212"), or as stored when it is not a US number."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return value
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def short_time(iso: str | None) -> str:
    """``2025-03-01T14:05:09.123Z`` -> ``2025-03-01 14:05 UTC``."""
    if not iso:
        return ""
    text = iso.replace("T", " ")
    return (text[:16] + " UTC") if iso.endswith("Z") or "+00:00" in iso else text[:16]


class LeadsModel(QAbstractTableModel):
    """The leads in the store, sorted and filtered, fetched a page at a time.

    Signals:
        loading_changed(bool): an id-list query started (True) or finished (False).
        loaded(int): the full id list for the current query is in; the argument is the row count.
        load_failed(str): the id-list query failed (the message is for the status line).
    """

    loading_changed = Signal(bool)
    loaded = Signal(int)
    load_failed = Signal(str)

    def __init__(self, store: Any, parent: Any = None, *, database: Path | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.database = Path(database or store.path)
        self.query = LeadQuery()
        self.complete = False  # whether ``_ids`` is the whole result (not just the first page)
        self._ids: array[int] = array("q")
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._generation = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leads-query")
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._bold = QFont()
        self._bold.setBold(True)

    # -- Qt model interface ---------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < COLUMN_COUNT:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section, f"{HEADERS[section]} (click to sort)")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        page = self._page(index.row() // PAGE_SIZE)
        row = page.rows[index.row() % PAGE_SIZE]
        column = index.column()
        if role == LEAD_ID_ROLE:
            return self._ids[index.row()]
        if row is None:  # deleted since the id list was read
            return "(deleted)" if role == Qt.ItemDataRole.DisplayRole and column == COL_NAME else None
        vendor = FLAG_COLUMNS.get(column)
        if vendor is not None:
            return self._flag_data(page, row, vendor, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (COL_EMAIL, COL_CERT, COL_LEADID, COL_SUPPLIER):
            return self._text(row, column) or None
        return None

    def _flag_data(self, page: _Page, row: tuple[Any, ...], vendor: str, role: int) -> Any:
        flag = row[_FLAG_FIELD[vendor]]
        if role == Qt.ItemDataRole.DisplayRole:
            return theme.flag_word(flag)
        if role == FLAG_ROLE:
            return flag
        if role == Qt.ItemDataRole.BackgroundRole:
            return theme.flag_background(flag)
        if role == Qt.ItemDataRole.ForegroundRole:
            return theme.flag_foreground(flag)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if flag else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{VENDOR_TITLES[vendor]} {theme.flag_word(flag) if flag else 'not checked'}"
        if role == Qt.ItemDataRole.ToolTipRole:
            if not flag:
                return f"{VENDOR_TITLES[vendor]}: not checked yet"
            tip = f"{VENDOR_TITLES[vendor]}: {theme.flag_word(flag)}"
            latest = page.latest.get((row[_R_ID], vendor))
            if latest:
                tip += f"\nChecked {short_time(latest[0])}\n{latest[1]}"
            return tip
        return None

    @staticmethod
    def _text(row: tuple[Any, ...], column: int) -> str:
        if column == COL_NAME:
            return " ".join(p for p in (row[_R_FIRST], row[_R_LAST]) if p)
        if column == COL_PHONE:
            return display_phone(row[_R_PHONE])
        if column == COL_CERT:
            return str(row[_R_CERT] or "")
        if column == COL_ADDED:
            return str(row[_R_CREATED] or "")[:10]
        source = {COL_EMAIL: _R_EMAIL, COL_SUPPLIER: _R_SUPPLIER, COL_STATE: _R_STATE, COL_LEADID: _R_LEADID}
        return str(row[source[column]] or "")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt's sort request (a header click): reload the id list in the new order, off the GUI thread."""
        if column not in _SORT_SQL:
            return
        query = replace(self.query, sort_column=column, descending=order == Qt.SortOrder.DescendingOrder)
        if query != self.query:
            self._spawn(self.set_query(query))

    # -- public API -----------------------------------------------------------------------------------------

    def lead_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, lead_id: int) -> int | None:
        try:
            return self._ids.index(lead_id)
        except ValueError:
            return None

    def row_values(self, row: int) -> dict[str, Any] | None:
        """The raw stored fields of the lead at ``row`` (for actions: certificate URL, phone...)."""
        if not 0 <= row < len(self._ids):
            return None
        values = self._page(row // PAGE_SIZE).rows[row % PAGE_SIZE]
        if values is None:
            return None
        names = [n.strip() for n in _SELECT.split(",")]
        return dict(zip(names, values, strict=True))

    def cell_text(self, row: int, column: int) -> str:
        """What a cell says, as copied to the clipboard (a flag cell copies its word)."""
        value = self.data(self.index(row, column))
        return "" if value is None or value == theme.NOT_CHECKED else str(value)

    def row_text(self, row: int) -> str:
        """The whole row as tab-separated text (pastes into a spreadsheet as one row)."""
        return "\t".join(self.cell_text(row, column) for column in range(COLUMN_COUNT))

    async def set_query(self, query: LeadQuery) -> int:
        """Show ``query``'s leads; returns the row count once the id list is complete."""
        self.query = query
        return await self.reload()

    async def set_text_filter(self, text: str) -> int:
        return await self.set_query(replace(self.query, text=text))

    async def set_flag_filter(self, flag_filter: FlagFilter | None) -> int:
        return await self.set_query(replace(self.query, flag_filter=flag_filter))

    async def reload(self, *, keep_rows: bool = False) -> int:
        """Re-read the id list for the current query (off-thread). Returns the row count.

        The newest page is shown immediately when the query allows it (unless ``keep_rows``: a refresh of
        the same query keeps the current rows on screen until the new list arrives). A reload started while
        another runs interrupts it; the superseded call returns the row count of the newer one's state.
        """
        if self._closed:
            return len(self._ids)
        self._generation += 1
        generation = self._generation
        self._interrupt()
        query = self.query
        if query.quick_first_page and not keep_rows:
            self._show_first_page(query)
        self.loading_changed.emit(True)
        try:
            ids = await asyncio.get_running_loop().run_in_executor(self._executor, self._read_ids, query)
        except sqlite3.Error as exc:
            if generation == self._generation and not self._closed:
                self.load_failed.emit(f"Leadcheck could not read the leads: {exc}.")
            return len(self._ids)
        finally:
            if generation == self._generation:
                self.loading_changed.emit(False)
        if generation != self._generation or self._closed:
            return len(self._ids)
        self._apply_ids(ids)
        self.loaded.emit(len(ids))
        return len(ids)

    def refresh(self) -> None:
        """Forget cached rows and repaint (after checks changed flags); the order and row count stay."""
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, COLUMN_COUNT - 1))

    def close(self) -> None:
        """Stop any running query and its thread; the model shows nothing new afterwards."""
        self._closed = True
        self._generation += 1
        self._interrupt()
        for task in list(self._tasks):
            task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- internals ------------------------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no loop (a plain widget test): run nothing, keep the current rows
            coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _interrupt(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.interrupt()

    def _read_ids(self, query: LeadQuery) -> array[int]:
        """Worker thread: the ordered ids for ``query`` on a connection of its own."""
        conn = sqlite3.connect(self.database, check_same_thread=False)
        with self._reader_lock:
            self._reader = conn
        try:
            sql, params = query.ids_sql()
            cursor = conn.execute(sql, params)
            ids = array("q")
            while chunk := cursor.fetchmany(65536):
                ids.extend(itertools.chain.from_iterable(chunk))
            return ids
        finally:
            with self._reader_lock:
                self._reader = None
            conn.close()

    def _show_first_page(self, query: LeadQuery) -> None:
        sql, params = query.ids_sql(limit=PAGE_SIZE)
        ids = array("q", (r[0] for r in self.store.db.execute(sql, params).fetchall()))
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.complete = False
        self.endResetModel()

    def _apply_ids(self, ids: array[int]) -> None:
        shown = len(self._ids)
        if not self.complete and shown and len(ids) >= shown and ids[:shown] == self._ids:
            if len(ids) > shown:  # the first page is already on screen: append the rest
                self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
                self._ids = ids
                self.endInsertRows()
            self._pages.pop(shown // PAGE_SIZE, None)
            self.complete = True
            return
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.complete = True
        self.endResetModel()

    def _page(self, number: int) -> _Page:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        page = self._fetch_page(self._ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE])
        self._pages[number] = page
        while len(self._pages) > CACHE_PAGES:
            self._pages.popitem(last=False)
        return page

    def _fetch_page(self, ids: Sequence[int]) -> _Page:
        if not ids:
            return _Page([])
        marks = ", ".join("?" * len(ids))
        found = {r[0]: r for r in self.store.db.execute(f"SELECT {_SELECT} FROM leads WHERE id IN ({marks})", ids)}
        page = _Page([found.get(i) for i in ids])
        flagged = [r[_R_ID] for r in found.values() if any(r[i] for i in _FLAG_FIELD.values())]
        if flagged:
            marks = ", ".join("?" * len(flagged))
            latest = self.store.db.execute(
                "SELECT lead_id, vendor, finished_at, summary FROM checks WHERE id IN ("
                f"SELECT max(id) FROM checks WHERE lead_id IN ({marks}) AND error IS NULL AND flag IS NOT NULL "
                "GROUP BY lead_id, vendor)",
                flagged,
            )
            page.latest = {(r[0], r[1]): (r[2], r[3]) for r in latest}
        return page


def flag_filter_labels() -> list[str]:
    return ["All leads" if f is None else f.label for f in FLAG_FILTERS]
