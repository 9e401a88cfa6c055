// The 1m tier is not stored while an hour's raw part is: its rows are rolled up from the raw points when read, and
// written as a 1m part only when raw retention removes the raw part. Checked against rollups computed here from the
// written points (counter resets, gaps, increases across hour boundaries), in every state: sealed, after a restart
// (nothing remembered: the value before an hour comes from the raw part before it), after raw aged out (1m parts
// written from raw), and for a store an older build wrote (1m parts beside raw parts, kept in step by late points).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsStore } from '../../../src/metrics/store/index.js';
import { encodeRollupBlock } from '../../../src/metrics/store/blocks.js';
import { writePart } from '../../../src/metrics/store/part-writer.js';
import type { RollupRows } from '../../../src/metrics/types.js';
import { parseMetricsQuery, runMetricsQuery } from '../../../src/metrics/query/index.js';
import { append, HOUR, openLogs, openStore, tempDir } from './helpers.js';
import { rng } from '../../helpers/seeded-random.js';

const MINUTE = 60_000;
const ns = (t: number) => `${t}000000`;

/** Reference 1m rows of sorted points: min, max, sum, count, last; increase from each point's predecessor (a drop is a reset). */
function minutesOf(points: [number, number][]): Record<keyof RollupRows, number[]> {
  const out: Record<keyof RollupRows, number[]> = { timestamps: [], min: [], max: [], sum: [], count: [], last: [], increase: [] };
  let prev: number | undefined;
  for (const [t, v] of points) {
    const s = Math.floor(t / MINUTE) * MINUTE;
    const r = out.timestamps.length - 1;
    const inc = prev === undefined ? 0 : v >= prev ? v - prev : v;
    if (r < 0 || out.timestamps[r] !== s) {
      out.timestamps.push(s);
      out.min.push(v);
      out.max.push(v);
      out.sum.push(v);
      out.count.push(1);
      out.last.push(v);
      out.increase.push(inc);
    } else {
      out.min[r] = Math.min(out.min[r]!, v);
      out.max[r] = Math.max(out.max[r]!, v);
      out.sum[r]! += v;
      out.count[r]!++;
      out.last[r] = v;
      out.increase[r]! += inc;
    }
    prev = v;
  }
  return out;
}

function expectRows(got: RollupRows, want: Record<keyof RollupRows, number[]>, what: string): void {
  expect([...got.timestamps], `${what}: minutes`).toEqual(want.timestamps);
  for (const c of ['min', 'max', 'count', 'last'] as const) expect([...got[c]], `${what}: ${c}`).toEqual(want[c]);
  for (const c of ['sum', 'increase'] as const) got[c].forEach((v, i) => expect(v, `${what}: ${c} of minute ${i}`).toBeCloseTo(want[c][i]!, 6));
}

const parts = (storeDir: string, tier: string) => (fs.existsSync(path.join(storeDir, tier)) ? fs.readdirSync(path.join(storeDir, tier)).filter((f) => f.endsWith('.part')).map((f) => Number(f.slice(0, -5))).sort((a, b) => a - b) : []);

/** Four sealed hours (2 to 5 hours back) of a counter (resets now and then) and a gauge per host, every ~10 s with gaps. */
function write(logs: Awaited<ReturnType<typeof openLogs>>, first: number): Map<string, [number, number][]> {
  const r = rng(11);
  const written = new Map<string, [number, number][]>();
  const lines: string[] = [];
  for (const host of ['a', 'b', 'c']) {
    const counter: [number, number][] = [];
    const gauge: [number, number][] = [];
    let c = 0;
    for (let t = first + Math.floor(r() * 10_000); t < first + 4 * HOUR; t += 5_000 + Math.floor(r() * 10_000)) {
      if (r() < 0.01) t += 20 * MINUTE; // a gap, sometimes across an hour boundary
      if (t >= first + 4 * HOUR) break;
      // host c has no point in the second hour: its value before the third hour is two hours back
      if (host === 'c' && t >= first + HOUR && t < first + 2 * HOUR) continue;
      c = r() < 0.01 ? Math.floor(r() * 10) : c + Math.floor(r() * 100);
      const g = Math.round(r() * 1000) / 10;
      counter.push([t, c]);
      gauge.push([t, g]);
      lines.push(`net,host=${host} bytes=${c}i,load=${g} ${ns(t)}`);
    }
    written.set(`bytes ${host}`, counter);
    written.set(`load ${host}`, gauge);
  }
  for (let i = 0; i < lines.length; i += 500) append(logs, 'metrics', lines.slice(i, i + 500), { header: true });
  return written;
}

