#!/usr/bin/env bash
# Smoke-test the Linux bundle the way a buyer gets it: unpack the .tar.gz, run both programs offscreen,
# install it for a throwaway user and uninstall it again.
#
#   bash scripts/smoke_bundle.sh            # build first if dist/ has no tarball, else test the existing one
#   bash scripts/smoke_bundle.sh --rebuild  # always build first (bash packaging/build.sh)
#
# Checks: `leadcheck --help`/`--version`, `leadcheck --json --home H history` (exit 0, JSON Lines),
# `leadcheck --home H gui --screenshot X.png` (exit 0, a non-empty PNG), an import read in the bundle's own reader
# process (LEADCHECK_IMPORT_READER=process), and that running the bundle wrote
# nothing outside H (HOME, the XDG folders and TMPDIR point into a temporary tree compared before/after).
# Then install.sh puts the menu entry, icons and the `leadcheck` link in place and --uninstall removes them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop_app/__init__.py)
TARBALL=$ROOT/dist/leadcheck-$VERSION-linux-$(uname -m).tar.gz
if [ "${1:-}" = "--rebuild" ] || [ ! -f "$TARBALL" ]; then
  bash packaging/build.sh
fi

WORK=$(mktemp -d -t leadcheck-smoke.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() {
  echo "SMOKE FAIL: $*" >&2
  exit 1
}
step() { echo "-- $*"; }

# A throwaway user: every place a program could write to on its own.
export HOME=$WORK/user
export XDG_CONFIG_HOME=$HOME/.config XDG_DATA_HOME=$HOME/.local/share XDG_CACHE_HOME=$HOME/.cache
export XDG_STATE_HOME=$HOME/.local/state XDG_RUNTIME_DIR=$WORK/runtime TMPDIR=$WORK/tmp
export QT_QPA_PLATFORM=offscreen NO_COLOR=1
unset LEADCHECK_HOME DISPLAY WAYLAND_DISPLAY
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" "$TMPDIR"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"

step "unpack $(basename "$TARBALL") ($(du -h "$TARBALL" | cut -f1))"
mkdir -p "$WORK/unpacked"
tar -C "$WORK/unpacked" -xzf "$TARBALL"
BUNDLE=$WORK/unpacked/leadcheck-$VERSION
[ -x "$BUNDLE/leadcheck" ] && [ -x "$BUNDLE/Leadcheck" ] && [ -x "$BUNDLE/install.sh" ] || fail "bundle layout"
[ -s "$BUNDLE/_internal/resources/icons/leadcheck-256.png" ] || fail "icons missing from the bundle"
ls -d "$BUNDLE"/_internal/pyside6_essentials-*.dist-info >/dev/null || fail "PySide6 metadata (About) missing"

DATA=$WORK/leadcheck-home
snapshot() { (cd "$WORK" && find user runtime tmp -print | LC_ALL=C sort); }
snapshot >"$WORK/before.txt"

step "leadcheck --help / --version"
"$BUNDLE/leadcheck" --help >"$WORK/help.txt" || fail "--help exited $?"
grep -q "usage: leadcheck" "$WORK/help.txt" || fail "--help printed no usage"
[ "$("$BUNDLE/leadcheck" --version)" = "leadcheck $VERSION" ] || fail "--version is not $VERSION"
[ "$("$BUNDLE/Leadcheck" --version)" = "leadcheck $VERSION" ] || fail "Leadcheck --version is not $VERSION"

step "leadcheck --json --home H history"
start=$(date +%s%N)
"$BUNDLE/leadcheck" --json --home "$DATA" history >"$WORK/history.jsonl" || fail "history exited $?"
echo "   $(( ($(date +%s%N) - start) / 1000000 )) ms, $(wc -l <"$WORK/history.jsonl") line(s)"
while IFS= read -r line; do
  printf '%s' "$line" | python3 -c 'import json, sys; json.load(sys.stdin)' || fail "history printed non-JSON: $line"
done <"$WORK/history.jsonl"
[ -f "$DATA/data/leadcheck.db" ] || fail "no database under --home"

if [ -f desktop_app/app.py ]; then
  step "leadcheck --home H gui --screenshot X.png"
  start=$(date +%s%N)
  "$BUNDLE/leadcheck" --home "$DATA" gui --screenshot "$WORK/shot.png" || fail "gui --screenshot exited $?"
  echo "   $(( ($(date +%s%N) - start) / 1000000 )) ms"
  [ -s "$WORK/shot.png" ] || fail "no screenshot written"
  [ "$(head -c 8 "$WORK/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "screenshot is not a PNG"
  cp "$WORK/shot.png" "${SMOKE_SCREENSHOT:-$ROOT/dist/smoke-screenshot.png}"
  echo "   $(du -h "$WORK/shot.png" | cut -f1) PNG, kept as ${SMOKE_SCREENSHOT:-dist/smoke-screenshot.png}"
else
  echo "-- SKIP gui --screenshot: desktop_app/app.py (the window) is not in this checkout yet"
fi

step "leadcheck import of a file read by the bundle's reader process"
python3 - "$WORK/reader.csv" <<'PY'
import csv, sys
with open(sys.argv[1], "w", newline="") as handle:
    writer = csv.writer(handle)
    writer.writerow(["phone", "email", "first_name", "xxTrustedFormCertUrl"])
    for i in range(3000):
        writer.writerow([f"(202) 55{i // 1000}-{i % 1000:04d}", f"smoke{i}@example.com", f"N{i}",
                         f"https://cert.trustedform.com/{i + 1:040x}"])
PY
LEADCHECK_IMPORT_READER=process "$BUNDLE/leadcheck" --json --home "$DATA" import "$WORK/reader.csv" \
  >"$WORK/reader.json" || fail "import with the reader process exited $? ($(cat "$WORK/reader.json"))"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["leads_created"] == 3000, r' \
  "$WORK/reader.json" || fail "the reader process's import did not create 3,000 leads"
echo "   3,000 leads, read and cleaned in the bundle's own reader process"

step "nothing written outside --home"
snapshot >"$WORK/after.txt"
if ! diff -u "$WORK/before.txt" "$WORK/after.txt" >"$WORK/diff.txt"; then
  cat "$WORK/diff.txt" >&2
  fail "the bundle wrote outside its --home folder (listed above)"
fi

step "team mode: the bundle on a throwaway PostgreSQL server"
"$ROOT/.venv/bin/python" "$ROOT/scripts/smoke_team.py" "$BUNDLE" "$WORK/team-home" || fail "team mode"

step "install.sh into a throwaway HOME"
"$BUNDLE/install.sh" >"$WORK/install.txt" || fail "install.sh exited $?"
DEST=$HOME/.local/opt/leadcheck
[ -x "$DEST/Leadcheck" ] || fail "not copied to $DEST"
[ "$(readlink "$HOME/.local/bin/leadcheck")" = "$DEST/leadcheck" ] || fail "~/.local/bin/leadcheck link"
[ "$("$HOME/.local/bin/leadcheck" --version)" = "leadcheck $VERSION" ] || fail "installed leadcheck does not run"
DESKTOP=$XDG_DATA_HOME/applications/leadcheck.desktop
grep -qx "Exec=\"$DEST/Leadcheck\"" "$DESKTOP" || fail "menu entry Exec is not the installed window program"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$DESKTOP" || fail "installed .desktop file is invalid"
fi
for size in 16 24 32 48 64 128 256 512; do
  [ -s "$XDG_DATA_HOME/icons/hicolor/${size}x${size}/apps/leadcheck.png" ] || fail "${size}px icon not installed"
done
[ -s "$XDG_DATA_HOME/icons/hicolor/scalable/apps/leadcheck.svg" ] || fail "scalable icon not installed"

step "install.sh --uninstall"
"$DEST/install.sh" --uninstall >"$WORK/uninstall.txt" || fail "uninstall exited $?"
[ ! -e "$DEST" ] && [ ! -L "$HOME/.local/bin/leadcheck" ] && [ ! -e "$DESKTOP" ] || fail "uninstall left files behind"
[ -z "$(find "$XDG_DATA_HOME/icons" -name 'leadcheck*' 2>/dev/null)" ] || fail "uninstall left icons behind"

echo "SMOKE OK: leadcheck $VERSION bundle ($(du -sh "$BUNDLE" | cut -f1) unpacked)"
