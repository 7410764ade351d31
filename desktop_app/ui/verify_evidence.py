"""Help → Verify evidence: the window's ``leadcheck verify``.

The check runs on a worker thread with a connection of its own (a million checks take seconds; the window keeps
painting), reports progress to a window-modal progress dialog, and ends with a message that either gives the
number of entries and the head hash (to copy into an email or a note: an outside anchor) or names the first
entry or check that does not match.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from desktop_app.store import Store, StoreError
from desktop_app.store.backend import Location
from desktop_app.store.evidence import Verification


def _verify(database: Location, report: Any) -> Verification:
    """Worker thread: open the database on this thread and verify it."""
    with Store(database) as store:
        return store.verify(on_progress=report)


def result_text(outcome: Verification) -> tuple[str, str]:
    """(title, text) of the closing message."""
    if outcome.ok:
        return (
            "Evidence intact",
            f"All {outcome.entries:,} entries of the evidence log match, and so do all {outcome.checks:,} stored "
            f"checks.\n\nHead hash (keep a copy somewhere else: it vouches for everything before it):\n"
            f"{outcome.head.hash}",
        )
    return (
        "Evidence NOT intact",
        f"{outcome.problem}\n\nThe {outcome.entries:,} entries before it match (up to head {outcome.head.hash}). "
        "Something changed the database outside Leadcheck; keep a copy of the file as it is now and restore the "
        "latest backup to compare.",
    )


async def verify_evidence(parent: QWidget, database: Path) -> Verification | None:
    """Verify the database's evidence log with a progress dialog, then say how it ended. None if it could not
    be read (the message says why)."""
    progress = QProgressDialog("Verifying the evidence log…", "", 0, 0, parent)
    progress.setWindowTitle("Verify evidence")
    progress.setCancelButton(None)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(300)
    loop = asyncio.get_running_loop()

    def report(done: int, total: int) -> None:
        loop.call_soon_threadsafe(_show, progress, done, total)

    progress.show()
    try:
        outcome: Verification | None = await asyncio.to_thread(_verify, database, report)
    except StoreError as exc:
        outcome = None
        title, text, icon = "Verify evidence", str(exc), QMessageBox.Icon.Warning
    finally:
        progress.close()
        progress.deleteLater()
    if outcome is not None:
        title, text = result_text(outcome)
        icon = QMessageBox.Icon.Information if outcome.ok else QMessageBox.Icon.Critical
    box = QMessageBox(icon, title, text, parent=parent)
    box.setObjectName("verifyResult")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # window-modal, no nested event loop
    return outcome


def _show(progress: QProgressDialog, done: int, total: int) -> None:
    if progress.isVisible():
        progress.setMaximum(max(total, 1))
        progress.setValue(min(done, total))
        progress.setLabelText(f"Verifying the evidence log… {done:,} of {total:,} entries")
