#!/usr/bin/env bash
# HTTP benchmarks against a release server on loopback, in its default configuration (as `make run`
# starts it: log level info, its log written to a file): /api/locate under wrk beside its peer, a bare
# axum handler answering the same bytes on the same cores (bench/bare-axum), a batch of 1,000,000
# points, and the GeoJSON layer sizes per zoom.
# Usage: bench/http.sh   (after `make data`; needs wrk: apt-get install wrk)
#        BIN=path/to/territoires to measure another build; RUST_LOG=… to change the log level;
#        ROUNDS=N (default 5) rounds of wrk, the peer then territoires in each (this machine's speed
#        drifts by tens of percent within minutes: only the ratio within a round, and the median of
#        those, mean anything); PIN=1 to pin the servers and wrk to their own cores; LOCATE_ONLY=1
#        to stop after the point lookups.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
bin=${BIN:-target/release/territoires}
# PIN=1 puts each server on core 0 and wrk on core 1: steadier figures (the two servers' threads and
# wrk no longer trade cores), the same work.
server_cpu=${PIN:+taskset -c 0}
client_cpu=${PIN:+taskset -c 1}

cargo build --release --locked --quiet -p bare-axum
port=18090
peer_port=18091
log=target/bench-http-server.log
$server_cpu "$bin" serve --addr 127.0.0.1:$port >"$log" 2>&1 &
server=$!
trap 'kill $server ${peer:-} 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# The peer answers the bytes of one real answer: a point of Aurec-sur-Loire, in a PETR, a SCoT, a CRTE.
body=target/bench-locate-body.json
curl -sf -o "$body" "http://127.0.0.1:$port/api/locate?lat=45.3700&lon=4.2000"
$server_cpu target/release/bare-axum "127.0.0.1:$peer_port" "$body" >/dev/null &
peer=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$peer_port/" >/dev/null && break; sleep 0.1; done

wrk_locate() { # URL PID: one 10 s run, 64 connections, one wrk thread; prints req/s, p50, p99, and
  # the server's CPU time (user + system, from /proc) per request
  local before after
  before=$(awk '{print $14 + $15}' "/proc/$2/stat")
  $client_cpu wrk -t1 -c64 -d10s --latency -s bench/locate.lua "$1" > target/bench-wrk.txt
  after=$(awk '{print $14 + $15}' "/proc/$2/stat")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF} /requests in/ {n=$1}
    END {printf "%10.0f req/s   p50 %8s   p99 %8s   server CPU %5.1f us/request%s\n",
         rps, p50, p99, ticks / hz * 1e6 / n, bad ? "   NON-2xx " bad : ""}' target/bench-wrk.txt
}

echo "== GET /api/locate at random points, wrk -t1 -c64 -d10s; the peer answers the same $(wc -c <"$body") bytes"
ratios=()
for round in $(seq "${ROUNDS:-5}"); do
  printf "round %s  bare axum    " "$round"; peer_line=$(wrk_locate "http://127.0.0.1:$peer_port" "$peer"); echo "$peer_line"
  printf "round %s  territoires  " "$round"; line=$(wrk_locate "http://127.0.0.1:$port" "$server"); echo "$line"
  ratios+=("$(awk -v a="${peer_line%% req/s*}" -v b="${line%% req/s*}" 'BEGIN {printf "%.2f", b / a}')")
done
echo "territoires / bare axum, per round: ${ratios[*]}; median $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR + 1) / 2)]}')"
echo "server log: $(wc -l <"$log") lines, $(du -h "$log" | cut -f1)"
[ -n "${LOCATE_ONLY:-}" ] && exit 0

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
