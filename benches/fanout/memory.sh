#!/usr/bin/env bash
# Server memory: idle, with C display connections, and over B bursts of H short HTTP
# connections (P at once); see memory.mjs. Starts `ekran serve --demo` on loopback.
# Usage: benches/fanout/memory.sh PATH/TO/ekran [C=1000] [B=7] [H=10000] [P=2000]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: benches/fanout/memory.sh PATH/TO/ekran [C=1000] [B=7] [H=10000] [P=2000]" >&2; exit 2; }
[ -x "$1" ] || { echo "memory.sh: no ekran at $1: build it first (cargo build --release)" >&2; exit 2; }
BIN=$(realpath "$1"); C=${2:-1000}; B=${3:-7}; H=${4:-10000}; P=${5:-2000}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${TMPDIR:-/tmp}/ekran-fanout-bench; mkdir -p "$WORK"
cp "$HERE"/*.mjs "$HERE"/package.json "$HERE"/package-lock.json "$WORK"/
[ -d "$WORK/node_modules/ws" ] && [ -d "$WORK/node_modules/socket.io" ] \
  || (cd "$WORK" && npm ci --silent --no-audit --no-fund >/dev/null)
# A port below Linux's ephemeral range: the clients' connections cannot be holding it.
T=$(mktemp -d); PORT=$((20000 + RANDOM % 12000))
# Every simulated client comes from 127.0.0.1: lift the per-address cap.
"$BIN" serve --demo --bind 127.0.0.1:$PORT --data "$T/d" --max-connections-per-address 100000 \
  >"$T/log" 2>&1 & E=$!
trap 'kill $E 2>/dev/null; wait $E 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$T/log" && break; kill -0 $E || break; sleep 0.1; done
grep -q "listening on" "$T/log" || { echo "memory.sh: ekran did not start:" >&2; cat "$T/log" >&2; exit 1; }
sleep 1 # start-up allocations settle
node "$WORK/memory.mjs" "http://127.0.0.1:$PORT" "$E" "$C" "$B" "$H" "$P"
