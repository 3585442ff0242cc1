#!/usr/bin/env bash
# locate: territoires (criterion) against shapely 2 on the same 1,000,000 points, in one run.
# Usage: bench/locate.sh   (after `make data`)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import shapely, numpy' 2>/dev/null || python3 -m pip install --quiet 'shapely>=2,<3' numpy
cargo bench --bench locate -- --noplot 'locate/' 2>&1 | grep -E '^locate|time:|thrpt:'
estimate() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['mean']['point_estimate'] / 1e6 / 1e3)" "$1"; }
ours=$(estimate target/criterion/locate/every_layer/new/estimates.json)
batched=$(estimate target/criterion/locate/every_layer_batched/new/estimates.json)
communes=$(estimate target/criterion/locate/communes_only/new/estimates.json)
peer=$(python3 bench/locate_shapely.py | tee /dev/stderr | awk '/shapely_us_per_point/ {print $2}')
python3 - "$ours" "$batched" "$communes" "$peer" <<'PY'
import sys
ours, batched, communes, peer = map(float, sys.argv[1:])
print(f"territoires every layer: {batched:.3f} us/point in batches (files, batch requests), "
      f"{ours:.3f} one point at a time (GET /api/locate); communes only: {communes:.3f} us/point")
print(f"shapely STRtree within (communes, all points in one call): {peer:.3f} us/point")
print(f"ratio shapely / territoires every layer: {peer / batched:.1f}x in batches, {peer / ours:.1f}x one at a time; "
      f"communes only: {peer / communes:.1f}x")
PY
