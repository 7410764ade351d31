#!/usr/bin/env bash
# One entry point for people and CI:  scripts/dev.sh run [leadcheck args] | test [pytest args] | bench
#   | package (build the Linux bundle + .tar.gz in dist/) | smoke [--rebuild] (test that bundle offscreen)
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-run}
shift || true
bash scripts/bootstrap.sh
case "$cmd" in
  run)
    exec .venv/bin/leadcheck "$@"
    ;;
  test)
    export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
    .venv/bin/ruff check
    .venv/bin/ruff format --check
    .venv/bin/mypy
    exec .venv/bin/python -m pytest "$@"
    ;;
  bench)
    exec .venv/bin/python scripts/benchmark.py "$@"
    ;;
  package)
    exec bash packaging/build.sh "$@"
    ;;
  smoke)
    exec bash scripts/smoke_bundle.sh "$@"
    ;;
  *)
    echo "usage: scripts/dev.sh run|test|bench|package|smoke [args]" >&2
    exit 2
    ;;
esac
