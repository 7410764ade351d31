"""The Contact State tab: :mod:`.tab` (Certify, Connect and Perform), :mod:`.extra_fields` (the lead form's
"Add field" row) and :mod:`.card` (what each operation returned, on the result card)."""

from desktop_app.ui.tabs.contactstate.tab import ContactStateTab

__all__ = ["ContactStateTab"]
