#!/usr/bin/env bash
# OGC API – Features items with a filter on the communes (34,871 features, full resolution), beside
# its peer in one run: pygeoapi 0.21 (PyPI, bench/requirements-pygeoapi.txt, under gunicorn) serving
# the same communes as a GeoJSON file (`territoires export` then ogr2ogr), on the same machine.
# Each filter is asked of both servers with the same limit and f=json; the answers are checked to
# match (numberMatched, the features' ids in order) before any timing. Then the two servers are
# timed in one loop, PEER_N rounds of one pygeoapi request amid N / PEER_N territoires requests, so
# that the machine's drift hits both alike: the per-request median and p90 of curl's time_total,
# the server's CPU time per request (user + system, from /proc), the answer's size, and the ratios
# pygeoapi / territoires. Fewer pygeoapi requests because each takes seconds (its GeoJSON provider
# parses the whole file, twice, on every request) and varies little; territoires' take milliseconds
# and vary more.
# pygeoapi's GeoJSON provider takes no CQL2 (it parses `filter=` and drops it): it is asked with its
# property query parameters (`?departement=63`, exact equality on the text of the value), which is
# why the filters here are equalities. It has no sortby either: the file is written in id order,
# the order territoires answers in, so that the pages are the same.
# Usage: bench/pygeoapi.sh   (after `make data`; needs python3 with venv, GDAL's ogr2ogr, curl)
#        BIN=path/to/territoires to measure another build; N=30 territoires and PEER_N=10 pygeoapi
#        requests per filter; LIMIT=1000 (the page size for both: a whole département fits in it);
#        PIN=1 to pin both servers to core 0 and curl to core 1. About 7 s a pygeoapi request here:
#        some 5 minutes in all.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/territoires}
data=geodata/build
n=${N:-30}
peer_n=${PEER_N:-10}
per_round=$(( (n + peer_n - 1) / peer_n )) # territoires requests per pygeoapi request
n=$((per_round * peer_n))
limit=${LIMIT:-1000}
server_cpu=${PIN:+taskset -c 0}
client_cpu=${PIN:+taskset -c 1}
venv=target/venv-pygeoapi
requirements=bench/requirements-pygeoapi.txt
work=target/bench-pygeoapi
mkdir -p "$work"

# The venv, once (again when the requirements change): every wheel pinned by its hash.
if [ ! -x "$venv/bin/gunicorn" ] || [ "$requirements" -nt "$venv/.installed" ]; then
  start=$(date +%s.%N)
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$requirements"
  touch "$venv/.installed"
  echo "venv: $venv installed in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}') s"
fi
echo "pygeoapi $("$venv/bin/python" -c 'import pygeoapi; print(pygeoapi.__version__)'), gunicorn $("$venv/bin/gunicorn" --version | awk '{print $NF}' | tr -d '()'), $("$venv/bin/python" --version)"

# The same communes for pygeoapi: full resolution, WGS84, every property, in id order (the
# FlatGeobuf is in the order of its spatial index).
"$bin" export communes --out "$work/communes.fgb" --data "$data" 2>/dev/null
rm -f "$work/communes.geojson"
ogr2ogr -f GeoJSON -sql 'SELECT * FROM communes ORDER BY id' "$work/communes.geojson" "$work/communes.fgb"
echo "communes.geojson: $(du -m "$work/communes.geojson" | cut -f1) MB, ogr2ogr from $(du -m "$work/communes.fgb" | cut -f1) MB of FlatGeobuf"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
peer_port=$(free_port)
while [ "$peer_port" = "$port" ]; do peer_port=$(free_port); done

cat >"$work/pygeoapi.yml" <<EOF
server:
  bind: {host: 127.0.0.1, port: $peer_port}
  url: http://127.0.0.1:$peer_port
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  gzip: false
  pretty_print: false
  languages: [en-US]
  limits: {default_items: 10, max_items: 10000}
  map:
    url: https://tile.openstreetmap.org/{z}/{x}/{y}.png
    attribution: OpenStreetMap
logging:
  level: ERROR
