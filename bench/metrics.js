// Scenario `metrics`: the metrics store side by side with VictoriaMetrics, in one run, on the same line protocol.
// Data (bench/metrics-data.js): a day of host metrics from BENCH_METRICS_HOSTS (100) hosts at 10 s — 146 samples per
// host and tick, 14,600 series, 1,000 of them cpu/usage_user — and a lower-cost week of the same 1,000 cpu series
// (usage_user and usage_system, tagged fleet=archive) every BENCH_METRICS_WEEK_INTERVAL (60) s.
// VictoriaMetrics gets the files on /write; Tributary gets them produced with kcat to its `metrics` topic. Measured
// for both: ingest samples/s (wall, and per CPU-second of the process doing it), bytes per sample on disk after a
// flush, query latency (median, p95) for 1 h × 1,000 series at 10 s and 7 d × 1,000 series at BENCH_METRICS_WEEK_STEP,
// and RSS growth per series, as the process stands and after full GCs, split into JS heap, ArrayBuffers, glibc's brk
// heap and other anonymous memory (bench/memory-probe.cjs, preloaded into the broker). Until the metrics API is merged the Tributary side reports "metrics API not available".
// Environment: BENCH_METRICS_HOURS (24), BENCH_METRICS_HOSTS (100), BENCH_METRICS_WEEK_DAYS (7),
// BENCH_METRICS_WEEK_INTERVAL (60, seconds), BENCH_METRICS_WEEK_STEP (1h), BENCH_METRICS_QUERY_RUNS (20),
// BENCH_METRICS_BASELINE (0.25: share of the day produced to a plain topic to estimate the produce path's CPU; 0 = off,
// the broker's whole CPU then counts as the store's),
// BENCH_METRICS_PEER=0 / BENCH_METRICS_TRIBUTARY=0 (skip a side), BENCH_METRICS_BROKER_CONFIG (JSON merged into the
// broker's config), VICTORIA_METRICS (binary path), BENCH_METRICS_END_MINUTE (the data ends that many minutes into
// the current hour, or the last one, instead of now: from 10 to 19 the previous hour becomes due for sealing (10 min
// of lateness) as the day's ingest ends, so the RSS reading 2 s later may meet the seal pass — the worst case, made
// reproducible; below 10 no hour is due then; the week still ends now).
import { join } from 'node:path';
import { cpuSeriesCount, writeMetrics } from './metrics-data.js';
import { runPeer } from './metrics-peer.js';
import { round1, round2 } from './metrics-stats.js';
import { runTributary } from './metrics-tributary.js';
import { findVictoriaMetrics } from './victoria-metrics.js';

const GOALS = { samplesPerCore: 500_000, bytesPerSample: 1.5, hourMs: 50, weekMs: 300, bytesPerSeries: 8 * 1024 };

/** Now, or `minute` minutes into the current hour (the last hour's if that is still ahead). */
function endOfData(minute) {
  const now = Date.now();
  if (minute === undefined || minute === '') return now;
  const m = Number(minute);
  if (!Number.isInteger(m) || m < 0 || m > 59) throw new Error(`BENCH_METRICS_END_MINUTE must be a whole minute 0–59, got ${minute}`);
  const at = Math.floor(now / 3_600_000) * 3_600_000 + m * 60_000;
  return at <= now ? at : at - 3_600_000;
}

function envNumber(name, fallback, { min = 0, integer = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`${name} must be a${integer ? 'n integer' : ' number'} ≥ ${min}, got ${raw}`);
  return n;
}

const ratio = (ours, peer) => (typeof ours === 'number' && typeof peer === 'number' && peer > 0 ? round2(ours / peer) : null);
const fmt = (x, unit = '') => (x === null || x === undefined ? '—' : `${typeof x === 'number' ? x.toLocaleString('en-US') : x}${unit}`);

/** The side-by-side table: figure, ours, VictoriaMetrics, ours/VM, goal. */
function printSideBySide(rows, oursLabel) {
  const head = ['figure', oursLabel, 'VictoriaMetrics', 'ours/VM', 'goal (ours)'];
  const body = rows.map((r) => [r.name, fmt(r.ours, r.unit), fmt(r.peer, r.unit), r.ratio === null ? '—' : `${r.ratio}×`, r.goal]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd();
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const b of body) console.log(line(b));
}

