#!/usr/bin/env bash
# Build the Linux bundle: dist/leadcheck/ (one folder: `Leadcheck` window + `leadcheck` command) and
# dist/leadcheck-<version>-linux-<arch>.tar.gz with install.sh inside. Offline once the uv cache is warm.
#
#   bash packaging/build.sh            # or: bash scripts/dev.sh package
#
# PyInstaller runs from its own environment (build/package-env: the locked runtime packages + the `package`
# group, no test tools), so building never touches .venv and `uv sync` elsewhere cannot remove PyInstaller
# mid-build. Build on the oldest distribution you support: the bundle carries the build machine's libstdc++
# and needs its glibc or newer (Debian 12: glibc 2.36).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$(date +%s)

[ -x .tools/bin/uv ] || bash scripts/bootstrap.sh
ENV_DIR=$ROOT/build/package-env
UV_PROJECT_ENVIRONMENT=$ENV_DIR .tools/bin/uv sync --locked --no-dev --group package --quiet
PY=$ENV_DIR/bin/python
VERSION=$("$PY" -c 'import desktop_app; print(desktop_app.__version__)')
ARCH=$(uname -m)
NAME=leadcheck-$VERSION
TARBALL=dist/$NAME-linux-$ARCH.tar.gz

export QT_QPA_PLATFORM=offscreen
"$PY" scripts/render_icons.py --check

echo "Building Leadcheck $VERSION ($ARCH) with PyInstaller..." >&2
"$ENV_DIR/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/leadcheck.spec
BUNDLE=$ROOT/dist/leadcheck
INTERNAL=$BUNDLE/_internal

# Copyright files of the system libraries PyInstaller copied from this machine (Debian/Ubuntu: dpkg knows
# which package each came from). Shown in Help -> About -> Licence texts.
NOTICES=$INTERNAL/resources/licenses/system
rm -rf "$NOTICES"
if command -v dpkg-query >/dev/null 2>&1; then
  mkdir -p "$NOTICES"
  LIBRARY_CACHE=$(ldconfig -p)
  for lib in "$INTERNAL"/*.so*; do
    name=$(basename "$lib")
    source=$(awk -v n="$name" '$1 == n && !found {print $NF; found = 1}' <<<"$LIBRARY_CACHE")
    [ -n "$source" ] || continue
    real=$(readlink -f "$source")
    pkg=""
    # merged /usr: dpkg may have registered the file under /lib or /usr/lib, as the link or its target
    for path in "$source" "$real" "${source#/usr}" "${real#/usr}" "/usr$source" "/usr$real"; do
      pkg=$(dpkg-query -S "$path" 2>/dev/null | sed -n '1s/:.*//p') && [ -n "$pkg" ] && break
    done
    [ -n "$pkg" ] && [ -f "/usr/share/doc/$pkg/copyright" ] || continue
    cp "/usr/share/doc/$pkg/copyright" "$NOTICES/$pkg.copyright"
  done
fi

install -m 755 packaging/install.sh "$BUNDLE/install.sh"
install -m 644 packaging/README-bundle.txt "$BUNDLE/README.txt"

rm -f "$TARBALL"
tar -C dist --sort=name --owner=0 --group=0 --numeric-owner \
  --transform "s,^leadcheck,$NAME," -czf "$TARBALL" leadcheck

echo "Built in $(($(date +%s) - START)) s:" >&2
echo "  $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))" >&2
echo "  $TARBALL ($(du -h "$TARBALL" | cut -f1))" >&2
