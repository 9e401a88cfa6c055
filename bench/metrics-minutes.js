// What reading the 1m tier from raw parts costs against reading stored 1m parts, in one process on the same data:
// `node --expose-gc bench/metrics-minutes.js DIR` where DIR is a store bench/metrics-bytes.js kept (its second
// argument). A copy of the store gets the 1m parts an older build wrote beside raw (every hour's rows, rolled up from
// its raw part); then the same 1m-tier queries (1,000 cpu series, step 5m, over every sealed hour) run on both
// stores, interleaved run by run (MINUTES_RUNS, default 7), timed in CPU ms. The answers are compared value by value.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../dist/src/common/logger.js';
import { METRICS_DEFAULTS } from '../dist/src/metrics/config.js';
import { parseMetricsQuery, runMetricsColumns } from '../dist/src/metrics/query/index.js';
import { MetricsStore } from '../dist/src/metrics/store/index.js';
import { decodePointsBlock, encodeRollupBlock } from '../dist/src/metrics/store/blocks.js';
import { PartReader, writePart } from '../dist/src/metrics/store/part-file.js';
import { rollupPoints } from '../dist/src/metrics/store/rollup.js';
import { LogManager } from '../dist/src/storage/index.js';

const RUNS = Number(process.env.MINUTES_RUNS ?? 7);
const src = process.argv[2];
if (!src) throw new Error('usage: node bench/metrics-minutes.js DIR (a store kept by bench/metrics-bytes.js)');
const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-minutes-'));
try {
  fs.cpSync(src, copy, { recursive: true });
  const open = async (dir) => {
    const logs = await LogManager.open({ dataDir: dir, logger: silentLogger, searchIndex: false, retentionCheckIntervalMs: 3_600_000 });
    const store = await MetricsStore.open({ dir: path.join(dir, '__metrics'), logs, config: { ...METRICS_DEFAULTS, latenessMs: 60_000 }, logger: silentLogger });
    await store.caughtUp(3_600_000);
    return { logs, store };
  };
  // The older layout: a 1m part beside every raw part (the value before each hour from the hour before, as sealing had it).
  const m = path.join(copy, '__metrics');
  // Laid out as the store lays its parts out (by measurement, field, tags: a query's series in consecutive frames).
  const a = await open(src);
  const order = (id) => a.store.registry.layoutKey(id);
  const hours = fs.readdirSync(path.join(m, 'raw')).map((f) => Number(f.slice(0, -5))).sort((a, b) => a - b);
  const last = new Map();
  let bytes1m = 0;
  for (const h of hours) {
    const r = PartReader.open(path.join(m, 'raw', `${h}.part`));
    const entries = [];
    for (let i = 0; i < r.ids.length; i++) {
      const p = decodePointsBlock(r.block(i));
      const rows = rollupPoints(p, 60_000, last.get(r.ids[i]) ?? NaN);
      last.set(r.ids[i], p.values[p.values.length - 1]);
      entries.push({ id: r.ids[i], block: encodeRollupBlock(rows), minTs: rows.timestamps[0], maxTs: rows.timestamps[rows.timestamps.length - 1] });
    }
    r.close();
    bytes1m += await writePart(path.join(m, '1m', `${h}.part`), entries, order);
  }
  const b = await open(copy);
  const from = hours[0];
  const to = hours[hours.length - 1] + 3_600_000;
  const q = { measurement: 'cpu', field: 'usage_user', agg: 'avg', by: 'host,cpu', step: '5m', from: String(from), to: String(to) };
  const qi = { ...q, field: 'usage_idle', agg: 'increase' };
  console.log(`${hours.length} sealed hours; stored 1m parts would take ${bytes1m.toLocaleString()} B`);
  for (const [label, input] of [['avg of usage_user', q], ['increase of usage_idle', qi]]) {
    const cpu = { raw: [], stored: [] };
    let answers;
    for (let i = 0; i <= RUNS; i++) {
      answers = {};
      for (const [arm, s] of [['raw', a.store], ['stored', b.store]]) {
        globalThis.gc?.();
        const c = process.cpuUsage();
        answers[arm] = runMetricsColumns(s, parseMetricsQuery(input, to));
        const u = process.cpuUsage(c);
        if (i > 0) cpu[arm].push((u.user + u.system) / 1000); // the first run warms up
      }
    }
    let diff = 0;
    answers.raw.series.forEach((s, k) => s.values.forEach((v, j) => {
      const w = answers.stored.series[k].values[j];
      if (!(Object.is(v, w) || Math.abs(v - w) <= 1e-9 * Math.max(1, Math.abs(w)))) diff++;
    }));
    const med = (x) => x.sort((p, r) => p - r)[Math.floor(x.length / 2)].toFixed(1);
    console.log(`  ${label}, ${hours.length} h x ${answers.raw.series.length} series at 5 m: 1m from raw parts ${med(cpu.raw)} ms CPU, from stored 1m parts ${med(cpu.stored)} ms CPU (medians of ${RUNS}); ${answers.raw.stats.pointsRead.toLocaleString()} rows; values differing: ${diff}`);
  }
  for (const x of [a, b]) {
    await x.store.close();
    await x.logs.close();
  }
} finally {
  fs.rmSync(copy, { recursive: true, force: true });
}
