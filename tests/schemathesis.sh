#!/usr/bin/env bash
# Holds the server to its OpenAPI document: starts the release binary on a free port and runs
# Schemathesis against /api/openapi.json with every check. Fails on any failure.
#
#   tests/schemathesis.sh                 # the fixed seed, as `make test` runs it
#   SEED=random MAX_EXAMPLES=60 tests/schemathesis.sh
#
# Environment: TERRITOIRES_BIN (the binary), TERRITOIRES_DATA (the prepared dataset), SCHEMATHESIS
# (the CLI, from the venv `make` builds), SEED, MAX_EXAMPLES (per operation), WORKERS.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${TERRITOIRES_BIN:-$root/target/release/territoires}"
data="${TERRITOIRES_DATA:-$root/geodata/build}"
schemathesis="${SCHEMATHESIS:-$root/target/venv-schemathesis/bin/schemathesis}"
seed="${SEED:-20260110}"
max_examples="${MAX_EXAMPLES:-25}"
workers="${WORKERS:-2}"
if [ "$seed" = random ]; then
    seed="$(python3 -c 'import secrets; print(secrets.randbelow(2**31))')"
fi

for needed in "$bin" "$schemathesis"; do
    [ -x "$needed" ] || { echo "missing $needed: run \`make test\` (or \`make $(basename "$needed")\`)" >&2; exit 1; }
done

# Warnings only: the request log of a run is tens of thousands of lines. The dataset is its own
# previous one, so that /api/diff answers (an empty diff) and its schema is held too, not only its 404.
source "$root/tests/serve.sh"
serve warn --previous "$data"

echo "schemathesis: seed $seed, at most $max_examples examples per operation, $workers workers, $base"
started=$SECONDS
status=0
# The server answers with its whole layers (tens of MB for the communes, built on first request: a
# first communes.gpkg takes 4 s on a quiet machine, 13 s on a loaded one), so requests get more time
# than the default, and the response-time check holds them to the server's own request deadline
# (`serve --request-timeout-s`, 60 s). The example database stays off, and Schemathesis runs in
# the scratch directory (it keeps a cache of past crashes in its working directory), so that a run
# depends on its seed alone.
cd "$work"
"$schemathesis" --config-file "$root/tests/schemathesis.toml" run "$base/api/openapi.json" \
    --checks all \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --workers "$workers" \
    --request-timeout 60 \
    --max-response-time 60 \
    --generation-database none \
    --no-color \
    || status=$?
echo "schemathesis: exit $status after $((SECONDS - started)) s (seed $seed)"
if [ "$status" -ne 0 ]; then
    echo "--- server log (last 40 lines)" >&2
    tail -n 40 "$log" >&2
fi
exit "$status"