function check(store: MetricsStore, written: Map<string, [number, number][]>, from: number, to: number, state: string, queries = true): void {
  for (const [key, points] of written) {
    const [field, host] = key.split(' ') as [string, string];
    const id = store.select('net', field, [{ key: 'host', op: '=', value: host }])[0]!.id;
    const want = minutesOf(points);
    const keep = want.timestamps.map((t) => t >= from && t < to);
    const sliced = Object.fromEntries(Object.entries(want).map(([c, v]) => [c, v.filter((_, i) => keep[i])])) as Record<keyof RollupRows, number[]>;
    expectRows(store.readRollups(id, '1m', from, to), sliced, `${state}, ${key}`);
    // The batch read and its streamed form (what queries use) agree with the one-series read.
    const many = store.readRollupsMany([id], '1m', from, to)[0]!;
    expect([...many.sum]).toEqual([...store.readRollups(id, '1m', from, to).sum]);
  }
  // A query over the 1m tier answers what the raw points answer, while they are kept (and where each series has a
  // point within the hour before `from`: a raw query looks back that far for the predecessor of increase).
  if (!queries) return;
  for (const agg of ['sum', 'count', 'max', 'increase'] as const) {
    const field = agg === 'increase' ? 'bytes' : 'load';
    const q = parseMetricsQuery({ measurement: 'net', field, agg, by: 'host', step: '5m', from: String(from), to: String(to) }, to);
    const raw = runMetricsQuery(store, q, { tier: 'raw' });
    const rolled = runMetricsQuery(store, q, { tier: '1m' });
    expect(rolled.timestamps).toEqual(raw.timestamps);
    rolled.series.forEach((s, i) =>
      s.values.forEach((v, j) => {
        const w = raw.series[i]!.values[j]!;
        if (w === null) expect(v, `${state}: ${agg} ${s.tags.host} bucket ${j}`).toBeNull();
        else expect(v, `${state}: ${agg} ${s.tags.host} bucket ${j}`).toBeCloseTo(w, 6);
      }),
    );
  }
}

