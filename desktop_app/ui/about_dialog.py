"""Help → About: Leadcheck's name, version and icon, what it ships with under which licence, and the texts.

The main window opens it with ``AboutDialog(parent).open()``. Everything shown comes from
:mod:`desktop_app.about`, so the packaged build lists exactly the packages it bundles. :func:`app_icon`
builds the window icon from the rendered PNGs (sharp at every size, no SVG plugin needed).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app import about
from desktop_app.resources import ResourceNotFound, icon_files, resources_dir


def app_icon() -> QIcon:
    """Leadcheck's icon with every rendered size (an empty icon if the resources are missing)."""
    icon = QIcon()
    try:
        for path in icon_files():
            icon.addFile(str(path))
    except ResourceNotFound:
        pass
    return icon


def linkified(text: str) -> str:
    """Plain text as HTML with its line breaks kept and its web addresses clickable."""
    escaped = html.escape(text)
    linked = re.sub(r"(https?://[^\s)]+[^\s).,])", r'<a href="\1">\1</a>', escaped)
    return f'<p style="white-space: pre-wrap">{linked}</p>'


def licence_documents() -> list[tuple[str, Path]]:
    """(label, file) for every licence text available: the shipped ones first, then each package's own."""
    documents: list[tuple[str, Path]] = []
    try:
        folder = resources_dir() / "licenses"
    except ResourceNotFound:
        folder = None
    labels = {
        "LGPL-3.0.txt": "GNU LGPL v3 (Qt, Qt for Python)",
        "GPL-3.0.txt": "GNU GPL v3 (which the LGPL v3 builds on)",
        "Python-LICENSE.txt": "Python (PSF licence)",
        "Apache-2.0.txt": "Apache License 2.0",
        "MPL-2.0.txt": "Mozilla Public License 2.0",
    }
    if folder is not None and folder.is_dir():
        for name, label in labels.items():
            if (folder / name).is_file():
                documents.append((label, folder / name))
    for dist in about.shipped_distributions():
        for path in about.licence_files(dist):
            documents.append((f"{dist.metadata['Name']} {dist.version} — {path.name}", path))
    for path in about.system_library_notices():
        documents.append((f"system library {path.stem} (Debian copyright file)", path))
    return documents


class AboutDialog(QDialog):
    """The About box. No signals; close it with the Close button or Escape."""

    def __init__(self, parent: QWidget | None = None, *, qt_version: str | None = None) -> None:
        super().__init__(parent)
        self.qt_version = qt_version or qVersion()
        self.setWindowTitle(f"About {about.APP_NAME}")
        self.setWindowIcon(app_icon())
        self.resize(720, 600)

        self.icon_label = QLabel()
        self.icon_label.setPixmap(app_icon().pixmap(72, 72))
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title_label = QLabel(about.APP_NAME)
        title_font = QFont(self.title_label.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.8)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        build = "packaged build" if about.is_frozen() else "running from Python"
        self.version_label = QLabel(f"Version {about.version()} ({build}) · Qt {self.qt_version}")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.blurb_label = QLabel(
            "Consent checks for lead buyers: TrustedForm, Jornaya LeadiD, Contact State, Consent Control and "
            "the TCPA litigator list, each answer a Green, Yellow or Red flag, every result kept on this computer."
        )
        self.blurb_label.setWordWrap(True)

        heading = QVBoxLayout()
        heading.setSpacing(4)
        heading.addWidget(self.title_label)
        heading.addWidget(self.version_label)
        heading.addWidget(self.blurb_label)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(self.icon_label)
        top.addLayout(heading, 1)

        self.components_view = QTextBrowser()
        self.components_view.setOpenExternalLinks(True)
        self.components_view.setHtml(self.components_html())
        self.qt_view = QTextBrowser()
        self.qt_view.setOpenExternalLinks(True)
        self.qt_view.setHtml(linkified(about.qt_replacement(self.qt_version)))

        self.licence_picker = QComboBox()
        self.licence_picker.setToolTip("Choose a licence text to read")
        self.licence_text = QPlainTextEdit()
        self.licence_text.setReadOnly(True)
        self.licence_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        for label, path in licence_documents():
            self.licence_picker.addItem(label, str(path))
        self.licence_picker.currentIndexChanged.connect(self.show_licence)
        licences_page = QWidget()
        licences_layout = QVBoxLayout(licences_page)
        licences_layout.addWidget(self.licence_picker)
        licences_layout.addWidget(self.licence_text, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.components_view, "Components")
        self.tabs.addTab(self.qt_view, "Qt licence (LGPL)")
        self.tabs.addTab(licences_page, "Licence texts")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy to clipboard")
        self.copy_button.setToolTip("Copy the version and the component list, e.g. for a support request")
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.show_licence(0)

    def components_html(self) -> str:
        """The component table (name, version, licence, what it does) as HTML, in the palette's own colours."""
        rows = []
        for item in about.components(self.qt_version):
            name = html.escape(item.name)
            if item.url:
                name = f'<a href="{html.escape(item.url)}">{name}</a>'
            rows.append(
                f"<tr><td>{name}</td><td>{html.escape(item.version)}</td>"
                f"<td><b>{html.escape(item.licence)}</b></td><td>{html.escape(item.role)}</td></tr>"
            )
        return (
            "<p>Leadcheck is built on these components. Each keeps its own licence; the texts are under "
            "<i>Licence texts</i>. Qt and Qt for Python are used under the LGPLv3: see <i>Qt licence</i> for how "
            "to replace them with your own build.</p>"
            '<table cellspacing="0" cellpadding="3">'
            "<tr><th align=left>Component</th><th align=left>Version</th><th align=left>Licence</th>"
            "<th align=left>Used for</th></tr>" + "".join(rows) + "</table>"
        )

    def show_licence(self, index: int) -> None:
        """Show the licence text chosen in the picker."""
        path = self.licence_picker.itemData(index)
        if not path:
            self.licence_text.setPlainText("No licence texts were found in this installation.")
            return
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            text = f"Cannot read {path}: {exc.strerror}"
        self.licence_text.setPlainText(text)

    def copy_to_clipboard(self) -> None:
        """Put the plain-text About (version, components, LGPL notice) on the clipboard."""
        QGuiApplication.clipboard().setText(about.about_text(self.qt_version))
