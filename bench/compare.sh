#!/usr/bin/env bash
# Two builds of territoires side by side, in one run on the same cores, so that a change is judged by
# a ratio rather than by figures taken on another day: HTTP locate (wrk), the command-line batch of
# 1,000,000 points and the data build (hyperfine, runs interleaved), and a whole one-point process.
# Usage: bench/compare.sh BASE_BIN [NEW_BIN]   (NEW_BIN defaults to target/release/territoires;
#        after `make data`; needs wrk and hyperfine: apt-get install wrk hyperfine)
#        BASE_DATA=dir when the base build reads another dataset format (default: DATA, geodata/build);
#        BASE_CATALOGUE=file when it reads another catalogue (default geodata/layers.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
base=$(realpath "${1:?usage: bench/compare.sh BASE_BIN [NEW_BIN]}")
new=$(realpath "${2:-target/release/territoires}")
data=${DATA:-geodata/build}
base_data=${BASE_DATA:-$data}
base_catalogue=${BASE_CATALOGUE:-geodata/layers.toml}
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
command -v hyperfine >/dev/null || { apt-get update -q && apt-get install -y -q hyperfine; }
out=$(mktemp -d)
trap 'rm -rf "$out"; kill $(jobs -p) 2>/dev/null || true' EXIT

serve_and_wrk() { # BIN PORT DATA: one 10 s wrk run against a fresh server
  RUST_LOG=warn "$1" serve --addr "127.0.0.1:$2" --data "$3" --web web >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && break; sleep 0.1; done
  wrk -t2 -c64 -d10s --latency -s bench/locate.lua "http://127.0.0.1:$2" | grep -E "Requests/sec|99%"
  kill $server; wait $server 2>/dev/null || true
}

echo "== GET /api/locate, wrk -t2 -c64 -d10s, three rounds, base then new"
for round in 1 2 3; do
  echo "-- round $round, base"; serve_and_wrk "$base" 18091 "$base_data"
  echo "-- round $round, new";  serve_and_wrk "$new" 18092 "$data"
done

plain=target/locate-file-1m.csv
if [ ! -s "$plain" ]; then
  python3 - "$plain" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as p:
    p.write("lat,lon\n")
    for _ in range(1_000_000):
        lat, lon = random.uniform(41.3, 51.1), random.uniform(-5.2, 9.6)
        p.write(f"{lat:.6f},{lon:.6f}\n")
PY
fi

echo "== command-line batch, 1,000,000 points, every layer; one-point process; data build"
hyperfine --warmup 1 --runs "${RUNS:-5}" -N \
  -n base-batch "$base locate --data $base_data --input $plain --output $out/base.csv" \
  -n new-batch "$new locate --data $data --input $plain --output $out/new.csv" \
  -n base-point "$base locate --data $base_data --lat 45.7772 --lon 3.0870" \
  -n new-point "$new locate --data $data --lat 45.7772 --lon 3.0870" \
  -n base-build "$base build --catalogue $base_catalogue --out $out/base-data" \
  -n new-build "$new build --out $out/new-data" 2>&1 | grep -vE '^\s*$'
wc -l "$out/base.csv" "$out/new.csv"
cmp "$out/base.csv" "$out/new.csv" && echo "batch outputs: identical"
sha256sum "$out/base-data/territoires.bin" "$out/new-data/territoires.bin"
