"""The Returns window follows each supplier's return window from Settings (``return_window.<supplier>``, else
``return_window_hours``) and shows a long reason whole in its tooltip."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop_app.service import CheckService
from desktop_app.ui.ledger.returns import COL_AFTER, COL_LEAD, COL_REASON, ReturnsView
from tests.ui.helpers import OFFSCREEN_SHOW
from tests.ui.test_ledger_costs_returns import column_texts, ledger_fixture

pytestmark = OFFSCREEN_SHOW


async def test_each_suppliers_window_decides_what_is_returnable(service: CheckService, qtbot: Any) -> None:
    ids = ledger_fixture(service)  # Acme: red at 10 h; Bolt: red at 5 h and at 90 h
    service.settings.set("return_window.Bolt", 96)
    service.settings.set("return_window_hours", 8)  # Acme has no window of its own: 8 h, and its red came at 10 h
    view = ReturnsView(service)
    qtbot.addWidget(view)
    view.resize(1100, 400)
    view.show()
    assert await view.refresh() == 2
    assert column_texts(view.view, COL_LEAD) == [str(ids[2]), str(ids[3])]
    assert column_texts(view.view, COL_AFTER) == ["5.0 h of 96 h", "90.0 h of 96 h"]
    assert "Bolt takes returns for 96 hours" in view.model.index(0, COL_AFTER).data(Qt.ItemDataRole.ToolTipRole)
    assert "(8 hours after purchase, unless the supplier has its own in Settings → Costs)" in view.intro.text()
    service.settings.unset("return_window.Bolt")
    service.settings.unset("return_window_hours")  # back to 72 h for everyone
    assert await view.refresh() == 2
    assert column_texts(view.view, COL_LEAD) == [str(ids[0]), str(ids[2])]


async def test_a_long_reason_is_whole_in_its_tooltip(service: CheckService, qtbot: Any) -> None:
    ledger_fixture(service)
    view = ReturnsView(service)
    qtbot.addWidget(view)
    view.resize(700, 300)  # narrow: the reason column is cut
    view.show()
    await view.refresh()
    cell = view.model.index(0, COL_REASON)
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == cell.data() == "Litigator said red."
