"""Logging to ``leadcheck.log`` (user-only, rotated), with every configured secret scrubbed from each line."""

from __future__ import annotations

import logging
import logging.handlers
import os

from desktop_app.paths import Paths
from desktop_app.settings import Settings
from desktop_app.vendors.credentials import FIELDS
from desktop_app.vendors.http import Redactor

log = logging.getLogger("leadcheck")


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets replaced, before any handler formats it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redactor.text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(paths: Paths, settings: Settings, level: int = logging.INFO) -> logging.Handler:
    """Send the ``leadcheck`` logger to the log file. Safe to call more than once."""
    paths.ensure()
    root = logging.getLogger("leadcheck")
    for handler in list(root.handlers):
        if getattr(handler, "_leadcheck", False):
            root.removeHandler(handler)
            handler.close()
    if not paths.log_file.exists():
        fd = os.open(paths.log_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
    handler = logging.handlers.RotatingFileHandler(paths.log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(Redactor(settings.credential(f)[0] for f in FIELDS if f.secret)))
    handler._leadcheck = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return handler
