"""The vendor registry: the orders and facts the store, batches, exports and window read from it."""

from __future__ import annotations

from desktop_app.vendors import registry
from desktop_app.vendors.credentials import field, fields_for


def test_tabs_follow_the_window_order_and_checks_the_report_order() -> None:
    assert registry.TAB_ORDER == ("trustedform", "jornaya", "contactstate", "consentcontrol", "litigator")
    assert tuple(v.key for v in registry.VENDORS) == (
        "trustedform",
        "jornaya",
        "litigator",
        "contactstate",
        "consentcontrol",
    )
    assert registry.BATCH_VENDORS == registry.LEAD_VENDORS == ("trustedform", "jornaya", "litigator", "contactstate")


def test_each_lead_vendor_checks_one_lead_column() -> None:
    assert registry.SUBJECT_COLUMNS == {
        "trustedform": "cert_url",
        "jornaya": "leadid",
        "litigator": "phone",
        "contactstate": "cs_cert_url",
    }
    assert registry.vendor("consentcontrol").lead_column is None
    assert registry.FLAG_COLUMNS["consentcontrol"] == "flag_consentcontrol"


def test_batch_defaults_stay_within_each_vendors_limit() -> None:
    assert registry.DEFAULT_CONCURRENCY == {"trustedform": 8, "jornaya": 8, "litigator": 8, "contactstate": 2}
    for vendor in registry.VENDORS:
        if vendor.batchable:
            assert 1 <= (vendor.batch_concurrency or 0) <= vendor.max_concurrency
    assert not registry.vendor("consentcontrol").batchable


def test_credential_fields_belong_to_their_vendor() -> None:
    assert [f.name for f in fields_for("litigator")] == ["client_id", "cwsid", "token"]
    assert field("jornaya", "provider_code").secret is False
    assert all(f.vendor == v.key for v in registry.VENDORS for f in v.credentials)
    assert len({f.env for f in registry.FIELDS}) == len(registry.FIELDS) == 11
