"""Fixtures for window tests: a started vendor simulator and a CheckService routed to it.

Tests here run on a qasync loop (see tests/conftest.py). Drive coroutines by awaiting the widget's public
``async def`` methods; never call ``qtbot.wait*`` inside an ``async def`` test (it hangs: STACK-NOTES).
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop_app.demo import demo_environment
from desktop_app.paths import Paths
from desktop_app.sandbox import VendorSimulator
from desktop_app.service import CheckService, make_http_client
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.vendors.origins import OriginMap
from tests.helpers import FakeTime


@pytest.fixture(autouse=True)
def collect_garbage_on_gui_thread() -> Iterator[None]:
    """Widgets a test leaves in reference cycles are freed here, on the GUI thread.

    Otherwise a later test's worker thread (the simulator's, an executor's) may run the cycle collector
    and destroy Qt objects on the wrong thread. The app does the same with MainThreadGarbageCollector.

    What is still alive after the first of these collections (the test modules, pytest's items, Qt's wrappers,
    Hypothesis) is then frozen (:func:`gc.freeze`), as a batch does in the app: each later collection scans only what
    tests allocated since, not the whole process again (before: about 0.08 s a test). A batch's
    ``gc.unfreeze()`` hands those objects back to the collector; the next teardown freezes again. Frozen objects are
    still freed when their last reference goes; only a cycle among them would stay, and never on a wrong thread.
    """
    yield
    gc.collect()
    if gc.get_freeze_count() == 0:
        gc.freeze()


@pytest.fixture(scope="session")
def simulator() -> Iterator[VendorSimulator]:
    sim = VendorSimulator(enforce_rate_limits=False, job_polls_until_done=1).start()
    yield sim
    sim.stop()


@pytest.fixture
def paths(leadcheck_home: Path) -> Paths:
    return Paths.from_env().ensure()


@pytest.fixture
def settings(paths: Paths) -> Settings:
    """Settings whose credentials are the demo ones (environment), so every vendor is configured."""
    return Settings(paths, environ=demo_environment())


@pytest.fixture
def store(paths: Paths) -> Iterator[Store]:
    with Store(paths.database, backups_dir=paths.backups_dir) as s:
        yield s


@pytest.fixture
async def service(settings: Settings, store: Store, simulator: VendorSimulator) -> AsyncIterator[CheckService]:
    """A service calling the simulator whose retries, rate-limit waits and export polls take no time (FakeTime)."""
    client = make_http_client(10.0)
    time = FakeTime()
    try:
        yield CheckService(
            settings, store, client, origins=OriginMap(simulator.origin_map()), clock=time.clock, sleep=time.sleep
        )
    finally:
        await client.aclose()


@pytest.fixture
def feature(
    service: CheckService, paths: Paths, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The batch feature (import, batch panel, exports) on a window with stand-in vendor tabs."""
    from tests.ui.helpers import close_feature, make_feature, use_fake_tabs

    use_fake_tabs(monkeypatch)
    feat = make_feature(service, paths, qtbot, tmp_path)
    yield feat
    close_feature(feat)


@pytest.fixture
def restore_app_state() -> Iterator[None]:
    """main() styles the shared QApplication; put it back for the other tests."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    sheet, quit_on_close = app.styleSheet(), app.quitOnLastWindowClosed()
    yield
    app.setStyleSheet(sheet)
    app.setQuitOnLastWindowClosed(quit_on_close)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """The folder screenshot tests write to: under ``tmp_path``, or SHOTS_DIR when set (to look at them)."""
    folder = Path(os.environ["SHOTS_DIR"]) if os.environ.get("SHOTS_DIR") else tmp_path / "shots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
