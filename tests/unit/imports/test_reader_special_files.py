"""Files that are not regular files (a named pipe, a device, a socket) are refused before anything is read.

A FIFO with no writer used to make ``leadcheck import`` (and the window's import dialog) wait forever; every
open now goes through :func:`desktop_app.imports.reader.open_csv`, which never blocks on one.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.imports import ImportRefused, import_csv, inspect_csv
from desktop_app.imports.reader import open_text, read_head
from desktop_app.paths import NotARegularFile, open_regular_file
from desktop_app.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "leads.db") as s:
        yield s


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    os.mkfifo(path)
    return path


def test_import_of_a_fifo_is_refused_without_waiting_for_a_writer(store: Store, fifo: Path) -> None:
    with pytest.raises(ImportRefused) as info:
        import_csv(store, fifo)
    assert str(info.value) == (
        f"“{fifo}” is a named pipe (FIFO), not a regular file; Leadcheck imports only files saved on disk "
        "(save the data to a CSV file, then import that)."
    )
    assert store.lead_count() == 0


def test_every_reader_entry_point_refuses_a_fifo(fifo: Path) -> None:
    with pytest.raises(ImportRefused, match="named pipe"):
        inspect_csv(fifo)  # the window's import dialog and `leadcheck import` start here
    with pytest.raises(ImportRefused, match="named pipe"):
        read_head(fifo)  # the import dialog's preview
    with pytest.raises(ImportRefused, match="named pipe"):
        open_text(fifo, "utf-8")  # the importer's row stream


def test_a_fifo_with_a_writer_is_refused_too(fifo: Path) -> None:
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets the writer's open return at once
    writer = os.open(fifo, os.O_WRONLY)
    try:
        os.write(writer, b"phone\n2025550123\n")
        with pytest.raises(ImportRefused, match="named pipe"):
            inspect_csv(fifo)
    finally:
        os.close(writer)
        os.close(reader)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused_before_reading(store: Store) -> None:
    with pytest.raises(ImportRefused, match="“/dev/zero” is a device, not a regular file"):
        import_csv(store, Path("/dev/zero"))


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    with socket.socket(socket.AF_UNIX) as server:
        try:
            server.bind(str(path))
        except OSError as exc:  # a path too long for a socket address on this machine
            pytest.skip(str(exc))
        with pytest.raises(ImportRefused, match="is a socket, not a regular file"):
            inspect_csv(path)


def test_a_symlink_to_a_regular_file_still_imports(store: Store, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("phone,email\n2025550123,a@example.com\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert import_csv(store, link).lead_ids and store.lead_count() == 1


def test_open_regular_file_says_what_the_path_is(fifo: Path, tmp_path: Path) -> None:
    with pytest.raises(NotARegularFile) as info:
        open_regular_file(fifo)
    assert (
        info.value.kind == "a named pipe (FIFO)"
        and info.value.strerror == "it is a named pipe (FIFO), not a regular file"
    )
    with pytest.raises(IsADirectoryError):
        open_regular_file(tmp_path)
    (tmp_path / "ok.txt").write_bytes(b"x")
    with open_regular_file(tmp_path / "ok.txt") as handle:
        assert handle.read() == b"x"
