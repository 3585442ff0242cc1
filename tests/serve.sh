# Sourced by the scripts that hold the server to a real client (tests/schemathesis.sh,
# tests/gis/run.sh): `serve LOG_LEVEL [SERVE_ARGUMENTS…]` starts the release binary on a free port, stops it and removes
# the scratch directory on exit, and returns once /healthz answers. It sets `base` (the server's
# URL), `work` (a scratch directory) and `log` (the server's output). Needs `root`, `bin`, `data`.

serve() {
    # A port the kernel has just handed out, released for the server to take.
    local port
    port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    base="http://127.0.0.1:$port"
    work="$(mktemp -d)"
    log="$work/server.log"
    local level="$1"
    shift
    RUST_LOG="$level" NO_COLOR=1 "$bin" serve --addr "127.0.0.1:$port" --data "$data" --web "$root/web" "$@" >"$log" 2>&1 &
    server=$!
    trap 'kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
    # Ready once /healthz answers: curl retries while the port refuses connections (the dataset
    # loads before the server listens), and gives up after two minutes.
    if ! curl --silent --fail --output /dev/null --retry 120 --retry-connrefused --retry-delay 1 \
        --retry-max-time 120 "$base/healthz"; then
        echo "the server did not come up on $base:" >&2
        cat "$log" >&2
        exit 1
    fi
}
