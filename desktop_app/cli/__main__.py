"""``python -m desktop_app.cli``: the same as ``leadcheck``."""

from desktop_app.cli.command import main

raise SystemExit(main())
