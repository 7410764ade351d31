"""CSV import: detect the file's format, propose a column mapping, import leads with a confirmed mapping.

The window's flow is :func:`inspect_csv` → show :class:`CsvPreview` (format, proposed :class:`ColumnMapping`,
sample rows) → :class:`LeadImporter` ``.run_async()`` with the mapping the buyer confirmed. Nothing here
imports Qt.
"""

from desktop_app.imports.importer import (
    CsvPreview,
    ImportProgress,
    ImportReport,
    LeadImporter,
    import_csv,
    inspect_csv,
)
from desktop_app.imports.mapping import FIELD_LABELS, TARGETS, ColumnChoice, ColumnMapping, propose_mapping
from desktop_app.imports.reader import CsvFormat, ImportRefused, detect_format

__all__ = [
    "FIELD_LABELS",
    "TARGETS",
    "ColumnChoice",
    "ColumnMapping",
    "CsvFormat",
    "CsvPreview",
    "ImportProgress",
    "ImportRefused",
    "ImportReport",
    "LeadImporter",
    "detect_format",
    "import_csv",
    "inspect_csv",
    "propose_mapping",
]
