// Bytes per sample, honestly counted: every tier on disk divided by the raw samples on disk (counted from the raw
// parts themselves), after every hour is sealed. Writes BYTES_HOURS (3) hours of the scenario's host metrics (100
// hosts at 10 s, bench/metrics-data.js, ending just before the current hour) into a real log, lets a store seal them
// all (lateness 1 min, three seal passes so late points are merged too), and prints each tier's bytes and the 1m
// columns' share. `node bench/metrics-bytes.js [REPO] [DIR]`: REPO (default: this checkout) is the build measured,
// so two builds can be compared on the same data in the same clock hour (the data depends on the hour); DIR keeps
// the store (reused when it holds one).
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path'; import zlib from 'node:zlib';
const repo = process.argv[2] ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { silentLogger } = await import(`${repo}/dist/src/common/logger.js`);
const { METRICS_DEFAULTS } = await import(`${repo}/dist/src/metrics/config.js`);
const { MetricsStore } = await import(`${repo}/dist/src/metrics/store/index.js`);
const { buildRecordBatch } = await import(`${repo}/dist/src/protocol/record-batch-builder.js`);
const { readBatchHeader } = await import(`${repo}/dist/src/protocol/record-batch.js`);
const { LogManager } = await import(`${repo}/dist/src/storage/index.js`);
const { writeMetrics } = await import(`${repo}/bench/metrics-data.js`);
const { PartReader } = await import(`${repo}/dist/src/metrics/store/part-file.js`);
const { decodeRollupBlock, decodePointsBlock } = await import(`${repo}/dist/src/metrics/store/blocks.js`);
const HOURS = Number(process.env.BYTES_HOURS ?? 3);
const dir = process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bytes-'));
fs.mkdirSync(dir, { recursive: true });
if (!fs.existsSync(path.join(dir, '__metrics'))) {
  const endMs = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 1; // ends at an hour: every hour sealable
  const day = writeMetrics(path.join(dir, 'day.lp'), { shape: 'host', hosts: 100, hours: HOURS, intervalS: 10, endMs, seed: 9 });
  fs.writeFileSync(path.join(dir, 'day.json'), JSON.stringify(day));
  const logs = await LogManager.open({ dataDir: dir, logger: silentLogger, searchIndex: false, retentionCheckIntervalMs: 3_600_000 });
  logs.createTopic('metrics', 1, { 'retention.ms': '-1', 'segment.bytes': String(1 << 30) });
  const log = logs.partition('metrics', 0);
  const text = fs.readFileSync(path.join(dir, 'day.lp'), 'utf8').split('\n');
  for (let i = 0; i < text.length; i += 600) {
    const recs = text.slice(i, i + 600).filter(Boolean).map((value) => ({ value, headers: [['format', 'influx']], timestamp: Date.now() }));
    if (recs.length) { const b = buildRecordBatch(recs); log.append(b, readBatchHeader(b)); }
  }
  const store = await MetricsStore.open({ dir: path.join(dir, '__metrics'), logs, config: { ...METRICS_DEFAULTS, latenessMs: 60_000 }, logger: silentLogger });
  await store.caughtUp(3_600_000); await store.seal(); await store.seal(); await store.seal(); await store.close(); await logs.close();
  fs.rmSync(path.join(dir, 'day.lp'));
}
const day = JSON.parse(fs.readFileSync(path.join(dir, 'day.json'), 'utf8'));
const m = path.join(dir, '__metrics');
let total = 0; const by = {};
for (const t of ['raw', '1m', '1h']) { by[t] = 0; for (const f of fs.readdirSync(path.join(m, t))) by[t] += fs.statSync(path.join(m, t, f)).size; total += by[t]; }
// samples on disk: the raw points in the raw parts
let samples = 0;
for (const f of fs.readdirSync(path.join(m, 'raw'))) { const r = PartReader.open(path.join(m, 'raw', f)); for (let i = 0; i < r.ids.length; i++) samples += decodePointsBlock(r.block(i)).timestamps.length; r.close(); }
console.log(`dir ${dir}; samples generated ${day.samples}, on disk ${samples}`);
for (const t of ['raw', '1m', '1h']) console.log(`  ${t}: ${by[t]} B = ${(by[t] / samples).toFixed(3)} B/sample`);
console.log(`  all tiers: ${(total / samples).toFixed(3)} B/sample`);
// 1m column study
const cols = ['timestamps', 'min', 'max', 'sum', 'count', 'last', 'increase'];
let idxBytes = 0;
const { ByteWriter } = await import(`${repo}/dist/src/metrics/store/bytes.js`);
const { TimeEncoder, ValueEncoder } = await import(`${repo}/dist/src/metrics/store/point-codec.js`);
const per = Object.fromEntries(cols.map((c) => [c, new ByteWriter(1 << 20)]));
const all = [];
for (const f of fs.readdirSync(path.join(m, '1m'))) {
  const r = PartReader.open(path.join(m, '1m', f));
  const order = [...r.ids.keys()].sort((a, b) => r.frameOf(a) - r.frameOf(b) || a - b);
  for (const i of order) {
    const rows = decodeRollupBlock(r.block(i)); all.push(rows);
    for (const c of cols) { const w = per[c]; if (c === 'timestamps') { const te = new TimeEncoder(); for (const v of rows[c]) te.write(w, v); } else { const ve = new ValueEncoder(); for (const v of rows[c]) ve.write(w, v); } }
  }
  r.close();
}
const defl = (b) => { let n = 0; for (let i = 0; i < b.length; i += 65536) n += zlib.deflateRawSync(b.subarray(i, i + 65536), { level: 6, memLevel: 9 }).length; return n; };
// Each 1m column alone, encoded as the blocks encode it (without the derived increase) and deflated: where the bytes are.
for (const c of cols) console.log(`  1m ${c}: raw ${per[c].len} B, deflated (separately) ${defl(per[c].view())} B`);
console.log(`  1m blocks: ${all.length}`);
if (!process.argv[3]) fs.rmSync(dir, { recursive: true, force: true });
