#!/usr/bin/env bash
# Soak: wrk with 1,000 connections for 60 s against a release server on loopback (same 2 cores), a mix
# of lookups, searches, cards, labels and tiles (bench/soak.lua). Passes when there are 0 socket errors,
# 0 non-2xx answers, and resident memory grows by under 10 % from the end of a 10 s warm-up to the end.
# Usage: bench/soak.sh [seconds]   (after `make data`; needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
seconds=${1:-60}
port=18091
ulimit -n 20000
RUST_LOG=warn target/release/territoires serve --addr 127.0.0.1:$port --web web &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk '/^VmRSS/ {print $2}' /proc/$server/status; }
url="http://127.0.0.1:$port"

echo "idle: RSS $(rss) kB"
wrk -t2 -c1000 -d10s -s bench/soak.lua "$url" >/dev/null
before=$(rss)
echo "after a 10 s warm-up at 1,000 connections: RSS $before kB"
wrk -t2 -c1000 -d"${seconds}s" --timeout 10s --latency -s bench/soak.lua "$url" | tee target/soak.txt
after=$(rss)
peak=$(awk '/^VmHWM/ {print $2}' /proc/$server/status)
growth=$(python3 -c "print(f'{($after - $before) / $before * 100:.1f}')")
echo "after ${seconds} s: RSS $after kB (growth $growth %), peak $peak kB"

fail=0
if grep -q "Socket errors" target/soak.txt; then echo "FAIL: socket errors"; fail=1; fi
if grep -q "Non-2xx" target/soak.txt; then echo "FAIL: non-2xx answers"; fail=1; fi
python3 -c "import sys; sys.exit(0 if ($after - $before) / $before < 0.10 else 1)" || { echo "FAIL: RSS grew by $growth %"; fail=1; }
[ $fail = 0 ] && echo "soak passed"
exit $fail
