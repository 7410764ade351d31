"""Where Leadcheck keeps its files: platformdirs by default, everything under ``LEADCHECK_HOME`` when set.

Nothing is created at import time; :meth:`Paths.ensure` makes the folders (readable by the user only).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "leadcheck"


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "leadcheck.db"

    @property
    def demo_database(self) -> Path:
        return self.data_dir / "leadcheck-demo.db"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "leadcheck.log"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "settings.json"

    @classmethod
    def from_env(cls, home: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if environ is None else environ
        root = home or env.get("LEADCHECK_HOME")
        if root:
            base = Path(root).expanduser().resolve()
            return cls(data_dir=base / "data", config_dir=base / "config", log_dir=base / "logs")
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    def ensure(self) -> Paths:
        for folder in (self.data_dir, self.config_dir, self.log_dir, self.backups_dir):
            folder.mkdir(parents=True, exist_ok=True)
            try:
                folder.chmod(0o700)
            except OSError:
                pass  # not our folder (e.g. a shared LEADCHECK_HOME); the files themselves are still 0600
        return self
