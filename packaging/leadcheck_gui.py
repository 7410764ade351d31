"""Entry point of the bundle's ``Leadcheck`` windowed executable (no console on Windows): opens the window.

Arguments are passed on to the command line front door, so ``Leadcheck --demo`` and
``Leadcheck --home DIR gui --screenshot x.png`` work too; with none it opens the window.
"""

import sys

from desktop_app.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
