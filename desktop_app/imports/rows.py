"""Reading, cleaning and merging a CSV's rows into chunks ready to write: :class:`RowReader`.

Nothing here touches the database: the importer (:mod:`desktop_app.imports.importer`) is the one writer. Rows are
cleaned a batch of :data:`BATCH_ROWS` at a time, column by column (:func:`desktop_app.imports.cleaning.clean_column`);
merging is one dict ``setdefault`` per key (:class:`desktop_app.imports.keymap.KeyMap`); only mapped columns are
bound.
"""

from __future__ import annotations

import contextlib
import json
import operator
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any

from desktop_app.imports.cleaning import CLEANERS, PLAIN_FIELDS, clean_column, extra_values
from desktop_app.imports.keymap import READER_PAUSE_SECONDS, SHARD_MASK, KeyMap
from desktop_app.imports.mapping import IDENTITY_FIELDS, ColumnMapping
from desktop_app.imports.reader import CsvFormat, iter_records, open_text
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.store.imports import IMPORT_COLUMNS, ImportChunk, ImportProblemRow
from desktop_app.store.links import row_keys
from desktop_app.vendors.results import utcnow

BATCH_ROWS = 1000  # rows cleaned column by column at a time (a 20,000-row batch no longer fits the CPU cache)
RAW_CELL_CHARS = 1000

POSITION = {name: i for i, name in enumerate(IMPORT_COLUMNS)}
EXTRA, SOURCE_ROW, ROW_KEY = POSITION["extra"], POSITION["source_row"], POSITION["row_key"]
CERT_URL, LEADID = POSITION["cert_url"], POSITION["leadid"]
# What a second lead sharing one of these with another is warned about (it is still a purchase of its own).
SHARED_EVIDENCE = ((CERT_URL, "TrustedForm certificate"), (LEADID, "LeadiD token"))

_IDENTITY_POSITIONS = frozenset(POSITION[f] for f in IDENTITY_FIELDS)
_NONE = repeat(None)  # a column no file cell maps to


IDENTITY_LABELS = "phone number, email, TrustedForm or Contact State certificate URL, or LeadiD token"


def _raw(cells: Sequence[str]) -> list[str]:
    """Cells as kept with a problem: each cut to RAW_CELL_CHARS, saying how long it was."""
    out = []
    for cell in cells[:200]:
        out.append(cell if len(cell) <= RAW_CELL_CHARS else f"{cell[:RAW_CELL_CHARS]}… ({len(cell):,} characters)")
    if len(cells) > 200:
        out.append(f"… ({len(cells) - 200:,} more cells)")
    return out


