"""Flag colours, the large flag badge on a result card and the small rule chips (Jornaya's rules, record outcomes).

A flag is never shown by colour alone: every badge and chip carries its word (Green / Yellow / Red) and a
symbol. The fills are :data:`desktop_app.ui.theme.FLAG_COLOURS`, fixed pairs whose text contrasts with the
fill by at least 4.5:1, so they read the same on light and dark palettes; neutral pieces take their colours
from the widget's palette so they follow the system theme.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from desktop_app.ui.theme import FLAG_COLOURS
from desktop_app.vendors.results import Flag

# colour name -> (fill, text): the app-wide pairs from the theme, so a badge matches the lead table's cells.
FLAG_FILL: dict[str, tuple[str, str]] = dict(FLAG_COLOURS)
FLAG_SYMBOL: dict[str, str] = {"green": "✓", "yellow": "!", "red": "✕"}


def flag_word(colour: str | Flag | None, *, none: str = "No flag") -> str:
    """The word shown for a colour name or Flag (``"green"`` -> ``"Green"``); ``none`` when there is none."""
    if colour is None or str(colour) not in FLAG_FILL:
        return none
    return Flag(str(colour)).word


def flag_colours(colour: str | Flag | None) -> tuple[QColor, QColor] | None:
    """(fill, text) for a flag colour, or None for no flag."""
    if colour is None or str(colour) not in FLAG_FILL:
        return None
    fill, text = FLAG_FILL[str(colour)]
    return QColor(fill), QColor(text)


def app_palette() -> QPalette:
    """The application's palette (the system theme, or the one the app set).

    Colours are read from here rather than from a widget's own palette, because a style sheet rewrites the
    palette of the widget it is set on: reading it back would feed our own colours into the next update.
    """
    return QGuiApplication.palette()


def palette_changed(widget: QWidget) -> bool:
    """True (once) when the application palette differs from the one ``widget`` last styled itself with.

    Setting a style sheet sends the widget a PaletteChange too; comparing the application palette's cache key
    tells a real theme change from that echo, so restyling cannot loop.
    """
    key = app_palette().cacheKey()
    if widget.property("leadcheckPaletteKey") == key:
        return False
    widget.setProperty("leadcheckPaletteKey", key)
    return True


def blend(base: QColor, tint: QColor, amount: float) -> QColor:
    """``base`` moved ``amount`` (0..1) of the way towards ``tint``: a tinted background that follows the palette."""
    return QColor(
        round(base.red() + (tint.red() - base.red()) * amount),
        round(base.green() + (tint.green() - base.green()) * amount),
        round(base.blue() + (tint.blue() - base.blue()) * amount),
    )


class _Pill(QLabel):
    """A rounded label whose colours come from a flag, or from the palette when there is no flag."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colour: str | None = None
        self._padding = "2px 8px"
        self._radius = 9
        self._font_px = 0
        self._bold = True
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

    def _apply_style(self) -> None:
        colours = flag_colours(self._colour)
        palette = app_palette()
        if colours is None:
            fill = blend(palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.WindowText), 0.12)
            text = palette.color(QPalette.ColorRole.WindowText)
            border = blend(palette.color(QPalette.ColorRole.Window), text, 0.35)
        else:
            fill, text = colours
            border = fill.darker(115)
        size = f"font-size: {self._font_px}px;" if self._font_px else ""
        weight = "font-weight: 600;" if self._bold else ""
        self.setStyleSheet(
            f"QLabel {{ background: {fill.name()}; color: {text.name()}; border: 1px solid {border.name()};"
            f" border-radius: {self._radius}px; padding: {self._padding}; {size} {weight} }}"
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange and palette_changed(self):
            self._apply_style()
        super().changeEvent(event)


class FlagBadge(_Pill):
    """The flag of a result: symbol and word on the flag's colour ("✓ Green"). ``large`` for the card header."""

    def __init__(self, flag: Flag | None = None, *, large: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if large:
            self._padding, self._radius, self._font_px = "6px 16px", 8, 20
        else:
            self._padding, self._radius, self._font_px = "1px 8px", 8, 0
        self.set_flag(flag)

    @property
    def flag(self) -> Flag | None:
        return Flag(self._colour) if self._colour else None

    def set_flag(self, flag: Flag | str | None, *, none_text: str = "No flag") -> None:
        """Show ``flag``; with None, a neutral badge reading ``none_text`` (e.g. "Done" for a deleted lead)."""
        self._colour = str(flag) if flag is not None and str(flag) in FLAG_FILL else None
        if self._colour is None:
            self.setText(none_text)
            self.setAccessibleName(none_text)
        else:
            word = flag_word(self._colour)
            self.setText(f"{FLAG_SYMBOL[self._colour]}  {word}")
            self.setAccessibleName(f"Flag: {word}")
        self._apply_style()


class RuleChip(_Pill):
    """One named rule with its own colour and word, e.g. "Capture: Yellow"; the tooltip explains what it means."""

    def __init__(
        self,
        name: str,
        colour: str | None,
        meaning: str,
        *,
        value_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._padding, self._radius, self._bold = "3px 10px", 10, True
        self.name = name
        self._colour = colour if colour in FLAG_FILL else None
        self.word = value_text if value_text is not None else flag_word(self._colour, none="Not returned")
        symbol = f"{FLAG_SYMBOL[self._colour]} " if self._colour else ""
        self.setText(f"{symbol}{name}: {self.word}")
        self.setToolTip(meaning)
        self.setAccessibleName(f"{name}: {self.word}")
        self.setAccessibleDescription(meaning)
        self._apply_style()

    @property
    def colour(self) -> str | None:
        return self._colour
