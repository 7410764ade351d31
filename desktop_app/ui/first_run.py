"""The first-run choice: try Leadcheck on the built-in simulator (demo) or set up real vendor keys.

Shown once (the ``first_run_done`` setting) before the window is wired up, and again from Help → Welcome…,
without a nested event loop: :func:`ask_first_run` opens the dialog and awaits the buyer's answer on the running
qasync loop.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

CHOICE_DEMO = "demo"
CHOICE_KEYS = "keys"
CHOICE_LATER = "later"

INTRO = (
    "<h2>Welcome to Leadcheck</h2>"
    "<p>Leadcheck asks TrustedForm, Jornaya, Contact State, Consent Control and TCPA Litigator about your leads "
    "and keeps every answer in your own database (a file on this computer, or your team's shared database).</p>"
    "<p><b>Try the demo</b> to use every tab now: the vendors are simulated on this computer, results go to a "
    "separate demo database, and nothing is sent or billed. It stays one click away: <b>Help → Try the "
    "demo</b> (or <code>leadcheck --demo</code>), and <b>Help → Welcome</b> brings this choice back.</p>"
    "<p><b>Enter my keys</b> opens Settings, where each vendor's keys are saved in your system keyring.</p>"
)


class FirstRunDialog(QDialog):
    """Asks once how to start. ``choice`` is one of CHOICE_DEMO, CHOICE_KEYS, CHOICE_LATER after it closes.

    Signals: none beyond QDialog's (``finished``).
    """

    def __init__(self, parent: QWidget | None = None, *, demo_offered: bool = True) -> None:
        """``demo_offered`` False: the demo button is off (this window is the demo already)."""
        super().__init__(parent)
        self.setWindowTitle("Welcome to Leadcheck")
        self.setModal(True)
        self.choice = CHOICE_LATER
        text = QLabel(INTRO)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.demo_button = QPushButton("Try the demo")
        self.demo_button.setToolTip("Simulated vendors on 127.0.0.1 and a separate demo database; nothing is billed")
        self.keys_button = QPushButton("Enter my keys")
        self.keys_button.setToolTip("Open Settings to enter each vendor's keys")
        self.later_button = QPushButton("Later")
        self.later_button.setToolTip("Decide later: Help → Try the demo and File → Settings are always there")
        self.demo_button.setDefault(demo_offered)
        self.demo_button.setEnabled(demo_offered)
        if not demo_offered:
            self.demo_button.setToolTip("This window is the demo already")
        for button, choice in (
            (self.demo_button, CHOICE_DEMO),
            (self.keys_button, CHOICE_KEYS),
            (self.later_button, CHOICE_LATER),
        ):
            button.clicked.connect(lambda _=False, c=choice: self.choose(c))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        buttons.addWidget(self.keys_button)
        buttons.addWidget(self.demo_button)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)

    def choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()


async def ask_first_run(parent: QWidget | None = None, *, demo_offered: bool = True) -> str:
    """Show the first-run dialog and return the buyer's choice (closing it counts as "later")."""
    dialog = FirstRunDialog(parent, demo_offered=demo_offered)
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def settle(_result: int) -> None:
        if not future.done():
            future.set_result(dialog.choice)

    dialog.finished.connect(settle)
    dialog.open()
    try:
        return await future
    finally:
        dialog.deleteLater()
