"""The five vendor tabs, in the order the main window shows them.

``build_vendor_tabs(service)`` returns ``(key, title, widget)`` for TrustedForm, Jornaya, Contact State,
Consent Control and TCPA Litigator. Every widget has ``focus_input()`` (focus its paste box) and
``async paste_and_run(text)`` (put the text in the paste box and run it).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop_app.service import CheckService
from desktop_app.ui.tabs.base import OperationPanel, VendorTab
from desktop_app.ui.tabs.consentcontrol import ConsentControlTab
from desktop_app.ui.tabs.contactstate import ContactStateTab
from desktop_app.ui.tabs.jornaya import JornayaTab
from desktop_app.ui.tabs.litigator import LitigatorTab
from desktop_app.ui.tabs.trustedform import TrustedFormTab

TAB_CLASSES: tuple[type[VendorTab], ...] = (
    TrustedFormTab,
    JornayaTab,
    ContactStateTab,
    ConsentControlTab,
    LitigatorTab,
)


def build_vendor_tabs(service: CheckService, parent: QWidget | None = None) -> list[tuple[str, str, QWidget]]:
    """One tab per vendor, each driving ``service``: ``[(key, title, widget), …]`` in display order."""
    tabs: list[tuple[str, str, QWidget]] = []
    for cls in TAB_CLASSES:
        tab = cls(service, parent)
        tabs.append((cls.key, cls.title, tab))
    return tabs


__all__ = [
    "ConsentControlTab",
    "ContactStateTab",
    "JornayaTab",
    "LitigatorTab",
    "OperationPanel",
    "TAB_CLASSES",
    "TrustedFormTab",
    "VendorTab",
    "build_vendor_tabs",
]
