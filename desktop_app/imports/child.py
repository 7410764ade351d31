"""The import's reader process: ``python -m desktop_app.imports.child`` reads the arguments pickled on stdin and
writes the file's cleaned batches to stdout (:func:`desktop_app.imports.rows.clean_for_parent`)."""

from __future__ import annotations

import sys

from desktop_app.imports.rows import clean_for_parent

if __name__ == "__main__":
    clean_for_parent(sys.stdout.buffer, sys.stdin.buffer.read())
