#!/usr/bin/env python3
"""Draws the app icons (a white flame on the brand orange) as PNGs into assets/web/icons/.

Run once when the icon changes; the PNGs are committed. Standard library only.
"""
import math
import struct
import zlib
from pathlib import Path

BRAND = (0xC2, 0x41, 0x0C)
WHITE = (0xFF, 0xFF, 0xFF)
CORE = (0xFB, 0x92, 0x3C)


def in_flame(x, y, cx, cy, r, tip):
    """A teardrop: a circle of radius r at (cx, cy) with its tangents meeting at (cx, tip)."""
    if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
        return True
    d = cy - tip
    # Above the tangent points the shape is the cone from the tip; below, the circle covers it.
    if not (tip <= y <= cy - r * r / d):
        return False
    return abs(x - cx) <= (y - tip) * math.tan(math.asin(r / d))


def pixel(x, y, size):
    s = size
    cx = s / 2
    if in_flame(x, y, cx, s * 0.60, s * 0.22, s * 0.16):
        if in_flame(x, y, cx, s * 0.66, s * 0.10, s * 0.42):
            return CORE
        return WHITE
    return BRAND


def png(size):
    # 2x2 supersampling for smooth edges.
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc = [0, 0, 0]
            for dx in (0.25, 0.75):
                for dy in (0.25, 0.75):
                    c = pixel(i + dx, j + dy, size)
                    for k in range(3):
                        acc[k] += c[k]
            row.extend(v // 4 for v in acc)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    out = Path(__file__).resolve().parent.parent / "assets" / "web" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (out / f"icon-{size}.png").write_bytes(png(size))
        print(out / f"icon-{size}.png")


if __name__ == "__main__":
    main()
