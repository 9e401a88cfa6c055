// The Tributary side of the metrics benchmark: a dedicated `tributary serve` whose metrics store follows the
// `metrics` topic; the line-protocol file is produced there with kcat (one record per line, header format=influx, as
// the HTTP ingest stores it), and the store is watched and queried through /api/v1/metrics/stats and
// /api/v1/metrics/query. Until the metrics API exists, probe() says so and the scenario reports "not available".
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, sleep } from './child.js';
import { createTopic } from './kafka.js';
import { readCpuSeconds, startBroker } from './broker.js';
import { dirBytes } from './metrics-disk.js';
import { mallocInfo, mallocInfoEnv } from './malloc-info.js';
import { machineWindow, perSeries, repeatQuery, round1, round2, round3 } from './metrics-stats.js';

export const METRICS_TOPIC = 'metrics';
const PLAIN_TOPIC = 'bench-metrics-plain';
const POLL_MS = 200;

/** The API's base URL and token: from the broker's "ui on" line, or DATA/__meta/api-token. */
export async function apiOf(broker) {
  const m = await broker.waitForStdout(/ui on (http:\/\/\S+?)\/\?token=(\S+)/, 10_000);
  const tokenFile = join(broker.dataDir, '__meta', 'api-token');
  return { base: m[1], token: m[2] || (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '') };
}

