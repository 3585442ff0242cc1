#!/usr/bin/env bash
# Time and peak memory of `territoires build` from cached inputs, and of a cold load of the dataset.
# Usage: bench/build.sh   (after `make data`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/territoires
out=target/bench-build
for run in 1 2 3; do
  /usr/bin/time -f "build run $run: %e s wall, %M KB peak RSS" "$bin" build --out "$out" >/dev/null 2>/tmp/territoires-build-time
  tail -1 /tmp/territoires-build-time
done
ls -l "$out/territoires.bin" | awk '{printf "dataset size: %.1f MB\n", $5 / 1e6}'
for run in 1 2 3 4 5; do
  TERRITOIRES_TIMING=1 /usr/bin/time -f "load run $run: process %e s wall, %M KB peak RSS" \
    "$bin" locate --data "$out" --lat 45.7772 --lon 3.0870 2>&1 >/dev/null | tr '\n' ' '
  echo
done
