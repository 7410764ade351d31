"""Entry point of the bundle's ``leadcheck`` console executable: the command line (no arguments opens the window)."""

import sys

from desktop_app.imports.reader_process import run_if_child

if __name__ == "__main__":
    # first: the reader process of a large import (desktop_app.imports.reader_process) needs nothing of the command line
    if run_if_child(sys.argv[1:]):
        sys.exit(0)
    from desktop_app.cli import main

    sys.exit(main())
