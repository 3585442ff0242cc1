#!/usr/bin/env bash
# QGIS 3.22 (Debian's python3-qgis, headless) against the server: starts the release binary on a
# free port, runs tests/gis/qgis_check.py with the system Python, stops the server on exit.
# Fails when the check fails. The maps land in target/screenshots (qgis-tiles.png, qgis-oapif.png).
#
# Environment: TERRITOIRES_BIN (the binary), TERRITOIRES_DATA (the prepared dataset).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${TERRITOIRES_BIN:-$root/target/release/territoires}"
data="${TERRITOIRES_DATA:-$root/geodata/build}"
# Debian's python3-qgis is built for the system Python, not for a pyenv or venv `python3`.
python=/usr/bin/python3

[ -x "$bin" ] || { echo "missing $bin: run \`make data\`" >&2; exit 1; }
"$python" -c 'import qgis.core' 2>/dev/null \
    || { echo "QGIS's Python bindings are missing: apt-get install python3-qgis (or \`make gis-test\`)" >&2; exit 1; }

# The request log (path and status of each request) tells what QGIS asked for.
source "$root/tests/serve.sh"
serve info

echo "gis-test: QGIS against $base"
status=0
# Headless Qt; its runtime directory in the scratch directory, not a warning about a missing one.
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work" \
    "$python" "$root/tests/gis/qgis_check.py" "$base" "$root/target/screenshots" || status=$?

# What the server saw (the access log has each path and status, not the query string).
requests="$(grep -c 'territoires::access' "$log" || true)"
errors="$(grep 'territoires::access' "$log" | grep -Ev 'status=(2|3)[0-9][0-9] ' || true)"
echo "server: $requests requests logged, $(printf '%s' "$errors" | grep -c . || true) with a 4xx/5xx status"
[ -z "$errors" ] || printf '%s\n' "$errors"
if grep -Eq ' (WARN|ERROR) ' "$log"; then
    echo "server warnings and errors:"
    grep -E ' (WARN|ERROR) ' "$log"
fi
echo "gis-test: exit $status"
exit "$status"
