"""Helpers shared by the window tests: stand-in vendor tabs, a window with the batch feature, leads, CSV files, a
slow simulator, and a stand-in service for dialogs that make no call.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.paths import Paths
from desktop_app.sandbox import VendorSimulator
from desktop_app.service import CheckService, make_http_client
from desktop_app.settings import Settings
from desktop_app.store import Store
from desktop_app.ui.batch.feature import BatchFeature
from desktop_app.ui.main_window import MainWindow
from desktop_app.vendors.origins import OriginMap
from tests.helpers import FakeTime, until

KEYS = ["trustedform", "jornaya", "contactstate", "consentcontrol", "litigator"]
# The offscreen platform plugin warns on every top-level show(); it is not our message.
OFFSCREEN_SHOW = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def fake_build_vendor_tabs(service: Any, parent: QWidget | None = None) -> list[tuple[str, str, QWidget]]:
    return [(key, key, QLabel(key)) for key in KEYS]


def use_fake_tabs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vendor tabs replaced by labels (the batch feature is tested, not the tabs)."""
    monkeypatch.setattr("desktop_app.ui.tabs.build_vendor_tabs", fake_build_vendor_tabs, raising=False)


def make_feature(service: CheckService, paths: Paths, qtbot: Any, folder: Path) -> BatchFeature:
    """A main window with the Leads tab (over ``service``) and the batch feature installed."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.populate(service, settings=service.settings, paths=paths)
    return BatchFeature(window, service, folder=folder)


def close_feature(feature: BatchFeature) -> None:
    for dialog in list(feature.dialogs):
        dialog.close()
    feature.window.shutdown_ui()


@contextlib.asynccontextmanager
async def feature_on(
    sim: VendorSimulator,
    settings: Settings,
    store: Store,
    paths: Paths,
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    stop_timeout: float = 5.0,
) -> AsyncIterator[BatchFeature]:
    """The batch feature with its service calling ``sim``. On exit a running batch is cancelled and waited for
    (``stop_timeout`` seconds at most), the window shut down and the HTTP client closed."""
    use_fake_tabs(monkeypatch)
    service, client = await service_for(settings, store, sim)
    feat = make_feature(service, paths, qtbot, tmp_path)
    try:
        yield feat
    finally:
        if feat.controller.run is not None:
            feat.controller.cancel()
            await until(lambda: feat.controller.run is None, timeout=stop_timeout)
        close_feature(feat)
        await client.aclose()


def slow_simulator(latency: float = 0.04) -> VendorSimulator:
    """A simulator whose every answer takes ``latency`` seconds: long enough to pause a batch mid-run."""
    return VendorSimulator(latency=latency, enforce_rate_limits=False).start()


async def service_for(settings: Settings, store: Store, sim: VendorSimulator) -> tuple[CheckService, Any]:
    """A CheckService routed to ``sim`` and its httpx client (``await client.aclose()`` when done); its retries and
    rate-limit waits take no time (FakeTime)."""
    client = make_http_client(10.0)
    time = FakeTime()
    service = CheckService(
        settings, store, client, origins=OriginMap(sim.origin_map()), clock=time.clock, sleep=time.sleep
    )
    return service, client


def lead_fields(i: int) -> dict[str, str]:
    """A lead every batch vendor except Contact State can check; phones ending 6666 are litigators."""
    last4 = "6666" if i % 5 == 4 else f"{1000 + i:04d}"
    return {
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "phone": f"+1{300 + i % 600:03d}555{last4}" if i % 5 == 4 else f"+1312{200 + i % 700:03d}{last4}",
        "email": f"lead{i}@example.com",
        "cert_url": f"https://cert.trustedform.com/{i:040x}",
        "leadid": f"{i:08X}-1234-4234-8234-123456789012",
    }


def add_leads(store: Store, n: int) -> list[int]:
    return [store.add_lead(lead_fields(i), source_file="test") for i in range(n)]


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


class FakeService:
    """What a dialog needs from a service when no call is made: the store's path and the HTTP timeout."""

    def __init__(self, path: Path) -> None:
        self.store = type("S", (), {"path": path})()
        self.http = type("H", (), {"timeout": 30.0})()
