// Server memory, read from /proc/PID/status (VmRSS) of a running ekran:
//  - idle (nothing connected);
//  - with C display WebSockets open on screen 1 (each has had its first state);
//  - after they close, and then after each of B bursts of H short HTTP connections
//    (one `GET /healthz` each, `Connection: close`, at most P open at once), the
//    kind of traffic a probe or a hall of reloading pages makes.
// Usage: node memory.mjs BASE_URL SERVER_PID [C=1000] [B=7] [H=10000] [P=2000] (memory.sh runs it)
// Prints one line per reading and a JSON summary last.
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import http from 'node:http';
const [base, pid] = [process.argv[2], process.argv[3]];
const [C, B, H, P] = [4, 5, 6, 7].map((i, j) => Number(process.argv[i] || [1000, 7, 10000, 2000][j]));
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
// Closed sockets are reaped and, a quiet second after a burst, the server trims its heap.
const settle = () => new Promise(r => setTimeout(r, 2500));
const out = {};
const note = (k, v) => { out[k] = +v.toFixed(1); console.log(`${k}: ${v.toFixed(1)} MB`); };
note('idle_rss_mb', rss());
const url = base.replace(/^http/, 'ws') + '/ws/1?role=display';
const open = () => new Promise((res, rej) => {
  const s = new WebSocket(url, { perMessageDeflate: false });
  s.once('message', () => res(s)); s.once('error', rej);
});
const socks = [];
for (let i = 0; i < C; i += 100) socks.push(...await Promise.all(Array.from({ length: Math.min(100, C - i) }, open)));
await settle();
note(`rss_with_${C}_displays_mb`, rss());
out.per_display_kb = +((out[`rss_with_${C}_displays_mb`] - out.idle_rss_mb) * 1024 / C).toFixed(1);
console.log(`per display: ${out.per_display_kb} KB`);
await Promise.all(socks.map(s => new Promise(r => { s.once('close', r); s.close(); })));
await settle();
note('rss_after_displays_closed_mb', rss());
const agent = new http.Agent({ keepAlive: false, maxSockets: P });
const get = () => new Promise((res, rej) => {
  const r = http.get(base + '/healthz', { agent, headers: { Connection: 'close' } }, resp => { resp.resume(); resp.on('end', res); });
  r.on('error', rej);
});
const start = rss();
note('before_bursts_mb', start);
let last = start;
for (let b = 1; b <= B; b++) {
  let next = 0;
  await Promise.all(Array.from({ length: P }, async () => { while (next++ < H) await get(); }));
  await settle();
  last = rss();
  note(`after_burst_${b}_mb`, last);
}
out.growth_over_bursts_mb = +(last - start).toFixed(1);
console.log(JSON.stringify(out));
process.exit(0);
