"""Other seats' results in an open window: a bounded poll of the database's change mark (issue 16).

Every :data:`INTERVAL_MS` (2 s) a single-shot ``QTimer`` asks :func:`desktop_app.store.changes.changes_since` what
was stored since the last look, on a thread of its own (a one-thread executor) with a reader connection of its own
(:func:`desktop_app.store.lead_table.reader`), so the GUI thread never waits on the database. One code path for
both engines: it sees another seat on the shared PostgreSQL database, and a ``leadcheck scrub`` or another window
on the same SQLite file, which a PostgreSQL ``NOTIFY`` would not. The timer starts again only once a poll is over,
so polls never pile up; when nothing changed a poll is one statement of three primary-key lookups.

A failing poll (the server went away, the file is busy) is said once (``failed``) and retried every
:data:`RETRY_MS` with a new connection; the first poll that works says so (``recovered``).

Signals: see :class:`ChangePoller`. :func:`changes_words` says what a poll found, for the status bar.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.store import changes
from desktop_app.store.backend import Connection, Location
from desktop_app.store.changes import Changes, Mark
from desktop_app.store.errors import StoreError, store_errors
from desktop_app.store.lead_table import reader
from desktop_app.ui.runtime import spawn

INTERVAL_MS = 2000
RETRY_MS = 10000


class ChangePoller(QObject):
    """Polls ``location`` for what other seats stored (see the module doc); :meth:`start` and :meth:`stop` it.

    Signals:
        changed(object): a :class:`~desktop_app.store.changes.Changes` with something new.
        polled(): a poll worked (after ``changed`` when it found something).
        failed(str): a poll failed; said once until a poll works again.
        recovered(): a poll worked after failing.
    """

    changed = Signal(object)
    polled = Signal()
    failed = Signal(str)
    recovered = Signal()

    def __init__(
        self, location: Location, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS, retry_ms: int = 0
    ) -> None:
        super().__init__(parent)
        self.location = location
        self.interval_ms = interval_ms
        self.retry_ms = retry_ms or max(interval_ms, RETRY_MS)
        self.mark: Mark | None = None  # None until read once: the first poll only takes the mark
        self.failing = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leads-changes")
        self._conn: Connection | None = None  # used on the executor's thread only
        self._stopped = False

    def start(self, mark: Mark | None = None) -> None:
        """Poll from ``mark`` (read by the caller before its lead table read its list, so nothing falls between
        them), or from what the first poll finds. Not again after :meth:`stop`."""
        if mark is not None:
            self.mark = mark
        if not self._stopped:
            self.timer.start(self.interval_ms)

    def stop(self) -> None:
        """Stop polling for good; the reader connection is closed on its own thread."""
        self.timer.stop()
        if not self._stopped:
            self._stopped = True
            self._executor.submit(self._close)
            self._executor.shutdown(wait=False)

    async def poll(self) -> Changes | None:
        """One poll: what changed since the last one (None on the first poll, which only takes the mark, and when
        the poll failed)."""
        previous = self.mark
        try:
            found = await asyncio.get_running_loop().run_in_executor(self._executor, self._read, previous)
        except StoreError as exc:
            if not self.failing and not self._stopped:
                self.failing = True
                self.failed.emit(str(exc))
            return None
        if self._stopped:
            return None
        if self.failing:
            self.failing = False
            self.recovered.emit()
        self.mark = found.mark
        if previous is None or not found.any:
            self.polled.emit()
            return None
        self.changed.emit(found)
        self.polled.emit()
        return found

    async def poll_and_wait(self) -> Changes | None:
        """The timer's poll, then the timer again (after :data:`RETRY_MS` while polls fail)."""
        try:
            return await self.poll()
        finally:
            if not self._stopped:
                self.timer.start(self.retry_ms if self.failing else self.interval_ms)

    # -- the executor's thread ------------------------------------------------------------------------------

    def _read(self, previous: Mark | None) -> Changes:
        try:
            if self._conn is None:
                with store_errors("reach the database"):
                    self._conn = reader(self.location)
            if previous is None:
                return Changes(changes.read_mark(self._conn))
            return changes.changes_since(self._conn, previous)
        except StoreError:
            self._close()  # a new connection next time (the server may have restarted)
            raise

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection may refuse to close; it is dropped anyway
                conn.close()

    # -- slots ------------------------------------------------------------------------------------------------

    def _on_timer(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop (a plain widget test): no poll
            return
        spawn(self.poll_and_wait())


def changes_words(found: Changes) -> str:
    """What a poll found, for the status bar: "3 new leads and 5 new results from other seats or leadcheck
    commands"."""
    counts = [(found.new_leads, "new lead"), (found.new_results, "new result"), (found.new_reviews, "review")]
    parts = [f"{count:,} {word}{'s' if count != 1 else ''}" for count, word in counts if count]
    if not parts:
        return "The database changed: the lead table was read again."
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{listed} from other seats or leadcheck commands"


def poll_mark(store: Any) -> Mark | None:
    """The store's mark now, read on its own connection on the GUI thread (three primary-key lookups), so that the
    lead table's list, read after it, holds everything before it; None when the read fails (the first poll then
    takes the mark)."""
    try:
        return changes.read_mark(store.connection)
    except StoreError:
        return None
