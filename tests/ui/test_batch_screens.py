"""Render the batch screens at 1280×800, light and dark, to the ``shots`` folder (looked at by a person:
set SHOTS_DIR to keep them; tests/ui/conftest.py).

The window with the batch panel paused mid-run, and each dialog drawn centred over the window as the buyer
sees it: the import mapping dialog, the import outcome, the Check leads dialog and the two export dialogs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.paths import Paths
from desktop_app.sandbox import VendorSimulator
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.ui import theme
from desktop_app.ui.batch.check_dialog import BatchRequest
from desktop_app.ui.batch.feature import BatchFeature
from desktop_app.ui.batch.import_outcome import ImportOutcomeDialog
from desktop_app.ui.leads.model import COL_ADDED
from tests.helpers import until
from tests.ui.helpers import (
    OFFSCREEN_SHOW,
    feature_on,
    slow_simulator,
    write_csv,
)

pytestmark = OFFSCREEN_SHOW


@pytest.fixture(scope="module")
def slow_sim() -> Iterator[VendorSimulator]:
    sim = slow_simulator(0.05)
    yield sim
    sim.stop()


@pytest.fixture(params=["light", "dark"])
def palette(request: pytest.FixtureRequest) -> Iterator[str]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = QPalette(app.palette())
    app.setStyleSheet(theme.stylesheet())
    if request.param == "dark":
        app.setPalette(theme.dark_palette())
    yield str(request.param)
    app.setPalette(previous)
    app.setStyleSheet("")


@pytest.fixture
async def feature(
    palette: str,
    settings: Settings,
    store: Store,
    slow_sim: VendorSimulator,
    paths: Paths,
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BatchFeature]:
    async with feature_on(slow_sim, settings, store, paths, qtbot, tmp_path, monkeypatch, stop_timeout=10) as feat:
        feat.window.resize(1280, 800)
        feat.window.show()
        yield feat


# Renders the batch screens to PNGs for people to look at; the behaviours are tested in test_batch_panel.py,
# test_import_dialog.py and test_export_dialog.py.


def save(shots: Path, window: QWidget, name: str, dialog: QWidget | None = None) -> Path:
    """The window at 1280×800, with ``dialog`` drawn centred over it, saved as ``shots/NAME.png``."""
    window.resize(1280, 800)
    QApplication.sendPostedEvents()  # not processEvents(): no nested event loop inside a coroutine (desktop_app.ui)
    shot = window.grab()
    if dialog is not None:
        over = dialog.grab()
        painter = QPainter(shot)
        painter.fillRect(shot.rect(), QColor(0, 0, 0, 90))
        painter.drawPixmap((shot.width() - over.width()) // 2, (shot.height() - over.height()) // 2, over)
        painter.end()
    path = shots / f"{name}.png"
    assert isinstance(shot, QPixmap) and shot.save(str(path), "PNG")
    return path


def sample_csv(tmp_path: Path) -> Path:
    header = ["Phone Number", "E-mail", "xxTrustedFormCertUrl", "universal_leadid", "First Name", "Last Name", "State",
              "Lead Source", "Price", "Notes"]  # fmt: skip
    rows = []
    for i in range(40):
        phone = f"(312) 555-{1000 + i:04d}" if i % 9 else "n/a"
        email = f"buyer{i}@example.com" if i % 13 else "no email"
        rows.append([phone, email, f"https://cert.trustedform.com/{i:040x}" if i % 9 else "",
                     f"{i:08X}-1234-4234-8234-123456789012", f"Name{i}", f"Surname{i}", "tx", "SunBright Media",
                     "$18.50", "called twice" if i % 4 else ""])  # fmt: skip
    return write_csv(tmp_path / "sunbright-leads-2024-06.csv", header, rows)


async def test_render_batch_screens(palette: str, feature: BatchFeature, tmp_path: Path, shots: Path) -> None:
    window = feature.window
    source = sample_csv(tmp_path)
    dialog = await feature.import_file(source)
    assert dialog is not None
    dialog.resize(1100, 680)
    save(shots, window, f"import-dialog-{palette}", dialog)

    report = await dialog.import_into()
    assert report is not None
    await until(lambda: any(isinstance(d, ImportOutcomeDialog) for d in feature.dialogs))
    outcome = next(d for d in feature.dialogs if isinstance(d, ImportOutcomeDialog))
    save(shots, window, f"import-outcome-{palette}", outcome)
    outcome.close()

    check = await feature.open_check_dialog(report.lead_ids, report.import_id)
    assert check is not None
    save(shots, window, f"check-dialog-{palette}", check)
    check.close()

    request = BatchRequest(report.lead_ids, ("trustedform", "jornaya", "litigator"), Path(source).name,
                           concurrency={"trustedform": 1, "jornaya": 1, "litigator": 1})  # fmt: skip
    task = asyncio.ensure_future(feature.start_batch(request))
    await until(lambda: feature.panel.progress is not None and feature.panel.progress.completed >= 30, timeout=10)
    feature.panel.pause()
    await until(lambda: feature.panel.state == "paused")
    assert feature.window.leads_tab is not None
    tab = feature.window.leads_tab
    tab.view.sortByColumn(COL_ADDED, Qt.SortOrder.AscendingOrder)  # the first leads are the checked ones
    await until(lambda: tab.model.complete and tab.model.query.descending is False)
    save(shots, window, f"batch-panel-paused-{palette}")
    feature.panel.cancel()
    await asyncio.wait_for(task, 10)

    export = feature.open_export_results(feature.panel.batch_id)
    save(shots, window, f"export-results-{palette}", export)
    export.close()
    suppression = feature.open_export_suppression()
    suppression.colour_checks["red"].setChecked(True)
    suppression.reason_check.setChecked(True)
    save(shots, window, f"export-suppression-{palette}", suppression)
    suppression.close()
    assert all((shots / f"{n}-{palette}.png").exists() for n in ("import-dialog", "batch-panel-paused"))
