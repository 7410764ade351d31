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
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from typing import Any, TypeVar

from desktop_app.imports.cleaning import CLEANERS, PLAIN_FIELDS, clean_column, extra_values
from desktop_app.imports.keymap import READER_PAUSE_SECONDS, KeyMap
from desktop_app.imports.mapping import IDENTITY_FIELDS, ColumnMapping
from desktop_app.imports.reader import CsvFormat, open_text, record_batches
from desktop_app.store.fields import IMPORT_FIELDS, LEAD_DATE, LEAD_FIELDS
from desktop_app.store.imports import ImportChunk, ImportProblemRow
from desktop_app.store.links import key_input, row_keys
from desktop_app.vendors.results import utcnow

BATCH_ROWS = 1000  # rows cleaned column by column at a time (a 20,000-row batch no longer fits the CPU cache)
RAW_CELL_CHARS = 1000

# What a second lead sharing one of these with another is warned about (it is still a purchase of its own).
SHARED_EVIDENCE = (("cert_url", "TrustedForm certificate"), ("leadid", "LeadiD token"))
T = TypeVar("T")
_NONE = repeat(None)  # a column no file cell maps to


IDENTITY_LABELS = "phone number, email, TrustedForm or Contact State certificate URL, or LeadiD token"
CELL_SEPARATOR = "\x1f"  # the unit separator: joins a row's cells in a compact batch


def hand_over(to: queue.Queue[T], item: T, stopping: threading.Event) -> bool:
    """Put ``item`` on a bounded queue, waiting while it is full; False (not put) once ``stopping`` is set."""
    while not stopping.is_set():
        try:
            to.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


