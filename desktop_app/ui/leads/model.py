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

The columns, their titles, sort keys and roles are declared in :mod:`.columns` (and importable from here);
what each cell shows for each role is :mod:`.cells`.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from array import array
from collections import OrderedDict
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from desktop_app.store.backend import Connection, Location
from desktop_app.store.errors import QueryInterrupted, StoreError
from desktop_app.store.lead_table import ROW_COLUMNS, FlagFilter, LeadQuery, iter_ids, reader
from desktop_app.ui import theme
from desktop_app.ui.leads.cells import FLAG_FIELD, ROW_ID, cell_data
from desktop_app.ui.leads.columns import (
    COL_ADDED,
    COL_CERT,
    COL_CONSENTCONTROL,
    COL_CONTACTSTATE,
    COL_EMAIL,
    COL_JORNAYA,
    COL_LEADID,
    COL_LITIGATOR,
    COL_NAME,
    COL_PHONE,
    COL_STATE,
    COL_SUPPLIER,
    COL_TRUSTEDFORM,
    COL_VERDICT,
    COLUMN_COUNT,
    FLAG_COLUMNS,
    FLAG_FILTERS,
    FLAG_ROLE,
    HEADER_TIPS,
    HEADERS,
    LEAD_ID_ROLE,
    SORT_KEYS,
    VENDOR_ORDER,
    VENDOR_TITLES,
    certificate_id,
    display_phone,
    filter_label,
    flag_filter_labels,
    short_time,
)

# the columns (and the store's query types) are imported from here by the window, the batch feature and the tests
__all__ = [
    "COL_ADDED",
    "COL_CERT",
    "COL_CONSENTCONTROL",
    "COL_CONTACTSTATE",
    "COL_EMAIL",
    "COL_JORNAYA",
    "COL_LEADID",
    "COL_LITIGATOR",
    "COL_NAME",
    "COL_PHONE",
    "COL_STATE",
    "COL_SUPPLIER",
    "COL_TRUSTEDFORM",
    "COL_VERDICT",
    "COLUMN_COUNT",
    "FLAG_COLUMNS",
    "FLAG_FILTERS",
    "FLAG_ROLE",
    "HEADER_TIPS",
    "HEADERS",
    "LEAD_ID_ROLE",
    "SORT_KEYS",
    "VENDOR_ORDER",
    "VENDOR_TITLES",
    "FlagFilter",
    "LeadQuery",
    "LeadsModel",
    "certificate_id",
    "display_phone",
    "filter_label",
    "flag_filter_labels",
    "short_time",
]

PAGE_SIZE = 200
CACHE_PAGES = 64


