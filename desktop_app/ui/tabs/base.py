"""The skeleton every vendor tab shares: operation panels on the left, the result card on the right, the
vendor's recent checks under the inputs.

An :class:`OperationPanel` is one thing a buyer can do (retain a certificate, audit a token, push a status…):
an optional paste box, option fields, a Run button and an inline message under it. Its input is validated as
the buyer types with the vendor modules' own checks, so Run is only enabled for something that can be sent. The
message sits below everything the buyer types into, so it never moves a field; it names a field's problem only
once the buyer has left that field or pressed Run, never while they are still filling the form in. Running
awaits the panel's action on the qasync loop; the button reads "Checking…" and the inputs are read-only until
the ``finally`` restores them. :class:`VendorTab` shows what the action returned on the card and refreshes
the recent checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from desktop_app.service import CheckService
from desktop_app.ui.widgets.field_form import FieldForm
from desktop_app.ui.widgets.flags import app_palette, palette_changed
from desktop_app.ui.widgets.recent_checks import RecentChecksList
from desktop_app.ui.widgets.result_card import CardBuilder, ResultCard
from desktop_app.vendors.errors import InputError, LeadcheckError, MissingCredentials
from desktop_app.vendors.results import CheckResult

F = TypeVar("F", bound=Callable[..., Any])


def async_slot(*types: type) -> Callable[[F], F]:
    """qasync's ``asyncSlot`` with a signature mypy understands (the decorated coroutine keeps its type)."""
    return cast(Callable[[F], F], asyncSlot(*types))


Validator = Callable[[], object]
"""Checks the panel's current input; raises InputError with a sentence for the buyer when it cannot be sent."""

PASTE_FIELD = "paste"
"""The name :meth:`OperationPanel.touch` records when the buyer leaves the paste box."""

LEFT_WIDTH = 470
MARGIN = 12


def message_colour(widget: QWidget) -> QColor:
    """A red readable on the widget's window colour (lighter on dark palettes)."""
    dark = app_palette().color(QPalette.ColorRole.Window).lightness() < 128
    return QColor("#ff8a80" if dark else "#b3261e")


