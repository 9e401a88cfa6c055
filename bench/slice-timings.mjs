// How long the event loop's slices of background work run (bench tooling): every setImmediate callback timed, those over
// 25 ms listed by where they were scheduled, and GC pauses over 25 ms, printed at exit. With the metrics store's seal:
//   node --expose-gc --import ./bench/slice-timings.mjs bench/metrics-query.js
import { performance, PerformanceObserver } from 'node:perf_hooks';
const orig = globalThis.setImmediate;
const long = new Map();
let n = 0;
globalThis.setImmediate = function (fn, ...args) {
  const where = new Error().stack.split('\n').slice(2, 6).map((l) => l.trim().replace(/^at /, '')).join(' < ');
  return orig(() => {
    const t = performance.now();
    fn(...args);
    const d = performance.now() - t;
    n++;
    if (d > 25) long.set(where, [...(long.get(where) ?? []), Math.round(d)]);
  });
};
const gcs = [];
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.duration > 25) gcs.push(`${e.detail?.kind}:${Math.round(e.duration)}`); }).observe({ entryTypes: ['gc'] });
process.on('exit', () => {
  console.log(`immediates ${n}; longer than 25 ms:`);
  for (const [w, ds] of long) console.log(`  ${ds.length}× max ${Math.max(...ds)} ms: ${w}`);
  console.log(`gc pauses > 25 ms: ${gcs.length}: ${gcs.slice(0, 40).join(' ')}`);
});
