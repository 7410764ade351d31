"""``python -m desktop_app`` opens the window (or runs a command, like ``leadcheck``)."""

from desktop_app.cli import main

raise SystemExit(main())
