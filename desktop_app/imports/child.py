"""The import's reader process: ``python -m desktop_app.imports.child`` reads the arguments pickled on stdin and
writes the file's chunks to stdout (:func:`desktop_app.imports.rows.clean_for_parent`)."""

from __future__ import annotations

import os
import sys

from desktop_app.imports.rows import clean_for_parent

if __name__ == "__main__":
    clean_for_parent(sys.stdout.buffer, sys.stdin.buffer.read())
    sys.stdout.flush()
    os._exit(0)  # freeing millions of merge keys one by one would only delay the importer's close()
