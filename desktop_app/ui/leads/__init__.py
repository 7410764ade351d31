"""The Leads tab: every stored lead in a table over SQLite, its detail, the consumer lookup, the re-check and
the evidence packet."""
