// Quick self-measure of the metrics store: `npm run build && node --expose-gc bench/metrics-store.js`.
// Writes host metrics shaped like the agent's (cpu, mem, system, disk, diskio, net; 41 series per host, values rounded
// as the agent rounds them) for HOSTS hosts at 10 s over the last HOURS hours into a real log, then opens a store over
// it and measures: ingest samples/s on one thread (reading the log, parsing, applying; the clock starts when the store
// opens), bytes per sample of the sealed hours on disk, memory per active series, and read times of 1 h x 1,000 series
// raw (sealed and open hour) and of the whole span x 1,000 series from the 1h tier.
// Environment: METRICS_BENCH_HOSTS (100), METRICS_BENCH_HOURS (3; 24 for the day of host metrics).

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
import { hostLines, hostState, SAMPLES_PER_INTERVAL } from './metrics-hosts.js';

const HOSTS = Number(process.env.METRICS_BENCH_HOSTS ?? 100);
const HOURS = Number(process.env.METRICS_BENCH_HOURS ?? 3);
const STEP = 10_000;
const HOUR = 3_600_000;

/** Full GCs with pauses between: ArrayBuffer backing stores are freed after the collection that finds them dead. */
async function settle() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...process.memoryUsage(), brkHeap: brkHeapRss() };
}


async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-mbench-'));
  try {
    const logs = await LogManager.open({ dataDir: dir, logger: silentLogger, searchIndex: false, retentionCheckIntervalMs: 3_600_000 });
    logs.createTopic('metrics', 1, { 'retention.ms': '-1', 'segment.bytes': String(256 * 1024 * 1024) });
    const log = logs.partition('metrics', 0);
    const end = Math.floor(Date.now() / STEP) * STEP;
    const start = end - HOURS * HOUR;
    const states = Array.from({ length: HOSTS }, (_, h) => hostState(h));
    let records = [];
    let samples = 0;
    let logBytes = 0;
    let sealedSamples = 0;
    const openFrom = Math.floor(Date.now() / HOUR) * HOUR; // with lateness 0 every earlier hour is sealed
    const t0 = performance.now();
    for (let t = start; t < end; t += STEP) {
      for (const s of states) for (const value of hostLines(s, t)) records.push({ value, headers: [['format', 'influx']], timestamp: t });
      samples += HOSTS * SAMPLES_PER_INTERVAL;
      if (t < openFrom) sealedSamples += HOSTS * SAMPLES_PER_INTERVAL;
      if (records.length >= 600) {
        const batch = buildRecordBatch(records);
        logBytes += batch.length;
        log.append(batch, readBatchHeader(batch));
        records = [];
      }
    }
    if (records.length) {
      const batch = buildRecordBatch(records);
      logBytes += batch.length;
      log.append(batch, readBatchHeader(batch));
    }
    console.log(`wrote ${samples.toLocaleString()} samples (${HOSTS} hosts x ${SAMPLES_PER_INTERVAL} series, ${HOURS} h at 10 s), ${(logBytes / 1e6).toFixed(0)} MB of log, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Read the whole log once first: the log's own indexes load on first read, which is not the store's memory.
    for (let next = 0; next < log.logEndOffset; ) {
      const { chunks } = await log.read(next, 4 * 1024 * 1024);
      let after = next;
      for (const c of chunks) for (let pos = 0; pos + 61 <= c.length; ) {
        const h = readBatchHeader(c, pos);
        if (pos + h.size > c.length) break;
        after = h.baseOffset + h.lastOffsetDelta + 1;
        pos += h.size;
      }
      if (after === next) break;
      next = after;
    }
    const memBefore = await settle();
    const rssBefore = memBefore.rss;
    const cpu0 = process.cpuUsage();
    const a0 = performance.now();
    const store = await MetricsStore.open({ dir: path.join(dir, '__metrics'), logs, config: { ...METRICS_DEFAULTS, latenessMs: 0 }, logger: silentLogger });
    await store.caughtUp(3_600_000);
    await store.seal();
    const applyMs = performance.now() - a0;
    const cpu = process.cpuUsage(cpu0);
    const st = store.stats();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `ingest: ${st.pointsApplied.toLocaleString()} samples in ${(applyMs / 1000).toFixed(2)} s wall, ${(cpuMs / 1000).toFixed(2)} s CPU = ${Math.round(st.pointsApplied / (cpuMs / 1000)).toLocaleString()} samples per CPU second (${Math.round(st.pointsApplied / (applyMs / 1000)).toLocaleString()}/s wall; sealing the hours included)`,
    );
    const memAfter = await settle();
    const rssAfter = memAfter.rss;
    const st2 = store.stats();
    const raw = st2.bytesOnDisk.raw;
    console.log(`disk: raw ${(raw / 1e6).toFixed(2)} MB = ${(raw / sealedSamples).toFixed(3)} B/sample over ${sealedSamples.toLocaleString()} sealed samples; 1m ${(st2.bytesOnDisk['1m'] / 1e6).toFixed(2)} MB, 1h ${(st2.bytesOnDisk['1h'] / 1e6).toFixed(2)} MB; all tiers ${((raw + st2.bytesOnDisk['1m'] + st2.bytesOnDisk['1h']) / sealedSamples).toFixed(3)} B/sample`);
    const grew = (k) => memAfter[k] - memBefore[k];
    const kib = (b) => `${(b / st2.series / 1024).toFixed(2)} KiB`;
    console.log(
      `memory per series (${st2.series} series, open hour ${new Date(end).toISOString().slice(14, 19)} into it): store (JS heap + buffers after GC) ${kib(grew('heapUsed') + grew('arrayBuffers'))}, of which point streams ${kib(st2.memoryBytes)}; process RSS growth ${kib(grew('rss'))} (V8 and malloc keep what sealing used), of which glibc's brk heap ${kib(grew('brkHeap'))}`,
    );

    const ids = [];
    for (const m of store.measurements()) for (const f of store.fields(m.name)) for (const s of store.select(m.name, f, [])) ids.push(s.id);
    const sample = ids.slice(0, 1000);
    const time = (label, fn) => {
      fn(); // warm (part indexes, JIT)
      const runs = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const c = process.cpuUsage();
        const n = fn();
        const used = process.cpuUsage(c);
        runs.push([performance.now() - t, (used.user + used.system) / 1000, n]);
      }
      const med = (i) => runs.map((r) => r[i]).sort((a, b) => a - b)[2];
      console.log(`${label}: median ${med(0).toFixed(1)} ms wall, ${med(1).toFixed(1)} ms CPU (${runs[0][2].toLocaleString()} points)`);
    };
    const sealedHour = Math.floor(end / HOUR) * HOUR - HOUR;
    time('read 1 h x 1,000 series raw, sealed hour', () => sample.reduce((a, id) => a + store.readRaw(id, sealedHour, sealedHour + HOUR).timestamps.length, 0));
    time('read 1 h x 1,000 series raw, last 60 min (memory + disk)', () => sample.reduce((a, id) => a + store.readRaw(id, end - HOUR, end).timestamps.length, 0));
    time(`read 7 d x 1,000 series from the 1h tier (data spans ${HOURS} h)`, () => sample.reduce((a, id) => a + store.readRollups(id, '1h', end - 7 * 24 * HOUR, end).timestamps.length, 0));
    time('read 1 d x 1,000 series from the 1m tier', () => sample.reduce((a, id) => a + store.readRollups(id, '1m', end - 24 * HOUR, end).timestamps.length, 0));
    await store.close();
    await logs.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
