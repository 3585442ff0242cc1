#!/usr/bin/env bash
# Resident memory whatever is asked: what a crawler of the OpenAPI document does to a server.
# One release server (default configuration, `--cache-mb` 128 unless given), then:
#   1. idle, after the start-up work in the background;
#   2. after a warm-up: the soak's mix of lookups, searches, cards, labels and tiles (10 s, 64 connections);
#   3. every layer at zooms 4, 6, 8, 10 and 12 in GeoJSON, FlatGeobuf and GeoPackage, each layer's
#      full-resolution FlatGeobuf and GeoPackage, and its attributes as CSV (the URLs the OpenAPI
#      document lists);
#   4. 10,000 distinct vector tiles (random layers, zooms 5–12, over metropolitan France).
# Prints RSS after each step (with its part in the mapped dataset file, which other processes that
# map the same file share), the peak (VmHWM), and the cache's figures from /metrics. Then starts a
# second server on the same file and prints each one's PSS (shared pages counted once between them).
# Usage: bench/memory.sh [serve flags…]       e.g. bench/memory.sh --cache-mb 64
#        BIN=path/to/territoires bench/memory.sh   (another build, to compare in the same run)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
bin=${BIN:-target/release/territoires}
port=${PORT:-18092}
url="http://127.0.0.1:$port"
log=$(mktemp)
RUST_LOG=info "$bin" serve --addr "127.0.0.1:$port" "$@" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 600); do grep -q "generalised layers ready" "$log" && break; sleep 0.1; done
mb() { awk -v key="$1:" '$1 == key {printf "%.0f MB", $2 / 1024}' "/proc/${2:-$server}/status"; }
rss() { echo "RSS $(mb VmRSS) (file $(mb RssFile), heap and stacks $(mb RssAnon))"; }
echo "idle:                                    $(rss)"

wrk -t1 -c64 -d10s -s bench/soak.lua "$url" >/dev/null
echo "after the warm-up (soak mix, 10 s):      $(rss)"

layers=$(curl -sf "$url/api/layers" | python3 -c 'import json,sys; print(" ".join(l["id"] for l in json.load(sys.stdin)["layers"]))')
failed=0
get() { # URL: fetched with gzip like a crawler; counts anything but a 200
  code=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip, br' -w '%{http_code}' "$1")
  [ "$code" = 200 ] || { echo "  $code $1"; failed=$((failed + 1)); }
}
asked=0
for layer in $layers; do
  for format in geojson fgb gpkg; do
    for zoom in 4 6 8 10 12; do get "$url/api/layers/$layer.$format?zoom=$zoom"; asked=$((asked + 1)); done
  done
  for file in fgb gpkg csv; do get "$url/api/layers/$layer.$file"; asked=$((asked + 1)); done
done
echo "after $asked layer files:                 $(rss), peak $(mb VmHWM)"

# 10,000 distinct tiles, drawn once (seeded) and fetched 16 at a time.
python3 - "$url" $layers >target/bench-memory-tiles.txt <<'PY'
import math, random, sys
url, layers = sys.argv[1], sys.argv[2:]
random.seed(7)
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y
seen = set()
while len(seen) < 10000:
    z = random.randint(5, 12)
    x, y = tile(random.uniform(-5.2, 9.6), random.uniform(41.3, 51.1), z)
    seen.add((random.choice(layers), z, x, y))
for layer, z, x, y in sorted(seen):
    print(f"{url}/tiles/{layer}/{z}/{x}/{y}.mvt")
PY
started=$(date +%s.%N)
tiles_failed=$(xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' {} <target/bench-memory-tiles.txt | grep -vc '^200$' || true)
took=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
echo "after 10,000 tiles ($tiles_failed not 200, ${took} s): $(rss), peak $(mb VmHWM)"
curl -sf "$url/metrics" | grep -E '^territoires_(geometry_)?cache_' | sed 's/^/  /' || true

# A second server on the same dataset file: the mapped pages are in memory once for both.
second_log=$(mktemp)
"$bin" serve --addr "127.0.0.1:$((port + 1))" "$@" >"$second_log" 2>&1 &
second=$!
trap 'kill $server $second 2>/dev/null; rm -f "$log" "$second_log"' EXIT
for _ in $(seq 600); do grep -q "generalised layers ready" "$second_log" && break; sleep 0.1; done
wrk -t1 -c64 -d10s -s bench/soak.lua "http://127.0.0.1:$((port + 1))" >/dev/null
pss() { awk '$1 == "Pss:" {printf "%.0f MB", $2 / 1024} $1 == "Pss_File:" {printf " (file %.0f MB)", $2 / 1024}' "/proc/$1/smaps_rollup"; }
echo "two servers on one file, after the second's warm-up:"
echo "  first:  RSS $(mb VmRSS), PSS $(pss $server)"
echo "  second: RSS $(mb VmRSS "$second"), PSS $(pss $second)"
[ "$failed" = 0 ] || { echo "FAIL: $failed layer files not answered"; exit 1; }