describe('1m rollups derived from raw', () => {
  it('equal the written points rolled up: sealed, after a restart, and once raw ages out into 1m parts', async () => {
    const dir = tempDir();
    const storeDir = path.join(dir, '__metrics');
    const logs = await openLogs(dir);
    const now = Math.floor(Date.now() / HOUR) * HOUR;
    const first = now - 5 * HOUR;
    const written = write(logs, first);
    let store = await openStore(storeDir, logs, { latenessMs: 0 });
    await store.caughtUp();
    await store.seal();
    expect(parts(storeDir, 'raw')).toEqual([first, first + HOUR, first + 2 * HOUR, first + 3 * HOUR]);
    expect(parts(storeDir, '1m')).toEqual([]);
    expect(store.stats().bytesOnDisk['1m']).toBe(0);
    check(store, written, first, first + 4 * HOUR, 'sealed');
    // A range starting inside an hour: the value before it still comes from the points before.
    check(store, written, first + 2 * HOUR + 17 * MINUTE, first + 4 * HOUR, 'sealed, from mid-hour');
    expect(store.tierSpans().find((s) => s.tier === '1m')!.oldestMs).toBe(Math.floor(written.get('bytes a')![0]![0] / MINUTE) * MINUTE);
    await store.close();

    store = await openStore(storeDir, logs, { latenessMs: 0 });
    await store.caughtUp();
    expect(store.stats().pointsApplied).toBe(0);
    check(store, written, first, first + 4 * HOUR, 'after a restart');
    check(store, written, first + 2 * HOUR, first + 3 * HOUR, 'after a restart, one hour (host c: no point in the hour before)', false);
    await store.close();

    // Raw kept 3 hours: the first two hours age out, their 1m parts written from their raw parts first.
    store = await openStore(storeDir, logs, { latenessMs: 0, rawRetentionMs: 3 * HOUR });
    await store.caughtUp();
    await store.seal();
    expect(parts(storeDir, 'raw')).toEqual([first + 2 * HOUR, first + 3 * HOUR]);
    expect(parts(storeDir, '1m')).toEqual([first, first + HOUR]);
    expect(store.stats().bytesOnDisk['1m']).toBeGreaterThan(0);
    expect(store.readRaw(store.select('net', 'load', [])[0]!.id, 0, first + 2 * HOUR).timestamps.length).toBe(0);
    check(store, written, first, first + 4 * HOUR, 'raw aged out', false);
    await store.close();
    store = await openStore(storeDir, logs, { latenessMs: 0, rawRetentionMs: 3 * HOUR });
    await store.caughtUp();
    check(store, written, first, first + 4 * HOUR, 'raw aged out, after a restart', false);
  });

  it('reads a store an older build wrote (1m parts beside raw) and keeps its 1m parts in step with late points', async () => {
    const dir = tempDir();
    const storeDir = path.join(dir, '__metrics');
    const logs = await openLogs(dir);
    const now = Math.floor(Date.now() / HOUR) * HOUR;
    const first = now - 5 * HOUR;
    const written = write(logs, first);
    let store = await openStore(storeDir, logs, { latenessMs: 0 });
    await store.caughtUp();
    await store.seal();
    // What part format 3 wrote beside each raw part: the hour's 1m rows of every series, from the written points.
    const ids = new Map<string, number>();
    for (const key of written.keys()) {
      const [field, host] = key.split(' ') as [string, string];
      ids.set(key, store.select('net', field, [{ key: 'host', op: '=', value: host }])[0]!.id);
    }
    await store.close();
    for (let h = first; h < first + 4 * HOUR; h += HOUR) {
      const entries = [];
      for (const [key, points] of written) {
        const all = minutesOf(points);
        const keep = all.timestamps.map((t) => t >= h && t < h + HOUR);
        const rows = Object.fromEntries(Object.entries(all).map(([c, v]) => [c, Float64Array.from(v.filter((_, i) => keep[i]))])) as unknown as RollupRows;
        const n = rows.timestamps.length;
        if (n) entries.push({ id: ids.get(key)!, block: encodeRollupBlock(rows), minTs: rows.timestamps[0]!, maxTs: rows.timestamps[n - 1]! });
      }
      await writePart(path.join(storeDir, '1m', `${h}.part`), entries);
    }
    store = await openStore(storeDir, logs, { latenessMs: 0 });
    await store.caughtUp();
    expect(parts(storeDir, '1m')).toHaveLength(4);
    check(store, written, first, first + 4 * HOUR, 'older store');
    // A late point for the third hour: its 1m part is rewritten with it (a stale part would hide it).
    const late = first + 2 * HOUR + 30 * MINUTE + 1;
    append(logs, 'metrics', [`net,host=a load=12345 ${ns(late)}`], { header: true });
    const gauge = written.get('load a')!;
    gauge.push([late, 12345]);
    gauge.sort((x, y) => x[0] - y[0]);
    await store.caughtUp();
    await store.seal();
    expect(store.stats().latePoints).toBe(1);
    const id = ids.get('load a')!;
    expect(store.readRollups(id, '1m', late - (late % MINUTE), late - (late % MINUTE) + MINUTE).max[0]).toBe(12345);
    await store.close();
    store = await openStore(storeDir, logs, { latenessMs: 0, rawRetentionMs: 3 * HOUR });
    await store.caughtUp();
    await store.seal();
    // The aged-out hours kept their 1m parts (not written again); every read still equals the points.
    expect(parts(storeDir, 'raw')).toEqual([first + 2 * HOUR, first + 3 * HOUR]);
    expect(parts(storeDir, '1m')).toHaveLength(4);
    check(store, written, first, first + 4 * HOUR, 'older store, raw aged out', false);
  });
});
