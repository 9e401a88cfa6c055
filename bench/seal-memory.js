// What sealing an hour costs in memory and time, in process: `npm run build && node --expose-gc bench/seal-memory.js`.
// Writes host metrics (bench/metrics-hosts.js, 41 series per host) from the start of the last hour to now into a real
// log, opens a store over it with lateness 0 and waits until it has applied everything and sealed the full hour. While
// it does, a sampler reads the JS heap, ArrayBuffers and RSS every 5 ms; reported: the state once caught up with the
// hour open (after full GCs), the peak during the seal, how long the seal pass took, and the state right after it (as
// is, then after full GCs), each as growth per series over the empty store; glibc's brk heap as it stood then.
// Environment: SEAL_BENCH_HOSTS (356: ~14,600 series, the metrics scenario's day), SEAL_BENCH_RUNS (1: seal passes of
// that many hours, one after the other; each run writes one more hour).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../dist/src/common/logger.js';
import { METRICS_DEFAULTS } from '../dist/src/metrics/config.js';
import { MetricsStore } from '../dist/src/metrics/store/index.js';
import { buildRecordBatch } from '../dist/src/protocol/record-batch-builder.js';
import { readBatchHeader } from '../dist/src/protocol/record-batch.js';
import { LogManager } from '../dist/src/storage/index.js';
import { brkHeapRss } from './brk-heap.js';
import { hostLines, hostState } from './metrics-hosts.js';

const HOSTS = Number(process.env.SEAL_BENCH_HOSTS ?? 356);
const STEP = 10_000;
const HOUR = 3_600_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


const memory = () => ({ ...process.memoryUsage(), brk: brkHeapRss() });

async function settle() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await sleep(50);
  }
  return memory();
}

function writeHours(log, states, from, to) {
  let records = [];
  const flush = () => {
    if (records.length === 0) return;
    const batch = buildRecordBatch(records);
    log.append(batch, readBatchHeader(batch));
    records = [];
  };
  for (let t = from; t < to; t += STEP) {
    for (const s of states) for (const value of hostLines(s, t)) records.push({ value, headers: [['format', 'influx']], timestamp: t });
    if (records.length >= 600) flush();
  }
  flush();
}

async function main() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-sealbench-'));
  try {
    const logs = await LogManager.open({ dataDir: dir, logger: silentLogger, searchIndex: false, retentionCheckIntervalMs: 3_600_000 });
    logs.createTopic('metrics', 1, { 'retention.ms': '-1', 'segment.bytes': String(256 * 1024 * 1024) });
    const log = logs.partition('metrics', 0);
    const states = Array.from({ length: HOSTS }, (_, h) => hostState(h));
    const now = Math.floor(Date.now() / STEP) * STEP;
    const hourStart = Math.floor(now / HOUR) * HOUR - HOUR;
    const t0 = performance.now();
    writeHours(log, states, hourStart, now);
    console.log(`wrote ${HOSTS} hosts × 41 series at 10 s from ${new Date(hourStart).toISOString()} to now in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const base = await settle();
    const peak = { heapUsed: 0, arrayBuffers: 0, rss: 0 };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
    }, 5);
    // Lateness 0: the hour before this one is due as soon as the store has read past it.
    const store = await MetricsStore.open({ dir: path.join(dir, '__metrics'), logs, config: { ...METRICS_DEFAULTS, latenessMs: Number(process.env.SEAL_BENCH_LATENESS_MS ?? 0) }, logger: silentLogger });
    const a0 = performance.now();
    await store.caughtUp(600_000);
    const caughtMs = performance.now() - a0;
    const s0 = performance.now();
    await store.seal();
    const sealMs = performance.now() - s0;
    clearInterval(sampler);
    const asIs = memory();
    const after = await settle();
    const series = store.stats().series;
    const per = (m, k) => `${Math.round((m[k] - base[k]) / series).toLocaleString('en-US')}`;
    const line = (label, m) => console.log(`  ${label.padEnd(34)} heapUsed ${per(m, 'heapUsed').padStart(6)}  arrayBuffers ${per(m, 'arrayBuffers').padStart(6)}  rss ${per(m, 'rss').padStart(6)}  brk heap ${m.brk === undefined ? '     —' : per(m, 'brk').padStart(6)} B/series`);
    console.log(`${series.toLocaleString('en-US')} series; caught up in ${(caughtMs / 1000).toFixed(2)} s, then the seal pass's remainder ${(sealMs / 1000).toFixed(2)} s`);
    line('peak while applying and sealing', peak);
    line('right after the seal, as is', asIs);
    line('after full GCs', after);
    const st = store.stats();
    console.log(`  open hours now hold ${Math.round(st.memoryBytes / series)} B/series of point streams`);
    await store.close();
    await logs.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
