"""The composition root: QApplication, the qasync loop, and everything the window runs on.

Start-up order keeps the window quick to appear: only PySide6 is imported before the window shell is shown;
then the qasync loop starts and :class:`AppSession` opens the core through :func:`desktop_app.core.open_core`
(settings, the store, ONE shared ``httpx.AsyncClient``, the :class:`~desktop_app.service.CheckService`, and in
demo mode the vendor simulator; the CLI opens the same) and fills in the tabs. Closing the window cancels the
calls still in flight, closes the client, the store and the simulator, then the loop ends.

``main(demo=..., screenshot=..., tab=...)`` is what ``leadcheck`` / ``leadcheck gui`` / ``python -m
desktop_app`` call (through :mod:`desktop_app.launch`).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.runtime import run_dialog
from desktop_app.vendors.registry import TAB_ORDER

if TYPE_CHECKING:
    from desktop_app.paths import Paths
    from desktop_app.ui.batch.feature import BatchFeature

SCREENSHOT_SIZE = QSize(1280, 800)
TAB_NAMES = ("leads", *TAB_ORDER)


class AppSession:
    """Opens and closes everything the window runs on. Build it on the running qasync loop.

    ``finished`` (an asyncio Future) resolves when :meth:`shutdown` is done; closing the window starts it.
    """

    def __init__(
        self,
        window: MainWindow,
        paths: Paths,
        *,
        demo: bool = False,
        environ: Mapping[str, str] | None = None,
        defer_tabs: bool = False,
    ) -> None:
        from desktop_app.core import open_core

        loop = asyncio.get_running_loop()
        self.window = window
        self.paths = paths
        self.demo = demo
        self._closing = False
        self._baseline = set(asyncio.all_tasks(loop))
        self.finished: asyncio.Future[None] = loop.create_future()
        self.core = core = open_core(paths, demo=demo, environ=environ)
        self.simulator: Any = core.simulator
        self.settings, self.store, self.client, self.service = core.settings, core.store, core.client, core.service
        database = core.database
        window.set_demo(demo)
        window.populate_leads(self.service, settings=self.settings, paths=self.paths, database=database)
        self.batch: BatchFeature | None = None  # imports, batches, exports: installed by finish_setup
        window.closed.connect(self._on_window_closed)
        if not defer_tabs:
            self.finish_setup()

    def finish_setup(self) -> None:
        """The slower half, run once the lead table is on screen: logging (reads the keyring), vendor tabs, batches."""
        from desktop_app.logs import configure_logging

        configure_logging(self.paths, self.settings)
        self.window.populate_vendor_tabs()
        self.install_batch()

    def install_batch(self) -> BatchFeature:
        """The batch features (File menu actions, drop a CSV, the batch panel), installed once."""
        if self.batch is None:
            from desktop_app.ui.batch.feature import BatchFeature

            self.batch = BatchFeature(self.window, self.service)
            self.batch.controller.results_changed.connect(self.window.refresh_ledger_views)
        return self.batch

    async def open(self) -> int:
        """Load the lead table and offer to resume a batch a crash left unfinished; returns the number of leads."""
        assert self.window.leads_tab is not None
        count = await self.window.leads_tab.open()
        self.install_batch().offer_resume()
        return count

    async def seed_demo(self) -> int:
        """Fill an empty demo database with the demo leads, checked through the simulator. Returns leads added."""
        from desktop_app.demo import DEMO_LEADS, UNCHECKED_DEMO_LEADS
        from desktop_app.jobs.recheck import recheck_lead

        if not self.demo or self.store.lead_count() > 0:
            return 0
        ids = [self.store.add_lead(fields, source_file="demo") for fields in DEMO_LEADS]
        checked = ids[: len(ids) - UNCHECKED_DEMO_LEADS]
        for lead_id in checked:
            lead = self.store.lead(lead_id)
            if lead is not None:
                await recheck_lead(self.service, lead)
        if self.window.leads_tab is not None:
            await self.window.leads_tab.refresh()
        for tab in self.window.vendor_tabs.values():
            recent = getattr(tab, "recent", None)
            if recent is not None:
                recent.refresh()  # the tabs were built before the seeded checks existed
        return len(ids)

    async def shutdown(self) -> None:
        """Cancel the window's calls in flight, then close the HTTP client, the store and the simulator."""
        if self._closing:
            await asyncio.shield(self.finished)
            return
        self._closing = True
        try:
            self.window.shutdown_ui()
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current and t not in self._baseline and not t.done()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.client.aclose()
        finally:
            self.core.close_local()
            if not self.finished.done():
                self.finished.set_result(None)

    def _on_window_closed(self) -> None:
        if not self._closing:
            self._shutdown_task = asyncio.ensure_future(self.shutdown())


def _window_closed_future(window: MainWindow) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def settle() -> None:
        if not future.done():
            future.set_result(None)

    window.closed.connect(settle)
    return future


async def _first_run(window: MainWindow, paths: Paths) -> str:
    """Ask the first-run question once; returns the choice ("" when it was already made)."""
    from desktop_app.settings import Settings
    from desktop_app.ui.first_run import ask_first_run

    settings = Settings(paths)
    if settings.get("first_run_done"):
        return ""
    choice = await ask_first_run(window)
    settings.set("first_run_done", True)
    return choice


