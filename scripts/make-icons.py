#!/usr/bin/env python3
"""Renders the OrgCabinet app icon into every PNG size the Linux bundle needs.

Pure Python (zlib + struct), so it runs anywhere. The design: a deep-blue
rounded square, a white document with a folded corner, and a red seal ring
with a check mark — a signed document. Re-run after changing the design:
    python3 scripts/make-icons.py
"""
import math
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "icons")
SS = 4  # supersampling per axis


def inside_round_rect(x, y, x0, y0, x1, y1, r):
    if x < x0 or x > x1 or y < y0 or y > y1:
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


BLUE_TOP = (24, 78, 168)
BLUE_BOTTOM = (13, 48, 112)
WHITE = (255, 255, 255)
PAPER_SHADE = (214, 224, 240)
LINE = (150, 170, 205)
RED = (213, 43, 30)


def color_at(u, v):
    """Colour (r, g, b, a) of the unit-square point (u, v)."""
    if not inside_round_rect(u, v, 0.04, 0.04, 0.96, 0.96, 0.2):
        return (0, 0, 0, 0)
    t = v
    bg = tuple(int(BLUE_TOP[i] * (1 - t) + BLUE_BOTTOM[i] * t) for i in range(3))
    # the document
    x0, y0, x1, y1, fold = 0.26, 0.17, 0.70, 0.80, 0.13
    c = bg
    if x0 <= u <= x1 and y0 <= v <= y1 and not (u > x1 - fold and v < y0 + fold and (u - (x1 - fold)) > (v - y0)):
        c = WHITE
        # the folded corner
        if u > x1 - fold and v < y0 + fold:
            c = PAPER_SHADE
        # text lines
        for i, ly in enumerate((0.36, 0.44, 0.52, 0.60)):
            right = 0.62 if i < 3 else 0.50
            if 0.33 <= u <= right and abs(v - ly) <= 0.014:
                c = LINE
    # the seal with a check mark
    sx, sy, sr = 0.68, 0.70, 0.16
    d = math.hypot(u - sx, v - sy)
    if d <= sr:
        c = RED
        if d <= sr - 0.03 and d >= sr - 0.045:
            c = (240, 120, 110)
        if min(seg_dist(u, v, 0.605, 0.70, 0.66, 0.755), seg_dist(u, v, 0.66, 0.755, 0.755, 0.645)) <= 0.022:
            c = WHITE
    elif d <= sr + 0.025:
        c = bg if c == bg else c
        if c != bg:
            c = WHITE
    return c + (255,)


def render(size):
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(SS):
                for sx in range(SS):
                    r, g, b, a = color_at((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            n = SS * SS
            a = acc[3] / n
            if acc[3]:
                row += bytes((round(acc[0] / acc[3]), round(acc[1] / acc[3]), round(acc[2] / acc[3]), round(a)))
            else:
                row += b"\0\0\0\0"
        rows.append(bytes(row))
    return rows


def png(path, size, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(rows)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    targets = {
        "32x32.png": 32,
        "64x64.png": 64,
        "128x128.png": 128,
        "128x128@2x.png": 256,
        "256x256.png": 256,
        "512x512.png": 512,
        "icon.png": 512,
    }
    cache = {}
    for name, size in targets.items():
        if size not in cache:
            cache[size] = render(size)
        png(os.path.join(OUT, name), size, cache[size])
        print("icons/" + name)


if __name__ == "__main__":
    main()
