#!/usr/bin/env bash
# The command-line batch: `territoires locate --input FILE --output FILE` on 1,000,000 points,
# every layer, timed by hyperfine (Debian's package) from the process start to the output written:
# loading the dataset, reading, locating and writing included.
# Three inputs of the same points (uniform in metropolitan France's bbox, Python's `random`, seed 1):
# a plain `lat,lon` CSV; a French spreadsheet export (Windows-1252, `;`, decimal commas,
# `Latitude;Longitude`); Lambert-93 `X;Y` (projected by GDAL's gdaltransform, with --crs EPSG:2154).
# The inputs are generated once into target/.
# Usage: bench/locate-file.sh [hyperfine flags…]   BIN=path/to/territoires to time another build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/territoires}
data=${DATA:-geodata/build}
points=1000000
plain=target/locate-file-1m.csv
french=target/locate-file-1m-fr.csv
lambert=target/locate-file-1m-l93.csv
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [ ! -s "$plain" ]; then
  python3 - "$points" "$plain" "$french" <<'PY'
import random, sys
random.seed(1)
n, plain, french = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(plain, "w") as p, open(french, "w", encoding="cp1252", newline="") as f:
    p.write("lat,lon\n")
    f.write("Nom;Latitude;Longitude\r\n")
    for i in range(n):
        lat, lon = random.uniform(41.3, 51.1), random.uniform(-5.2, 9.6)
        p.write(f"{lat:.6f},{lon:.6f}\n")
        f.write(f"Relevé {i};{lat:.6f};{lon:.6f}\r\n".replace(".", ","))
PY
fi
if [ ! -s "$lambert" ]; then
  { echo "X;Y"; tail -n +2 "$plain" | awk -F, '{print $2, $1}' \
      | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:2154 -output_xy \
      | awk '{printf "%.2f;%.2f\n", $1, $2}'; } > "$lambert"
fi

hyperfine --warmup 1 --runs "${RUNS:-5}" "$@" \
  -n "plain lat,lon CSV" "$bin locate --data $data --input $plain --output $out/plain.csv" \
  -n "French export (cp1252, ;, decimal commas)" "$bin locate --data $data --input $french --output $out/fr.csv" \
  -n "Lambert-93 X;Y, --crs EPSG:2154" "$bin locate --data $data --input $lambert --crs EPSG:2154 --output $out/l93.csv"
wc -l "$out"/*.csv
