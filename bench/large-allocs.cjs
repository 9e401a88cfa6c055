// Where the broker's large buffers come from: counts JS-level allocations of 64 KiB and more (Buffer.allocUnsafe, alloc,
// allocUnsafeSlow — Buffer.concat and zlib's sync calls go through them —, new ArrayBuffer and typed arrays with a
// length) by their call site, and on every SIGUSR2 (the metrics bench's memory probes) appends the top 25 sites so far
// to LARGE_ALLOCS_FILE. Allocations Node makes in C++ (socket reads) are not seen. Bench-only, slow (a stack trace per
// large allocation):
//   NODE_OPTIONS="--require $PWD/bench/large-allocs.cjs" LARGE_ALLOCS_FILE=/tmp/large-allocs.txt node bench/run.js metrics
'use strict';
const fs = require('node:fs');
const MIN = 64 * 1024;
const ROOT = `file://${require('node:path').join(__dirname, '..')}/`;
const sites = new Map();
let total = 0;
function note(bytes) {
  if (!(bytes >= MIN)) return;
  total += bytes;
  const st = new Error().stack.split('\n').slice(3, 7).map((l) => l.trim().replace(/^at /, '').replace(ROOT, '').replace(/\)$/, '')).join(' < ');
  const e = sites.get(st) ?? { n: 0, bytes: 0 };
  e.n++; e.bytes += bytes;
  sites.set(st, e);
}
for (const k of ['allocUnsafe', 'allocUnsafeSlow', 'alloc']) {
  const orig = Buffer[k];
  Buffer[k] = function (size, ...rest) { note(size); return orig.call(this, size, ...rest); };
}
for (const C of ['ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
  const T = globalThis[C];
  const per = T.BYTES_PER_ELEMENT ?? 1;
  globalThis[C] = new Proxy(T, { construct(t, args, nt) { if (typeof args[0] === 'number') note(args[0] * per); return Reflect.construct(t, args, nt === globalThis[C] ? t : nt); } });
}
const out = process.env.LARGE_ALLOCS_FILE;
let n = 0;
process.on('SIGUSR2', () => {
  n++;
  const top = [...sites.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
  fs.appendFileSync(out, `--- probe ${n} pid ${process.pid}: ${(total / 2 ** 20).toFixed(1)} MiB in allocations >= 64 KiB\n` + top.map(([s, e]) => `${(e.bytes / 2 ** 20).toFixed(1)} MiB ${e.n}x  ${s}`).join('\n') + '\n');
});