class RowReader:
    """Reads, cleans and merges rows into chunks: :meth:`chunks` on the caller's thread, :meth:`threaded` on a
    helper thread handing chunks over through a queue of two.

    Nothing here touches the database. New leads get pids (1, 2, ...) and are known in ``keys`` (by row key,
    certificate and token) as ``-pid``; a row recognised as an earlier one is recorded with that lead's reference,
    which the writer resolves to its id.
    """

    def __init__(
        self,
        fmt: CsvFormat,
        mapping: ColumnMapping,
        keys: KeyMap,
        chunk_rows: int,
        *,
        import_id: int | None = None,
        load_keys: Callable[[], object] | None = None,
    ) -> None:
        self.import_id = import_id
        self.fmt = fmt
        self.mapping = mapping
        self.keys = keys
        self._load_keys = load_keys  # fills ``keys`` first, on the helper thread (threaded() only)
        self.chunk_rows = chunk_rows
        self.blank_rows = 0
        self.fraction = 0.0
        self._queue: queue.Queue[ImportChunk | BaseException | None] = queue.Queue(maxsize=2)
        self._stopping = threading.Event()
        self._next_pid = 1
        # Per-file decisions, taken once: mapped columns with their cleaner (None: plain text), extra columns,
        # the cells to pick from each row (mapped, extras, then the record number appended past `_width`).
        self._mapped = [(i, POSITION[f], f, None if f in PLAIN_FIELDS else CLEANERS[f]) for i, f in mapping.mapped()]
        self._extras = mapping.extras()
        self._width = 1 + max([i for i, *_ in self._mapped] + [i for i, _ in self._extras])
        picked = [i for i, *_ in self._mapped] + [i for i, _ in self._extras] + [self._width]
        self._pick = operator.itemgetter(*picked)
        unmapped = (set(LEAD_FIELDS) - {f for _, f in mapping.mapped()}) | (set() if self._extras else {"extra"})
        self._columns = tuple(c for c in IMPORT_COLUMNS if c not in unmapped)

    def threaded(self) -> Generator[ImportChunk | None, None, None]:
        """The chunks of :meth:`chunks`, read on a helper thread, and None while none is ready (so an event loop
        waits with ``await`` rather than blocking); closing this generator stops the thread."""
        thread = threading.Thread(target=self._produce, name="csv-import-reader", daemon=True)
        thread.start()
        try:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    yield None
                    continue
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stopping.set()
            while True:  # unblock a reader waiting to hand over a chunk
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            thread.join(timeout=30)

    def _produce(self) -> None:
        try:
            if self._load_keys is not None:
                self._load_keys()
            with contextlib.closing(self.chunks()) as chunks:
                for chunk in chunks:
                    if not self._put(chunk):
                        return
            # The merge keys are freed here, before the end mark, not wherever the last reference goes: with a
            # million stored leads that was the window's thread, stalled 600 ms freeing 4,000,000 strings.
            self.keys.clear(pause=READER_PAUSE_SECONDS)
        except BaseException as exc:  # handed to the writer, which raises it
            self._put(exc)
        else:
            self._put(None)
        finally:
            self.keys.clear()

    def _put(self, item: ImportChunk | BaseException | None) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def chunks(self) -> Generator[ImportChunk, None, None]:
        """Read the whole file, yielding a chunk for every :attr:`chunk_rows` rows with cells (and the rest).

        Rows are cleaned in batches of :data:`BATCH_ROWS` (small enough for the CPU cache) column by column."""
        fmt, width = self.fmt, self._width
        size = max(fmt.size, 1)
        batch_rows = min(BATCH_ROWS, self.chunk_rows)
        raw, text = open_text(fmt.path, fmt.encoding)
        try:
            chunk = self._new_chunk()
            batch: list[list[str]] = []
            short: dict[int, list[str]] = {}  # batch index -> the cells as read, for rows padded to `width`
            header_pending = fmt.has_header
            for number, cells, why in iter_records(text, fmt.delimiter):
                if cells is None:
                    chunk.problems.append(ImportProblemRow(number, "refused", why or "Unreadable row.", []))
                    chunk.rows_read += 1
                    continue
                if not any(cells):
                    self.blank_rows += 1
                    continue
                if header_pending:  # the first non-blank row names the columns
                    if any(c.strip() for c in cells):
                        header_pending = False
                    else:
                        self.blank_rows += 1
                    continue
                if len(cells) < width:
                    short[len(batch)] = cells
                    cells = cells + [""] * (width - len(cells))
                cells.append(number)  # type: ignore[arg-type]  # the record number rides along, past `width`
                batch.append(cells)
                if len(batch) >= batch_rows:
                    self._add_batch(chunk, batch, short)
                    batch, short = [], {}
                    if len(chunk.new_leads) + len(chunk.recognised) >= self.chunk_rows:
                        self.fraction = min(1.0, raw.tell() / size)
                        yield self._finished(chunk)
                        chunk = self._new_chunk()
            if batch:
                self._add_batch(chunk, batch, short)
            if chunk.rows_read or chunk.problems:
                yield self._finished(chunk)
        finally:
            text.close()
            raw.close()

    def _new_chunk(self) -> ImportChunk:
        return ImportChunk(first_pid=self._next_pid, columns=self._columns)

    def _finished(self, chunk: ImportChunk) -> ImportChunk:
        """The chunk with its problems in row order and its new leads' extra fields as JSON, ready to write."""
        chunk.problems.sort(key=operator.attrgetter("row_number"))  # unreadable rows were listed as read
        if self._extras:
            for row in chunk.new_leads:
                if row[EXTRA] is not None:
                    row[EXTRA] = json.dumps(row[EXTRA], ensure_ascii=False)
        return chunk

    def _add_batch(self, chunk: ImportChunk, batch: list[list[str]], short: dict[int, list[str]]) -> None:
        """Clean a batch column by column (see :func:`clean_column`), then merge it into ``chunk`` row by row."""
        row_problems: dict[int, list[tuple[str, str]]] = {}
        picked = list(zip(*map(self._pick, batch), strict=True))  # mapped, extra and record-number columns
        columns: list[Iterable[Any]] = [_NONE] * len(LEAD_FIELDS)
        for (_, position, name, cleaner), cells in zip(self._mapped, picked, strict=False):
            columns[position] = clean_column(cells, name, cleaner, row_problems)
        extras: Iterable[Any] = _NONE
        if self._extras:
            extras = extra_values(self._extras, picked[len(self._mapped) : -1], row_problems)
        now = utcnow()
        source = repeat(self.fmt.path.name)
        rows = list(
            map(
                list,
                zip(
                    *columns, extras, source, picked[-1], repeat(now), repeat(now), repeat(self.import_id), _NONE, _NONE
                ),
            )
        )
        identities = zip(
            *(c for p, c in enumerate(columns) if p in _IDENTITY_POSITIONS and c is not _NONE), strict=True
        )
        # each row's cleaned fields and extra columns (or None); `columns` holds endless repeats for unmapped fields
        keys = row_keys(zip(zip(*columns), extras))  # noqa: B905
        self._merge(chunk, rows, identities, keys, batch, short, row_problems)

    def _merge(
        self,
        chunk: ImportChunk,
        rows: list[list[Any]],
        identities: Iterator[tuple[str | None, ...]],
        keys: list[bytes],
        batch: list[list[str]],
        short: dict[int, list[str]],
        row_problems: dict[int, list[tuple[str, str]]],
    ) -> None:
        """Refuse rows without identity, recognise rows already imported, add the rest as new leads.

        One ``setdefault`` per key both looks it up and, for a new lead (the usual case), records it."""
        shards = self.keys.shards
        new_leads, touch, out = chunk.new_leads, chunk.touch, chunk.problems
        next_pid = self._next_pid
        for k, (row, identity, key) in enumerate(zip(rows, identities, keys, strict=True)):
            if identity.count(None) == len(identity):
                cells = short.get(k) or batch[k][:-1]
                if k not in row_problems and not any(c.strip() for c in cells):
                    self.blank_rows += 1  # only spaces
                    continue
                chunk.rows_read += 1
                why = "; ".join(p[1] for p in row_problems.get(k, ()))
                reason = f"The row has no usable {IDENTITY_LABELS}" + (f" ({why})." if why else ".")
                out.append(ImportProblemRow(row[SOURCE_ROW], "refused", reason, _raw(cells)))
                continue
            chunk.rows_read += 1
            ref = -next_pid
            row[ROW_KEY] = key
            found = shards[hash(key) & SHARD_MASK].setdefault(key, ref)
            if found != ref:  # the same purchase again: nothing new
                chunk.recognised.append((row[SOURCE_ROW], found))
                touch.append(found)
                continue
            for position, label in SHARED_EVIDENCE:
                value = row[position]
                if value is not None and (other := shards[hash(value) & SHARD_MASK].setdefault(value, ref)) != ref:
                    whose = f"lead #{other}" if other > 0 else "an earlier row of this file"
                    why = f"Shares its {label} with {whose} but differs in other data; kept as a purchase of its own."
                    row_problems.setdefault(k, []).append(("", why))
            next_pid += 1
            new_leads.append(row)
            touch.append(ref)
            if k in row_problems:
                cells = _raw(short.get(k) or batch[k][:-1])
                for name, reason in row_problems[k]:
                    out.append(ImportProblemRow(row[SOURCE_ROW], "warning", reason, cells, field=name or None))
        self._next_pid = next_pid
