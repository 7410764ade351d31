"""The window's runtime: how its coroutines run, and the process-wide settings the window needs, in one place.

- :mod:`.tasks`: :func:`spawn` (a coroutine started from a Qt signal, kept alive, its failure logged) and
  :func:`run_dialog` (await a dialog without a nested event loop).
- :mod:`.event_loop`: qasync's loop with cancelled timers removed from Qt at once (14,000 dead timers 40 s
  into a batch without it) and a 1 ms GIL switch interval while it is open (``sys.setswitchinterval``; the
  window's p99 beat 5.4–8.4 ms before, 3.9–8.4 ms after).
- :mod:`.gc_guard`: automatic garbage collection off, collected from a GUI-thread timer instead (Qt objects
  destroyed by a worker thread's collection: "Timers cannot be stopped from another thread", or a crash).

``app.py`` installs the loop and the collector; tests build the loop in ``tests/conftest.py``. Each module's
docstring carries its measured reason. Importing this package imports neither qasync nor Qt.
"""

from desktop_app.ui.runtime.tasks import run_dialog, spawn

__all__ = ["run_dialog", "spawn"]
