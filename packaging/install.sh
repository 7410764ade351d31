#!/bin/sh
# Install Leadcheck for the current user, no root needed:
#
#   ./install.sh               copy this folder to ~/.local/opt/leadcheck, put `leadcheck` in ~/.local/bin,
#                              and add Leadcheck (with its icon) to the desktop's application menu
#   ./install.sh --uninstall   remove all of that again (your checks, settings and logs stay; see below)
#
# Environment: LEADCHECK_PREFIX (default ~/.local/opt/leadcheck), XDG_BIN_HOME (default ~/.local/bin),
# XDG_DATA_HOME (default ~/.local/share).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
DEST=${LEADCHECK_PREFIX:-$HOME/.local/opt/leadcheck}
BIN_DIR=${XDG_BIN_HOME:-$HOME/.local/bin}
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
APPS=$DATA_HOME/applications
ICONS=$DATA_HOME/icons/hicolor
SIZES="16 24 32 48 64 128 256 512"

refresh_menus() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" 2>/dev/null || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -f -t "$ICONS" 2>/dev/null || true
  return 0
}

uninstall() {
  if [ -L "$BIN_DIR/leadcheck" ] && [ "$(readlink "$BIN_DIR/leadcheck")" = "$DEST/leadcheck" ]; then
    rm -f "$BIN_DIR/leadcheck"
  fi
  rm -f "$APPS/leadcheck.desktop"
  for size in $SIZES; do rm -f "$ICONS/${size}x${size}/apps/leadcheck.png"; done
  rm -f "$ICONS/scalable/apps/leadcheck.svg"
  rm -rf "$DEST"
  refresh_menus
  echo "Leadcheck is uninstalled. Your checks, settings and logs are kept in ~/.local/share/leadcheck,"
  echo "~/.config/leadcheck and ~/.local/state/leadcheck (or your LEADCHECK_HOME); delete them to remove everything."
}

install_app() {
  if [ ! -x "$HERE/leadcheck" ] || [ ! -d "$HERE/_internal" ]; then
    echo "install.sh: run me from the unpacked Leadcheck folder (it holds leadcheck and _internal/)." >&2
    exit 1
  fi
  if [ "$HERE" != "$DEST" ]; then
    mkdir -p "$(dirname "$DEST")"
    rm -rf "$DEST.new"
    cp -a "$HERE" "$DEST.new"
    rm -rf "$DEST"
    mv "$DEST.new" "$DEST"
  fi
  mkdir -p "$BIN_DIR" "$APPS"
  ln -sfn "$DEST/leadcheck" "$BIN_DIR/leadcheck"

  resources=$DEST/_internal/resources
  for size in $SIZES; do
    mkdir -p "$ICONS/${size}x${size}/apps"
    cp "$resources/icons/leadcheck-$size.png" "$ICONS/${size}x${size}/apps/leadcheck.png"
  done
  mkdir -p "$ICONS/scalable/apps"
  cp "$resources/icons/leadcheck.svg" "$ICONS/scalable/apps/leadcheck.svg"

  # The menu entry starts the window program by its full path: ~/.local/bin is not always on the
  # desktop session's PATH.
  sed -e "s|^Exec=.*|Exec=\"$DEST/Leadcheck\"|" -e "/^TryExec=/d" \
    "$resources/leadcheck.desktop" >"$APPS/leadcheck.desktop"
  chmod 644 "$APPS/leadcheck.desktop"
  refresh_menus

  echo "Leadcheck is installed in $DEST."
  echo "  Open it from your application menu (Office), or run: leadcheck"
  case ":$PATH:" in
    *":$BIN_DIR:"*) ;;
    *) echo "  Note: $BIN_DIR is not on your PATH; add it, or run $DEST/leadcheck" ;;
  esac
  echo "  To remove it: $DEST/install.sh --uninstall"
}

case "${1:-}" in
  "" | --install) install_app ;;
  --uninstall | uninstall) uninstall ;;
  -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' ;;
  *)
    echo "usage: $0 [--uninstall]" >&2
    exit 2
    ;;
esac
