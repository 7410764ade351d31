#!/usr/bin/env bash
# Set up everything Leadcheck needs on a fresh Debian/Ubuntu machine with Python 3.11, 3.12 or 3.13:
# Qt's system libraries (apt-get, non-interactive, only the missing ones), uv in .tools/, and the locked
# Python environment in .venv/. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
  echo "Leadcheck needs Python 3.11, 3.12 or 3.13 as '$PY' (set PYTHON=/path/to/python3.12, for example)." >&2
  exit 1
fi

# Qt's libraries for the offscreen platform (tests, screenshots) and for a real X11 window.
QT_PACKAGES="libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libxkbcommon0 \
fonts-dejavu-core libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 \
libxcb-xkb1 libxkbcommon-x11-0 libxcb-randr0 libxcb-xinerama0 libxcb-xfixes0 libxrender1 libxi6 \
xvfb xauth"
# pdftotext and pdftoppm: the tests read the evidence packet's PDF (tests/unit/test_packet.py).
TEST_PACKAGES="poppler-utils"
# postgresql: the team-mode tests and benchmarks start a throwaway server of their own (tests/pgserver.py); only
# for them (LEADCHECK_BOOTSTRAP_TESTS=1, set by scripts/dev.sh test|smoke|bench): running the app needs no server.
if [ "${LEADCHECK_BOOTSTRAP_TESTS:-}" = "1" ]; then
  TEST_PACKAGES="$TEST_PACKAGES postgresql"
fi
if command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  for pkg in $QT_PACKAGES $TEST_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
  done
  if ! "$PY" -m venv --help >/dev/null 2>&1 || ! "$PY" -c 'import ensurepip' 2>/dev/null; then
    missing="$missing python3-venv"
  fi
  if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "Installing system packages (Qt's libraries, and what the tests use):$missing" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

if [ ! -x .tools/bin/uv ]; then
  "$PY" -m venv .tools
  .tools/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.9"
fi
# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as in many CI and container images) nothing would ever write
# the packages' .pyc files, and every interpreter (each test worker, each CLI the tests start) compiled httpx, pytest,
# Hypothesis... from source again: about a fifth of the test suite's CPU. uv compiles what it installs, once.
UV_PYTHON="$PY" .tools/bin/uv sync --locked --quiet --compile-bytecode --python "$PY"
