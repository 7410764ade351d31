"""Entry point of the bundle's ``leadcheck`` console executable: the command line (no arguments opens the window)."""

import sys

from desktop_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
