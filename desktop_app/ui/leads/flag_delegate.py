"""How the lead table paints its verdict and flag cells."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.ui import theme
from desktop_app.ui.leads.model import FLAG_ROLE


class FlagDelegate(QStyledItemDelegate):
    """Paints a flag cell as a rounded chip (word on its colour) that keeps its colour when the row is selected."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        flag = index.data(FLAG_ROLE)
        background, foreground = theme.flag_background(flag), theme.flag_foreground(flag)
        if background is None or foreground is None:
            super().paint(painter, option, index)
            return
        paint_chip(painter, option, background, foreground, theme.flag_word(flag))


def paint_chip(
    painter: QPainter,
    option: QStyleOptionViewItem,
    background: QColor | QBrush,
    foreground: QColor,
    text: str,
    *,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter,
    pad: int = 0,
) -> None:
    """A cell painted as a rounded chip (bold text on its colour) that keeps its colours when the row is selected:
    the lead table's flags and the Deadlines view's hours due within a day."""
    rect = option.rect
    painter.save()
    if option.state & QStyle.StateFlag.State_Selected:
        painter.fillRect(rect, option.palette.highlight())
    chip = rect.adjusted(3, 2, -3, -2)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(background)
    painter.drawRoundedRect(chip, 4, 4)
    font = option.font
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(foreground)
    painter.drawText(chip.adjusted(pad, 0, -pad, 0), align, text)
    painter.restore()
