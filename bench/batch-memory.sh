#!/usr/bin/env bash
# Batch POSTs under abuse: 16 simultaneous 1,000,000-point CSV batches against one release server.
# Prints each request's status and row count (a 200 must hold every row; the others must be 503), the
# server's resident memory idle and at its peak (VmHWM), then the time of one batch alone (three runs).
# Needs python3 and curl; the input is generated once into target/.
# Usage: bench/batch-memory.sh [serve flags…]   e.g. bench/batch-memory.sh --max-batches 16
#        BIN=path/to/territoires bench/batch-memory.sh   (another build, e.g. an older one, to compare)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/territoires}
port=${PORT:-18091}
concurrent=${CONCURRENT:-16}
points=1000000
input=target/batch-memory-1m.csv
work=$(mktemp -d)

# 1,000,000 points uniform in metropolitan France's bbox, seeded: the same file every run.
if [ ! -s "$input" ]; then
  python3 - "$points" > "$input" <<'PY'
import random, sys
random.seed(1)
print("lat,lon")
for _ in range(int(sys.argv[1])):
    print(f"{random.uniform(41.3, 51.1):.6f},{random.uniform(-5.2, 9.6):.6f}")
PY
fi

RUST_LOG=info "$bin" serve --addr "127.0.0.1:$port" "$@" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
# Idle means after the start-up work in the background (the generalised layers) is done.
for _ in $(seq 600); do grep -q "generalised layers ready" "$work/server.log" && break; sleep 0.1; done
kb() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$server/status"; }
idle=$(kb VmRSS)

echo "== $concurrent simultaneous POST /api/locate of $points points (serve flags: ${*:-none})"
started=$(date +%s%N)
clients=()
for i in $(seq "$concurrent"); do
  (
    set +e
    curl -s -D "$work/head$i" -X POST -H 'Content-Type: text/csv' --data-binary "@$input" \
      "http://127.0.0.1:$port/api/locate" | wc -l > "$work/lines$i"
    echo "${PIPESTATUS[0]}" > "$work/curl$i"
  ) &
  clients+=($!)
done
wait "${clients[@]}"
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
ok=0; busy=0; bad=0
for i in $(seq "$concurrent"); do
  status=$(awk '/^HTTP\// {s = $2} END {print s}' "$work/head$i")
  rows=$(( $(cat "$work/lines$i") - 1 ))
  retry=$(awk 'tolower($1) == "retry-after:" {print $2}' "$work/head$i" | tr -d '\r')
  if [ "$status" = 200 ] && [ "$rows" = "$points" ] && [ "$(cat "$work/curl$i")" = 0 ]; then
    ok=$((ok + 1)); echo "request $i: 200, $rows rows"
  elif [ "$status" = 503 ]; then
    busy=$((busy + 1)); echo "request $i: 503, Retry-After: $retry"
  else
    bad=$((bad + 1)); echo "request $i: status ${status:-none}, $rows rows, curl exit $(cat "$work/curl$i")  <- neither complete nor 503"
  fi
done
echo "answered in full: $ok; 503: $busy; other: $bad; all answered after ${elapsed} ms"
echo "server RSS idle: $((idle / 1024)) MB; peak (VmHWM): $(($(kb VmHWM) / 1024)) MB"

echo "== one batch of $points points alone, three runs (wall time, and the server's CPU time: steadier on a busy machine)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
tick_ms=$((1000 / $(getconf CLK_TCK)))
for run in 1 2 3; do
  before=$(cpu_ticks)
  wall=$(curl -s -o "$work/alone.csv" -w "%{http_code}, %{time_total} s, %{size_download} bytes" \
    -X POST -H 'Content-Type: text/csv' --data-binary "@$input" "http://127.0.0.1:$port/api/locate")
  echo "run $run: $wall, server CPU $(( ($(cpu_ticks) - before) * tick_ms )) ms"
done
echo "rows out: $(($(wc -l < "$work/alone.csv") - 1))"
echo "server peak (VmHWM) after the single runs: $(($(kb VmHWM) / 1024)) MB"
