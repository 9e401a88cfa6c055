// In-process A/B of the 1 h x 1,000 series query between builds (for a busy machine: CPU time, runs interleaved):
// `npx tsc -p tsconfig.json && node --expose-gc bench/metrics-query-ab.js [OTHER_CHECKOUT…]`, each checkout built
// (its dist/). The scenario's 2-hour host day (bench/metrics-data.js, 100 hosts at 10 s) is written into one log per
// build, a MetricsStore of that build reads it (default lateness, then two seal passes), and the query the harness asks
// over HTTP (avg by host,cpu, step 10s, the last hour) runs build after build, run after run: CPU ms of
// runMetricsColumns and of answerJson (median, min), and the answers' values are checked equal across builds.
// RUNS (15), HOURS (2), AGG (avg), BY (host,cpu; empty: one series), LATE (lateness ms, 600000); COLD=1 drops every
// inflated frame before each run (the part readers' frame cache, src/metrics/store/frame-cache.ts, and the two frames
// older builds kept per reader: what the first query after a seal pass pays); QPROF=1 writes a CPU profile of this
// checkout's runs. Which hours are read depends on the minute: the last hour is the open hour plus the sealed one
// before it from 10 minutes past the hour (the default lateness), before that both are in memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { writeMetrics } = await import(`${REPO}/bench/metrics-data.js`);
const builds = [...process.argv.slice(2).map((p) => path.resolve(p)), REPO];
const RUNS = Number(process.env.RUNS ?? 15);
const HOURS = Number(process.env.HOURS ?? 2);
const LATE = Number(process.env.LATE ?? 600_000);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-qab-'));
const endMs = Date.now();
const day = writeMetrics(path.join(root, 'day.lp'), { shape: 'host', hosts: 100, hours: HOURS, intervalS: 10, endMs, seed: 9 });
const mods = [];
for (const b of builds) {
  const m = async (p) => import(`${b}/dist/src/${p}`);
  mods.push({ b, ...(await m('storage/index.js')), ...(await m('metrics/store/index.js')), ...(await m('metrics/query/index.js')), ...(await m('metrics/config.js')), ...(await m('common/logger.js')), ...(await m('protocol/record-batch-builder.js')), ...(await m('protocol/record-batch.js')) });
}
const text = fs.readFileSync(path.join(root, 'day.lp'), 'utf8');
const arms = [];
for (const [i, M] of mods.entries()) {
  const dir = path.join(root, `d${i}`);
  const logs = await M.LogManager.open({ dataDir: dir, logger: M.silentLogger, searchIndex: false, retentionCheckIntervalMs: 3_600_000 });
  logs.createTopic('metrics', 1, { 'retention.ms': '-1', 'segment.bytes': String(1024 * 1024 * 1024) });
  const log = logs.partition('metrics', 0);
  let records = [];
  const now = Date.now();
  for (let s = 0; s < text.length; ) {
    let e = text.indexOf('\n', s);
    if (e < 0) e = text.length;
    if (e > s) records.push({ value: text.slice(s, e), headers: [['format', 'influx']], timestamp: now });
    if (records.length >= 600) { const b = M.buildRecordBatch(records); log.append(b, M.readBatchHeader(b)); records = []; }
    s = e + 1;
  }
  if (records.length) { const b = M.buildRecordBatch(records); log.append(b, M.readBatchHeader(b)); }
  const store = await M.MetricsStore.open({ dir: path.join(dir, '__metrics'), logs, config: { ...M.METRICS_DEFAULTS, latenessMs: LATE }, logger: M.silentLogger });
  await store.caughtUp(3_600_000);
  await store.seal();
  await new Promise((r) => setTimeout(r, 100));
  await store.seal();
  console.log(`${M.b}: ${(store.stats().memoryBytes / 1e6).toFixed(1)} MB of points in memory (the open hour)`);
  arms.push({ M, store, logs });
}
globalThis.gc?.();
const q = { measurement: 'cpu', field: 'usage_user', agg: process.env.AGG ?? 'avg', by: process.env.BY ?? 'host,cpu', step: '10s', from: String(day.toMs - 3_600_000), to: String(day.toMs) };
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const { Session } = await import('node:inspector/promises');
let sess = null;
if (process.env.QPROF) { sess = new Session(); sess.connect(); await sess.post('Profiler.enable'); await sess.post('Profiler.setSamplingInterval', { interval: 100 }); }
const res = arms.map(() => ({ q: [], j: [], bytes: 0 }));
let same = null;
for (let i = -2; i < RUNS; i++) {
  for (const [k, a] of arms.entries()) {
    if (sess && i === 0 && k === arms.length - 1) await sess.post('Profiler.start');
    if (process.env.COLD) {
      const parts = a.store.tiers.cache;
      parts.frames?.clear();
      for (const r of parts.open.values()) r.inflated?.clear();
    }
    const c0 = cpu();
    const ans = a.M.runMetricsColumns(a.store, a.M.parseMetricsQuery(q));
    const c1 = cpu();
    const buf = a.M.answerJson(ans);
    const c2 = cpu();
    if (i >= 0) { res[k].q.push(c1 - c0); res[k].j.push(c2 - c1); res[k].bytes = buf.length; }
    if (i === -1) { const o = JSON.parse(buf.toString()); const h = JSON.stringify([o.timestamps, o.series]); if (same === null) console.log("stats", JSON.stringify(o.stats)); if (same === null) same = h; else console.log(`answer ${a.M === arms[0].M ? '' : 'equal to the first build'}: ${same === h}`); }
  }
}
if (sess) { const { profile } = await sess.post('Profiler.stop'); const f = path.join(os.tmpdir(), 'metrics-query-ab.cpuprofile'); fs.writeFileSync(f, JSON.stringify(profile)); console.log(`profile: ${f} (node bench/profile-summary.js ${f})`); }
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [k, a] of arms.entries()) console.log(`${a.M.b}: query ${med(res[k].q).toFixed(1)} ms CPU (min ${Math.min(...res[k].q).toFixed(1)}), answerJson ${med(res[k].j).toFixed(1)} (min ${Math.min(...res[k].j).toFixed(1)}), ${res[k].bytes} B`);
for (const a of arms) { await a.store.close(); await a.logs.close(); }
fs.rmSync(root, { recursive: true, force: true });
