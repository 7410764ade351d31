"""The main window's work beside its tabs: the other seats' change poller, the automatic retainer, the ledger windows.

* The :class:`~desktop_app.ui.leads.changes_poller.ChangePoller` shows other seats' leads and results (and
  ``leadcheck`` commands' on the same file) in the lead table every few seconds, and says so once in the status bar.
* The :class:`~desktop_app.ui.ledger.auto_retain.AutoRetainer` retains due certificates while the window is open;
  it starts at once when the buyer chose it before (Deadlines).
* View → Deadlines…, Suppliers…, Costs… and Returns… open the ledger's windows (``ui/ledger/``), one each,
  non-modal, read afresh each time they are opened and again when results are stored.

The window reaches them as ``window.change_poller``, ``window.auto_retainer`` and ``window.ledger_views``; each is
parented to the window, as before the window's module was split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from desktop_app.ui.runtime import spawn

if TYPE_CHECKING:
    from desktop_app.service import CheckService
    from desktop_app.settings import Settings
    from desktop_app.ui.main_window import MainWindow

POLL_FAILED = "Other seats' results are not showing"


OWN_POLLS_AFTER = 2  # polls after an own write ended whose findings still count as the window's own


class WindowServices(QObject):
    """The main window's change poller, automatic retainer and ledger windows, with the slots that answer them.

    Signals: none.
    """

    def __init__(self, window: MainWindow, *, changes_interval_ms: int = 2000) -> None:
        """``changes_interval_ms``: how often the lead table looks for other seats' writes."""
        super().__init__(window)
        self.main_window = window
        self.changes_interval_ms = changes_interval_ms
        self.change_poller: Any = None  # other seats' writes into the lead table (ui/leads/changes_poller)
        self.auto_retainer: Any = None  # retains due certificates while the window is open (ui/ledger/auto_retain)
        self.ledger_views: dict[str, QWidget] = {}
        self._refreshes_seen = 0  # the lead table's own refreshes when the last poll ended
        self._writing = 0  # this window's writes running now that do not refresh the lead table (an import)
        self._own_polls = 0  # polls still to come that may find the end of one of them

    def own_writes(self, running: bool) -> None:
        """This window started (``running``) or ended a write that refreshes the lead table only at its end (an
        import): what polls find meanwhile, and in the two polls after it ended (one may have read before the end),
        is the window's own and not said to come "from other seats"."""
        self._writing = self._writing + 1 if running else max(0, self._writing - 1)
        self._own_polls = OWN_POLLS_AFTER

    def start_auto_retainer(self, service: CheckService, settings: Settings) -> None:
        """The automatic retainer of due certificates; started at once when the buyer chose it before (Deadlines)."""
        from desktop_app.ui.ledger.auto_retain import SETTING, AutoRetainer

        if self.auto_retainer is None:
            self.auto_retainer = AutoRetainer(service, self.main_window)
            self.auto_retainer.round_done.connect(self._on_auto_retained)
        if settings.get(SETTING):
            self.auto_retainer.start()

    def start_change_poller(self, service: CheckService) -> None:
        """Poll the database for other seats' writes, from the mark read now: before the lead table reads its list."""
        from desktop_app.ui.leads.changes_poller import ChangePoller, poll_mark

        if self.change_poller is not None:
            self.change_poller.stop()
        poller = ChangePoller(service.store.location, self.main_window, interval_ms=self.changes_interval_ms)
        poller.changed.connect(self._on_database_changed)
        poller.polled.connect(self._on_polled)
        poller.failed.connect(self._on_poll_failed)
        poller.recovered.connect(self._on_poll_recovered)
        self.change_poller = poller
        poller.start(poll_mark(service.store))

    def open_ledger_view(self, service: CheckService, key: str) -> Any:
        """Open (or raise) the ledger window ``key``, reading it afresh; returns its view."""
        view = self.ledger_views.get(key)
        if view is None:
            from desktop_app.ui.ledger.costs import CostsView
            from desktop_app.ui.ledger.deadlines import DeadlinesView
            from desktop_app.ui.ledger.returns import ReturnsView
            from desktop_app.ui.ledger.suppliers import SuppliersView

            kinds: dict[str, Any] = {
                "deadlines": (DeadlinesView, 1000),
                "suppliers": (SuppliersView, 1320),  # every scorecard column visible at 1400 px
                "costs": (CostsView, 640),
                "returns": (ReturnsView, 1200),
            }
            kind, width = kinds[key]
            view = (
                kind(service, self.main_window, retainer=self.auto_retainer)
                if key == "deadlines"
                else kind(service, self.main_window)
            )
            assert isinstance(view, QWidget)
            view.setWindowFlag(Qt.WindowType.Window)
            view.resize(width, 560)
            self.ledger_views[key] = view
        view.show()
        view.raise_()
        view.activateWindow()
        spawn(view.refresh())  # type: ignore[attr-defined]
        return view

    def refresh_ledger_views(self) -> None:
        """Read the open ledger windows again (results were stored)."""
        for view in self.ledger_views.values():
            if view.isVisible():
                spawn(view.refresh())  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stop the automatic retainer's timer and the change poller (the window is closing)."""
        if self.auto_retainer is not None:
            self.auto_retainer.timer.stop()  # not retainer.stop(): the choice stays on for the next start
        if self.change_poller is not None:
            self.change_poller.stop()

    # -- slots ------------------------------------------------------------------------------------------------

    def _on_auto_retained(self, retained: int) -> None:
        """Automatic retains were stored: read the lead table and the ledger windows again (Deadlines reads itself)."""
        leads_tab = self.main_window.leads_tab
        if retained and leads_tab is not None:
            spawn(leads_tab.refresh())
        for key, view in self.ledger_views.items():
            if retained and key != "deadlines" and view.isVisible():
                spawn(view.refresh())  # type: ignore[attr-defined]

    def _on_database_changed(self, changes: Any) -> None:
        """Other seats (or ``leadcheck`` commands) stored leads or results: show them in the lead table and the open
        ledger windows, and say so once in the status bar unless this window's own writes (a batch, a re-check, an
        import) refreshed the table since the last poll: those show through their own panels."""
        from desktop_app.ui.leads.changes_poller import changes_words

        leads_tab = self.main_window.leads_tab
        if leads_tab is None:
            return
        own = leads_tab.model.refreshes != self._refreshes_seen or self._writing > 0 or self._own_polls > 0
        leads_tab.show_changes(changes)
        self.refresh_ledger_views()  # an open Deadlines, Suppliers, Costs or Returns window reads itself again
        if not own:
            self.main_window.statusBar().showMessage(changes_words(changes), 8000)

    def _on_polled(self) -> None:
        if not self._writing:
            self._own_polls = max(0, self._own_polls - 1)
        if self.main_window.leads_tab is not None:
            self._refreshes_seen = self.main_window.leads_tab.model.refreshes

    def _on_poll_failed(self, message: str) -> None:
        """Said once while polls fail (they go on, less often); the whole message also in the bar's tooltip."""
        self.main_window.statusBar().showMessage(f"{POLL_FAILED}: {message}")
        self.main_window.statusBar().setToolTip(message)

    def _on_poll_recovered(self) -> None:
        bar = self.main_window.statusBar()
        bar.setToolTip("")
        if bar.currentMessage().startswith(POLL_FAILED):
            bar.clearMessage()
