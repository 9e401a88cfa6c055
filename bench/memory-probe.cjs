// Preloaded into the benchmark's broker (`node --expose-gc --require bench/memory-probe.cjs`): on SIGUSR2 it writes the
// process's memory as V8 and Node see it to BENCH_MEMORY_PROBE_FILE, first as it is and then after full GCs, so the
// bench can tell what RSS holds (live JS heap, ArrayBuffers, heap V8 keeps committed, malloc's arenas) from outside.
// Bench-only: the product never installs this.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');

const file = process.env.BENCH_MEMORY_PROBE_FILE;

function snapshot() {
  const m = process.memoryUsage();
  const h = v8.getHeapStatistics();
  let smaps = {};
  try {
    for (const line of fs.readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
      const r = /^(Rss|Anonymous|Private_Dirty|Shared_Clean|Private_Clean):\s+(\d+) kB/.exec(line);
      if (r) smaps[r[1]] = Number(r[2]) * 1024;
    }
  } catch {
    smaps = null;
  }
  let status = {};
  try {
    const s = fs.readFileSync('/proc/self/status', 'utf8');
    for (const k of ['RssAnon', 'RssFile', 'RssShmem']) status[k] = Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
  } catch {
    status = null;
  }
  // Anonymous mappings by kind: glibc's main heap ([heap]), the other anonymous mappings (V8's pages, malloc's
  // thread arenas, large malloc'd blocks) counted by size class, and threads (each with its own malloc arena).
  const maps = { heapRss: 0, anonRss: 0, anonCount: 0, bySize: {}, threads: null };
  try {
    let cur = null;
    for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
      if (head) {
        const size = Number(BigInt(`0x${head[2]}`) - BigInt(`0x${head[1]}`));
        cur = { name: head[4].trim(), inode: head[3], size };
        continue;
      }
      const r = /^Rss:\s+(\d+) kB/.exec(line);
      if (!r || !cur) continue;
      const rss = Number(r[1]) * 1024;
      if (cur.name === '[heap]') maps.heapRss += rss;
      else if (cur.name === '' && cur.inode === '0') {
        maps.anonRss += rss;
        maps.anonCount++;
        const mib = cur.size >= 64 << 20 ? '>=64M' : cur.size >= 1 << 20 ? '1M-64M' : cur.size >= 256 << 10 ? '256K-1M' : '<256K';
        maps.bySize[mib] = (maps.bySize[mib] ?? 0) + rss;
      }
    }
    maps.threads = fs.readdirSync('/proc/self/task').length;
  } catch {
    // not Linux
  }
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = { size: s.space_size, used: s.space_used_size, physical: s.physical_space_size };
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    totalPhysical: h.total_physical_size,
    mallocedMemory: h.malloced_memory,
    peakMallocedMemory: h.peak_malloced_memory,
    status,
    smaps,
    maps,
    spaces,
  };
}

// BENCH_HEAPSNAPSHOT_DIR=DIR: after the Nth probe's full GCs (BENCH_HEAPSNAPSHOT_AT, default 2: after the metrics
// scenario's day), also write a heap snapshot to DIR, to find who retains what (bench/heap-retainers.js).
const snapshotDir = process.env.BENCH_HEAPSNAPSHOT_DIR;
const snapshotAt = snapshotDir ? (process.env.BENCH_HEAPSNAPSHOT_AT || '2').split(',').map(Number) : [];
let probes = 0;

// `tributary serve` started without glibc's malloc settings runs again as its own child (bin/relaunch.js), and this
// preload (an --require) runs in both: the launcher, which has the child and forwards the signal, stays silent.
const relaunched = process.env.TRIBUTARY_LAUNCHER_FD !== undefined;
function isLauncher() {
  if (relaunched) return false;
  try {
    return fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

if (file) {
  process.on('SIGUSR2', () => {
    if (isLauncher()) return;
    probes++;
    const before = snapshot();
    let i = 0;
    // Several full GCs with pauses: ArrayBuffer backing stores are freed after the collection that finds them dead.
    const step = () => {
      if (typeof globalThis.gc === 'function') globalThis.gc();
      if (++i < 4) return void setTimeout(step, 50);
      const after = snapshot();
      fs.writeFileSync(`${file}.tmp`, JSON.stringify({ before, after }));
      fs.renameSync(`${file}.tmp`, file);
      // After the probe file, so the bench's wait for it is not spent on the snapshot.
      if (snapshotAt.includes(probes)) {
        const name = require('node:path').join(snapshotDir, `broker-${process.pid}-${probes}`);
        fs.writeFileSync(`${name}.json`, JSON.stringify({ arrayBuffers: after.arrayBuffers, external: after.external, rss: after.rss }));
        v8.writeHeapSnapshot(`${name}.heapsnapshot`);
        // Again once the snapshot (a full GC of its own) is written and a second has passed: backing stores V8 frees
        // on a background sweeper are counted in arrayBuffers until that has run.
        setTimeout(() => {
          globalThis.gc?.();
          setTimeout(() => {
            const later = process.memoryUsage();
            fs.writeFileSync(`${name}.later.json`, JSON.stringify({ arrayBuffers: later.arrayBuffers, external: later.external, rss: later.rss }));
          }, 1000);
        }, 1000);
      }
    };
    step();
  });
}
