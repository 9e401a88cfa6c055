// Focused, in-process measure of the metrics store's query path (issue 9's 1 h and 7 d queries) and its ingest CPU:
// `npx tsc -p tsconfig.json && node --expose-gc bench/metrics-query.js`. Uses the scenario's data (bench/metrics-data.js):
// the host-shaped "day" (QBENCH_HOURS, default 1) and the archive "week" (QBENCH_WEEK_DAYS, default 2, every 60 s),
// written into a real log as one record per line (header format=influx), read by a MetricsStore in this process, and
// queried with runMetricsColumns exactly as the API does (without the HTTP and JSON around it; the 1 h queries also
// time writing the answer, see answerArms). Each query is timed
// in CPU ms and wall ms (median of QBENCH_RUNS, default 5) in three states: fresh (the week just applied: its points
// are late, held in memory until the next seal), sealed (after a seal pass) and after a restart (store reopened).
// CPU time is the figure to trust on a busy machine. QBENCH_HOSTS (100) scales the series. Between fresh and sealed,
// the 7 d query runs every 20 ms throughout the seal pass of the week (at most QBENCH_SEAL_QUERIES, 400): request to
// answer, the wait for the event loop and the query's CPU (the process's: the seal's brotli threads count), median, p95
// and max; queried this often the pass itself takes several times longer (each of its steps waits for a query).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../dist/src/common/logger.js';
import { METRICS_DEFAULTS } from '../dist/src/metrics/config.js';
import { answerJson, encodeColumnsAnswer, parseMetricsQuery, runMetricsColumns, runMetricsQuery } from '../dist/src/metrics/query/index.js';
import { MetricsStore } from '../dist/src/metrics/store/index.js';
import { buildRecordBatch } from '../dist/src/protocol/record-batch-builder.js';
import { readBatchHeader } from '../dist/src/protocol/record-batch.js';
import { LogManager } from '../dist/src/storage/index.js';
import { Session } from 'node:inspector/promises';
import { writeMetrics } from './metrics-data.js';

const HOSTS = Number(process.env.QBENCH_HOSTS ?? 100);
const HOURS = Number(process.env.QBENCH_HOURS ?? 1);
const WEEK_DAYS = Number(process.env.QBENCH_WEEK_DAYS ?? 2);
const RUNS = Number(process.env.QBENCH_RUNS ?? 5);

/** Appends a line-protocol file to the log, 600 lines per batch, as kcat -l would produce it (read in 8 MB pieces). */
function appendFile(log, file) {
  let records = [];
  const now = Date.now();
  const flush = () => {
    if (!records.length) return;
    const batch = buildRecordBatch(records);
    log.append(batch, readBatchHeader(batch));
    records = [];
  };
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(8 << 20);
  let carry = '';
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      const text = carry + buf.toString('utf8', 0, n);
      const cut = n === 0 ? text.length : text.lastIndexOf('\n') + 1;
      for (let s = 0; s < cut; ) {
        let e = text.indexOf('\n', s);
        if (e < 0 || e > cut) e = cut;
        if (e > s) records.push({ value: text.slice(s, e), headers: [['format', 'influx']], timestamp: now });
        if (records.length >= 600) flush();
        s = e + 1;
      }
      carry = text.slice(cut);
      if (n === 0) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  flush();
}

async function timed(store, label, fn) {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const used = process.cpuUsage(c);
  const cpuMs = (used.user + used.system) / 1000;
  console.log(`${label}: ${(performance.now() - t).toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU`);
  return cpuMs;
}

