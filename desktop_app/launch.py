"""Starting the window from the command line: check there is a screen to draw on before Qt is imported.

Without a display Qt aborts with a misleading "xcb-cursor0 is needed" message; we say what is wrong instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.paths import Paths

NO_DISPLAY = (
    "Leadcheck cannot open its window: there is no display (DISPLAY/WAYLAND_DISPLAY are not set).\n"
    "Run it from a desktop session, use the `leadcheck` commands (see `leadcheck --help`), or set "
    "QT_QPA_PLATFORM=offscreen to render without a screen."
)


def has_display(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def launch_window(
    *, demo: bool = False, screenshot: Path | None = None, tab: str | None = None, paths: Paths | None = None
) -> int:
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    try:
        from desktop_app.app import main as app_main
    except ImportError as exc:  # a broken install, e.g. Qt's system libraries missing
        print(f"Leadcheck cannot start its window: {exc}.", file=sys.stderr)
        print("On Debian/Ubuntu install Qt's libraries: see README.md (Set-up).", file=sys.stderr)
        return 2
    return int(app_main(demo=demo, screenshot=screenshot, tab=tab, paths=paths))
