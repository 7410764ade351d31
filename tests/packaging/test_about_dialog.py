"""Help → About as the user sees it: version, icon, the component table, the LGPL notice, the licence texts."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app import __version__
from desktop_app.ui.about_dialog import AboutDialog, app_icon, licence_documents


def test_dialog_shows_version_components_and_lgpl(qtbot: QtBot) -> None:
    dialog = AboutDialog(qt_version="6.10.3")
    qtbot.addWidget(dialog)
    assert f"Version {__version__}" in dialog.version_label.text()
    assert not dialog.icon_label.pixmap().isNull()
    table = dialog.components_view.toPlainText()
    for expected in ("Qt for Python (PySide6)", "LGPL-3.0-only", "httpx", "BSD-3-Clause", "SQLite", "Public Domain"):
        assert expected in table
    assert "LGPLv3" in dialog.qt_view.toPlainText() and "replace" in dialog.qt_view.toPlainText()
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Components",
        "Qt licence (LGPL)",
        "Licence texts",
    ]


def test_licence_texts_can_be_read(qtbot: QtBot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    labels = [dialog.licence_picker.itemText(i) for i in range(dialog.licence_picker.count())]
    assert labels[0].startswith("GNU LGPL v3")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in dialog.licence_text.toPlainText()
    httpx_index = next(i for i, label in enumerate(labels) if label.startswith("httpx "))
    dialog.licence_picker.setCurrentIndex(httpx_index)
    assert "Copyright" in dialog.licence_text.toPlainText()
    assert len(licence_documents()) == dialog.licence_picker.count()


def test_copy_puts_the_about_text_on_the_clipboard(qtbot: QtBot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text().startswith(f"Leadcheck {__version__}")


def test_app_icon_has_every_size(qtbot: QtBot) -> None:
    sizes = {(size.width(), size.height()) for size in app_icon().availableSizes()}
    assert {(16, 16), (32, 32), (256, 256), (512, 512)} <= sizes