@dataclass
class _Page:
    rows: list[tuple[Any, ...] | None]
    latest: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)  # (lead, vendor) -> (at, summary)


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

    def __init__(self, store: Any, parent: Any = None, *, database: Location | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.database: Location = database or store.location
        self.query = LeadQuery()
        self.complete = False  # whether ``_ids`` is the whole result (not just the first page)
        self._ids: array[int] = array("q")
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._generation = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leads-query")
        self._reader: Connection | None = None
        self._reader_lock = threading.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._loading = False  # an id list is being read
        self._read_again = False  # read it again once it is in (other seats added leads meanwhile)
        self._pending_new: list[int] = []  # leads other seats added while it was read (oldest first)
        self.refreshes = 0  # how many times :meth:`refresh` dropped every cached row (own writes: batch, re-check)
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
            # two-word titles on two lines keep the flag, certificate and token columns narrow
            narrow = section in FLAG_COLUMNS or section in (COL_CERT, COL_LEADID)
            return HEADERS[section].replace(" ", "\n", 1) if narrow else HEADERS[section]
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
        if role == LEAD_ID_ROLE:
            return self._ids[index.row()]
        return cell_data(page.rows[index.row() % PAGE_SIZE], index.column(), role, page.latest, self._bold)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt's sort request (a header click): reload the id list in the new order, off the GUI thread."""
        if column not in SORT_KEYS:
            return
        query = replace(self.query, sort=SORT_KEYS[column], descending=order == Qt.SortOrder.DescendingOrder)
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
        return dict(zip(ROW_COLUMNS, values, strict=True))

    def cell_text(self, row: int, column: int) -> str:
        """What a cell says, as copied to the clipboard (a flag cell copies its word)."""
        role = Qt.ItemDataRole.AccessibleTextRole if column == COL_CERT else Qt.ItemDataRole.DisplayRole
        value = self.data(self.index(row, column), role)
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
        self._loading, self._read_again = True, False
        self._pending_new.clear()
        query = self.query
        if query.quick_first_page and not keep_rows:
            self._show_first_page(query)
        self.loading_changed.emit(True)
        try:
            ids = await asyncio.get_running_loop().run_in_executor(self._executor, self._read_ids, query)
        except StoreError as exc:
            if generation == self._generation and not self._closed and not isinstance(exc, QueryInterrupted):
                self.load_failed.emit(str(exc))
            return len(self._ids)
        finally:
            if generation == self._generation:
                self._loading = False
                self.loading_changed.emit(False)
        if generation != self._generation or self._closed:
            return len(self._ids)
        self._apply_ids(ids)
        if self._read_again:  # other seats added leads to a filtered or sorted list while it was read
            self._spawn(self.reload(keep_rows=True))
        elif self._pending_new:
            self.add_new_leads(list(self._pending_new))
            self._pending_new.clear()
        self.loaded.emit(len(self._ids))
        return len(self._ids)

    def refresh(self) -> None:
        """Forget cached rows and repaint (after checks changed flags); the order and row count stay."""
        self.refreshes += 1
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, COLUMN_COUNT - 1))

    def refresh_leads(self, lead_ids: Collection[int]) -> int:
        """Read the cached rows of ``lead_ids`` again (another seat changed their flags): drop the cached pages
        holding them and repaint those rows only; rows not cached are read when shown. Returns the rows repainted.
        The order stays (a sort or filter by flag is brought up to date by a refresh)."""
        wanted = set(lead_ids)
        rows: list[int] = []
        for number in list(self._pages):
            start = number * PAGE_SIZE
            hits = [start + i for i, lead in enumerate(self._ids[start : start + PAGE_SIZE]) if lead in wanted]
            if hits:
                del self._pages[number]
                rows.extend(hits)
        for row in rows:
            self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMN_COUNT - 1))
        return len(rows)

    def add_new_leads(self, new_ids: Sequence[int] | None) -> int:
        """Show leads another seat added (``new_ids`` oldest first; None: too many to list). When the table shows
        every lead in the order they were added, they are inserted where they belong (newest first: at the top),
        returns how many; otherwise (another sort or a filter, an id list still loading, None) the id list is read
        again off the GUI thread keeping the rows on screen, and -1 is returned."""
        if new_ids is not None and not new_ids:
            return 0
        if self._loading:  # the list being read may lack them: they follow once it is in (one read at a time)
            if new_ids is None or not self.query.quick_first_page:
                self._read_again = True
            else:
                self._pending_new.extend(new_ids)
            return -1
        if new_ids is None or not self.complete or not self.query.quick_first_page:
            self._spawn(self.reload(keep_rows=True))
            return -1
        newest = max(self._ids[0], self._ids[-1]) if self._ids else 0
        fresh = array("q", sorted(i for i in set(new_ids) if i > newest))  # the list may hold some already
        if not fresh:
            return 0
        count = len(fresh)
        if self.query.descending:
            fresh.reverse()
            self.beginInsertRows(QModelIndex(), 0, count - 1)
            self._ids = fresh + self._ids
            self._pages.clear()  # every row moved down: pages are read again as they are shown
            self.endInsertRows()
        else:
            shown = len(self._ids)
            self.beginInsertRows(QModelIndex(), shown, shown + count - 1)
            self._ids.extend(fresh)
            self._pages.pop(shown // PAGE_SIZE, None)  # the last page, now longer
            self.endInsertRows()
        return count

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
        conn = reader(self.database)
        with self._reader_lock:
            self._reader = conn
        try:
            ids = array("q")
            for chunk in iter_ids(conn, query):
                ids.extend(itertools.chain.from_iterable(chunk))
            return ids
        finally:
            with self._reader_lock:
                self._reader = None
            conn.close()

    def _show_first_page(self, query: LeadQuery) -> None:
        ids = array("q", self.store.first_lead_ids(query, PAGE_SIZE))
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
        found = self.store.lead_rows(ids)
        page = _Page([found.get(i) for i in ids])
        flagged = [r[ROW_ID] for r in found.values() if any(r[i] for i in FLAG_FIELD.values())]
        page.latest = self.store.latest_lead_answers(flagged)
        return page
