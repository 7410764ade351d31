"""The bundle in team mode (scripts/smoke_bundle.sh): ``python scripts/smoke_team.py BUNDLE_DIR HOME_DIR``.

Starts a throwaway PostgreSQL server (tests/pgserver.py), then runs the bundle's ``leadcheck db test`` on it,
``leadcheck import`` of a small file with ``LEADCHECK_DATABASE_URL`` pointing at it, and ``leadcheck db info``,
checking what each says. The bundle must carry psycopg and its libpq. Exits 1 with the reason when something is
wrong; prints a SKIP line (exit 0) where PostgreSQL's server is not installed.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgserver import PgServer, binaries  # noqa: E402


def main() -> int:
    bundle, home = Path(sys.argv[1]), Path(sys.argv[2])
    bindir = binaries()
    if bindir is None:
        print("-- SKIP team mode: PostgreSQL's server is not installed here")
        return 0
    source = home / "team.csv"
    home.mkdir(parents=True, exist_ok=True)
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Phone", "Email", "Supplier"])
        writer.writerows([[f"(202) 555-{i:04d}", f"p{i}@example.com", "Acme"] for i in range(25)])
    server = PgServer(bindir).start()
    try:
        url = server.new_database()
        env = {**os.environ, "LEADCHECK_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}

        def leadcheck(*argv: str, database: bool = True) -> str:
            run_env = {**env, "LEADCHECK_DATABASE_URL": url} if database else env
            done = subprocess.run(
                [str(bundle / "leadcheck"), *argv], env=run_env, capture_output=True, text=True, timeout=120
            )
            if done.returncode != 0:
                raise SystemExit(f"SMOKE FAIL: leadcheck {' '.join(argv)} exited {done.returncode}: {done.stderr}")
            return done.stdout + done.stderr

        said = leadcheck("db", "test", url, database=False)
        if "Reached PostgreSQL" not in said:
            raise SystemExit(f"SMOKE FAIL: db test said {said!r}")
        said = leadcheck("import", str(source))
        if "25 new leads" not in said:
            raise SystemExit(f"SMOKE FAIL: import into the team database said {said!r}")
        said = leadcheck("db", "info")
        if "PostgreSQL" not in said or "25 leads" not in said:
            raise SystemExit(f"SMOKE FAIL: db info said {said!r}")
        print("   db test, import (25 leads) and db info on a throwaway PostgreSQL server")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
