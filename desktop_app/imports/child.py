"""The import's reader process, started as ``python -m desktop_app.imports.child`` (see
:func:`desktop_app.imports.reader_process.child_command`): reads the arguments pickled on stdin and writes the
file's cleaned batches to stdout (:func:`desktop_app.imports.reader_process.clean_for_parent`). Nothing imports
this module: the package importing it first would make ``-m`` run it a second time."""

from __future__ import annotations

from desktop_app.imports.reader_process import CHILD_FLAG, run_if_child

if __name__ == "__main__":
    run_if_child([CHILD_FLAG])
