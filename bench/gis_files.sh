#!/usr/bin/env bash
# Size and encode time of the GIS files (FlatGeobuf, GeoPackage) for `pays` and `communes`, at full resolution
# and at zoom 8; then what the server's first and repeated requests cost, and the compressed sizes it serves.
# Usage: bench/gis_files.sh   (after `make data`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/territoires
out=target/bench-gis
mkdir -p "$out"
for layer in pays communes; do
  for zoom in full 8; do
    for format in fgb gpkg; do
      zoom_arg=()
      [ "$zoom" = full ] || zoom_arg=(--zoom "$zoom")
      for run in 1 2 3; do
        # Prints the feature count, the bytes, and the generalisation and encoding times apart.
        "$bin" export "$layer" "${zoom_arg[@]}" --out "$out/$layer-$zoom.$format" 2>&1 | sed "s/^/run $run: /"
      done
    done
  done
done

port=18740
"$bin" serve --addr "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
for path in pays.fgb pays.gpkg 'pays.fgb?zoom=8' 'pays.gpkg?zoom=8' communes.fgb communes.gpkg \
  'communes.fgb?zoom=8' 'communes.gpkg?zoom=8'; do
  url="http://127.0.0.1:$port/api/layers/$path"
  first=$(curl -s -o /dev/null -w '%{time_total}' "$url")
  again=$(curl -s -o /dev/null -w '%{time_total}' "$url")
  gzip=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}' "$url")
  br=$(curl -s -o /dev/null -H 'Accept-Encoding: br' -w '%{size_download}' "$url")
  echo "GET $path: first ${first} s (write + gzip + brotli), again ${again} s; gzip $gzip B, brotli $br B"
done
