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
