"""The main window's menu bar: File, Edit, View and Help, their actions and shortcuts, and the list of shortcuts
Help → Keyboard shortcuts shows.

:func:`build_menus` sets the menus and actions on the window as its public attributes (``file_menu``,
``settings_action``, ``tab_actions``, ``ledger_actions``, ``verify_action``…); the actions call the window's own
methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

# View → the ledger's windows: key -> (menu text, shortcut, tip)
LEDGER_VIEWS = {
    "deadlines": (
        "&Deadlines…",
        "Ctrl+Shift+D",
        "Certificates to retain or claim before they lapse, most urgent first",
    ),
    "suppliers": ("S&uppliers…", "Ctrl+Shift+U", "One scorecard per supplier: verdicts, failures, costs"),
    "costs": ("&Costs…", "Ctrl+Shift+C", "What the stored checks cost, by vendor, supplier, day or batch"),
    "returns": ("&Returns…", None, "Leads that turned red within their supplier's return window, as CSV"),
}
SHORTCUTS_TEXT = """<table cellspacing=6>
<tr><td><b>Ctrl+1 … Ctrl+6</b></td><td>Switch tabs (Leads, TrustedForm, Jornaya, Contact State,
Consent Control, TCPA Litigator)</td></tr>
<tr><td><b>Ctrl+Shift+V</b></td><td>Paste the clipboard into the current vendor tab and run it</td></tr>
<tr><td><b>Ctrl+F</b></td><td>Filter the lead table</td></tr>
<tr><td><b>F5</b></td><td>Refresh the lead table</td></tr>
<tr><td><b>Ctrl+I</b> · <b>Ctrl+Shift+K</b> · <b>Ctrl+E</b></td><td>Import · Check leads · Export results</td></tr>
<tr><td><b>Ctrl+Shift+D</b> · <b>Ctrl+Shift+U</b> · <b>Ctrl+Shift+C</b></td><td>Deadlines · Suppliers ·
Costs</td></tr>
<tr><td><b>Ctrl+,</b></td><td>Settings</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>Quit</td></tr>
</table>"""


def make_action(parent: QObject, text: str, shortcut: Any, slot: Any, tip: str = "") -> QAction:
    """An action with a window-wide ``shortcut`` (None: none) and ``tip`` as its status and tool tip."""
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(slot)
    return action


def build_menus(window: MainWindow, tab_titles: Sequence[str], *, demo_offered: bool) -> QAction:
    """Fill the window's menu bar; ``tab_titles`` name View's Ctrl+1.. actions until the tabs exist.

    Returns the File menu's separator above Quit, where the window adds its file actions."""
    bar = window.menuBar()
    window.file_menu = bar.addMenu("&File")
    window.settings_action = make_action(
        window, "&Settings…", "Ctrl+,", window._on_settings, "Credentials, timeouts, files"
    )
    window.settings_action.setEnabled(False)
    window.file_menu.addAction(window.settings_action)
    file_extension_separator = window.file_menu.addSeparator()
    window.quit_action = make_action(window, "&Quit", QKeySequence.StandardKey.Quit, window.close, "Close Leadcheck")
    window.file_menu.addAction(window.quit_action)

    window.edit_menu = bar.addMenu("&Edit")
    window.paste_run_action = make_action(
        window,
        "&Paste and run",
        "Ctrl+Shift+V",
        window._on_paste_and_run,
        "Paste the clipboard into this tab and run it",
    )
    window.filter_action = make_action(
        window, "&Filter leads", QKeySequence.StandardKey.Find, window.focus_filter, "Ctrl+F"
    )
    window.edit_menu.addActions([window.paste_run_action, window.filter_action])

    window.view_menu = bar.addMenu("&View")
    window.tab_actions = []
    for number, title in enumerate(tab_titles, start=1):
        action = make_action(window, title, f"Ctrl+{number}", lambda _=False, n=number: window.show_tab_index(n - 1))
        window.tab_actions.append(action)
        window.view_menu.addAction(action)
    window.view_menu.addSeparator()
    window.ledger_actions = {}
    for key, (title, shortcut, tip) in LEDGER_VIEWS.items():
        action = make_action(window, title, shortcut, lambda _=False, k=key: window.open_ledger_view(k), tip)
        action.setEnabled(False)
        window.ledger_actions[key] = action
        window.view_menu.addAction(action)
    window.view_menu.addSeparator()  # the docked panels' toggles go below

    window.help_menu = bar.addMenu("&Help")
    window.welcome_action = make_action(
        window, "&Welcome…", None, window._on_welcome, "The first-run choice again: the demo, your keys, or later"
    )
    window.demo_action = make_action(
        window,
        "Try the &demo…",
        None,
        window._on_try_demo,
        "Open the demo in a new window: simulated vendors, nothing billed",
    )
    window.demo_action.setVisible(demo_offered)
    window.help_menu.addActions([window.welcome_action, window.demo_action])
    window.help_menu.addSeparator()
    window.help_menu.addAction(
        make_action(window, "&Keyboard shortcuts", None, window.show_shortcuts, "Every shortcut")
    )
    window.verify_action = make_action(
        window, "&Verify evidence…", None, window._on_verify_evidence, "Check that no stored result was changed since"
    )
    window.verify_action.setEnabled(False)
    window.help_menu.addAction(window.verify_action)
    window.help_menu.addAction(make_action(window, "&About Leadcheck", None, window.show_about, "Version and licences"))
    return file_extension_separator
