#!/usr/bin/env python3
"""Draws eng/icon.png, the packages' icon (128x128 RGBA), without any imaging library: a dark rounded square holding an
orange hexagon (a honeycomb cell, for eBPF's bee) around a lens (tracing). Run it again to regenerate the file."""
import math
import struct
import zlib

SIZE, SAMPLES = 128, 4
BACKGROUND, CELL, LENS = (0x1E, 0x2A, 0x3A), (0xF5, 0x9E, 0x0B), (0xF8, 0xFA, 0xFC)


def inside_rounded_square(x, y):
    radius, half = 24, SIZE / 2
    dx, dy = max(abs(x - half) - (half - radius), 0), max(abs(y - half) - (half - radius), 0)
    return dx * dx + dy * dy <= radius * radius


def hexagon_distance(x, y, radius):
    # Distance-like measure to a pointy-top hexagon centred in the icon: <= radius inside.
    dx, dy = abs(x - SIZE / 2), abs(y - SIZE / 2)
    return max(dx * math.sqrt(3) / 2 + dy / 2, dy)


def colour(x, y):
    if not inside_rounded_square(x, y):
        return None
    h = hexagon_distance(x, y, 0)
    r = math.hypot(x - SIZE / 2, y - SIZE / 2)
    if 38 <= h <= 50:
        return CELL
    if 12 <= r <= 22:
        return LENS
    if r < 8:
        return CELL
    return BACKGROUND


def pixel(px, py):
    total, rgb = 0, [0, 0, 0]
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            c = colour(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES)
            if c is not None:
                total += 1
                rgb = [a + b for a, b in zip(rgb, c)]
    if total == 0:
        return (0, 0, 0, 0)
    return tuple(v // total for v in rgb) + (255 * total // (SAMPLES * SAMPLES),)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
with open(__file__.replace("make-icon.py", "icon.png"), "wb") as f:
    f.write(png)