async def run_window(
    window: MainWindow,
    *,
    demo: bool = False,
    screenshot: Path | None = None,
    tab: str | None = None,
    on_ready: Callable[[AppSession], Awaitable[None]] | None = None,
    paths: Paths | None = None,
) -> int:
    """The app's life on the loop: first-run choice, session, (screenshot), wait for close, clean up.

    ``paths``: where the files go (default: ``LEADCHECK_HOME`` or the platform's folders)."""
    from desktop_app.paths import Paths
    from desktop_app.settings import InvalidSetting
    from desktop_app.store import StoreError

    closed = _window_closed_future(window)
    choice = ""
    try:
        paths = (paths or Paths.from_env()).ensure()
        if not demo and screenshot is None and on_ready is None:
            choice = await _first_run(window, paths)
            if closed.done():
                return 0
            demo = choice == "demo"
        session = AppSession(window, paths, demo=demo, defer_tabs=True)
    except InvalidSetting as exc:
        print(f"leadcheck: {exc}", file=sys.stderr)
        if screenshot is None:
            title = "Leadcheck cannot start: a setting is wrong"
            box = QMessageBox(QMessageBox.Icon.Critical, title, str(exc), parent=window)
            await run_dialog(box)
        return 2
    except StoreError as exc:
        box = QMessageBox(QMessageBox.Icon.Critical, "Leadcheck cannot open its database", str(exc), parent=window)
        await run_dialog(box)  # not QMessageBox.critical(): no nested event loop inside a coroutine
        return 1
    opening = asyncio.ensure_future(_open(session))
    await asyncio.sleep(0)  # the lead table's first page is in the model now
    window.repaint()
    session.finish_setup()
    if tab and not window.show_tab(tab):
        print(f"leadcheck: no tab called {tab!r}; choose one of {', '.join(TAB_NAMES)}.", file=sys.stderr)
        window.close()
        await session.finished
        return 2
    if screenshot is not None:
        try:
            await opening
            if window.leads_tab is not None:
                window.leads_tab.select_first()  # so the detail pane shows a lead's history
            recent = getattr(window.tabs.currentWidget(), "recent", None)
            if recent is not None:
                recent.select_row(0)  # a vendor tab shows its newest stored result as a card
            return save_screenshot(window, screenshot)
        finally:
            window.close()
            await session.finished
    if choice == "keys":
        window.open_settings()
    if on_ready is not None:
        await opening
        await on_ready(session)
    await session.finished
    return 0


async def _open(session: AppSession) -> None:
    """Open the lead table; in demo mode then seed an empty demo database (the table refreshes)."""
    await session.open()
    if session.demo:
        await session.seed_demo()


def save_screenshot(window: MainWindow, path: Path) -> int:
    """Render the window at 1280×800 to ``path`` (PNG). Returns the exit code."""
    window.resize(SCREENSHOT_SIZE)
    QApplication.sendPostedEvents()  # layouts settle; unlike processEvents() this runs no timers (asyncio tasks)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path), "PNG"):
        print(f"leadcheck: could not write the screenshot to {path}.", file=sys.stderr)
        return 1
    return 0


def demo_command(paths: Paths | None, *, executable: str = sys.executable, frozen: bool | None = None) -> list[str]:
    """The command that opens the demo in a new process: this Leadcheck with ``--demo`` (and this ``--home``)."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    command = [executable] if frozen else [executable, "-m", "desktop_app"]
    if paths is not None and paths.home is not None:
        command += ["--home", str(paths.home)]
    return [*command, "--demo"]


def start_demo_process(paths: Paths | None) -> bool:
    """Start ``leadcheck --demo`` as a process of its own (Help → Try the demo); returns whether it started.

    A running session cannot switch to demo in place: its tabs, batch feature and lead table are built once over
    one core. The new process has its own window, simulator and demo database; this one is left alone."""
    from PySide6.QtCore import QProcess

    program, *arguments = demo_command(paths)
    started, _pid = QProcess.startDetached(program, arguments)
    return bool(started)


def create_window(app: QApplication, *, demo: bool = False) -> MainWindow:
    """The window shell with the app's stylesheet, shown (before any heavy import)."""
    from desktop_app.ui import theme

    app.setApplicationName("Leadcheck")
    app.setApplicationDisplayName("Leadcheck")
    app.setDesktopFileName("leadcheck")
    from desktop_app.ui.about_dialog import app_icon

    app.setWindowIcon(app_icon())
    app.setStyleSheet(theme.stylesheet())
    window = MainWindow(demo=demo, start_demo=start_demo_process)
    window.resize(SCREENSHOT_SIZE)
    window.show()
    return window


def main(
    *,
    demo: bool = False,
    screenshot: Path | None = None,
    tab: str | None = None,
    on_shown: Callable[[MainWindow], None] | None = None,
    on_ready: Callable[[AppSession], Awaitable[None]] | None = None,
    paths: Paths | None = None,
) -> int:
    """Open the window and run until it is closed (or, with ``screenshot``, render one PNG and exit).

    ``paths``: where the files go (``leadcheck --home DIR``; default: ``LEADCHECK_HOME`` or the platform's
    folders). ``on_shown`` / ``on_ready`` are hooks for the start-up benchmark (scripts/bench_window.py).
    """
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # the loop ends when the session is closed, not before
    window = create_window(app, demo=demo)
    app.processEvents()
    if on_shown is not None:
        on_shown(window)

    from desktop_app.ui.runtime.event_loop import LeadcheckEventLoop
    from desktop_app.ui.runtime.gc_guard import MainThreadGarbageCollector

    collector = MainThreadGarbageCollector(app)
    loop = LeadcheckEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            code: int = loop.run_until_complete(
                run_window(window, demo=demo, screenshot=screenshot, tab=tab, on_ready=on_ready, paths=paths)
            )
            return code
    finally:
        asyncio.set_event_loop(None)
        collector.stop()
        collector.deleteLater()
