#!/usr/bin/env bash
# One entry point for people and CI:  scripts/dev.sh run [leadcheck args] | test [pytest args]
#   | bench [NAME [args]] (no NAME: list scripts/bench_*.py with their first docstring line)
#   | package (build the Linux bundle + .tar.gz in dist/) | smoke [--rebuild] (test that bundle offscreen)
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-run}
shift || true
case "$cmd" in
  test | smoke | bench) LEADCHECK_BOOTSTRAP_TESTS=1 bash scripts/bootstrap.sh ;;
  *) bash scripts/bootstrap.sh ;;
esac
case "$cmd" in
  run)
    exec .venv/bin/leadcheck "$@"
    ;;
  test)
    export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
    .venv/bin/ruff check
    .venv/bin/ruff format --check
    .venv/bin/mypy
    .venv/bin/lint-imports
    # Leadcheck's own .pyc files (bootstrap compiles the packages'): the workers and the CLI processes the tests start
    # then load them instead of each compiling desktop_app again, which PYTHONDONTWRITEBYTECODE would otherwise cause.
    .venv/bin/python -m compileall -q -j 0 desktop_app
    # one pytest worker per core (pytest-xdist); pass -n 0 to run in this process, e.g. under a debugger
    exec .venv/bin/python -m pytest -n auto "$@"
    ;;
  bench)
    # Each benchmark is its own script (they take minutes and build large databases): name one to run it.
    if [ $# -eq 0 ]; then
      echo "usage: scripts/dev.sh bench NAME [args]   (NAME: one of these, e.g. 'lookup' for scripts/bench_lookup.py)"
      for script in scripts/bench_*.py; do
        name=${script#scripts/bench_}
        printf '  %-14s %s\n' "${name%.py}" "$(.venv/bin/python -c 'import ast, sys; print((ast.get_docstring(ast.parse(open(sys.argv[1]).read())) or "").splitlines()[0])' "$script")"
      done
      exit 0
    fi
    name=$1
    shift
    script=scripts/bench_${name#bench_}
    script=${script%.py}.py
    if [ ! -f "$script" ]; then
      echo "no benchmark named '$name' (scripts/dev.sh bench lists them)" >&2
      exit 2
    fi
    export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
    exec .venv/bin/python "$script" "$@"
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
