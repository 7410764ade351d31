"""Render the app icon (resources/icons/leadcheck.svg) to every file the three platforms need. No network.

    python scripts/render_icons.py            # write the PNGs, leadcheck.ico and leadcheck.icns
    python scripts/render_icons.py --check    # exit 1 if the committed files differ from a fresh render

Outputs, next to the SVG:

- ``leadcheck-<N>.png`` for N in 16, 24, 32, 48, 64, 128, 256, 512 (Linux hicolor theme, the window icon);
- ``leadcheck.ico``: 16–256 px in one file (Windows executable and shortcuts);
- ``leadcheck.icns``: 16–1024 px including the @2x (Retina) variants (macOS app bundle).

Qt draws the SVG (QSvgRenderer) and encodes each size as PNG (QImageWriter). Qt's own ICO and ICNS writers
store a single image per file, so the two containers are assembled here around those PNGs; both formats
accept PNG entries (Windows Vista and later, macOS 10.7 and later).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QImage, QImageWriter, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICON_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"
SOURCE = "leadcheck.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element type -> pixel size. icp4..ic10 are the 1x sizes, ic11..ic14 the @2x ones.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """Draw the SVG on a transparent square of ``size`` pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    """Encode with QImageWriter; for PNG, quality 0 means the strongest zlib compression (same bytes every run)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    writer.setQuality(0)
    if not writer.write(image):
        raise RuntimeError(f"PNG encoding failed: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon file with one PNG entry per size (ICONDIR, ICONDIRENTRY×n, then the images)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        blob = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset))
        blobs.append(blob)
        offset += len(blob)
    return header + b"".join(entries) + b"".join(blobs)


def icns_bytes(elements: list[tuple[bytes, bytes]]) -> bytes:
    """An Apple icon file: 'icns' + total length, then (type, length, PNG data) per element, big-endian."""
    body = b"".join(kind + struct.pack(">I", 8 + len(blob)) + blob for kind, blob in elements)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def build(icon_dir: Path = ICON_DIR) -> dict[str, bytes]:
    """Every output file name -> its content, rendered from ``icon_dir/leadcheck.svg``."""
    renderer = QSvgRenderer(str(icon_dir / SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {icon_dir / SOURCE}")
    needed = sorted(set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES})
    pngs = {size: png_bytes(render(renderer, size)) for size in needed}
    files = {f"leadcheck-{size}.png": pngs[size] for size in PNG_SIZES}
    files["leadcheck.ico"] = ico_bytes({size: pngs[size] for size in ICO_SIZES})
    files["leadcheck.icns"] = icns_bytes([(kind, pngs[size]) for kind, size in ICNS_TYPES])
    return files


def embedded_pngs(name: str, blob: bytes) -> list[bytes]:
    """The PNG images inside one output file (the file itself for .png; each entry for .ico and .icns)."""
    if name.endswith(".ico"):
        count = struct.unpack("<H", blob[4:6])[0]
        entries = [struct.unpack("<II", blob[14 + 16 * i : 22 + 16 * i]) for i in range(count)]
        return [blob[offset : offset + length] for length, offset in entries]
    if name.endswith(".icns"):
        images, offset = [], 8
        while offset + 8 <= len(blob):
            length = struct.unpack(">I", blob[offset + 4 : offset + 8])[0]
            images.append(blob[offset + 8 : offset + length])
            offset += max(length, 8)
        return images
    return [blob]


def same_pixels(name: str, fresh: bytes, committed: bytes) -> bool:
    """Compare decoded pixels, not bytes: another zlib may compress the same image differently."""
    try:
        ours, theirs = embedded_pngs(name, fresh), embedded_pngs(name, committed)
    except struct.error:
        return False
    if len(ours) != len(theirs):
        return False
    for a, b in zip(ours, theirs, strict=True):
        image_a, image_b = QImage.fromData(a), QImage.fromData(b)
        fmt = QImage.Format.Format_ARGB32
        if image_b.isNull() or image_a.convertToFormat(fmt) != image_b.convertToFormat(fmt):
            return False
    return True


def _is_current(path: Path, name: str, blob: bytes) -> bool:
    return path.is_file() and (path.read_bytes() == blob or same_pixels(name, blob, path.read_bytes()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    parser.add_argument("--dir", type=Path, default=ICON_DIR, help="icon folder (default: resources/icons)")
    args = parser.parse_args(argv)
    files = build(args.dir)
    if args.check:
        stale = [name for name, blob in files.items() if not _is_current(args.dir / name, name, blob)]
        if stale:
            print(f"out of date (run scripts/render_icons.py): {', '.join(stale)}", file=sys.stderr)
            return 1
        print(f"{len(files)} icon files match {SOURCE}")
        return 0
    for name, blob in files.items():
        (args.dir / name).write_bytes(blob)
        print(f"wrote {args.dir / name} ({len(blob):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
