"""A throwaway PostgreSQL server for the team-mode tests: ``initdb`` into a temporary folder, ``pg_ctl start`` on
a free loopback port, one schema per test (so tests never see each other's rows), ``pg_ctl stop`` at the end.

PostgreSQL refuses to run as root: when the tests run as root, the server runs as the ``postgres`` user (Debian's
package creates it). The server binaries come from Debian's ``postgresql`` package (scripts/bootstrap.sh installs
it); without them the PostgreSQL half of the suite is skipped locally and fails in CI (``CI=true``).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

USER = "leadcheck"
DATABASE = "leadcheck"
_schemas = itertools.count(1)


def binaries() -> Path | None:
    """The folder of ``initdb``/``pg_ctl``/``postgres`` (the newest installed major version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One running server; :meth:`new_database` gives each test a fresh schema as a URL."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable  # False: fsync off, for tests; the benchmarks keep PostgreSQL's defaults
        self.as_user: str | None = "postgres" if os.geteuid() == 0 else None
        # under /tmp when the server runs as another user: it must reach its folder (TMPDIR may be private)
        self.folder = Path(tempfile.mkdtemp(prefix="leadcheck-pg-", dir="/tmp" if self.as_user else None))
        self.port = _free_port()
        if self.as_user:
            entry = pwd.getpwnam(self.as_user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.data = self.folder / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(a) for a in args]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)

    def start(self) -> PgServer:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", USER, "--no-locale", "-E", "UTF8"
        )
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE)
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def new_database(self) -> str:
        """A URL whose tables live in a new, empty schema of their own."""
        import psycopg

        schema = f"t{os.getpid()}_{next(_schemas)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return f"{self.url}?options={quote(f'-csearch_path={schema}')}"
