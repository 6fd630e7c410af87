// Load for ekran: N displays + 1 tablet on screen 1 over ekran's /ws; K `go` commands,
// one at a time (next sent when every display has the new state). Same method as
// sio-load-raw.mjs, so the two can be compared side by side.
// With SERVER_PID, also the server's CPU time (user + system, all threads, from /proc)
// spent during the K commands, per delivered state: cpu_us_per_msg.
// KEY is screen 1's key (`ekran key --screen 1`).
// Usage: node ekran-load.mjs BASE_URL KEY N K [SERVER_PID] -> JSON {n, k, p50_ms, p99_ms, cpu_us_per_msg, client_cpu_us_per_msg}
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
const [base, key, N, K] = [process.argv[2], process.argv[3], Number(process.argv[4] || 100), Number(process.argv[5] || 200)];
const wsBase = base.replace(/^http/, 'ws');
const open = (url) => new Promise((res, rej) => {
  const s = new WebSocket(url, { perMessageDeflate: false });
  s.once('message', m => res({ s, first: JSON.parse(m) }));
  s.once('error', rej);
});
const displays = [];
for (let i = 0; i < N; i += 50) {
  displays.push(...await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => open(`${wsBase}/ws/1?role=display`))));
}
// A script's commands are rate-limited per connection (a burst of 20, then 10 a second;
// docs/protocol.md), so the K commands are spread over ceil(K / 20) tablets, taking turns:
// none goes over its burst. The extra tablets also receive every state (not counted as
// delivered: this only makes ekran's CPU per delivered state look slightly worse).
const tabletUrl = `${wsBase}/ws/1?role=tablet&key=${encodeURIComponent(key)}`;
const tablets = await Promise.all(Array.from({ length: Math.max(1, Math.ceil(K / 20)) }, () => open(tabletUrl)));
const { first } = tablets[0];
const targets = [first.node.id, ...(first.children || []).map(c => c.id)];
if (targets.length < 2) { console.error('screen 1 has no children to go to'); process.exit(2); }
const serverPid = process.argv[6];
// utime + stime of the whole process, in clock ticks (USER_HZ = 100 on Linux).
const cpuTicks = () => { if (!serverPid) return 0; const f = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' '); return Number(rest[11]) + Number(rest[12]); };
const cpu0 = cpuTicks();
const own0 = process.cpuUsage(); // this client's own CPU, to show which side is the bottleneck
const lat = [];
let cur = first.node.id;
for (let i = 0; i < K; i++) {
  const dest = targets[(targets.indexOf(cur) + 1) % targets.length];
  const needle = `"node":{"id":"${dest}"`;
  await new Promise(done => {
    let got = 0; const t0 = performance.now();
    const on = function (m) {
      // A cheap match (no JSON.parse), so the client's cost stays small next to the server's.
      if (String(m).indexOf(needle) < 0) return;
      lat.push(performance.now() - t0);
      this.off('message', on);
      if (++got === N) done();
    };
    displays.forEach(d => d.s.on('message', on));
    tablets[i % tablets.length].s.send(JSON.stringify({ type: 'go', node: dest, id: i }));
  });
  cur = dest;
}
const cpuUs = (cpuTicks() - cpu0) * 10000;
const own = process.cpuUsage(own0);
lat.sort((a, b) => a - b);
const q = p => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
console.log(JSON.stringify({ n: N, k: K, p50_ms: +q(0.5).toFixed(3), p99_ms: +q(0.99).toFixed(3), cpu_us_per_msg: serverPid ? +(cpuUs / (N * K)).toFixed(2) : null, client_cpu_us_per_msg: +((own.user + own.system) / (N * K)).toFixed(2) }));
process.exit(0);