@dataclass
class CleanBatch:
    """A batch of rows read and cleaned, not merged yet. Picklable: it may come from the reader process."""

    # The values of the chunk's columns (RowReader.columns), a list per column (extra fields as JSON): a batch
    # crosses from the reader process in half the time of a list per row, and the writer binds them as they are.
    columns: list[Sequence[Any]]
    keys: list[bytes]  # each row's row key (the last column)
    shared: list[list[str | None]]  # each row's SHARED_EVIDENCE values, a list per kind (empty when not mapped)
    numbers: Sequence[int]  # each row's record number (the column before the keys)
    missing: set[int]  # the rows (batch indexes) without a usable phone, email, certificate or token
    problems: dict[int, list[tuple[str, str]]]  # (field, reason) by batch index
    raw: list[Any]  # each row's cells, padded to the mapped width (or, compact, one string)
    short: dict[int, list[str]]  # the cells as read of rows that were padded
    unreadable: list[ImportProblemRow]  # rows before this batch that are not valid CSV
    blank_rows: int
    fraction: float  # of the file read at the end of the batch

    def cells_of(self, k: int) -> list[str]:
        """Row ``k``'s cells as read (kept with its problems)."""
        if k in self.short:
            return self.short[k]
        raw = self.raw[k]
        return raw.split(CELL_SEPARATOR) if isinstance(raw, str) else list(raw)

    def compact(self) -> CleanBatch:
        """The batch with each row's cells as one string, to cross to another process at a fraction of the cost of
        pickling every cell (unless a cell holds the separator)."""
        lines = list(map(CELL_SEPARATOR.join, self.raw))
        if sum(map(str.count, lines, repeat(CELL_SEPARATOR))) == sum(map(len, self.raw)) - len(self.raw):
            self.raw = lines
        return self


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
        # Per-file decisions, taken once: each mapped column's cell getter and cleaner (None: plain text) in
        # IMPORT_FIELDS order, the extra columns, the columns each chunk's rows hold.
        by_field = {f: i for i, f in mapping.mapped()}
        self._mapped = [
            (f, operator.itemgetter(by_field[f]), None if f in PLAIN_FIELDS else CLEANERS[f])
            for f in IMPORT_FIELDS
            if f in by_field
        ]
        self._extras = mapping.extras()
        self._width = 1 + max([*by_field.values(), *(i for i, _ in self._extras)])
        self._shared = [f for f, _ in SHARED_EVIDENCE if f in by_field]
        self._identity = [f for f in IDENTITY_FIELDS if f in by_field]
        self._shared_labels = [label for f, label in SHARED_EVIDENCE if f in by_field]
        extra = ("extra",) if self._extras else ()
        self.columns = (*(f for f, *_ in self._mapped), *extra, "source_row", "row_key")

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
        return hand_over(self._queue, item, self._stopping)

    def chunks(self, batches: Iterable[CleanBatch] | None = None) -> Generator[ImportChunk, None, None]:
        """Merge the file's rows into chunks, yielding one for every :attr:`chunk_rows` rows with cells (and the
        rest). ``batches``: the file's :meth:`clean_batches` read elsewhere (a
        :class:`~desktop_app.imports.reader_process.ChildBatches`); by default they are read here."""
        source = self.clean_batches() if batches is None else batches
        try:
            chunk = self._new_chunk()
            for batch in source:
                self.blank_rows += batch.blank_rows
                if batch.unreadable:
                    chunk.problems += batch.unreadable
                    chunk.rows_read += len(batch.unreadable)
                if not batch.keys:
                    continue
                self._merge(chunk, batch)
                if chunk.size + len(chunk.recognised) >= self.chunk_rows:
                    self.fraction = min(1.0, batch.fraction)
                    yield self._finished(chunk)
                    chunk = self._new_chunk()
            if chunk.rows_read or chunk.problems:
                yield self._finished(chunk)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def clean_batches(self) -> Generator[CleanBatch, None, None]:
        """Read the whole file, yielding its rows cleaned, a batch of up to :data:`BATCH_ROWS` records (small enough
        for the CPU cache) at a time, column by column. Nothing here needs the merge keys, so it can run in another
        process."""
        fmt, width = self.fmt, self._width
        size = max(fmt.size, 1)
        raw, text = open_text(fmt.path, fmt.encoding)
        try:
            unreadable: list[ImportProblemRow] = []  # rows not valid CSV, handed over with the next batch
            blank = 0
            header_pending = fmt.has_header
            for first, records, why in record_batches(text, fmt.delimiter, min(BATCH_ROWS, self.chunk_rows)):
                if why is not None:
                    unreadable.append(ImportProblemRow(first + len(records), "refused", why, []))
                numbers: Sequence[int] = range(first, first + len(records))
                if header_pending or not all(map(any, records)):  # a header or blank rows: row by row
                    kept: list[list[str]] = []
                    kept_numbers: list[int] = []
                    for number, cells in zip(numbers, records, strict=True):
                        if not any(cells):
                            blank += 1
                        elif header_pending:  # the first non-blank row names the columns
                            if any(c.strip() for c in cells):
                                header_pending = False
                            else:
                                blank += 1
                        else:
                            kept.append(cells)
                            kept_numbers.append(number)
                    records, numbers = kept, kept_numbers
                if not records:
                    continue
                short: dict[int, list[str]] = {}  # batch index -> the cells as read, for rows padded to `width`
                if min(map(len, records)) < width:
                    for k, cells in enumerate(records):
                        if len(cells) < width:
                            short[k] = cells
                            records[k] = cells + [""] * (width - len(cells))
                yield self._clean_batch(records, numbers, short, unreadable, blank, raw.tell() / size)
                unreadable, blank = [], 0
            if unreadable or blank:
                yield self._clean_batch([], (), {}, unreadable, blank, 1.0)
        finally:
            text.close()
            raw.close()

    def _merge_new(self, chunk: ImportChunk, batch: CleanBatch) -> bool:
        """:meth:`_merge` of a batch whose rows all have an identity, when none of them is a purchase
        seen before: each key's ``setdefault`` in one ``map`` over the batch. Returns False, with the key map as it
        was, when some row is one seen before (the row-by-row merge then takes the batch)."""
        first, count = self._next_pid, len(batch.keys)
        refs = list(range(-first, -first - count, -1))
        if self.keys.claim(batch.keys, refs) != refs:  # a purchase seen before: undo this batch's keys
            self.keys.release(batch.keys, refs)
            return False
        warnings: dict[int, list[str]] = {}
        for values, label in zip(batch.shared, self._shared_labels, strict=True):
            if values.count(None) == len(values):
                continue
            found = self.keys.claim(values, refs)
            if None in values:  # a blank cell claimed nothing
                self.keys.discard(None)
            for k in compress(range(count), map(operator.ne, found, refs)):
                if values[k] is not None:
                    whose = f"lead #{found[k]}" if found[k] > 0 else "an earlier row of this file"
                    why = f"Shares its {label} with {whose} but differs in other data; kept as a purchase of its own."
                    warnings.setdefault(k, []).append(why)
        for target, column in zip(chunk.values, batch.columns, strict=True):
            target.extend(column)
        chunk.touch += refs
        chunk.rows_read += count
        self._next_pid = first + count
        for k in sorted(warnings.keys() | batch.problems.keys()):
            cells = _raw(batch.cells_of(k))
            found_problems = [*batch.problems.get(k, ()), *(("", why) for why in warnings.get(k, ()))]
            for name, why in found_problems:
                chunk.problems.append(ImportProblemRow(batch.numbers[k], "warning", why, cells, field=name or None))
        return True

    def _new_chunk(self) -> ImportChunk:
        return ImportChunk(
            first_pid=self._next_pid,
            columns=self.columns,
            source_file=self.fmt.path.name,
            created_at=utcnow(),
        )

    def _finished(self, chunk: ImportChunk) -> ImportChunk:
        """The chunk with its problems in row order, ready to write."""
        chunk.problems.sort(key=operator.attrgetter("row_number"))  # unreadable rows were listed as read
        return chunk

    def _clean_batch(
        self,
        records: list[list[str]],
        numbers: Sequence[int],
        short: dict[int, list[str]],
        unreadable: list[ImportProblemRow],
        blank: int,
        fraction: float,
    ) -> CleanBatch:
        """Clean a batch column by column (see :func:`clean_column`) into rows ready to merge, with their row keys
        and their extra fields as JSON."""
        if not records:
            return CleanBatch([], [], [], (), set(), {}, [], {}, unreadable, blank, fraction)
        row_problems: dict[int, list[tuple[str, str]]] = {}
        cleaned = {
            name: clean_column(list(map(cell_of, records)), name, cleaner, row_problems)
            for name, cell_of, cleaner in self._mapped
        }
        extras: list[Any] | Iterable[Any] = _NONE
        written = list(cleaned.values())
        if self._extras:
            cells = [list(map(operator.itemgetter(i), records)) for i, _ in self._extras]
            extras = extra_values(self._extras, cells, row_problems)
            written.append([None if e is None else json.dumps(e, ensure_ascii=False) for e in extras])
        # each row's cleaned fields and extra columns (or None); unmapped fields are endless repeats of None
        key_columns = [cleaned.get(name, _NONE) for name in LEAD_FIELDS]
        dates = cleaned.get(LEAD_DATE)
        if dates is None:  # no lead-date column: the keys as they always were
            keys = row_keys(zip(zip(*key_columns), extras))  # noqa: B905
        else:  # a row's date joins its key only when it has one (a row without keys as before)
            keys = row_keys(map(key_input, zip(*key_columns), extras, dates))  # noqa: B905
        without: list[int] | None = None  # the rows without any identity, narrowed column by column
        for name in self._identity:
            column = cleaned[name]
            if without is None:
                without = list(compress(range(len(keys)), map(operator.is_, column, _NONE)))
            else:
                without = [k for k in without if column[k] is None]
            if not without:
                break
        missing = set(range(len(keys)) if without is None else without)
        shared = [cleaned[name] for name in self._shared]
        columns = [*written, numbers, keys]
        return CleanBatch(
            columns, keys, shared, numbers, missing, row_problems, records, short, unreadable, blank, fraction
        )

    def _merge(self, chunk: ImportChunk, batch: CleanBatch) -> None:
        """Refuse rows without identity, recognise rows already imported, add the rest as new leads.

        One ``setdefault`` per key both looks it up and, for a new lead (the usual case), records it. A batch of
        new leads only (the usual case) is merged in C-level passes (:meth:`_merge_new`)."""
        if not batch.missing and self._merge_new(chunk, batch):
            return
        claim = self.keys.setdefault
        kept: list[int] = []  # the batch's rows that are new leads
        touch, out = chunk.touch, chunk.problems
        missing, row_problems, numbers = batch.missing, batch.problems, batch.numbers
        shared = list(zip(batch.shared, self._shared_labels, strict=True))
        next_pid = self._next_pid
        blank = 0
        for k in range(len(batch.keys)):
            if k in missing:
                cells = batch.cells_of(k)
                if k not in row_problems and not any(c.strip() for c in cells):
                    blank += 1  # only spaces
                    continue
                why = "; ".join(p[1] for p in row_problems.get(k, ()))
                reason = f"The row has no usable {IDENTITY_LABELS}" + (f" ({why})." if why else ".")
                out.append(ImportProblemRow(numbers[k], "refused", reason, _raw(cells)))
                continue
            ref = -next_pid
            found = claim(batch.keys[k], ref)
            if found != ref:  # the same purchase again: nothing new
                chunk.recognised.append((numbers[k], found))
                touch.append(found)
                continue
            for values, label in shared:
                value = values[k]
                if value is not None and (other := claim(value, ref)) != ref:
                    whose = f"lead #{other}" if other > 0 else "an earlier row of this file"
                    why = f"Shares its {label} with {whose} but differs in other data; kept as a purchase of its own."
                    row_problems.setdefault(k, []).append(("", why))
            next_pid += 1
            kept.append(k)
            touch.append(ref)
            if k in row_problems:
                raw_cells = _raw(batch.cells_of(k))
                for name, reason in row_problems[k]:
                    out.append(ImportProblemRow(numbers[k], "warning", reason, raw_cells, field=name or None))
        for target, column in zip(chunk.values, batch.columns, strict=True):
            target.extend(map(column.__getitem__, kept))
        chunk.rows_read += len(batch.keys) - blank
        self.blank_rows += blank
        self._next_pid = next_pid