async function query(store, label, input, withAnswer = false) {
  // A seal pass the store's timer started goes on deflating on libuv's threads, which process.cpuUsage counts: let it
  // finish first (late points applied after it began stay in memory, as they would).
  await store.sealing;
  // QBENCH_PROFILE=text: a CPU profile of the runs of the queries whose label contains it (then bench/profile-summary.js).
  const profile = process.env.QBENCH_PROFILE && label.includes(process.env.QBENCH_PROFILE) ? new Session() : null;
  if (profile) {
    profile.connect();
    await profile.post('Profiler.enable');
    await profile.post('Profiler.start');
  }
  const runs = [];
  let answer;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    answer = runMetricsColumns(store, parseMetricsQuery(input)); // what the API route runs (then writes the columns out)
    const used = process.cpuUsage(c);
    runs.push([performance.now() - t, (used.user + used.system) / 1000]);
  }
  if (profile) {
    const { profile: p } = await profile.post('Profiler.stop');
    const file = path.join(os.tmpdir(), `qbench-${label.replace(/\W+/g, '-')}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(p));
    console.log(`  profile: ${file}`);
  }
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  const first = runs[0];
  console.log(
    `  ${label}: median ${med(0).toFixed(1)} ms wall, ${med(1).toFixed(1)} ms CPU; first ${first[0].toFixed(1)} ms (${answer.series.length} series, tier ${answer.stats.tier}, ${answer.stats.pointsRead.toLocaleString()} read)`,
  );
  if (withAnswer) await answerArms(store, label, input);
}

/**
 * The query and its answer's bytes, as the API route produces them, three ways interleaved run by run (A/B in one
 * process, CPU ms): gathered reads and arrays of numbers and nulls through JSON.stringify (the route before
 * eachRaw and answer-json.ts), the typed columns written as JSON by answerJson, and the binary columns form.
 */
async function answerArms(store, label, input) {
  // The route before: each series' points or rows gathered into arrays (readRawMany, readRollupsMany), the answer as arrays of numbers and
  // nulls, JSON.stringify. The same store, without its eachRaw.
  const gathered = Object.create(store, { eachRaw: { value: undefined }, eachRollup: { value: undefined } });
  const arms = {
    'gathered reads, arrays + JSON.stringify (before)': () => Buffer.from(JSON.stringify(runMetricsQuery(gathered, parseMetricsQuery(input)))),
    'columns + answerJson': () => answerJson(runMetricsColumns(store, parseMetricsQuery(input))),
    'columns + binary': () => encodeColumnsAnswer(runMetricsColumns(store, parseMetricsQuery(input))),
  };
  const cpu = Object.fromEntries(Object.keys(arms).map((k) => [k, []]));
  const size = {};
  for (let i = 0; i < RUNS; i++) {
    for (const [k, f] of Object.entries(arms)) {
      const c = process.cpuUsage();
      size[k] = f().length;
      const used = process.cpuUsage(c);
      cpu[k].push((used.user + used.system) / 1000);
    }
  }
  for (const k of Object.keys(arms)) {
    const a = cpu[k].sort((x, y) => x - y);
    console.log(`    ${label}, ${k}: median ${a[Math.floor(a.length / 2)].toFixed(1)} ms CPU, min ${a[0].toFixed(1)} (${(size[k] / 1e6).toFixed(2)} MB)`);
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-qbench-'));
  try {
    const endMs = Date.now();
    const day = writeMetrics(path.join(dir, 'day.lp'), { shape: 'host', hosts: HOSTS, hours: HOURS, intervalS: 10, endMs, seed: 9 });
    const week = writeMetrics(path.join(dir, 'week.lp'), { shape: 'archive', hosts: HOSTS, hours: WEEK_DAYS * 24, intervalS: 60, endMs, seed: 7 });
    const logs = await LogManager.open({ dataDir: dir, logger: silentLogger, searchIndex: false, retentionCheckIntervalMs: 3_600_000 });
    logs.createTopic('metrics', 1, { 'retention.ms': '-1', 'segment.bytes': String(1024 * 1024 * 1024) });
    const log = logs.partition('metrics', 0);
    appendFile(log, path.join(dir, 'day.lp'));
    const open = () => MetricsStore.open({ dir: path.join(dir, '__metrics'), logs, config: { ...METRICS_DEFAULTS }, logger: silentLogger });
    let store;
    const dayCpu = await timed(null, `ingest day (${day.samples.toLocaleString()} samples, ${day.series} series)`, async () => {
      store = await open();
      await store.caughtUp(3_600_000);
      await store.seal();
    });
    console.log(`  = ${Math.round(day.samples / (dayCpu / 1000)).toLocaleString()} samples per CPU-second (seal included)`);
    globalThis.gc?.();
    const hour = { measurement: 'cpu', field: 'usage_user', agg: 'avg', by: 'host,cpu', step: '10s', from: String(day.toMs - 3_600_000), to: String(day.toMs) };
    const hourOne = { ...hour, by: '' };
    const weekQ = { measurement: 'cpu', field: 'usage_user', agg: 'avg', by: 'host,cpu', where: 'fleet=archive', step: '1h', from: String(week.toMs - WEEK_DAYS * 86_400_000), to: String(week.toMs) };
    await query(store, '1 h x 1000 series at 10 s', hour, true);
    await query(store, '1 h averaged into 1 series', hourOne);
    // The 1m tier over the whole day (sealed hours: 1m parts, or rolled up from raw parts where none are written).
    const dayMinutes = { ...hour, step: '5m', from: String(day.toMs - HOURS * 3_600_000) };
    await query(store, `${HOURS} h x 1000 series at 5 m (1m tier)`, dayMinutes);
    // QBENCH_WEEK_ONE_PASS=1: the store's own timer stopped first, so that the week is applied without the seal passes
    // it would start every 2 s and one pass seals all of it (as after a backlog or a restart); otherwise how much of
    // the week is left for the measured pass depends on how those passes kept up with the ingest.
    if (process.env.QBENCH_WEEK_ONE_PASS) {
      clearInterval(store.timer);
      await store.sealing;
    }
    appendFile(log, path.join(dir, 'week.lp'));
    const weekCpu = await timed(null, `ingest week (${week.samples.toLocaleString()} late samples)`, () => store.caughtUp(3_600_000));
    console.log(`  = ${Math.round(week.samples / (weekCpu / 1000)).toLocaleString()} samples per CPU-second (no seal)`);
    await query(store, `${WEEK_DAYS} d x 1000 series at 1 h, fresh (late points in memory)`, weekQ);
    await query(store, `${WEEK_DAYS} d x 1000 series at 1 h increase, fresh`, { ...weekQ, agg: 'increase' });
    // As over HTTP: a request waits for the event loop, which a seal pass holds in slices. `wait` is how late a 20 ms
    // timer fired (the loop was held), `total` that plus the query.
    const waits = [];
    const totals = [];
    // QBENCH_SEAL_PROFILE=1: a CPU profile of the main thread during this seal pass (then bench/profile-summary.js).
    const sealProfile = process.env.QBENCH_SEAL_PROFILE ? new Session() : null;
    if (sealProfile) {
      sealProfile.connect();
      await sealProfile.post('Profiler.enable');
      await sealProfile.post('Profiler.start');
    }
    // Queries throughout the pass (QBENCH_SEAL_QUERIES, default 400 at most), not only its start: a pass writes a day's
    // hours one after the other, and what a query costs may change as they are written. `cpu` is the process's CPU
    // during the query (the seal's brotli on libuv's threads included).
    const cpus = [];
    const maxQueries = Number(process.env.QBENCH_SEAL_QUERIES ?? 400);
    const sealing = timed(null, 'seal pass', () => store.seal());
    for (let i = 0; i < maxQueries && store.sealing !== null; i++) {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 20));
      waits.push(performance.now() - t - 20);
      const c = process.cpuUsage();
      runMetricsColumns(store, parseMetricsQuery(weekQ));
      const used = process.cpuUsage(c);
      cpus.push((used.user + used.system) / 1000);
      totals.push(performance.now() - t - 20);
    }
    await sealing;
    if (sealProfile) {
      const { profile: p } = await sealProfile.post('Profiler.stop');
      const file = path.join(os.tmpdir(), 'qbench-seal.cpuprofile');
      fs.writeFileSync(file, JSON.stringify(p));
      console.log(`  seal profile: ${file}`);
    }
    const stat = (a) => {
      a.sort((x, y) => x - y);
      const at = (q) => a[Math.min(a.length - 1, Math.floor(a.length * q))]?.toFixed(1);
      return `median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${a[a.length - 1]?.toFixed(1)} ms`;
    };
    console.log(`  ${WEEK_DAYS} d x 1000 series while the seal pass runs (${totals.length} queries): request to answer ${stat(totals)}; of it waiting for the event loop ${stat(waits)}; query CPU ${stat(cpus)}`);
    await query(store, `${WEEK_DAYS} d x 1000 series at 1 h, sealed`, weekQ, true);
    await query(store, '1 h x 1000 series at 10 s, sealed', hour);
    await query(store, `${HOURS} h x 1000 series at 5 m (1m tier), sealed`, dayMinutes);
    await store.close();
    await timed(null, 'restart', async () => {
      store = await open();
      await store.caughtUp(3_600_000);
    });
    await query(store, `${WEEK_DAYS} d x 1000 series at 1 h, after restart`, weekQ);
    await query(store, '1 h x 1000 series at 10 s, after restart', hour, true);
    await store.close();
    await logs.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
