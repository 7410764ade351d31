"""Demo mode: the simulator's placeholder credentials and the demo leads, so every tab works before real keys exist.

The vendor simulator itself lives in :mod:`desktop_app.sandbox` (``python -m desktop_app.sandbox`` runs it);
:func:`desktop_app.core.open_core` starts it in demo mode and routes every vendor there.
"""

from desktop_app.demo.environment import demo_environment
from desktop_app.demo.leads import DEMO_LEADS, UNCHECKED_DEMO_LEADS

__all__ = ["DEMO_LEADS", "UNCHECKED_DEMO_LEADS", "demo_environment"]