export default {
  name: 'metrics',
  title: 'Metrics: ingest, bytes per sample, 1 h and 7 d queries, RSS per series — Tributary vs VictoriaMetrics',
  async run(ctx) {
    const p = {
      hosts: envNumber('BENCH_METRICS_HOSTS', 100, { min: 1, integer: true }),
      hours: envNumber('BENCH_METRICS_HOURS', 24, { min: 1 / 60 }),
      weekDays: envNumber('BENCH_METRICS_WEEK_DAYS', 7, { min: 1 / 24 }),
      weekInterval: envNumber('BENCH_METRICS_WEEK_INTERVAL', 60, { min: 1, integer: true }),
      weekStep: process.env.BENCH_METRICS_WEEK_STEP || '1h',
      runs: envNumber('BENCH_METRICS_QUERY_RUNS', 20, { min: 1, integer: true }),
      baseline: envNumber('BENCH_METRICS_BASELINE', 0.25),
    };
    if (!/^\d+[smh]$/.test(p.weekStep)) throw new Error(`BENCH_METRICS_WEEK_STEP must be like 1h, 10m or 300s, got ${p.weekStep}`);
    if (p.baseline > 1) throw new Error(`BENCH_METRICS_BASELINE is a share of the day's file, 0 to 1; got ${p.baseline}`);
    const withPeer = process.env.BENCH_METRICS_PEER !== '0';
    const withOurs = process.env.BENCH_METRICS_TRIBUTARY !== '0';
    p.peer = withPeer ? findVictoriaMetrics() : null;
    p.cpuSeries = cpuSeriesCount(p.hosts);

    const endMs = endOfData(process.env.BENCH_METRICS_END_MINUTE);
    // The week always ends now: ending up to an hour earlier, its oldest points would fall outside the topic's 7-day
    // retention, which the raw tier follows, and be dropped.
    const weekEndMs = Date.now();
    let t0 = Date.now();
    p.dayFile = join(ctx.tmpDir, 'metrics-day.lp');
    p.day = writeMetrics(p.dayFile, { shape: 'host', hosts: p.hosts, hours: p.hours, intervalS: 10, endMs, seed: 9 });
    p.weekFile = join(ctx.tmpDir, 'metrics-week.lp');
    p.week = writeMetrics(p.weekFile, { shape: 'archive', hosts: p.hosts, hours: p.weekDays * 24, intervalS: p.weekInterval, endMs: weekEndMs, seed: 7 });
    console.log(
      `  day: ${p.day.samples.toLocaleString('en-US')} samples in ${p.day.lines.toLocaleString('en-US')} lines, ${p.day.series.toLocaleString('en-US')} series, ${round1(p.day.bytes / 1e6)} MB; ` +
        `week: ${p.week.samples.toLocaleString('en-US')} samples, ${p.week.series.toLocaleString('en-US')} series, ${round1(p.week.bytes / 1e6)} MB (generated in ${round1((Date.now() - t0) / 1000)} s)`,
    );

    t0 = Date.now();
    const peer = withPeer ? await runPeer(ctx, p) : null;
    if (peer) console.log(`  VictoriaMetrics side done in ${round1((Date.now() - t0) / 1000)} s`);
    t0 = Date.now();
    const ours = withOurs ? await runTributary(ctx, p) : { available: false, reason: 'skipped (BENCH_METRICS_TRIBUTARY=0)' };
    if (ours.available) console.log(`  Tributary side done in ${round1((Date.now() - t0) / 1000)} s`);
    else console.log(`  Tributary: ${ours.reason}`);

    const o = ours.available ? ours : null;
    const figures = [
      { key: 'ingestPerCore', name: 'ingest, samples per CPU-second', unit: ' /s', ours: o?.ingest.samplesPerStoreCpuSecond, peer: peer?.ingest.samplesPerCpuSecond, goal: `≥ ${GOALS.samplesPerCore.toLocaleString('en-US')} /s`, op: '>=', target: GOALS.samplesPerCore },
      { key: 'ingestWall', name: 'ingest, samples/s (wall)', unit: ' /s', ours: o?.ingest.samplesPerSec, peer: peer?.ingest.samplesPerSec, goal: '' },
      { key: 'bytesPerSample', name: 'bytes per sample on disk', unit: ' B', ours: o?.disk.bytesPerSample, peer: peer?.disk.bytesPerSample, goal: `≤ ${GOALS.bytesPerSample} B`, op: '<=', target: GOALS.bytesPerSample },
      { key: 'hourMedian', name: `1 h × ${p.cpuSeries} series at 10 s, median`, unit: ' ms', ours: o?.queryHour.medianMs, peer: peer?.queryHour.medianMs, goal: `< ${GOALS.hourMs} ms`, op: '<=', target: GOALS.hourMs },
      { key: 'hourP95', name: `1 h × ${p.cpuSeries} series at 10 s, p95`, unit: ' ms', ours: o?.queryHour.p95Ms, peer: peer?.queryHour.p95Ms, goal: '' },
      { key: 'hourColumnsMedian', name: `1 h × ${p.cpuSeries} series at 10 s, binary columns, median`, unit: ' ms', ours: o?.queryHourColumns?.medianMs, peer: null, goal: '' },
      { key: 'hourOneMedian', name: `1 h, the ${p.cpuSeries} series averaged into 1, median`, unit: ' ms', ours: o?.queryHourOneSeries.medianMs, peer: peer?.queryHourOneSeries.medianMs, goal: '' },
      { key: 'weekMedian', name: `${p.weekDays} d × ${p.cpuSeries} series at ${p.weekStep}, median`, unit: ' ms', ours: o?.queryWeek.medianMs, peer: peer?.queryWeek.medianMs, goal: `< ${GOALS.weekMs} ms`, op: '<=', target: GOALS.weekMs },
      { key: 'weekSettledMedian', name: `${p.weekDays} d × ${p.cpuSeries} series, once the store is idle, median`, unit: ' ms', ours: o?.queryWeekSettled?.medianMs, peer: null, goal: '' },
      { key: 'weekP95', name: `${p.weekDays} d × ${p.cpuSeries} series at ${p.weekStep}, p95`, unit: ' ms', ours: o?.queryWeek.p95Ms, peer: peer?.queryWeek.p95Ms, goal: '' },
      { key: 'rssPerSeries', name: 'RSS growth per series', unit: ' B', ours: o?.rss.bytesPerSeries, peer: peer?.rss.bytesPerSeries, goal: `≤ ${GOALS.bytesPerSeries} B`, op: '<=', target: GOALS.bytesPerSeries },
      { key: 'rssPerSeriesIdle', name: 'RSS growth per series, once the broker is idle', unit: ' B', ours: o?.rss.idle?.bytesPerSeries, peer: null, goal: '' },
      { key: 'rssPerSeriesAfterGc', name: 'RSS growth per series, after full GCs', unit: ' B', ours: o?.rss.perSeriesAfterGc?.rss, peer: null, goal: '' },
    ].map((f) => ({ ...f, ratio: ratio(f.ours, f.peer) }));
    console.log('');
    printSideBySide(figures, ours.available ? 'Tributary' : 'Tributary (n/a)');
    if (o?.rss.perSeriesAsIs) {
      const line = (v) => Object.entries(v).map(([k, x]) => `${k} ${fmt(x)}`).join(', ');
      console.log(`  Tributary memory growth per series, as is: ${line(o.rss.perSeriesAsIs)} B`);
      console.log(`  Tributary memory growth per series, after full GCs: ${line(o.rss.perSeriesAfterGc)} B`);
      if (o.rss.heapSpacesAsIs) {
        const spaces = Object.entries(o.rss.heapSpacesAsIs).filter(([, v]) => Math.abs(v.physical) >= 50);
        console.log(`  V8 spaces, resident growth per series as is (used): ${spaces.map(([k, v]) => `${k} ${v.physical} (${v.used})`).join(', ')} B`);
      }
    }

    const checks = [];
    for (const f of figures) {
      if (peer) checks.push({ name: `metrics: ${f.name}, VictoriaMetrics`, value: f.peer, unit: f.unit.trim(), op: 'info' });
      if (!ours.available) continue;
      const value = f.ours ?? 'not measured';
      checks.push(f.op && typeof value === 'number' ? { name: `metrics: ${f.name}, Tributary`, value, unit: f.unit.trim(), op: f.op, target: f.target } : { name: `metrics: ${f.name}, Tributary`, value, unit: f.unit.trim(), op: 'info' });
      if (f.ratio !== null) checks.push({ name: `metrics: ${f.name}, ours/VM`, value: f.ratio, unit: '×', op: 'info' });
    }
    if (!ours.available) checks.push({ name: 'metrics: Tributary side', value: 'not available', unit: '', op: 'info' });

    return {
      metrics: {
        params: { hosts: p.hosts, hours: p.hours, weekDays: p.weekDays, weekIntervalS: p.weekInterval, weekStep: p.weekStep, queryRuns: p.runs, baseline: p.baseline },
        data: { day: p.day, week: p.week, cpuSeries: p.cpuSeries },
        victoriaMetrics: peer,
        tributary: ours,
        sideBySide: Object.fromEntries(figures.map((f) => [f.key, { ours: f.ours ?? null, victoriaMetrics: f.peer ?? null, oursOverVm: f.ratio, goal: f.goal || null }])),
      },
      checks,
      summary: peer
        ? `VictoriaMetrics ${fmt(peer.ingest.samplesPerCpuSecond)} samples/CPU-s, ${peer.disk.bytesPerSample} B/sample, 1 h ${peer.queryHour.medianMs} ms, ${p.weekDays} d ${peer.queryWeek.medianMs} ms, ${fmt(peer.rss.bytesPerSeries)} B/series; ` +
          (ours.available
            ? `Tributary ${fmt(o.ingest.samplesPerStoreCpuSecond)} samples/CPU-s, ${o.disk.bytesPerSample} B/sample, 1 h ${o.queryHour.medianMs} ms, ${p.weekDays} d ${o.queryWeek.medianMs} ms, ${fmt(o.rss.bytesPerSeries)} B/series`
            : `Tributary: ${ours.reason}`)
        : `VictoriaMetrics skipped; Tributary: ${ours.available ? 'measured' : ours.reason}`,
    };
  },
};
