# Sourced by scripts/schemathesis and scripts/browser-test: builds
# `skillmatch`, makes an admin API key, and serves a fresh data directory on
# a free loopback port. Sets SERVER_ADDR, SERVER_KEY and SERVER_WORK; stops
# the server and removes its files on exit.

cargo build --quiet --bin skillmatch
server_binary="${CARGO_TARGET_DIR:-target}/debug/skillmatch"

SERVER_WORK="$(mktemp -d)"
server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$SERVER_WORK"
}
trap stop_server EXIT

SERVER_KEY="$("$server_binary" keys add --file "$SERVER_WORK/keys.toml" --tenant checks --role admin 2>/dev/null)"
"$server_binary" serve --addr 127.0.0.1:0 --data-dir "$SERVER_WORK/data" \
    --api-keys "$SERVER_WORK/keys.toml" --log-level warn 2>"$SERVER_WORK/server.log" &
server_pid=$!

SERVER_ADDR=""
for _ in $(seq 1 600); do
    SERVER_ADDR="$(sed -n 's/^listening on //p' "$SERVER_WORK/server.log" | head -n 1)"
    [[ -n "$SERVER_ADDR" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        cat "$SERVER_WORK/server.log" >&2
        echo "the server exited before listening" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$SERVER_ADDR" ]]; then
    echo "the server did not listen within 60 s" >&2
    exit 1
fi

server_log_tail() {
    echo "--- server log ---" >&2
    tail -n 50 "$SERVER_WORK/server.log" >&2
}
