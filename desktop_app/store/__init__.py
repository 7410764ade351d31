"""SQLite storage for leads, checks, suppression lists and the audit log."""

from desktop_app.store.db import VENDORS, Store
from desktop_app.store.errors import DatabaseUnavailable, NewerSchemaError, StoreBug, StoreError
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.store.records import StoredCheck
from desktop_app.store.schema import SCHEMA_VERSION
from desktop_app.vendors.registry import FLAG_COLUMNS

__all__ = [
    "FLAG_COLUMNS",
    "LEAD_FIELDS",
    "SCHEMA_VERSION",
    "VENDORS",
    "DatabaseUnavailable",
    "NewerSchemaError",
    "StoreBug",
    "Store",
    "StoreError",
    "StoredCheck",
]
