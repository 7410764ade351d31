"""What the Leads tab tells the rest of the window (the batch feature asks it, never its view or model)."""

from __future__ import annotations

from typing import Any

from desktop_app.service import CheckService
from desktop_app.store.lead_table import FlagFilter
from desktop_app.ui.leads.tab import LeadsTab
from tests.helpers import until


async def test_selected_leads_and_the_current_filter(service: CheckService, qtbot: Any) -> None:
    add = service.store.add_lead
    ids = [add({"phone": f"+1202555{i:04d}", "first_name": f"Lead {i}"}) for i in range(3)]
    tab = LeadsTab(service)
    qtbot.addWidget(tab)
    assert await tab.open() == 3
    assert tab.selected_lead_ids() == []
    assert tab.select_lead(ids[1])
    await until(lambda: tab.selected_lead_ids() == [ids[1]])
    assert tab.current_query().text == "" and tab.current_query().flag_filter is None

    assert await tab.apply_filter(text="Lead 2") == 1
    assert tab.current_query().text == "Lead 2"
    assert await tab.show_flag(FlagFilter("red")) == 0
    assert tab.current_query().text == "" and tab.current_query().flag_filter == FlagFilter("red")
    tab.close_model()
