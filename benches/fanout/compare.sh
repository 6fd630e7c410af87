#!/usr/bin/env bash
# Fan-out, side by side in one run: ekran vs a socket.io relay (the legacy hall's design:
# a controller's command updates in-memory screen state, the server broadcasts it to the
# screen's room). Both are driven by the same bare `ws` client (1 tablet + N displays,
# K commands one at a time, latency = send -> each display's receipt, no JSON parsing in
# the client). Prints, best of RUNS (default 3) for each server: p50/p99 latency and the
# server's CPU time per delivered state (user + system, all threads, during the commands
# only), and the ratios ekran/socket.io; then every single run, so "3 runs out of 3" can
# be checked too.
# The client is one Node process on the same cores; its own cost per message sets a floor
# under both latencies, so the CPU ratio shows the servers' difference most clearly. Each
# run line also shows the client's own CPU per message received (ekran / relay): when it
# exceeds the server's, the client is what the latency measures.
#
# The relay broadcasts ekran's own state of screen 1 (1.5 KB of JSON, Kazakh text: fetched
# from ekran first) with its seq/node fields set per command, so the client decodes the
# same message from both; RELAY_STATE=ascii gives the relay the first version's 1 500 'x'
# of filler instead (cheaper for the client to decode than any real state).
#
# Usage: benches/fanout/compare.sh PATH/TO/ekran [N] [K]      (needs node, npm, python3)
# The node modules (ws, socket.io; pinned in package-lock.json) are installed once into
# ${TMPDIR:-/tmp}/ekran-fanout-bench from the npm registry.
set -euo pipefail
BIN=$(realpath "$1"); N=${2:-500}; K=${3:-200}; RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${TMPDIR:-/tmp}/ekran-fanout-bench; mkdir -p "$WORK"
cp "$HERE"/*.mjs "$HERE"/package.json "$HERE"/package-lock.json "$WORK"/
[ -d "$WORK/node_modules/ws" ] && [ -d "$WORK/node_modules/socket.io" ] \
  || (cd "$WORK" && npm ci --silent --no-audit --no-fund >/dev/null)
T=$(mktemp -d); P1=$((20000 + RANDOM % 20000)); P2=$((P1 + 1))
# Every simulated display comes from 127.0.0.1: lift the per-address cap.
"$BIN" serve --demo --bind 127.0.0.1:$P1 --data "$T/d" --max-connections-per-address 100000 \
  >"$T/log" 2>&1 & E=$!
trap 'kill $E ${S:-} 2>/dev/null; wait $E ${S:-} 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$T/log" && break; sleep 0.1; done
if [ "${RELAY_STATE:-ekran}" = ascii ]; then RS=""; else
  RS="$T/state.json"
  (cd "$WORK" && node -e '
    const WebSocket = require("ws"); const s = new WebSocket(process.argv[1]);
    s.once("message", m => { process.stdout.write(String(m)); process.exit(0); });' \
    "ws://127.0.0.1:$P1/ws/1?role=display") >"$RS"
fi
STATE_FILE="$RS" node "$WORK/sio-relay.mjs" $P2 >"$T/slog" 2>&1 & S=$!
for _ in $(seq 1 100); do grep -q listening "$T/slog" && break; sleep 0.1; done
KEY=$("$BIN" key --data "$T/d" --screen 1)
e=""; s=""
for _ in $(seq 1 "$RUNS"); do
  e+=$(node "$WORK/ekran-load.mjs" "http://127.0.0.1:$P1" "$KEY" "$N" "$K" "$E")$'\n'
  s+=$(node "$WORK/sio-load-raw.mjs" "http://127.0.0.1:$P2" "$N" "$K" "$S")$'\n'
done
rss=$(awk '/VmRSS/{print $2/1024}' /proc/$E/status)
srss=$(awk '/VmRSS/{print $2/1024}' /proc/$S/status)
python3 - "$e" "$s" "$N" "$rss" "$srss" "$RUNS" <<'PY'
import json, sys
def runs(txt): return [json.loads(l) for l in txt.splitlines() if l.strip()]
def best(r): return (min(x["p50_ms"] for x in r), min(x["p99_ms"] for x in r), min(x["cpu_us_per_msg"] for x in r))
er, sr = runs(sys.argv[1]), runs(sys.argv[2])
(ep50, ep99, ecpu), (sp50, sp99, scpu) = best(er), best(sr)
n, k = sys.argv[3], sys.argv[6]
print(f"N={n} (best of {k})  ekran           p50 {ep50:.3f} p99 {ep99:.3f} ms, CPU {ecpu:.2f} us per delivered state, RSS after {float(sys.argv[4]):.0f} MB")
print(f"N={n} (best of {k})  socket.io relay p50 {sp50:.3f} p99 {sp99:.3f} ms, CPU {scpu:.2f} us per delivered state, RSS after {float(sys.argv[5]):.0f} MB")
print(f"relay's state: {__import__('os').environ.get('RELAY_STATE', 'ekran')}")
print(f"ratio ekran/socket.io: p50 {ep50/sp50:.2f}  p99 {ep99/sp99:.2f}  cpu {ecpu/scpu:.2f}")
for i, (a, b) in enumerate(zip(er, sr), 1):
    print(f"  run {i}: ekran {a['p50_ms']:.3f}/{a['p99_ms']:.3f} ms {a['cpu_us_per_msg']:.2f} us | relay {b['p50_ms']:.3f}/{b['p99_ms']:.3f} ms {b['cpu_us_per_msg']:.2f} us"
          f" | ratio p50 {a['p50_ms']/b['p50_ms']:.2f} p99 {a['p99_ms']/b['p99_ms']:.2f} cpu {a['cpu_us_per_msg']/b['cpu_us_per_msg']:.2f}"
          f" | client CPU per message {a['client_cpu_us_per_msg']:.1f} / {b['client_cpu_us_per_msg']:.1f} us")
PY
