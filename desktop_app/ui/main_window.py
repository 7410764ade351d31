"""The main window: the Leads tab and one tab per vendor, menus, shortcuts and the DEMO banner.

Built in two steps so the window is on screen before the heavy imports (httpx, the vendor clients, the
store): ``MainWindow(demo=...)`` draws the shell with placeholder tabs; :meth:`MainWindow.populate` puts in
the real tabs once the :class:`~desktop_app.service.CheckService` exists.

Extension points for later features:

* ``self.file_menu`` (File) and ``self.help_menu`` (Help): add actions with :meth:`add_file_action` (kept
  above Quit) or ``help_menu.addAction``.
* :meth:`add_panel` docks a panel (e.g. batch progress) under the tabs; its toggle appears in View.
* View → Deadlines…, Suppliers…, Costs… and Returns… (:meth:`open_ledger_view`) open the ledger's windows
  (``ui/ledger/``), one each, non-modal; :meth:`refresh_ledger_views` reads them again when results change
  (the batch calls it).
* ``self.leads_tab``: the :class:`~desktop_app.ui.leads.tab.LeadsTab` (``await leads_tab.refresh()`` after
  an import), ``self.vendor_tabs``: key -> tab widget.
* ``self.change_poller``: the :class:`~desktop_app.ui.leads.changes_poller.ChangePoller` that shows other seats'
  leads and results (and ``leadcheck`` commands' on the same file) in the lead table every few seconds.

The menus are built by :mod:`desktop_app.ui.window_menus`; the change poller, the automatic retainer
(``self.auto_retainer``) and the ledger windows (``self.ledger_views``) live in :mod:`desktop_app.ui.window_services`.

Help → Welcome… asks the first-run question again; Help → Try the demo… opens the demo. The demo cannot replace
a running session in place (the tabs, the batch feature and the lead table are built once over one core), so it
opens in a new window, a second ``leadcheck --demo`` process started by ``start_demo`` (from the app), and this
window stays as it is.

Shortcuts: Ctrl+1..6 switch tabs, Ctrl+F filters the lead table, Ctrl+Shift+V pastes the clipboard into the
current vendor tab and runs it, Ctrl+Shift+D and Ctrl+Shift+U open Deadlines and Suppliers, Ctrl+, opens Settings,
Ctrl+Q quits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.runtime import run_dialog, spawn
from desktop_app.ui.window_menus import SHORTCUTS_TEXT, build_menus
from desktop_app.ui.window_services import WindowServices
from desktop_app.vendors.registry import TAB_ORDER, VENDOR_LABELS

if TYPE_CHECKING:
    from desktop_app.paths import Paths
    from desktop_app.service import CheckService
    from desktop_app.settings import Settings
    from desktop_app.ui.leads.tab import LeadsTab

APP_TITLE = "Leadcheck"
LEADS_KEY = "leads"
# The tab order; vendor titles are the tabs' own (these are for the placeholders drawn before they exist).
TAB_KEYS = (LEADS_KEY, *TAB_ORDER)
PLACEHOLDER_TITLES = {LEADS_KEY: "Leads", **VENDOR_LABELS}
DEMO_TIP = "Open the demo in a new window: simulated vendors, nothing billed"
DEMO_OPENING = "The demo is opening in a new window (simulated vendors, its own database)."
DEMO_QUESTION = (
    "The demo opens in a new window: every vendor is the built-in simulator on this computer, results go to a "
    "separate demo database, and nothing is sent or billed.\n\nThis window and your own database stay as they "
    "are; close either window when you are done."
)
DEMO_TEXT = (
    "DEMO MODE: every vendor is the built-in simulator on this computer and results go to a separate demo "
    "database. Nothing is sent to real vendors and nothing is billed."
)


class MainWindow(QMainWindow):
    """The Leadcheck window.

    Signals:
        closed(): the window was closed; the application shuts down (cancels calls, closes the client
            and the database). Emitted once.
    """

    closed = Signal()

    # the menus and their actions, set by window_menus.build_menus
    file_menu: QMenu
    edit_menu: QMenu
    view_menu: QMenu
    help_menu: QMenu
    settings_action: QAction
    quit_action: QAction
    paste_run_action: QAction
    filter_action: QAction
    tab_actions: list[QAction]
    ledger_actions: dict[str, QAction]
    welcome_action: QAction
    demo_action: QAction
    verify_action: QAction

    def __init__(
        self,
        *,
        demo: bool = False,
        start_demo: Callable[[Paths | None], bool] | None = None,
        changes_interval_ms: int = 2000,
        parent: QWidget | None = None,
    ) -> None:
        """``start_demo(paths)`` opens the demo in a new process and says whether it started (None: not offered);
        ``changes_interval_ms``: how often the lead table looks for other seats' writes."""
        super().__init__(parent)
        # the change poller, the automatic retainer and the ledger's windows (ui/window_services)
        self.services = WindowServices(self, changes_interval_ms=changes_interval_ms)
        self._start_demo = start_demo
        self.service: CheckService | None = None
        self.settings: Settings | None = None
        self.paths: Paths | None = None
        self.leads_tab: LeadsTab | None = None
        self.vendor_tabs: dict[str, QWidget] = {}
        self.tab_keys: list[str] = list(TAB_KEYS)
        self.panels: list[QDockWidget] = []
        self._closed = False
        self._settings_dialog: Any = None

        self.banner = QLabel(DEMO_TEXT)
        self.banner.setObjectName("demoBanner")
        self.banner.setWordWrap(True)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setAccessibleName("Demo mode")
        self.banner.setToolTip(
            "Started with --demo or the first-run choice. Restart Leadcheck without it to use your keys."
        )

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Tabs")
        for key in TAB_KEYS:
            placeholder = QLabel("Opening…")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.tabs.addTab(placeholder, PLACEHOLDER_TITLES[key])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        body = QVBoxLayout()
        body.setContentsMargins(8, 6, 8, 4)
        body.addWidget(self.tabs)
        layout.addLayout(body, 1)
        self.setCentralWidget(central)
        self._file_extension_separator = build_menus(
            self, [PLACEHOLDER_TITLES[key] for key in TAB_KEYS], demo_offered=start_demo is not None
        )
        self.statusBar().showMessage("Opening the database…")  # created before show(): no size-hint warning
        self.set_demo(demo)
        self.resize(1280, 800)

    # -- construction -----------------------------------------------------------------------------------------

    def populate(self, service: CheckService, *, settings: Settings, paths: Paths, database: Any = None) -> None:
        """Replace the placeholders with the real tabs (Leads first, then the five vendor tabs)."""
        self.populate_leads(service, settings=settings, paths=paths, database=database)
        self.populate_vendor_tabs()

    def populate_leads(self, service: CheckService, *, settings: Settings, paths: Paths, database: Any = None) -> None:
        """Put the real Leads tab in place of its placeholder (first, so the lead table can open at once)."""
        from desktop_app.ui.leads.tab import LeadsTab

        self.service, self.settings, self.paths = service, settings, paths
        current = self.tabs.currentIndex()
        placeholder = self.tabs.widget(0)
        self.leads_tab = LeadsTab(service, self.tabs)
        self.services.start_change_poller(service)
        self.tabs.removeTab(0)
        if placeholder is not None:
            placeholder.deleteLater()
        self.tabs.insertTab(0, self.leads_tab, "Leads")
        self.tabs.setTabToolTip(0, "Every lead in the database with its latest flags (Ctrl+1)")
        self.tabs.setCurrentIndex(max(0, current))
        self.settings_action.setEnabled(True)
        self.verify_action.setEnabled(True)
        for action in self.ledger_actions.values():
            action.setEnabled(True)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        from desktop_app.store.backend import describe  # the store is open by now: nothing new to load

        where = describe(database or getattr(service.store, "location", "") or "")  # a team database: no password
        # a permanent widget: menu hovers and passing messages replace the status bar's message, never this
        if getattr(self, "database_label", None) is None:
            self.database_label = QLabel()
            self.database_label.setAccessibleName("Database")
            self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.statusBar().addPermanentWidget(self.database_label)
        self.database_label.setText(f"{'Demo database' if self.is_demo else 'Database'}: {where}")
        self.statusBar().clearMessage()
        self.services.start_auto_retainer(service, settings)

    def populate_vendor_tabs(self) -> None:
        """Replace the vendor placeholders with the five vendor tabs (after :meth:`populate_leads`)."""
        from desktop_app.ui import tabs as vendor_tab_module

        assert self.service is not None, "populate_leads first"
        current = self.tabs.currentIndex()
        while self.tabs.count() > 1:
            widget = self.tabs.widget(1)
            self.tabs.removeTab(1)
            if widget is not None:
                widget.deleteLater()
        self.tab_keys = [LEADS_KEY]
        built = vendor_tab_module.build_vendor_tabs(self.service, self.tabs)
        for number, (key, title, widget) in enumerate(built, start=2):
            self.vendor_tabs[key] = widget
            self.tab_keys.append(key)
            index = self.tabs.addTab(widget, title)
            self.tabs.setTabToolTip(index, f"{title} checks (Ctrl+{number})" if number <= 9 else title)
        for action, index in zip(self.tab_actions, range(self.tabs.count()), strict=False):
            action.setText(self.tabs.tabText(index))
        if self.leads_tab is not None:  # a check opened from a lead's history is drawn as its vendor tab draws it
            tabs = self.vendor_tabs.items()
            self.leads_tab.detail.renderers = {k: w.render_details for k, w in tabs if hasattr(w, "render_details")}
        self.tabs.setCurrentIndex(max(0, current))

    # -- public API -------------------------------------------------------------------------------------------

    @property
    def change_poller(self) -> Any:
        """Other seats' writes into the lead table (None before :meth:`populate_leads`)."""
        return self.services.change_poller

    @property
    def auto_retainer(self) -> Any:
        """The automatic retainer of due certificates (None before :meth:`populate_leads`)."""
        return self.services.auto_retainer

    @property
    def ledger_views(self) -> dict[str, QWidget]:
        """The ledger windows opened so far: key ("deadlines", "suppliers", "costs", "returns") -> view."""
        return self.services.ledger_views

    @property
    def is_demo(self) -> bool:
        return not self.banner.isHidden()

    def set_demo(self, demo: bool) -> None:
        """Show (or hide) the DEMO banner; it cannot be dismissed."""
        self.banner.setVisible(demo)
        # A title ending with the display name is shown as it is; any other gets " — Leadcheck" added by Qt.
        self.setWindowTitle(f"DEMO — {APP_TITLE}" if demo else APP_TITLE)
        self.demo_action.setEnabled(not demo)
        self.demo_action.setToolTip("This window is the demo" if demo else DEMO_TIP)

    def tab_index(self, name: str) -> int | None:
        """The index of a tab given its key ("contactstate") or title ("Contact State"), case-insensitive."""
        wanted = name.strip().lower()
        for index, key in enumerate(self.tab_keys):
            if wanted in (key, self.tabs.tabText(index).lower(), self.tabs.tabText(index).lower().replace(" ", "")):
                return index
        return None

    def show_tab(self, name: str) -> bool:
        index = self.tab_index(name)
        if index is None:
            return False
        self.tabs.setCurrentIndex(index)
        return True

    def show_tab_index(self, index: int) -> None:
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)
            focus = getattr(self.tabs.widget(index), "focus_input", None)
            if callable(focus):
                focus()

    def current_key(self) -> str:
        index = self.tabs.currentIndex()
        return self.tab_keys[index] if 0 <= index < len(self.tab_keys) else ""

    def focus_filter(self) -> None:
        """Ctrl+F: go to the Leads tab and put the cursor in its filter box."""
        if self.leads_tab is None:
            return
        self.tabs.setCurrentWidget(self.leads_tab)
        self.leads_tab.focus_filter()

    async def paste_and_run(self, text: str | None = None) -> bool:
        """Ctrl+Shift+V: run the clipboard text (or ``text``) in the current vendor tab. On Leads, filter by it."""
        if text is None:
            text = QGuiApplication.clipboard().text()
        text = text.strip()
        if not text:
            self.statusBar().showMessage("The clipboard is empty: copy a certificate URL, token or phone first.", 6000)
            return False
        widget = self.tabs.currentWidget()
        if widget is self.leads_tab and self.leads_tab is not None:
            self.leads_tab.focus_filter()
            await self.leads_tab.apply_filter(text=text)
            return True
        run = getattr(widget, "paste_and_run", None)
        if run is None:
            return False
        await run(text)
        return True

    def add_file_action(self, action: QAction) -> None:
        """Add an action to the File menu, above Quit (for Import…, Export…)."""
        self.file_menu.insertAction(self._file_extension_separator, action)

    def add_panel(self, widget: QWidget, title: str = "", *, visible: bool = True) -> QDockWidget:
        """Dock ``widget`` under the tabs (closable, re-openable from View); returns the dock."""
        dock = QDockWidget(title or widget.windowTitle() or "Panel", self)
        dock.setObjectName(f"panel-{len(self.panels)}")
        dock.setWidget(widget)
        dock.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.TopDockWidgetArea)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        dock.setVisible(visible)
        self.panels.append(dock)
        return dock

    def open_settings(self) -> Any:
        """Open the Settings dialog (non-modal, one at a time); returns it."""
        if self.service is None or self.settings is None or self.paths is None:
            return None
        from desktop_app.ui.settings_dialog import SettingsDialog

        if self._settings_dialog is None:
            self._settings_dialog = SettingsDialog(self.settings, self.paths, self.service, parent=self)
            self._settings_dialog.finished.connect(self._forget_settings_dialog)
        self._settings_dialog.show()
        self._settings_dialog.raise_()
        return self._settings_dialog

    def open_ledger_view(self, key: str) -> Any:
        """View → Deadlines… / Suppliers… / Costs… / Returns…: open (or raise) that window, reading it afresh;
        returns its view."""
        if self.service is None:
            return None
        return self.services.open_ledger_view(self.service, key)

    def refresh_ledger_views(self) -> None:
        """Read the open ledger windows again (results were stored)."""
        self.services.refresh_ledger_views()

    async def show_welcome(self) -> str:
        """Help → Welcome…: the first-run dialog again; acts on the choice as at first run. Returns the choice."""
        from desktop_app.ui.first_run import CHOICE_DEMO, CHOICE_KEYS, ask_first_run

        choice = await ask_first_run(self, demo_offered=self._start_demo is not None and not self.is_demo)
        if choice == CHOICE_DEMO:
            await self.try_demo(confirm=False)
        elif choice == CHOICE_KEYS:
            self.open_settings()
        return choice

    async def try_demo(self, *, confirm: bool = True) -> bool:
        """Help → Try the demo…: after saying what happens (``confirm``), start the demo in a new window.

        Returns whether it was started."""
        if self._start_demo is None or self.is_demo:
            return False
        if confirm:
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Try the demo",
                DEMO_QUESTION,
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                self,
            )
            box.button(QMessageBox.StandardButton.Open).setText("Open the demo")
            box.setDefaultButton(QMessageBox.StandardButton.Open)
            if await run_dialog(box) != int(QMessageBox.StandardButton.Open):
                return False
        if not self._start_demo(self.paths):
            failed = QMessageBox(
                QMessageBox.Icon.Warning,
                "The demo did not start",
                "Leadcheck could not start a second copy of itself for the demo. Close this window and start "
                "“leadcheck --demo” instead.",
                parent=self,
            )
            await run_dialog(failed)
            return False
        self.statusBar().showMessage(DEMO_OPENING, 10000)
        return True

    async def verify_evidence(self) -> Any:
        """Help → Verify evidence: verify the open database's evidence log (off the GUI thread)."""
        from desktop_app.ui.verify_evidence import verify_evidence

        store = getattr(self.service, "store", None)
        if store is None:
            return None
        return await verify_evidence(self, store.location)

    def _on_verify_evidence(self) -> None:
        spawn(self.verify_evidence())

    def show_about(self) -> None:
        """Help → About: version, bundled components and their licences."""
        from desktop_app.ui.about_dialog import AboutDialog

        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # window-modal without a nested event loop (see desktop_app.ui)

    def show_shortcuts(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", SHORTCUTS_TEXT, parent=self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.open()

    def shutdown_ui(self) -> None:
        """Stop UI-side background work (the lead table's query thread, the automatic retainer's timer). Called once
        on close."""
        self.services.stop()
        if self.leads_tab is not None:
            self.leads_tab.close_model()

    # -- Qt overrides and slots -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._closed:
            self._closed = True
            if self._settings_dialog is not None:
                self._settings_dialog.close()
            for view in self.ledger_views.values():
                view.close()
            self.shutdown_ui()
            self.closed.emit()
        event.accept()

    def _on_settings(self) -> None:
        self.open_settings()

    def _on_welcome(self) -> None:
        spawn(self.show_welcome())

    def _on_try_demo(self) -> None:
        spawn(self.try_demo())

    def _on_paste_and_run(self) -> None:
        spawn(self.paste_and_run())

    def _forget_settings_dialog(self, _result: int) -> None:
        if self._settings_dialog is not None:
            self._settings_dialog.deleteLater()
        self._settings_dialog = None

    def _on_tab_changed(self, index: int) -> None:
        if self.leads_tab is not None and self.tabs.widget(index) is self.leads_tab and self.leads_tab.model.complete:
            self.leads_tab.model.refresh()  # flags may have changed in a vendor tab
