"""The lead fields every layer knows by name (the ``leads`` table's columns for a lead's own data)."""

LEAD_FIELDS = (
    "phone",
    "email",
    "cert_url",
    "leadid",
    "cs_cert_url",
    "first_name",
    "last_name",
    "address",
    "city",
    "state",
    "zip",
    "supplier",
    "cost",
)

# The lead date a CSV column may give (``leads.purchased_at``, ISO UTC): imported like a lead field, but not one of
# LEAD_FIELDS, whose values in order are a lead's row key (a lead date joins the key only when present).
LEAD_DATE = "purchased_at"
IMPORT_FIELDS = (*LEAD_FIELDS, LEAD_DATE)
