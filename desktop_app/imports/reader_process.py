"""A large import's reader process: the file read and cleaned
(:meth:`~desktop_app.imports.rows.RowReader.clean_batches`) in a child process while the importer merges and writes
(see :class:`~desktop_app.imports.importer.LeadImporter`'s ``reader_process``).

:class:`ChildBatches` starts the child (:func:`child_command`) and iterates its batches; the child
(:func:`run_if_child`, :func:`clean_for_parent`) writes them as length-prefixed pickles to its stdout.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

from desktop_app.imports.keymap import KeyMap
from desktop_app.imports.rows import CleanBatch, RowReader, hand_over
from desktop_app.vendors.errors import LeadcheckError

# The frozen bundle has no ``python -m``: its programs start the reader process as themselves with this argument
# and hand it to run_if_child first thing (packaging/leadcheck_cli.py, leadcheck_gui.py).
CHILD_FLAG = "--leadcheck-import-reader"
PIPE_BYTES = 1 << 20  # the reader process's pipe (Linux's default maximum): about two cleaned batches
AHEAD_FRAMES = 64  # cleaned batches the reader process may run ahead of the writer (ChildBatches): about 26 MB

IDLE_SAMPLE_SECONDS = 0.1  # how long idle_cpus watches the CPUs


def reader_process_pays(cpus: int, idle: float | None) -> bool:
    """Whether reading a large file in a child process (while this one merges and writes) pays on a machine with
    ``cpus`` usable CPUs of which ``idle`` were idle just now (:func:`idle_cpus`, this process waiting; None where
    the system does not tell, then the last minute's load average stands in): a core for each process. Measured at
    a million rows on two cores: 12–15 s with the second core free instead of 18–22 s; with no core to spare the
    child only adds the cost of handing the rows over (about 25 % slower)."""
    if cpus < 2:
        return False
    if idle is None:
        return load_average() < cpus - 0.5
    return idle >= 1.5


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average() -> float:
    """The system's load average over the last minute (0 where the system does not tell)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def idle_cpus(
    read_stat: Callable[[], str] = lambda: Path("/proc/stat").read_text(encoding="ascii"),
    sleep: Callable[[float], None] = time.sleep,
    cpus: int | None = None,
) -> float | None:
    """How many CPUs were idle, on average, over the next :data:`IDLE_SAMPLE_SECONDS` (Linux's ``/proc/stat``:
    idle and I/O-wait time of all CPUs); None where the system does not tell. Unlike the load average, it does not
    count this process's own work of the last minute (an import right after another)."""
    try:
        before = _cpu_times(read_stat())
        sleep(IDLE_SAMPLE_SECONDS)
        after = _cpu_times(read_stat())
    except (OSError, ValueError, IndexError):
        return None
    idle, total = after[0] - before[0], after[1] - before[1]
    if total <= 0 or idle < 0:
        return None
    return (cpus or os.cpu_count() or 1) * idle / total


def _cpu_times(stat: str) -> tuple[int, int]:
    """(idle + I/O wait, all) ticks of the ``cpu`` line of ``/proc/stat``."""
    name, *fields = stat.splitlines()[0].split()
    if name != "cpu":
        raise ValueError("not a /proc/stat summary line")
    ticks = list(map(int, fields[:8]))  # user nice system idle iowait irq softirq steal (guest time is in user)
    return ticks[3] + ticks[4], sum(ticks)


class ReaderProcessFailed(LeadcheckError):
    """An import's reader process stopped before the end of the file (the chunks written so far are kept)."""