class OperationPanel(QWidget):
    """One operation's inputs and Run button.

    Signals:
        finished(object): the action completed and returned this value (usually a CheckResult).
        refused(object): the action raised InputError or MissingCredentials before anything was sent.
    """

    finished = Signal(object)
    refused = Signal(object)

    def __init__(
        self,
        action: Callable[[], Awaitable[Any]],
        *,
        paste_label: str | None = None,
        paste_placeholder: str = "",
        run_text: str = "Check",
        busy_text: str = "Checking…",
        intro: str = "",
        columns: int = 1,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._action = action
        self._validators: list[Validator] = []
        self._running = False
        self.run_text = run_text
        self.busy_text = busy_text
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(8)
        if intro:
            intro_label = QLabel(intro)
            intro_label.setWordWrap(True)
            self.layout_.addWidget(intro_label)
        self.paste_box: QLineEdit | None = None
        if paste_label is not None:
            caption = QLabel(paste_label)
            caption.setStyleSheet("font-weight: 600;")
            self.paste_box = QLineEdit()
            self.paste_box.setPlaceholderText(paste_placeholder)
            self.paste_box.setClearButtonEnabled(True)
            self.paste_box.setAccessibleName(paste_label.rstrip(":"))
            self.paste_box.setMinimumHeight(30)
            caption.setBuddy(self.paste_box)
            self.paste_box.textChanged.connect(self.revalidate)
            self.paste_box.returnPressed.connect(self._on_run)
            self.layout_.addWidget(caption)
            self.layout_.addWidget(self.paste_box)
            self.paste_box.editingFinished.connect(lambda: self.touch(PASTE_FIELD))
        self.touched: set[str] = set()
        self.attempted = False
        self.form = FieldForm(columns)
        self.form.changed.connect(self.revalidate)
        self.form.submitted.connect(self._on_run)
        self.form.left.connect(self.touch)
        self.layout_.addWidget(self.form)
        self.extra = QVBoxLayout()
        self.extra.setSpacing(6)
        self.layout_.addLayout(self.extra)
        self.run_button = QPushButton(run_text)
        self.run_button.setDefault(True)
        self.run_button.setMinimumHeight(32)
        self.run_button.setMinimumWidth(140)
        self.run_button.clicked.connect(self._on_run)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.run_button)
        self.layout_.addLayout(buttons)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setObjectName("inlineMessage")
        self.message_label.setAccessibleName("Input problem")
        self.message_label.hide()
        self.layout_.addWidget(self.message_label)
        self.pristine: Callable[[], bool] = self._default_pristine
        self._apply_message_style()
        self.revalidate()

    # -- validation ------------------------------------------------------------------------------------------

    def add_validator(self, validator: Validator) -> None:
        """Add a check; it runs on every change (the tab revalidates each panel once it is fully built)."""
        self._validators.append(validator)

    def input_error(self) -> InputError | None:
        """Why the current input cannot be sent, or None when it can."""
        try:
            for validator in self._validators:
                validator()
        except InputError as exc:
            return exc
        return None

    def input_problem(self) -> str | None:
        """The sentence saying why the current input cannot be sent, or None when it can."""
        error = self.input_error()
        return str(error) if error is not None else None

    def touch(self, name: str) -> None:
        """The buyer left field ``name`` (or the paste box): its problems may be shown from now on."""
        self.touched.add(name)
        self.revalidate()

    def _may_show(self, error: InputError) -> bool:
        """Show a problem after Run was pressed, or once the buyer has left the field it is about (a problem
        about no form field in particular: once they have left any field)."""
        if self.attempted:
            return True
        if error.field in self.form.fields:
            return error.field in self.touched
        return bool(self.touched)

    def revalidate(self) -> bool:
        """Show the inline message (not while the inputs are untouched or still being filled in) and enable Run
        only for valid input."""
        error = self.input_error()
        shown = error is not None and not self.pristine() and self._may_show(error)
        self.message_label.setText(f"⚠ {error}" if shown else "")
        self.message_label.setVisible(shown)
        self.run_button.setEnabled(error is None and not self._running)
        return error is None

    def _default_pristine(self) -> bool:
        if self.paste_box is not None:
            return not self.paste_box.text().strip()
        return not self.form.values()

    @property
    def message(self) -> str:
        """The inline message as shown (empty when hidden)."""
        return self.message_label.text() if self.message_label.isVisibleTo(self) else ""

    # -- running ---------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    def set_paste_text(self, text: str) -> None:
        if self.paste_box is not None:
            self.paste_box.setText(text.strip())

    def focus_input(self) -> None:
        target: QWidget | None = self.paste_box
        if target is None and self.form.fields:
            target = next(iter(self.form.fields.values()))
        if target is not None:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)
            if isinstance(target, QLineEdit):
                target.selectAll()

    def set_busy(self, busy: bool) -> None:
        self.run_button.setText(self.busy_text if busy else self.run_text)
        if self.paste_box is not None:
            self.paste_box.setReadOnly(busy)
        self.form.set_read_only(busy)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    async def run(self) -> Any:
        """Run the action if the input is valid; returns its value, or None when nothing was sent."""
        if self._running:
            return None
        self.attempted = True
        if not self.revalidate():
            problem = self.input_problem()
            self.message_label.setText(f"⚠ {problem}")
            self.message_label.setVisible(True)
            return None
        self._running = True
        self.run_button.setEnabled(False)
        self.set_busy(True)
        try:
            value = await self._action()
        except (InputError, MissingCredentials) as exc:
            self.refused.emit(exc)
            return None
        finally:
            self._running = False
            self.set_busy(False)
            self.revalidate()
        self.attempted = False
        self.touched.clear()
        self.finished.emit(value)
        return value

    @async_slot()
    async def _on_run(self) -> None:
        await self.run()

    def _apply_message_style(self) -> None:
        self.message_label.setStyleSheet(f"color: {message_colour(self).name()};")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange and palette_changed(self):
            self._apply_message_style()
        super().changeEvent(event)


class SegmentedPages(QWidget):
    """A row of exclusive buttons over a stack of pages: a compact way to offer several operations.

    Signals:
        page_changed(int): the visible page changed.
    """

    page_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: list[QPushButton] = []
        self._row = QHBoxLayout()
        self._row.setSpacing(0)
        self._stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(self._row)
        layout.addWidget(self._stack)
        self._row.addStretch(1)

    def add_page(self, title: str, page: QWidget, tooltip: str = "") -> int:
        button = QPushButton(title)
        button.setCheckable(True)
        button.setAutoExclusive(True)
        button.setToolTip(tooltip)
        button.setMinimumHeight(28)
        button.setStyleSheet(
            "QPushButton { padding: 4px 12px; }"
            " QPushButton:checked { background: palette(highlight); color: palette(highlighted-text); }"
        )
        index = self._stack.addWidget(page)
        button.clicked.connect(lambda _checked=False, i=index: self.set_page(i))
        self._row.insertWidget(len(self.buttons), button)
        self.buttons.append(button)
        if index == 0:
            button.setChecked(True)
        return index

    def set_page(self, index: int) -> None:
        self._stack.setCurrentIndex(index)
        self.buttons[index].setChecked(True)
        self.page_changed.emit(index)

    def current_index(self) -> int:
        return self._stack.currentIndex()

    def page(self, index: int) -> QWidget:
        page = self._stack.widget(index)
        assert page is not None
        return page

    def index_of(self, page: QWidget) -> int:
        return self._stack.indexOf(page)


