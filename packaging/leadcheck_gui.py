"""Entry point of the bundle's ``Leadcheck`` windowed executable (no console on Windows): opens the window.

Arguments are passed on to the command line front door, so ``Leadcheck --demo`` and
``Leadcheck --home DIR gui --screenshot x.png`` work too; with none it opens the window.
"""

import sys

from desktop_app.imports.reader_process import run_if_child

if __name__ == "__main__":
    # first: the reader process of a large import (desktop_app.imports.reader_process) needs nothing of the command line
    if run_if_child(sys.argv[1:]):
        sys.exit(0)
    from desktop_app.cli import main

    sys.exit(main(sys.argv[1:]))
