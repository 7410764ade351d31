"""What a stored call costs (check_rules.call_cost) and the price settings it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.check_rules import BILLED_OPERATIONS, call_cost
from desktop_app.paths import Paths
from desktop_app.settings import InvalidSetting, Settings
from desktop_app.vendors.errors import CallError, ErrorKind
from desktop_app.vendors.results import CheckResult, Flag

PRICES = {"trustedform": 0.25, "jornaya": 0.1, "litigator": 0.05, "contactstate": 9.0}


def result(vendor: str, operation: str, *, failed: bool = False) -> CheckResult:
    error = CallError(ErrorKind.VENDOR_DOWN, "The vendor is down.") if failed else None
    return CheckResult(vendor, operation, "subject", None if failed else Flag.GREEN, "said so", error=error)


def test_a_completed_billed_call_costs_its_price_anything_else_nothing() -> None:
    assert BILLED_OPERATIONS == {"trustedform": "retain", "jornaya": "audit", "litigator": "check"}
    assert call_cost(result("trustedform", "retain"), PRICES) == 0.25
    assert call_cost(result("litigator", "check"), PRICES) == 0.05
    assert call_cost(result("litigator", "check", failed=True), PRICES) == 0.0
    assert call_cost(result("contactstate", "cert"), PRICES) == 0.0  # a status read is free, whatever the table says
    assert call_cost(result("jornaya", "audit"), {}) == 0.0  # no price set


def test_prices_are_declared_settings(tmp_path: Path) -> None:
    settings = Settings(Paths.from_env(home=tmp_path), environ={})
    assert settings.prices() == {"trustedform": 0.0, "jornaya": 0.0, "litigator": 0.0}
    settings.set("price.jornaya", 0.5)
    assert Settings(Paths.from_env(home=tmp_path), environ={}).prices()["jornaya"] == 0.5
    with pytest.raises(InvalidSetting, match="price.jornaya must be a number of dollars between 0 and 1000"):
        settings.set("price.jornaya", -0.01)