metadata:
  identification:
    title: territoires peer benchmark
    description: The communes of territoires, as a GeoJSON file
    keywords: [communes]
    terms_of_service: https://www.etalab.gouv.fr/licence-ouverte-open-licence/
    url: http://127.0.0.1:$port
  license: {name: Licence Ouverte 2.0, url: https://www.etalab.gouv.fr/licence-ouverte-open-licence/}
  provider: {name: territoires, url: http://127.0.0.1:$port}
  contact: {name: territoires, url: http://127.0.0.1:$port}
resources:
  communes:
    type: collection
    title: Communes
    description: The communes, full resolution
    keywords: [communes]
    extents:
      spatial:
        bbox: [-180, -90, 180, 90]
        crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84
    providers:
      - type: feature
        name: GeoJSON
        data: $PWD/$work/communes.geojson
        id_field: id
EOF
export PYGEOAPI_CONFIG=$PWD/$work/pygeoapi.yml PYGEOAPI_OPENAPI=$PWD/$work/pygeoapi-openapi.yml
"$venv/bin/pygeoapi" openapi generate "$PYGEOAPI_CONFIG" --output-file "$PYGEOAPI_OPENAPI" >/dev/null

# Both in their default configuration: territoires as `make run` starts it (log level info, to a
# file), pygeoapi under gunicorn with a sync worker a core.
log=$work/territoires.log
peer_log=$work/gunicorn.log
$server_cpu "$bin" serve --addr "127.0.0.1:$port" --data "$data" --web web >"$log" 2>&1 &
server=$!
$server_cpu "$venv/bin/gunicorn" --workers 2 --timeout 120 --bind "127.0.0.1:$peer_port" pygeoapi.flask_app:APP >"$peer_log" 2>&1 &
peer=$!
trap 'kill $server $peer 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$peer_port/conformance?f=json" >/dev/null && break; sleep 0.1; done
curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "territoires did not start: $log"; exit 1; }
curl -sf -o /dev/null "http://127.0.0.1:$peer_port/conformance?f=json" || { echo "pygeoapi did not start: $peer_log"; exit 1; }

ours_base="http://127.0.0.1:$port/ogc/collections/communes/items?f=json&limit=$limit"
peer_base="http://127.0.0.1:$peer_port/collections/communes/items?f=json&limit=$limit"
uri() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# CQL2 text for territoires | pygeoapi's query parameters for the same features
filters=(
  "departement = '63'|departement=63"
  "population = 100|population=100"
  "region = '84'|region=84"
)

summary() { # FILE: numberMatched, features, first and last id
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ids = [str(f.get("id", f["properties"].get("id"))) for f in d["features"]]
print(d.get("numberMatched"), len(ids), ids[0] if ids else "-", ids[-1] if ids else "-")
PY
}
same_features() { # FILE FILE: the same numberMatched, the same ids in the same order, the same
  # geometry (to 1e-9 degree: the two print the last digits differently) and properties?
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
ids = lambda d: [str(f.get("id", f["properties"].get("id"))) for f in d["features"]]
def points(c):
    if isinstance(c[0], (int, float)):
        yield c
    else:
        for x in c:
            yield from points(x)
def same_geometry(x, y):
    if x["type"] != y["type"]:
        return False
    p, q = list(points(x["coordinates"])), list(points(y["coordinates"]))
    return len(p) == len(q) and all(abs(u[0] - v[0]) < 1e-9 and abs(u[1] - v[1]) < 1e-9 for u, v in zip(p, q))
if a.get("numberMatched") != b.get("numberMatched") or sorted(ids(a)) != sorted(ids(b)):
    print(f"NO: numberMatched {a.get('numberMatched')} and {b.get('numberMatched')}, "
          f"{len(set(ids(a)) ^ set(ids(b)))} ids in one page only")
elif ids(a) != ids(b):
    print("the same ids, in another order")
else:
    pairs = list(zip(a["features"], b["features"]))
    geometry = sum(not same_geometry(x["geometry"], y["geometry"]) for x, y in pairs)
    differ = {}
    for x, y in pairs:
        for k in set(x["properties"]) | set(y["properties"]):
            v, w = x["properties"].get(k), y["properties"].get(k)
            if v != w and not (isinstance(v, list) and w == ";".join(v)):
                differ[k] = differ.get(k, 0) + 1
    print("yes: the same ids in the same order, "
          + (f"{geometry} geometries differ" if geometry else "the same geometries") + ", "
          + (f"properties differ: {differ}" if differ else "the same properties")
          + (" (postcodes: a list in territoires, ';'-joined text in the file)"
             if any(isinstance(x["properties"].get("postcodes"), list) for x, _ in pairs) else ""))
PY
}
cpu() { # PID…: user + system clock ticks of these processes (and their threads)
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo $t
}
peer_pids() { echo "$peer $(pgrep -P "$peer" | tr '\n' ' ')"; }
stats() { # FILE of seconds: median and p90 in ms
  sort -n "$1" | awk '{v[NR] = $1 * 1000} END {printf "%.1f %.1f", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)]}'
}

echo "== pygeoapi's GeoJSON provider and CQL2: filter=departement%20%3D%20'63' answers numberMatched" \
  "$(curl -s "$peer_base&filter=$(uri "departement = '63'")" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("numberMatched"))')" \
  "(of 34871): the filter is dropped, so pygeoapi gets its property query parameters below"
echo "== GET items?f=json&limit=$limit, per filter $n requests to territoires and $peer_n to pygeoapi in one loop; curl time_total per request"
printf "%-44s %-12s %8s %8s %11s %10s %10s %12s\n" "filter (territoires CQL2 | pygeoapi)" server matched returned bytes "median ms" "p90 ms" "CPU ms/req"
for entry in "${filters[@]}"; do
  cql=${entry%%|*}
  params=${entry#*|}
  ours="$ours_base&filter=$(uri "$cql")"
  theirs="$peer_base&$params"
  curl -sf -o "$work/ours.json" "$ours"
  curl -sf -o "$work/theirs.json" "$theirs"
  same=$(same_features "$work/ours.json" "$work/theirs.json")
  read -r ours_matched ours_returned _ _ <<<"$(summary "$work/ours.json")"
  read -r peer_matched peer_returned _ _ <<<"$(summary "$work/theirs.json")"
  for _ in 1 2 3; do curl -s -o /dev/null "$ours"; done # warm up (pygeoapi: the request above)
  : >"$work/ours.times"; : >"$work/theirs.times"
  ours_cpu=$(cpu "$server"); peer_cpu=$(cpu $(peer_pids))
  time_one() { $client_cpu curl -s -o /dev/null -w '%{time_total} %{size_download} %{http_code}\n' "$1" >>"$2"; }
  for _ in $(seq "$peer_n"); do # each round: half the territoires requests, pygeoapi, the rest
    for _ in $(seq $((per_round / 2))); do time_one "$ours" "$work/ours.times"; done
    time_one "$theirs" "$work/theirs.times"
    for _ in $(seq $((per_round - per_round / 2))); do time_one "$ours" "$work/ours.times"; done
  done
  ours_cpu=$(( $(cpu "$server") - ours_cpu )); peer_cpu=$(( $(cpu $(peer_pids)) - peer_cpu ))
  if awk '$3 != 200 {bad = 1} END {exit !bad}' "$work/ours.times" "$work/theirs.times"; then
    echo "NON-200 answers: $work/ours.times $work/theirs.times"; exit 1
  fi
  read -r ours_med ours_p90 <<<"$(stats "$work/ours.times")"
  read -r peer_med peer_p90 <<<"$(stats "$work/theirs.times")"
  hz=$(getconf CLK_TCK)
  ours_cpu_ms=$(awk -v t="$ours_cpu" -v hz="$hz" -v n="$n" 'BEGIN {printf "%.1f", t / hz * 1000 / n}')
  peer_cpu_ms=$(awk -v t="$peer_cpu" -v hz="$hz" -v n="$peer_n" 'BEGIN {printf "%.1f", t / hz * 1000 / n}')
  printf "%-44s %-12s %8s %8s %11s %10s %10s %12s\n" "$cql" territoires "$ours_matched" "$ours_returned" \
    "$(awk 'NR == 1 {print $2}' "$work/ours.times")" "$ours_med" "$ours_p90" "$ours_cpu_ms"
  printf "%-44s %-12s %8s %8s %11s %10s %10s %12s\n" "  ?$params" pygeoapi "$peer_matched" "$peer_returned" \
    "$(awk 'NR == 1 {print $2}' "$work/theirs.times")" "$peer_med" "$peer_p90" "$peer_cpu_ms"
  awk -v a="$ours_med" -v b="$peer_med" -v c="$ours_p90" -v d="$peer_p90" -v e="$ours_cpu_ms" -v f="$peer_cpu_ms" \
    'BEGIN {printf "  pygeoapi / territoires: median %.0fx, p90 %.0fx, CPU %s\n", b / a, d / c, (e > 0 ? sprintf("%.0fx", f / e) : "-")}'
  echo "  same features: $same"
done
echo "server logs: $log, $peer_log"
echo "reproduce: bench/pygeoapi.sh  (N=$n PEER_N=$peer_n LIMIT=$limit${PIN:+ PIN=1}; pygeoapi config $work/pygeoapi.yml, venv $venv from $requirements)"
echo "by hand:   curl '$ours_base&filter=$(uri "departement = '63'")'"
echo "           curl '$peer_base&departement=63'   (both servers stop when this script ends)"