def panel_page(*widgets: QWidget) -> QWidget:
    """A page holding ``widgets`` top-aligned, with the standard right margin for the scroll bar."""
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 8, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return host


class VendorTab(QWidget):
    """A vendor's tab: panels (from :meth:`build_inputs`) over the recent checks, the result card beside them.

    Subclasses set ``key``/``title``, build their panels with :meth:`add_panel` and draw details in
    :meth:`render`. ``paste_and_run`` puts text in the panel :meth:`panel_for_text` picks and runs it.
    """

    key = ""
    title = ""
    placeholder_text = "Run a check: its result appears here."
    green_word: str | None = None
    """Shown instead of "Green" (on a neutral badge) when this vendor's green means "recorded", not "good to call"."""

    def __init__(self, service: CheckService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.panels: list[OperationPanel] = []
        self.card = ResultCard(self.render_details, self.placeholder_text, green_word=self.green_word)
        self.card.setMinimumWidth(480)
        self.recent = RecentChecksList(service.store, self.key, green_word=self.green_word)
        self.recent.check_selected.connect(self.show_stored)

        inputs = self.build_inputs()
        inputs_scroll = QScrollArea()
        inputs_scroll.setWidgetResizable(True)
        inputs_scroll.setFrameShape(QFrame.Shape.NoFrame)
        inputs_scroll.setWidget(inputs)
        inputs_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inputs_scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        left = QSplitter(Qt.Orientation.Vertical)
        left.setChildrenCollapsible(False)
        left.addWidget(inputs_scroll)
        left.addWidget(self.recent)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        self.left_splitter = left

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.card)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([LEFT_WIDTH, 1280 - LEFT_WIDTH])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.addWidget(splitter)
        for panel in self.panels:
            panel.revalidate()
        self.recent.refresh()

    # -- for subclasses --------------------------------------------------------------------------------------

    def build_inputs(self) -> QWidget:
        raise NotImplementedError

    def render_details(self, result: CheckResult, card: CardBuilder) -> None:
        """Add the vendor's details for ``result`` to the card (called for live and stored results)."""

    def add_panel(self, panel: OperationPanel) -> OperationPanel:
        panel.finished.connect(self.show_value)
        panel.refused.connect(self.show_refusal)
        self.panels.append(panel)
        return panel

    def main_panel(self) -> OperationPanel:
        return self.panels[0]

    def panel_for_text(self, text: str) -> OperationPanel:
        """The panel whose paste box takes ``text`` (tabs with several operations pick by its shape)."""
        return self.main_panel()

    def reveal(self, panel: OperationPanel) -> None:
        """Make ``panel`` the visible one (tabs with sub-pages switch to it)."""

    # -- shown to the buyer ----------------------------------------------------------------------------------

    def show_value(self, value: object) -> None:
        if isinstance(value, CheckResult):
            self.card.show_result(value)
        self.recent.refresh()

    def show_stored(self, result: CheckResult) -> None:
        self.card.show_result(result)

    def show_refusal(self, exc: LeadcheckError) -> None:
        self.card.show_exception(exc, self.key)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        # Checks made elsewhere (a re-check from the Leads tab, a batch) appear when the buyer comes back.
        self.recent.refresh()
        super().showEvent(event)

    # -- the main window's interface -------------------------------------------------------------------------

    def focus_input(self) -> None:
        """Focus the paste box of the main (or current) operation."""
        panel = self.current_panel()
        self.reveal(panel)
        panel.focus_input()

    def current_panel(self) -> OperationPanel:
        return self.main_panel()

    async def paste_and_run(self, text: str) -> None:
        """Put ``text`` in the matching paste box and run it (nothing is sent when it is not valid)."""
        await self.paste_and_run_value(text)

    async def paste_and_run_value(self, text: str) -> Any:
        """:meth:`paste_and_run`, returning what the run returned (None when nothing was sent)."""
        panel = self.panel_for_text(text)
        self.reveal(panel)
        panel.set_paste_text(text)
        return await panel.run()