/** Timed until the whole answer has arrived, before parsing it (the peer's queries are timed the same way). */
async function get(api, path) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${api.token}`, 'accept-encoding': 'identity' } });
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { status: res.status, text, ms };
}

/** null when /api/v1/metrics/stats answers as the contract says; otherwise why the metrics API is not available. */
export async function probe(api) {
  const r = await get(api, '/api/v1/metrics/stats');
  if (r.status === 404) return `metrics API not available: GET /api/v1/metrics/stats answered 404 (the metrics store and its routes are not in this build)`;
  if (r.status !== 200) return `metrics API not available: GET /api/v1/metrics/stats answered ${r.status} ${r.text.slice(0, 200)}`;
  const s = JSON.parse(r.text);
  if (typeof s.pointsApplied !== 'number' || typeof s.lagRecords !== 'number') return `metrics API not available: /api/v1/metrics/stats has no pointsApplied/lagRecords (${r.text.slice(0, 200)})`;
  return null;
}

export async function stats(api) {
  const r = await get(api, '/api/v1/metrics/stats');
  if (r.status !== 200) throw new Error(`GET /api/v1/metrics/stats: ${r.status} ${r.text.slice(0, 300)}`);
  return JSON.parse(r.text);
}

/** A query; resolves with { ms, series, points (non-null values), bytes }. */
export async function query(api, params) {
  const r = await get(api, `/api/v1/metrics/query?${new URLSearchParams(params)}`);
  if (r.status !== 200) throw new Error(`GET /api/v1/metrics/query?${new URLSearchParams(params)}: ${r.status} ${r.text.slice(0, 300)}`);
  const body = JSON.parse(r.text);
  const points = body.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
  return { ms: r.ms, series: body.series.length, points, buckets: body.timestamps.length, bytes: r.text.length };
}

/**
 * The same query in the binary columns form (format=columns, what the Metrics view fetches), timed until the whole
 * answer has arrived; the series counted from its header.
 */
export async function queryColumns(api, params) {
  const path = `/api/v1/metrics/query?${new URLSearchParams({ ...params, format: 'columns' })}`;
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${api.token}`, 'accept-encoding': 'identity' } });
  const buf = Buffer.from(await res.arrayBuffer());
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${buf.toString('utf8', 0, 300)}`);
  const header = JSON.parse(buf.toString('utf8', 8, 8 + buf.readUInt32LE(4)));
  return { ms, series: header.series.length, buckets: header.buckets, bytes: buf.length };
}

/** Waits (at most maxMs) until a process uses under 5 % of a CPU over 2 s; how long it waited. */
async function untilIdle(pid, maxMs) {
  const t0 = Date.now();
  let prev = readCpuSeconds(pid);
  while (Date.now() - t0 < maxMs) {
    await sleep(2_000);
    const now = readCpuSeconds(pid);
    if (now === null || prev === null || now - prev < 0.1) break;
    prev = now;
  }
  return Date.now() - t0;
}

/** The first `fraction` of a file (cut at a line end) as a new file; its path and size. */
function sliceFile(file, fraction, out) {
  const want = Math.floor(statSync(file).size * fraction);
  const buf = Buffer.allocUnsafe(want);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, want, 0);
  } finally {
    closeSync(fd);
  }
  const end = buf.lastIndexOf(10) + 1;
  writeFileSync(out, buf.subarray(0, end));
  return { file: out, bytes: end };
}

/**
 * Broker CPU seconds per byte of produce alone: a slice of the file produced (without the format header, so no
 * metrics store follows it) to a plain topic. The store's own CPU is then the broker's CPU while ingesting minus this
 * cost times the bytes produced — an estimate, since both run in the broker process.
 */
export async function produceCostPerByte(ctx, broker, file, fraction) {
  const slice = sliceFile(file, fraction, join(ctx.tmpDir, 'metrics-baseline.lp'));
  await createTopic(broker.address, PLAIN_TOPIC, 1);
  const cpu0 = readCpuSeconds(broker.pid);
  await runCommand(ctx.kcat.cmd, ['-P', '-b', broker.address, '-t', PLAIN_TOPIC, '-X', 'acks=1', '-l', slice.file], { timeoutMs: 30 * 60_000, label: `kcat -P ${PLAIN_TOPIC}` });
  await sleep(500); // the broker finishes its last writes after kcat's acks
  return (readCpuSeconds(broker.pid) - cpu0) / slice.bytes;
}

/**
 * Produce `file` to the metrics topic and wait until the store has applied it: pointsApplied grew by the file's
 * samples (or, if the store counts line-protocol points, by its lines, with no lag left). Resolves with the wall ms
 * from the first produce, the broker's CPU seconds meanwhile, the produce's own ms, and what pointsApplied counted.
 */
export async function ingest(ctx, broker, api, file, data, { timeoutMs }) {
  await createTopic(broker.address, METRICS_TOPIC, 1).catch((e) => {
    if (!/already exists|TOPIC_ALREADY_EXISTS/i.test(e.message)) throw e;
  });
  const before = await stats(api);
  const cpu0 = readCpuSeconds(broker.pid);
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const produced = await runCommand(ctx.kcat.cmd, ['-P', '-b', broker.address, '-t', METRICS_TOPIC, '-H', 'format=influx', '-X', 'acks=1', '-l', file], {
    timeoutMs,
    label: `kcat -P ${METRICS_TOPIC}`,
  });
  let last = before;
  let lastChange = Date.now();
  for (;;) {
    const s = await stats(api);
    const applied = s.pointsApplied - before.pointsApplied;
    if (applied >= data.samples) return done(s, 'samples');
    if (s.lagRecords === 0 && applied === data.lines) return done(s, 'lines');
    if (s.pointsApplied !== last.pointsApplied) lastChange = Date.now();
    if (s.lagRecords === 0 && Date.now() - lastChange > 10_000) {
      throw new Error(
        `the metrics store caught up with the topic (lagRecords 0) but applied ${applied} points for ${data.samples} samples in ${data.lines} lines ` +
          `(badLines ${s.badLines}, skippedFields ${s.skippedFields}, seriesRefused ${s.seriesRefused})`,
      );
    }
    if (elapsed() > timeoutMs) throw new Error(`the metrics store applied ${applied} of ${data.samples} samples within ${timeoutMs} ms (lagRecords ${s.lagRecords})`);
    broker.assertAlive('metrics ingest');
    last = s;
    await sleep(POLL_MS);
  }
  function done(s, counted) {
    return { ms: elapsed(), cpuSeconds: readCpuSeconds(broker.pid) - cpu0, produceMs: produced.elapsedMs, counted, stats: s };
  }
}

/** bytesOnDisk from the stats once it has not changed for 3 s (at most 60 s), and du of DATA/__metrics. */
export async function diskUse(api, dataDir) {
  let prev = null;
  let stableSince = Date.now();
  const deadline = Date.now() + 60_000;
  let s;
  for (;;) {
    s = await stats(api);
    const key = JSON.stringify(s.bytesOnDisk);
    if (key !== prev) {
      prev = key;
      stableSince = Date.now();
    }
    if (Date.now() - stableSince >= 3_000 || Date.now() > deadline) break;
    await sleep(500);
  }
  const dir = join(dataDir, '__metrics');
  return { bytesOnDisk: s.bytesOnDisk, du: existsSync(dir) ? dirBytes(dir) : null };
}

/**
 * Where the RSS growth sits, per series, from the broker's memory probe: RSS after full GCs, the live JS heap, the heap
 * V8 keeps committed, ArrayBuffers (point streams, Buffers) and the rest (malloc arenas, code, stacks).
 */
function memoryGrowth(probe0, probe1, series) {
  if (!probe0 || !probe1) return { afterGc: null };
  const per = (a, b, k) => Math.round((b[k] - a[k]) / series);
  const view = (a, b) => ({
    rss: per(a, b, 'rss'),
    heapUsed: per(a, b, 'heapUsed'),
    heapTotal: per(a, b, 'heapTotal'),
    arrayBuffers: per(a, b, 'arrayBuffers'),
    external: per(a, b, 'external'),
    malloced: per(a, b, 'mallocedMemory'),
    rssAnon: a.status && b.status ? Math.round((b.status.RssAnon - a.status.RssAnon) / series) : null,
    rssFile: a.status && b.status ? Math.round((b.status.RssFile - a.status.RssFile) / series) : null,
    // glibc's main heap (brk) and the other anonymous mappings (V8 pages, malloc's thread arenas, large blocks).
    brkHeap: a.maps && b.maps ? Math.round((b.maps.heapRss - a.maps.heapRss) / series) : null,
    otherAnon: a.maps && b.maps ? Math.round((b.maps.anonRss - a.maps.anonRss) / series) : null,
  });
  return {
    // Bytes per series, growth over the day's ingest: as the process stood, then after full GCs.
    perSeriesAsIs: view(probe0.before, probe1.before),
    perSeriesAfterGc: view(probe0.after, probe1.after),
    afterGcBytes: probe1.after.rss,
    mappings: { start: probe0.after.maps, end: probe1.before.maps, endAfterGc: probe1.after.maps },
    heapSpacesAfterGc: Object.fromEntries(Object.entries(probe1.after.spaces).map(([k, v]) => [k, { size: v.size, used: v.used }])),
    // V8's spaces as the process stood, grown per series: which of them the heap V8 keeps committed sits in.
    heapSpacesAsIs: Object.fromEntries(
      Object.entries(probe1.before.spaces).map(([k, v]) => [k, { physical: Math.round((v.physical - (probe0.before.spaces[k]?.physical ?? 0)) / series), used: Math.round((v.used - (probe0.before.spaces[k]?.used ?? 0)) / series) }]),
    ),
  };
}

function printMallocInfo(m, series) {
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const main = m.arenas.find((a) => a.nr === 0);
  const others = m.arenas.filter((a) => a.nr !== 0);
  const sum = (k) => others.reduce((s, a) => s + a[k], 0);
  console.log(
    `  glibc malloc after the day: main arena ${mib(main.systemBytes)} from the system, ${mib(main.freeBytes)} of it free in ${main.freeChunks} chunks ` +
      `(${Math.round(main.freeBytes / series)} B per series); ${others.length} thread arenas ${mib(sum('systemBytes'))}, ${mib(sum('freeBytes'))} free; ` +
      `${m.mmapChunks} mmapped chunks ${mib(m.mmapBytes)}` +
      (m.trim ? `; malloc_trim(0) took VmRSS ${mib(m.trim.rssBefore)} → ${mib(m.trim.rssAfter)}` : ''),
  );
}

/**
 * Everything the peer measures, on a dedicated `tributary serve`. Resolves with { available: false, reason } when the
 * build has no metrics API, so the scenario still reports the peer's figures.
 */
export async function runTributary(ctx, p) {
  const dataDir = join(ctx.tmpDir, 'metrics-tributary');
  let extra = {};
  try {
    extra = JSON.parse(process.env.BENCH_METRICS_BROKER_CONFIG || '{}');
  } catch (e) {
    throw new Error(`BENCH_METRICS_BROKER_CONFIG must be a JSON object of broker config: ${e.message}`);
  }
  // BENCH_MALLOC_INFO=1: glibc's own account of its arenas after the day (bench/malloc-info.js).
  const miDir = process.env.BENCH_MALLOC_INFO ? join(ctx.tmpDir, 'malloc-info') : null;
  const miEnv = miDir ? mallocInfoEnv(miDir) : null;
  const broker = await startBroker({ dataDir, config: { defaultPartitions: 1, ...extra }, memoryProbe: true, env: miEnv ?? {} });
  try {
    const api = await apiOf(broker);
    const reason = await probe(api);
    if (reason) return { available: false, reason };
    console.log(`  Tributary pid ${broker.pid} on ${broker.address}, API ${api.base}`);
    const costPerByte = p.baseline > 0 ? await produceCostPerByte(ctx, broker, p.dayFile, p.baseline) : null;
    await sleep(1_000);
    const rss0 = broker.memory().vmRssBytes;
    const probe0 = await broker.probeMemory();
    console.log('  producing the day to the metrics topic…');
    const timeoutMs = 60_000 + Math.ceil(p.day.samples / 50); // 20k samples/s at the very least
    const machine = machineWindow(broker.pid);
    const day = await ingest(ctx, broker, api, p.dayFile, p.day, { timeoutMs });
    const ingestMachine = machine();
    // Without a baseline the whole broker's CPU counts against the store (a pessimistic figure).
    const storeCpu = costPerByte === null ? day.cpuSeconds : Math.max(0, day.cpuSeconds - costPerByte * p.day.bytes);
    await sleep(2_000);
    const rss1 = broker.memory().vmRssBytes;
    const probe1 = await broker.probeMemory();
    const malloc = miEnv ? await mallocInfo(miDir, broker.pid, { trim: true }) : null;
    if (malloc) printMallocInfo(malloc, p.day.series);
    const disk = await diskUse(api, dataDir);
    const tiers = Object.values(disk.bytesOnDisk ?? {}).reduce((a, b) => a + b, 0);

    const expect = (what) => (r) => {
      if (r.series !== p.cpuSeries) throw new Error(`Tributary ${what} returned ${r.series} series, expected ${p.cpuSeries}`);
    };
    const one = { measurement: 'cpu', field: 'usage_user', agg: 'avg' };
    const base = { ...one, by: 'host,cpu' };
    const hourTo = p.day.toMs;
    const hour = await repeatQuery(() => query(api, { ...base, step: '10s', from: String(hourTo - 3_600_000), to: String(hourTo) }), p.runs, expect('the 1 h query'));

    const hourColumns = await repeatQuery(() => queryColumns(api, { ...base, step: '10s', from: String(hourTo - 3_600_000), to: String(hourTo) }), p.runs, expect('the 1 h query (columns)'));

    const hourOne = await repeatQuery(
      () => query(api, { ...one, step: '10s', from: String(hourTo - 3_600_000), to: String(hourTo) }),
      p.runs,
      (r) => {
        if (r.series !== 1) throw new Error(`Tributary's 1 h query without by returned ${r.series} series, expected 1`);
      },
    );

    // RSS again once the broker has been idle for 2 s (its seal pass and index builder done, V8's memory reducer
    // given a chance), after the 1 h queries: the steady state of the day's series, next to the figure read 2 s after
    // the ingest (which the goal is checked against, as before).
    const idleMs = await untilIdle(broker.pid, 60_000);
    const rssIdle = broker.memory().vmRssBytes;

    console.log('  producing the week…');
    const week = await ingest(ctx, broker, api, p.weekFile, p.week, { timeoutMs: 60_000 + Math.ceil(p.week.samples / 50) });
    const weekTo = p.week.toMs;
    const weekQuery = await repeatQuery(
      () => query(api, { ...base, where: 'fleet=archive', step: p.weekStep, from: String(weekTo - p.weekDays * 86_400_000), to: String(weekTo) }),
      p.runs,
      expect('the 7 d query'),
    );
    // Then again once the broker is idle (its seal pass of the backfilled week done): the peer's side waits for its
    // merges to settle before its queries; the figure above is the week queried while the store still seals it.
    const settleMs = await untilIdle(broker.pid, 180_000);
    const weekSettled = await repeatQuery(
      () => query(api, { ...base, where: 'fleet=archive', step: p.weekStep, from: String(weekTo - p.weekDays * 86_400_000), to: String(weekTo) }),
      p.runs,
      expect('the 7 d query (settled)'),
    );
    return {
      available: true,
      ingest: {
        ms: round1(day.ms),
        produceMs: round1(day.produceMs),
        samplesPerSec: Math.round(p.day.samples / (day.ms / 1000)),
        brokerCpuSeconds: round2(day.cpuSeconds),
        produceCpuSecondsEstimate: costPerByte === null ? null : round2(costPerByte * p.day.bytes),
        storeCpuSecondsEstimate: round2(storeCpu),
        storeCpuIncludesProduce: costPerByte === null,
        samplesPerStoreCpuSecond: storeCpu ? Math.round(p.day.samples / storeCpu) : null,
        pointsAppliedCounts: day.counted,
        ...ingestMachine,
        stats: day.stats,
      },
      disk: {
        bytesOnDisk: disk.bytesOnDisk,
        du: disk.du,
        // Everything under DATA/__metrics (series index and checkpoints included, as VictoriaMetrics' indexdb is);
        // the stats' tiers when the store keeps its files elsewhere.
        bytesPerSample: round3((disk.du ? disk.du.apparent : tiers) / p.day.samples),
        tiersBytesPerSample: round3(tiers / p.day.samples),
      },
      rss: { malloc, beforeBytes: rss0, afterBytes: rss1, bytesPerSeries: perSeries(rss0, rss1, p.day.series), idle: { waitedMs: idleMs, afterBytes: rssIdle, bytesPerSeries: perSeries(rss0, rssIdle, p.day.series) }, ...memoryGrowth(probe0, probe1, p.day.series) },
      queryHour: { query: new URLSearchParams({ ...base, step: '10s' }).toString(), ...hour },
      queryHourColumns: { query: new URLSearchParams({ ...base, step: '10s', format: 'columns' }).toString(), ...hourColumns },
      queryHourOneSeries: { query: new URLSearchParams({ ...one, step: '10s' }).toString(), ...hourOne },
      weekIngest: { ms: round1(week.ms), brokerCpuSeconds: round2(week.cpuSeconds) },
      queryWeek: { query: new URLSearchParams({ ...base, where: 'fleet=archive', step: p.weekStep }).toString(), ...weekQuery },
      queryWeekSettled: { waitedMs: settleMs, ...weekSettled },
    };
  } finally {
    await broker.stop();
  }
}
