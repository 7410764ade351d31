"""Where Leadcheck keeps its files, and how it opens a file the buyer names.

Folders: platformdirs by default, everything under ``LEADCHECK_HOME`` when set. Nothing is created at import
time; :meth:`Paths.ensure` makes the folders, and every folder it creates (the parents included) is readable
by the user only (0700, whatever the umask), as the XDG base directory specification asks.

:func:`open_regular_file` opens a buyer's file for reading and refuses anything that is not a regular file
(a named pipe would wait forever for a writer, a device such as ``/dev/zero`` never ends), without blocking
on the open itself. This module imports nothing of Leadcheck at load time (the LEADCHECK_HOME rules in
:mod:`desktop_app.settings` are imported when needed), so every layer, the vendors' CSV readers too, can use it.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

import platformdirs

APP_NAME = "leadcheck"
PRIVATE_FOLDER = 0o700


class NotARegularFile(OSError):
    """The path names a named pipe, a device or a socket: reading it could wait or run forever.

    ``kind`` says what it is ("a named pipe (FIFO)"); ``strerror`` is a sentence for a buyer.
    """

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file", os.fspath(path))
        self.kind = kind


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words ("a named pipe (FIFO)", "a device", "a socket")."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for binary reading; raise :class:`NotARegularFile` (or ``IsADirectoryError``) otherwise.

    The file is opened non-blocking (opening a FIFO with no writer then returns at once) and checked with
    ``fstat`` on the open descriptor, so a file swapped between a check and the open cannot slip through.
    """
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise NotARegularFile(path, file_kind(mode)) from None  # a socket cannot be opened at all (ENXIO)
        raise
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            raise NotARegularFile(path, file_kind(mode))
        if nonblocking:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def atomic_writer(path: Path, *, binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path``, flushed to disk, and move it into place only when everything was
    written: a reader (or a crash) never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".part", dir=path.parent)
    try:
        handle: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")
        with handle as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def make_private_folder(folder: Path) -> None:
    """``mkdir -p folder``, with every folder this creates set to 0700 (existing ones are left as they are)."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:
            continue  # made meanwhile by another process: not ours to change
        created.chmod(PRIVATE_FOLDER)  # mkdir's mode is filtered by the umask; 0700 is meant exactly


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    log_dir: Path
    home: Path | None = None  # LEADCHECK_HOME (or --home), when every folder is under it

    @property
    def database(self) -> Path:
        return self.data_dir / "leadcheck.db"

    @property
    def demo_database(self) -> Path:
        return self.data_dir / "leadcheck-demo.db"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "leadcheck.log"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "settings.json"

    @classmethod
    def from_env(cls, home: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Paths:
        """The folders for ``home`` (or ``LEADCHECK_HOME``); raises InvalidSetting for a home that cannot be a path."""
        env = os.environ if environ is None else environ
        root = home or env.get("LEADCHECK_HOME", "").strip()
        if root:
            from desktop_app.settings import home_folder

            base = home_folder(root)
            return cls(data_dir=base / "data", config_dir=base / "config", log_dir=base / "logs", home=base)
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    def ensure(self) -> Paths:
        """Create the folders (0700). Raises InvalidSetting when LEADCHECK_HOME or a folder cannot be made."""
        for folder in (self.data_dir, self.config_dir, self.log_dir, self.backups_dir):
            try:
                make_private_folder(folder)
            except OSError as exc:
                from desktop_app.settings import folder_refused

                raise folder_refused(self, folder, exc) from exc
            try:
                folder.chmod(PRIVATE_FOLDER)
            except OSError:
                pass  # not our folder (e.g. a shared LEADCHECK_HOME); the files themselves are still 0600
        return self
