// A timeline of a running `tributary serve`, for finding what holds its queries up (bench tooling, Linux):
//   NODE_OPTIONS="--require $PWD/bench/serve-timeline.cjs" SERVE_TIMELINE_OUT=/tmp/t.log node bench/run.js metrics
// Lines "<ms since start> <what>": GC pauses over 5 ms (kind: 1 scavenge, 4 mark-compact, 8 incremental), event-loop
// stalls over 60 ms (a 10 ms timer that ran late), CPU ticks (10 ms) per thread every 250 ms from /proc/self/task
// (the main thread's id is the pid), metrics part files as they are renamed into place, and per metrics query its
// time from request to the answer's last byte, the main thread's CPU and the process's CPU (week: the 7 d query).
// Only `serve` processes are probed (NODE_OPTIONS reaches the harness too); several write to one file in turn.
if (!process.argv.includes('serve')) return;
const fs = require('node:fs');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const out = fs.openSync(process.env.SERVE_TIMELINE_OUT || require('node:path').join(require('node:os').tmpdir(), `serve-timeline-${process.pid}.log`), 'a');
const t0 = Date.now();
const log = (s) => fs.writeSync(out, `${(performance.now()).toFixed(1)} ${s}\n`);
log(`start ${t0}`);
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.duration > 5) log(`gc kind=${e.detail?.kind ?? e.kind} ${e.duration.toFixed(1)}ms`); }).observe({ entryTypes: ['gc'] });
let last = performance.now();
setInterval(() => { const n = performance.now(); if (n - last > 60) log(`stall ${(n - last - 10).toFixed(1)}ms`); last = n; }, 10).unref();
const prev = new Map();
setInterval(() => {
  try {
    const parts = [];
    for (const t of fs.readdirSync('/proc/self/task')) {
      const s = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      const cpu = Number(f[11]) + Number(f[12]);
      const d = cpu - (prev.get(t) ?? cpu);
      prev.set(t, cpu);
      if (d > 0) parts.push(`${name}:${t}=${d}`);
    }
    if (parts.length) log(`cpu ${parts.join(' ')}`);
  } catch {}
}, 250).unref();
const origRename = fs.rename;
fs.rename = function (a, b, cb) { if (String(b).endsWith('.part')) log(`part ${String(b).split('/__metrics/')[1]}`); return origRename.apply(this, arguments); };
const fsp = require('node:fs/promises');
const origR2 = fsp.rename;
fsp.rename = function (a, b) { if (String(b).endsWith('.part')) log(`part ${String(b).split('/__metrics/')[1]}`); return origR2.apply(this, arguments); };
const origRS = fs.renameSync;
fs.renameSync = function (a, b) { if (String(b).endsWith('.part')) log(`part ${String(b).split('/__metrics/')[1]}`); return origRS.apply(this, arguments); };
const mainTicks = () => { const st = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8'); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); };
const http = require('node:http');
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (ev, req, res) {
  if (ev === 'request' && req.url.includes('metrics/query')) {
    const s = performance.now();
    const c = process.cpuUsage();
    const m0 = mainTicks();
    res.on('finish', () => { const u = process.cpuUsage(c); log(`query ${(performance.now() - s).toFixed(1)}ms main ${(mainTicks() - m0) * 10}ms cpu ${((u.user + u.system) / 1000).toFixed(1)}ms ${req.url.includes('archive') ? 'week' : 'other'}`); });
  }
  return emit.apply(this, arguments);
};
