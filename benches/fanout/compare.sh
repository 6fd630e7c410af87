#!/usr/bin/env bash
# Fan-out, side by side in one run: ekran vs a socket.io relay (the legacy hall's design:
# a controller's command updates in-memory screen state, the server broadcasts it to the
# screen's room). Both get the same load from the same client: N displays and ceil(K/20)
# tablets on screen 1, K `go` commands one at a time from the tablets in turn (latency =
# send -> each display's receipt, no JSON parsing in the client). Prints, best of RUNS
# (default 3) for each server: p50/p99 latency and the server's CPU time per state
# delivered to a display (user + system, all threads, during the commands only), and the
# ratios ekran/socket.io; then every single run, so "3 runs out of 3" can be checked too.
#
# The relay broadcasts ekran's own display state for each command's node (fetched from
# ekran first, `fanout_client states`), so the client decodes the same bytes from both.
#
# A third server, the floor (`benches/fanout/floor.rs`), writes the same state bytes to
# every page with one blocking `write` each and does nothing else: its CPU per delivered
# state is what loopback TCP costs on this host, and "CPU over the floor's" shows how much
# each server spends above it. The floor always gets the rust client.
#
# The client: CLIENT=rust (the default) is `benches/fanout/client.rs`, one thread, built
# here with cargo; CLIENT=node is the bare `ws` client of the first version of this
# harness (`ekran-load.mjs`, `sio-load-raw.mjs`). Node's client spends more CPU on each
# message than either server does, so its latencies are mostly its own queue (each run
# line shows the client's CPU per message next to the servers').
#
# Usage: benches/fanout/compare.sh PATH/TO/ekran [N] [K]      (needs node, npm, python3)
# The node modules (ws, socket.io; pinned in package-lock.json) are installed once into
# ${TMPDIR:-/tmp}/ekran-fanout-bench from the npm registry.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: benches/fanout/compare.sh PATH/TO/ekran [N] [K]" >&2; exit 2; }
[ -x "$1" ] || { echo "compare.sh: no ekran at $1: build it first (cargo build --release)" >&2; exit 2; }
BIN=$(realpath "$1"); N=${2:-500}; K=${3:-200}; RUNS=${RUNS:-3}; CLIENT=${CLIENT:-rust}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${TMPDIR:-/tmp}/ekran-fanout-bench; mkdir -p "$WORK"
cp "$HERE"/*.mjs "$HERE"/package.json "$HERE"/package-lock.json "$WORK"/
[ -d "$WORK/node_modules/ws" ] && [ -d "$WORK/node_modules/socket.io" ] \
  || (cd "$WORK" && npm ci --silent --no-audit --no-fund >/dev/null)
BUILT=$(cd "$HERE/../.." && cargo build -q --release --bench fanout_client --bench fanout_floor \
  --message-format=json | python3 -c 'import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["target"]["name"], m["executable"])')
LOAD=$(awk '$1 == "fanout_client" {print $2}' <<<"$BUILT")
FLOOR=$(awk '$1 == "fanout_floor" {print $2}' <<<"$BUILT")
# Ports below Linux's ephemeral range (32768 and up by default): the clients' thousands of
# connections (and their TIME_WAIT) cannot be holding them.
T=$(mktemp -d); P1=$((20000 + RANDOM % 12000)); P2=$((P1 + 1)); P3=$((P1 + 2))
# up PID LOG PATTERN NAME: waits for PATTERN in LOG while PID runs; fails showing LOG.
up() {
  for _ in $(seq 1 100); do
    grep -q "$3" "$2" && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  echo "compare.sh: $4 did not start:" >&2; cat "$2" >&2; exit 1
}
# Every simulated display comes from 127.0.0.1: lift the per-address cap.
"$BIN" serve --demo --bind 127.0.0.1:$P1 --data "$T/d" --max-connections-per-address 100000 \
  >"$T/log" 2>&1 & E=$!
trap 'kill $E ${S:-} ${F:-} 2>/dev/null; wait $E ${S:-} ${F:-} 2>/dev/null || true; rm -rf "$T"' EXIT
up $E "$T/log" "listening on" ekran
for _ in $(seq 1 100); do [ -s "$T/d/control.key" ] && break; sleep 0.1; done
KEY=$("$BIN" key --data "$T/d" --screen 1)
"$LOAD" states "http://127.0.0.1:$P1" "$KEY" >"$T/states.json"
TARGETS=$(python3 -c 'import json, sys; print(",".join(json.load(open(sys.argv[1]))["targets"]))' "$T/states.json")
STATES_FILE="$T/states.json" node "$WORK/sio-relay.mjs" $P2 >"$T/slog" 2>&1 & S=$!
up $S "$T/slog" listening "the socket.io relay"
"$FLOOR" $P3 "$T/states.json" >"$T/flog" 2>&1 & F=$!
up $F "$T/flog" "listening on" "the floor"
e=""; s=""; f=""
for _ in $(seq 1 "$RUNS"); do
  if [ "$CLIENT" = node ]; then
    e+=$(node "$WORK/ekran-load.mjs" "http://127.0.0.1:$P1" "$KEY" "$N" "$K" "$E")$'\n'
    s+=$(node "$WORK/sio-load-raw.mjs" "http://127.0.0.1:$P2" "$N" "$K" "$TARGETS" "$S")$'\n'
  else
    e+=$("$LOAD" ekran "http://127.0.0.1:$P1" "$KEY" "$N" "$K" "$E")$'\n'
    s+=$("$LOAD" sio "http://127.0.0.1:$P2" "$N" "$K" "$TARGETS" "$S")$'\n'
  fi
  f+=$("$LOAD" ekran "http://127.0.0.1:$P3" - "$N" "$K" "$F")$'\n'
done
rss=$(awk '/VmRSS/{print $2/1024}' /proc/$E/status)
srss=$(awk '/VmRSS/{print $2/1024}' /proc/$S/status)
python3 - "$e" "$s" "$N" "$rss" "$srss" "$RUNS" "$f" <<'PY'
import json, sys
def runs(txt): return [json.loads(l) for l in txt.splitlines() if l.strip()]
def best(r): return (min(x["p50_ms"] for x in r), min(x["p99_ms"] for x in r), min(x["cpu_us_per_msg"] for x in r))
er, sr, fr = runs(sys.argv[1]), runs(sys.argv[2]), runs(sys.argv[7])
(ep50, ep99, ecpu), (sp50, sp99, scpu), (fp50, fp99, fcpu) = best(er), best(sr), best(fr)
n, k = sys.argv[3], sys.argv[6]
print(f"N={n} (best of {k})  ekran           p50 {ep50:.3f} p99 {ep99:.3f} ms, CPU {ecpu:.2f} us per delivered state, RSS after {float(sys.argv[4]):.0f} MB")
print(f"N={n} (best of {k})  socket.io relay p50 {sp50:.3f} p99 {sp99:.3f} ms, CPU {scpu:.2f} us per delivered state, RSS after {float(sys.argv[5]):.0f} MB")
print(f"N={n} (best of {k})  floor           p50 {fp50:.3f} p99 {fp99:.3f} ms, CPU {fcpu:.2f} us per delivered state (one blocking write per page)")
print(f"client: {__import__('os').environ.get('CLIENT', 'rust')} (the floor's: rust)")
print(f"CPU over the floor's: ekran {ecpu/fcpu:.2f}  relay {scpu/fcpu:.2f}")
print(f"ratio ekran/socket.io: p50 {ep50/sp50:.2f}  p99 {ep99/sp99:.2f}  cpu {ecpu/scpu:.2f}")
for i, (a, b) in enumerate(zip(er, sr), 1):
    print(f"  run {i}: ekran {a['p50_ms']:.3f}/{a['p99_ms']:.3f} ms {a['cpu_us_per_msg']:.2f} us | relay {b['p50_ms']:.3f}/{b['p99_ms']:.3f} ms {b['cpu_us_per_msg']:.2f} us"
          f" | ratio p50 {a['p50_ms']/b['p50_ms']:.2f} p99 {a['p99_ms']/b['p99_ms']:.2f} cpu {a['cpu_us_per_msg']/b['cpu_us_per_msg']:.2f}"
          f" | client CPU per message {a['client_cpu_us_per_msg']:.1f} / {b['client_cpu_us_per_msg']:.1f} us"
          + (f" | user+system {a['server_user_us_per_msg']:.2f}+{a['server_system_us_per_msg']:.2f} / {b['server_user_us_per_msg']:.2f}+{b['server_system_us_per_msg']:.2f} us"
             if 'server_user_us_per_msg' in a and 'server_user_us_per_msg' in b else ""))
for i, c in enumerate(fr, 1):
    print(f"  floor run {i}: {c['p50_ms']:.3f}/{c['p99_ms']:.3f} ms {c['cpu_us_per_msg']:.2f} us"
          f" (user+system {c['server_user_us_per_msg']:.2f}+{c['server_system_us_per_msg']:.2f})")
PY
