"""The result card: a large flag badge with its word, the one-line summary, the details, and the raw answer.

Each vendor tab gives the card a *renderer*, a function that reads a :class:`CheckResult` (live or loaded from
the database) and adds rows, links, chips and tables through a :class:`CardBuilder`. A failed call shows the
:class:`ErrorBanner` instead of a badge; problems found before sending show the same banner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.widgets.error_banner import ErrorBanner, Problem
from desktop_app.ui.widgets.flags import FlagBadge, RuleChip, app_palette, blend, flag_colours, palette_changed
from desktop_app.ui.widgets.raw_response import RawResponseExpander
from desktop_app.ui.widgets.text import local_time, localise_times, operation_label
from desktop_app.vendors.errors import LeadcheckError
from desktop_app.vendors.results import CheckResult

CHIP_COLUMNS = 3


class CardBuilder:
    """What a renderer uses to fill the card's detail area, top to bottom."""

    def __init__(self, card: ResultCard, layout: QVBoxLayout) -> None:
        self._card = card
        self._layout = layout
        self._form: QFormLayout | None = None

    def _form_layout(self) -> QFormLayout:
        if self._form is None:
            holder = QWidget()
            self._form = QFormLayout(holder)
            self._form.setContentsMargins(0, 0, 0, 0)
            self._form.setHorizontalSpacing(16)
            self._form.setVerticalSpacing(6)
            self._form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            self._layout.addWidget(holder)
        return self._form

    def _add(self, widget: QWidget) -> None:
        self._form = None
        self._layout.addWidget(widget)

    def row(self, label: str, value: object, *, tooltip: str = "") -> QLabel:
        """A "label: value" line; the value is selectable so it can be copied."""
        text = "—" if value is None or value == "" else str(value)
        field = QLabel(text)
        field.setWordWrap(True)
        field.setTextFormat(Qt.TextFormat.PlainText)
        field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if tooltip:
            field.setToolTip(tooltip)
        name = QLabel(f"{label}:")
        name.setObjectName("cardRowLabel")
        name.setStyleSheet(f"color: {muted(self._card).name()};")
        self._form_layout().addRow(name, field)
        self._card.values[label] = text
        return field

    def link(self, label: str, url: str | None, *, text: str | None = None, note: str = "") -> QLabel:
        """A clickable address (opens in the browser), with an optional note under it."""
        if not url:
            return self.row(label, None)
        shown = escape(text or url)
        body = f'<a href="{escape(url, quote=True)}">{shown}</a>'
        if note:
            body += f"<br><span style='font-size: 11px;'>{escape(note)}</span>"
        field = QLabel(body)
        field.setTextFormat(Qt.TextFormat.RichText)
        field.setOpenExternalLinks(True)
        field.setWordWrap(True)
        field.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        field.setToolTip(url)
        name = QLabel(f"{label}:")
        name.setStyleSheet(f"color: {muted(self._card).name()};")
        self._form_layout().addRow(name, field)
        self._card.values[label] = url
        self._card.links[label] = url
        return field

    def heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet("font-weight: 600; margin-top: 6px;")
        self._add(label)
        return label

    def note(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._add(label)
        return label

    def bullets(self, items: Sequence[str]) -> QLabel:
        label = QLabel("<br>".join(f"•&nbsp;{escape(item)}" for item in items))
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        self._add(label)
        return label

    def chips(self, chips: Sequence[RuleChip]) -> None:
        """Rule chips in a grid, each with its own colour, word and tooltip."""
        holder = QWidget()
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(8)
        for i, chip in enumerate(chips):
            grid.addWidget(chip, i // CHIP_COLUMNS, i % CHIP_COLUMNS, Qt.AlignmentFlag.AlignLeft)
            self._card.chips.append(chip)
        grid.setColumnStretch(CHIP_COLUMNS, 1)
        self._add(holder)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        colours: Sequence[str | None] | None = None,
        colour_column: int | None = None,
        name: str = "",
    ) -> QTableWidget:
        """A read-only table; ``colours[i]`` (a flag colour) fills row i's ``colour_column`` cell."""
        table = QTableWidget(len(rows), len(headers))
        table.setObjectName(name or "cardTable")
        table.setHorizontalHeaderLabels(list(headers))
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem("—" if value is None or value == "" else str(value))
                item.setToolTip(item.text())
                if colours is not None and colour_column == c and (pair := flag_colours(colours[r])):
                    item.setBackground(pair[0])
                    item.setForeground(pair[1])
                table.setItem(r, c, item)
        table.resizeRowsToContents()
        visible = min(len(rows), 8)
        height = header.sizeHint().height() + sum(table.rowHeight(i) for i in range(visible)) + 2 * table.frameWidth()
        table.setFixedHeight(max(height, 48))
        self._add(table)
        self._card.tables[name or f"table{len(self._card.tables)}"] = table
        return table

    def widget(self, widget: QWidget) -> None:
        self._add(widget)


Renderer = Callable[[CheckResult, CardBuilder], None]


class ResultCard(QFrame):
    """One result at a time: badge + summary + details (from the renderer) + raw answer, or an error banner.

    ``green_word`` (e.g. "Recorded") shows a green result on a neutral badge, for a vendor whose green means the
    request was recorded rather than that the lead is good to call. After :meth:`show_result`, ``values`` maps
    each detail row's label to its text, ``links`` each link's address, ``chips`` and ``tables`` hold what the
    renderer added (tests and screen readers use them).
    """

    def __init__(
        self,
        renderer: Renderer,
        placeholder: str = "",
        parent: QWidget | None = None,
        *,
        green_word: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resultCard")
        self._renderer = renderer
        self.green_word = green_word
        self.result: CheckResult | None = None
        self.values: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.chips: list[RuleChip] = []
        self.tables: dict[str, QTableWidget] = {}

        self.placeholder = QLabel(placeholder or "Run a check: its result appears here.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet(f"color: {muted(self).name()}; font-size: 14px; padding: 40px;")

        self.badge = FlagBadge()
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label.setStyleSheet("font-size: 15px; font-weight: 500;")
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.subject_label = QLabel()
        self.subject_label.setWordWrap(True)
        self.subject_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subject_label.setStyleSheet(f"color: {muted(self).name()}; font-size: 11px;")
        header = QHBoxLayout()
        header.setSpacing(14)
        header.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(4)
        text.addWidget(self.summary_label)
        text.addWidget(self.subject_label)
        header.addLayout(text, 1)
        self.header = QWidget()
        self.header.setLayout(header)

        self.error_banner = ErrorBanner()
        self._details_host = QVBoxLayout()
        self._details_host.setContentsMargins(0, 0, 0, 0)
        self._details: QWidget | None = None
        self.raw_expander = RawResponseExpander()

        body = QWidget()
        self._body_layout = QVBoxLayout(body)
        self._body_layout.setContentsMargins(16, 14, 16, 14)
        self._body_layout.setSpacing(12)
        self._body_layout.addWidget(self.placeholder)
        self._body_layout.addWidget(self.header)
        self._body_layout.addWidget(self.error_banner)
        self._body_layout.addLayout(self._details_host)
        self._body_layout.addWidget(self.raw_expander, 1)  # the raw answer takes the card's spare height

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._apply_frame_style()
        self.clear()

    def _apply_frame_style(self) -> None:
        palette = app_palette()
        base = palette.color(QPalette.ColorRole.Base)
        border = blend(base, palette.color(QPalette.ColorRole.Text), 0.2)
        self.setStyleSheet(
            f"QFrame#resultCard {{ background: {base.name()}; border: 1px solid {border.name()}; border-radius: 8px; }}"
            " QFrame#resultCard QScrollArea, QFrame#resultCard QScrollArea > QWidget > QWidget"
            " { background: transparent; }"
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange and palette_changed(self):
            self._apply_frame_style()
            if self.result is not None:
                self.show_result(self.result)
        super().changeEvent(event)

    # -- showing ---------------------------------------------------------------------------------------------

    def clear(self) -> None:
        """Back to the placeholder."""
        self.result = None
        self._reset_details()
        self.placeholder.show()
        self.header.hide()
        self.error_banner.hide()
        self.raw_expander.hide()

    def show_result(self, result: CheckResult) -> None:
        """Show a result: badge and details when the call completed, the error banner when it failed."""
        self.result = result
        self._reset_details()
        self.placeholder.hide()
        self.header.show()
        if result.error is not None:
            self.badge.hide()
            self.summary_label.setText(f"{operation_label(result.operation)} could not be completed.")
            self.error_banner.show_error(result.error)
        else:
            self.badge.show()
            if self.green_word and str(result.flag) == "green":
                self.badge.set_flag(None, none_text=f"✓  {self.green_word}")  # recorded, not "good to call"
            else:
                self.badge.set_flag(result.flag, none_text="✓  Done")
            self.summary_label.setText(localise_times(result.summary))
            self.error_banner.hide()
        when = local_time(result.finished_at, seconds=True)
        self.subject_label.setText(f"{operation_label(result.operation)} · {result.subject or '—'} · {when}")
        self.subject_label.setToolTip(result.subject)
        builder = CardBuilder(self, self._new_details())
        self._renderer(result, builder)
        self.raw_expander.set_content(result.request, result.response_body)
        self.raw_expander.setVisible(bool(result.request) or result.response_body is not None)

    def show_exception(self, exc: LeadcheckError, vendor: str = "") -> None:
        """A problem found before sending (bad input, missing key): the banner only, nothing was sent."""
        self.show_problem(Problem.from_exception(exc, vendor))

    def show_problem(self, problem: Problem) -> None:
        self.result = None
        self._reset_details()
        self.placeholder.hide()
        self.header.hide()
        self.raw_expander.hide()
        self.error_banner.show_problem(problem)

    # -- state for tests and accessibility ------------------------------------------------------------------

    @property
    def flag_word(self) -> str | None:
        """The word on the badge when one is shown (e.g. "Green"), else None."""
        if self.header.isHidden() or self.badge.isHidden() or self.badge.flag is None:
            return None
        return self.badge.flag.word

    @property
    def shows_error(self) -> bool:
        return not self.error_banner.isHidden()

    # -- internals -------------------------------------------------------------------------------------------

    def _reset_details(self) -> None:
        self.values = {}
        self.links = {}
        self.chips = []
        self.tables = {}
        if self._details is not None:
            self._details_host.removeWidget(self._details)
            self._details.hide()  # it stays painted until deleteLater runs otherwise
            self._details.deleteLater()
            self._details = None

    def _new_details(self) -> QVBoxLayout:
        self._details = QWidget()
        layout = QVBoxLayout(self._details)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self._details_host.addWidget(self._details)
        return layout


def muted(widget: QWidget) -> QColor:
    """Secondary text colour: the window text moved towards the window colour."""
    palette = app_palette()
    return blend(palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window), 0.4)
