#!/usr/bin/env bash
# The map with no server: a folder any static host serves (a CDN, GitHub Pages, a région's web
# server) with the vector tiles in one PMTiles archive, read by byte ranges, and the MapLibre page.
#
#   deploy/static-map.sh OUT_DIR              # every layer, zooms 0–10
#   LAYERS=pays,departements,regions MAXZOOM=8 deploy/static-map.sh OUT_DIR
#
# OUT_DIR then holds france.pmtiles, france.style.json, style.html with what it loads, and an
# index.html that opens style.html?pmtiles=france.pmtiles. The host must answer `Range` requests
# (most do) and serve `.mjs` as JavaScript.
#
# Environment: TERRITOIRES_BIN (the binary), TERRITOIRES_DATA (the prepared dataset), LAYERS,
# MINZOOM, MAXZOOM. Run `make web` first: the page's MapLibre and pmtiles come from npm.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${TERRITOIRES_BIN:-$root/target/release/territoires}"
data="${TERRITOIRES_DATA:-$root/geodata/build}"
out="${1:?usage: deploy/static-map.sh OUT_DIR}"
web="$root/web"

for needed in "$web/vendor/maplibre/maplibre-gl.mjs" "$web/vendor/pmtiles/pmtiles.js"; do
    [ -f "$needed" ] || { echo "missing $needed: run \`make web\`" >&2; exit 1; }
done

mkdir -p "$out/css" "$out/js/pages" "$out/vendor/maplibre" "$out/vendor/pmtiles"
args=(export-tiles --data "$data" --out "$out/france.pmtiles" --minzoom "${MINZOOM:-0}" --maxzoom "${MAXZOOM:-10}")
if [ -n "${LAYERS:-}" ]; then
    args+=(--layers "$LAYERS")
fi
"$bin" "${args[@]}"

# What style.html loads, and nothing else: the Leaflet page needs the server's API.
cp "$web/style.html" "$web/favicon.svg" "$out/"
cp "$web/css/base.css" "$web/css/style-preview.css" "$out/css/"
cp "$web/js/pages/style-preview.js" "$out/js/pages/"
cp "$web"/vendor/maplibre/* "$out/vendor/maplibre/"
cp "$web/vendor/pmtiles/pmtiles.js" "$out/vendor/pmtiles/"
cat >"$out/index.html" <<'HTML'
<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>Territoires de projet — carte</title>
  <meta http-equiv="refresh" content="0; url=style.html?pmtiles=france.pmtiles">
</head>
<body><p><a href="style.html?pmtiles=france.pmtiles">La carte des territoires de projet</a></p></body>
</html>
HTML
echo "$out: the map with no server; open index.html from any static host"
