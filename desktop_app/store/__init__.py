"""SQLite storage for leads, checks, suppression lists and the audit log."""

from desktop_app.store.db import (
    FLAG_COLUMNS,
    LEAD_FIELDS,
    SCHEMA_VERSION,
    VENDORS,
    NewerSchemaError,
    Store,
    StoredCheck,
    StoreError,
)

__all__ = [
    "FLAG_COLUMNS",
    "LEAD_FIELDS",
    "SCHEMA_VERSION",
    "VENDORS",
    "NewerSchemaError",
    "Store",
    "StoreError",
    "StoredCheck",
]
