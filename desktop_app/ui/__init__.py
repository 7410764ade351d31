"""The window: a thin Qt layer over :mod:`desktop_app.service`, :mod:`desktop_app.jobs` and the store.

Layout:

- the shell: :mod:`.main_window` (menus, tabs, shortcuts, the DEMO banner, extension points for later
  panels), :mod:`.settings_dialog`, :mod:`.about_dialog`, :mod:`.first_run`, :mod:`.verify_evidence` and
  :mod:`.theme` (flag colours for light and dark palettes);
- ``leads/``: the Leads tab (the lead table over SQLite, its detail, the consumer lookup, re-check, packet);
- ``batch/``: import a CSV, run a batch in the background, export results and suppression lists;
- ``tabs/``: one tab per vendor; ``widgets/``: result cards, chips and banners the tabs share;
- ``runtime/``: how the window's coroutines run (:func:`~desktop_app.ui.runtime.spawn`,
  :func:`~desktop_app.ui.runtime.run_dialog`) and the process-wide event-loop and GC policy, each with its
  measured reason.

Nothing here is imported by the CLI.
"""
