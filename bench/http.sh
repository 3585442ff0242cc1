#!/usr/bin/env bash
# HTTP benchmarks against a release server on loopback: /api/locate under wrk (64 connections, on the
# same 2 cores as the server), a batch of 1,000,000 points, and the GeoJSON layer sizes per zoom.
# Usage: bench/http.sh   (after `make data`; needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
port=18090
RUST_LOG=warn target/release/territoires serve --addr 127.0.0.1:$port &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

echo "== GET /api/locate, wrk -t2 -c64 -d15s"
wrk -t2 -c64 -d15s --latency -s bench/locate.lua "http://127.0.0.1:$port" | grep -E "Requests/sec|Latency|50%|90%|99%"

echo "== POST /api/locate, 1,000,000 points as CSV, every layer"
python3 - > target/batch-1m.csv <<'PY'
import random
random.seed(1)
print("lat,lon")
for _ in range(1_000_000):
    print(f"{random.uniform(41.3, 51.1):.6f},{random.uniform(-5.2, 9.6):.6f}")
PY
for run in 1 2 3; do
  curl -s -o target/batch-1m.out -w "run $run: %{time_total} s, %{size_download} bytes\n" \
    -X POST -H 'Content-Type: text/csv' --data-binary @target/batch-1m.csv "http://127.0.0.1:$port/api/locate"
done
echo "rows out: $(($(wc -l < target/batch-1m.out) - 1))"

if curl -sf -o /dev/null "http://127.0.0.1:$port/api/layers/pays.geojson?zoom=6"; then
  echo "== GeoJSON layer sizes, gzipped bytes (communes: bbox of the Puy-de-Dôme below zoom 8)"
  printf "%-30s" "layer \\ zoom"; for z in 4 6 8 10 12; do printf "%12s" "z$z"; done; echo
  for layer in $(curl -s "http://127.0.0.1:$port/api/layers" | python3 -c 'import json,sys; print(" ".join(l["id"] for l in json.load(sys.stdin)["layers"]))'); do
    printf "%-30s" "$layer"
    for z in 4 6 8 10 12; do
      q="zoom=$z"; [ "$layer" = communes ] && q="$q&bbox=2.39,45.28,3.99,46.26"
      printf "%12s" "$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/api/layers/$layer.geojson?$q")"
    done
    echo
  done
fi