class ChildBatches:
    """A child process (:func:`child_command`) writing a file's cleaned batches to its stdout, iterated here. A plain
    subprocess rather than :mod:`multiprocessing`: spawning would import the caller's main module again, and forking
    a process with threads is unsafe.

    A thread of this process moves the child's frames from the pipe into a queue of up to :data:`AHEAD_FRAMES`
    (about three chunks): the pipe alone holds about two batches, so the child stopped while this process wrote a
    chunk and this process then waited for the child (measured: 4.7 s of 19 s waiting at a million rows). The thread
    only reads bytes, which releases the GIL; frames are unpickled on the iterating thread (an earlier reader thread
    that did more took the GIL from the writer at every SQLite step: the writes took 1.8 times as long)."""

    def __init__(self, reader: RowReader) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = child_environment(os.environ, package_root)
        self._child = subprocess.Popen(child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        assert self._child.stdin is not None and self._child.stdout is not None
        self._pipe = self._child.stdout
        with contextlib.suppress(ImportError, OSError, AttributeError):  # Linux only; elsewhere the default size
            import fcntl

            fcntl.fcntl(self._pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        with contextlib.suppress(BrokenPipeError):
            self._child.stdin.write(pickle.dumps((reader.fmt, reader.mapping, reader.chunk_rows, reader.import_id)))
            self._child.stdin.close()
        self._name = reader.fmt.path.name
        self._frames: queue.Queue[bytes] = queue.Queue(maxsize=AHEAD_FRAMES)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="csv-import-child-pipe", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        """Move frames from the pipe to the queue until the pipe ends (an empty frame marks the end)."""
        frame = b""
        try:
            while not self._stopping.is_set():
                head = self._pipe.read(8)
                size = int.from_bytes(head, "little") if len(head) == 8 else 0
                frame = self._pipe.read(size) if size else b""
                if len(frame) != size:  # the child died in the middle of a frame
                    frame = b""
                if not self._hand_over(frame) or not frame:
                    return
        except (OSError, ValueError):  # the pipe was closed under a read (close() while stopping)
            frame = b""
        if frame:
            self._hand_over(b"")

    def _hand_over(self, frame: bytes) -> bool:
        return hand_over(self._frames, frame, self._stopping)

    def __iter__(self) -> Iterator[CleanBatch]:
        while True:
            frame = self._next_frame()
            if not frame:
                code = self._child.wait()
                how = f"was stopped (signal {-code})" if code < 0 else f"ended early (exit code {code})"
                raise self._stopped(how)
            item = pickle.loads(frame)
            if item is None:
                return
            if isinstance(item, LeadcheckError):  # the file itself (ImportRefused): said as when read here
                raise item
            if isinstance(item, BaseException):
                raise self._stopped(f"failed ({item})") from item
            yield item

    def _stopped(self, how: str) -> ReaderProcessFailed:
        return ReaderProcessFailed(
            f"The import of {self._name} stopped: the process reading the file {how}. The rows imported before it "
            "stopped are kept; import the file again to add the rest (rows already stored are recognised, not added "
            "twice)."
        )

    def _next_frame(self) -> bytes:
        """The next frame, waiting while the child works; b"" once the pipe ended (the pump thread is gone)."""
        while True:
            try:
                return self._frames.get(timeout=0.1)
            except queue.Empty:
                if not self._thread.is_alive() and self._frames.empty():
                    return b""

    def close(self) -> None:
        self._stopping.set()
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()
        self._thread.join(timeout=30)  # the killed child closed its end: the pump's read returns
        self._pipe.close()


def clean_for_parent(out: IO[bytes], args: bytes) -> None:
    """The child's work (:mod:`desktop_app.imports.child`): write each cleaned batch as a length-prefixed pickle,
    then None, or the error that stopped it. A parent that went away ends it (a broken pipe)."""
    gc.disable()  # a bulk read creates no cycles

    def put(item: object) -> None:
        frame = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(frame).to_bytes(8, "little"))
        out.write(frame)

    fmt, mapping, chunk_rows, import_id = pickle.loads(args)
    reader = RowReader(fmt, mapping, KeyMap(), chunk_rows, import_id=import_id)
    try:
        for batch in reader.clean_batches():
            put(batch.compact())
        put(None)
    except BrokenPipeError:
        return
    except BaseException as exc:  # handed to the importer, which raises it
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        put(exc)
    out.flush()


def child_environment(environ: Mapping[str, str], package_root: str) -> dict[str, str]:
    """The reader process's environment: this one's without Leadcheck's own variables (it reads a file; the
    vendors' keys and the team database's address, which may carry its password, are none of its business), with
    this package on its path."""
    env = {name: value for name, value in environ.items() if not name.upper().startswith("LEADCHECK_")}
    env["PYTHONPATH"] = os.pathsep.join([package_root, environ.get("PYTHONPATH", "")])
    return env


def child_command() -> list[str]:
    """The command line that starts the reader process (:class:`ChildBatches`) from this program."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-m", "desktop_app.imports.child"]


def run_if_child(argv: Sequence[str]) -> bool:
    """Be the reader process when ``argv`` (the arguments after the program's name) is :data:`CHILD_FLAG` alone;
    returns whether it was (the caller then exits)."""
    if list(argv) != [CHILD_FLAG]:
        return False
    clean_for_parent(sys.stdout.buffer, sys.stdin.buffer.read())
    return True
