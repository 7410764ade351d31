"""Colours that carry meaning (flags, failures, the DEMO banner) and the one small stylesheet.

A flag is always drawn as its word on its own background with a text colour chosen for contrast, so it reads
the same on a light or a dark window (the chip brings its own contrast instead of relying on the palette).
Everything else follows the system palette; :func:`dark_palette` exists so tests and screenshots can check
the dark look on machines without a dark theme.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QPalette

# (background, text) pairs; each text colour has a contrast ratio of at least 4.5:1 on its background.
FLAG_COLOURS: dict[str, tuple[str, str]] = {
    "green": ("#1e7b34", "#ffffff"),
    "yellow": ("#f5c400", "#1a1a1a"),
    "red": ("#c62828", "#ffffff"),
}
FAILED_COLOURS = ("#5f6b7a", "#ffffff")  # a failed call: neutral slate, visibly not a flag
UNCHECKED_COLOUR = "#b8c0ca"  # a verdict not reached yet, in the suppliers' verdict bars
DUE_SOON_HOURS = 24.0  # a deadline closer than this is drawn in the red flag's colours
FLAG_WORDS = {"green": "Green", "yellow": "Yellow", "red": "Red"}
NOT_CHECKED = "—"


def flag_word(flag: str | None) -> str:
    """The word shown for a stored flag value ("green" -> "Green"); an em dash when never checked."""
    return FLAG_WORDS.get(flag or "", NOT_CHECKED)


def flag_background(flag: str | None) -> QColor | None:
    pair = FLAG_COLOURS.get(flag or "")
    return QColor(pair[0]) if pair else None


def flag_foreground(flag: str | None) -> QColor | None:
    pair = FLAG_COLOURS.get(flag or "")
    return QColor(pair[1]) if pair else None


def relative_luminance(colour: QColor) -> float:
    """WCAG relative luminance of an sRGB colour (0 black .. 1 white)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def resource_path(name: str) -> Path | None:
    """A file from ``resources/`` (source checkout) or ``desktop_app/_resources`` (installed wheel)."""
    here = Path(__file__).resolve()
    for folder in (here.parents[2] / "resources", here.parents[1] / "_resources"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def stylesheet() -> str:
    """The application stylesheet (only fixed-look widgets are styled), or "" when it is not installed."""
    path = resource_path("style.qss")
    return path.read_text(encoding="utf-8") if path else ""


def dark_palette() -> QPalette:
    """A plain dark palette (Fusion-like) for checking that every screen reads on a dark system theme."""
    palette = QPalette()
    window, base, text = QColor("#2b2b2b"), QColor("#1e1e1e"), QColor("#e8e8e8")
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor("#262626")),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor("#353535")),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.ToolTipBase, QColor("#3a3a3a")),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor("#9a9a9a")),
        (QPalette.ColorRole.Highlight, QColor("#3d6fb4")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, QColor("#8ab4f8")),
        (QPalette.ColorRole.Mid, QColor("#555555")),
    ):
        palette.setColor(role, colour)
    disabled = QColor("#7a7a7a")  # greyed out, so a disabled button never looks clickable
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette
