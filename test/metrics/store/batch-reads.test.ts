// The batch reads a query uses (readRawMany, readRollupsMany) answer, series by series, what the points written
// say: checked against a reference computed here from the written points (last write of a ms wins; rollups as
// min/max/sum/count/last per interval; increase counter-aware from each point's predecessor), and against the
// one-series reads, on random data: points out of order and written twice in the open hours, counter resets, series
// missing from some hours, late points for sealed hours. In three states: late points waiting in memory, all sealed,
// and after a restart.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsStore } from '../../../src/metrics/store/index.js';
import type { RollupRows } from '../../../src/metrics/types.js';
import { parseMetricsQuery, runMetricsQuery } from '../../../src/metrics/query/index.js';
import { append, HOUR, openLogs, openStore, tempDir } from './helpers.js';
import { rng } from '../../helpers/seeded-random.js';

const MINUTE = 60_000;

/** What was written, per host: ms → value, the last write of a ms kept. */
type Written = Map<string, Map<number, number>>;

function sorted(points: Map<number, number>): [number, number][] {
  return [...points].sort((a, b) => a[0] - b[0]);
}

function expectedRaw(points: Map<number, number>, from: number, to: number): { t: number[]; v: number[] } {
  const p = sorted(points).filter(([t]) => t >= from && t < to);
  return { t: p.map((x) => x[0]), v: p.map((x) => x[1]) };
}

function expectedRollups(points: Map<number, number>, interval: number, from: number, to: number): Record<keyof RollupRows, number[]> {
  const out: Record<keyof RollupRows, number[]> = { timestamps: [], min: [], max: [], sum: [], count: [], last: [], increase: [] };
  let prev: number | undefined;
  for (const [t, v] of sorted(points)) {
    const start = Math.floor(t / interval) * interval;
    const inc = prev === undefined ? 0 : v >= prev ? v - prev : v;
    prev = v;
    if (start < from || start >= to) continue;
    const n = out.timestamps.length - 1;
    if (n < 0 || out.timestamps[n] !== start) {
      out.timestamps.push(start);
      out.min.push(v);
      out.max.push(v);
      out.sum.push(v);
      out.count.push(1);
      out.last.push(v);
      out.increase.push(inc);
    } else {
      out.min[n] = Math.min(out.min[n]!, v);
      out.max[n] = Math.max(out.max[n]!, v);
      out.sum[n]! += v;
      out.count[n]!++;
      out.last[n] = v;
      out.increase[n]! += inc;
    }
  }
  return out;
}

const plain = (r: RollupRows) => Object.fromEntries(Object.entries(r).map(([k, a]) => [k, [...(a as Float64Array)]]));

/** Every read of every series, batch and one by one, equals the reference, over a few ranges. */
/**
 * Queries answer the same through the streamed reads (eachRaw, eachRollup) as through the gathered ones (the same
 * store without them; the aggregations over gathered reads are checked by hand in test/metrics/query).
 */
function checkStreamedQueries(store: MetricsStore, from: number, to: number): void {
  const gathered = Object.create(store, { eachRaw: { value: undefined }, eachRollup: { value: undefined } }) as MetricsStore;
  for (const step of ['10s', '1m', '1h']) {
    for (const agg of ['avg', 'min', 'max', 'sum', 'count', 'p90']) {
      for (const by of ['', 'host']) {
        const q = parseMetricsQuery({ measurement: 'm', field: 'v', agg, by, step, from: String(from), to: String(to) }, to);
        const a = runMetricsQuery(store, q);
        const b = runMetricsQuery(gathered, q);
        expect({ ...a, stats: { ...a.stats, elapsedMs: 0 } }, `${agg} by ${by || 'nothing'} at ${step}`).toEqual({ ...b, stats: { ...b.stats, elapsedMs: 0 } });
      }
    }
  }
}

function check(store: MetricsStore, written: Written, base: number, end: number, r: () => number): void {
  checkStreamedQueries(store, base - HOUR, end + HOUR);
  const sel = store.select('m', 'v', []);
  expect(sel).toHaveLength(written.size);
  // A shuffled order: answers follow the ids asked, whatever order the parts hold them in.
  const ids = sel.map((s) => s.id).sort(() => r() - 0.5);
  const hostOf = new Map(sel.map((s) => [s.id, s.tags.host!]));
  const ranges: [number, number][] = [
    [base - HOUR, end + HOUR],
    [base + HOUR + 7 * MINUTE, end - 13 * MINUTE],
    [base + 2 * HOUR, base + 3 * HOUR],
  ];
  for (const [from, to] of ranges) {
    const raw = store.readRawMany(ids, from, to);
    ids.forEach((id, k) => {
      const want = expectedRaw(written.get(hostOf.get(id)!)!, from, to);
      expect({ t: [...raw[k]!.timestamps], v: [...raw[k]!.values] }, `raw of ${hostOf.get(id)} in [${from - base}, ${to - base})`).toEqual(want);
      const one = store.readRaw(id, from, to);
      expect([...one.values]).toEqual(want.v);
    });
    // eachRaw: the same points in pieces (scratch arrays: copied during the call), none outside [from, to).
    const pieces = ids.map(() => ({ t: [] as number[], v: [] as number[] }));
    store.eachRaw(ids, from, to, (k, ts, vs, lo, hi) => {
      expect(hi).toBeGreaterThan(lo);
      for (let i = lo; i < hi; i++) pieces[k]!.t.push(ts[i]!), pieces[k]!.v.push(vs[i]!);
    });
    ids.forEach((id, k) => expect(pieces[k], `eachRaw of ${hostOf.get(id)} in [${from - base}, ${to - base})`).toEqual(expectedRaw(written.get(hostOf.get(id)!)!, from, to)));
    for (const tier of ['1m', '1h'] as const) {
      const iv = tier === '1m' ? MINUTE : HOUR;
      const f = Math.floor(from / iv) * iv;
      const rows = store.readRollupsMany(ids, tier, f, to);
      ids.forEach((id, k) => {
        const want = expectedRollups(written.get(hostOf.get(id)!)!, iv, f, to);
        expect(plain(rows[k]!), `${tier} rows of ${hostOf.get(id)} from ${f - base}`).toEqual(want);
        expect(plain(store.readRollups(id, tier, f, to))).toEqual(want);
      });
      // eachRollup: the same rows in pieces (scratch: copied during the call; pieces in any order, so sorted here).
      const got = ids.map(() => [] as number[][]);
      store.eachRollup(ids, tier, f, to, (k, r, lo, hi) => {
        expect(hi).toBeGreaterThan(lo);
        for (let i = lo; i < hi; i++) got[k]!.push([r.timestamps[i]!, r.min[i]!, r.max[i]!, r.sum[i]!, r.count[i]!, r.last[i]!, r.increase[i]!]);
      });
      ids.forEach((id, k) => {
        const want = expectedRollups(written.get(hostOf.get(id)!)!, iv, f, to);
        const rows = got[k]!.sort((a, b) => a[0]! - b[0]!);
        const cols = ['timestamps', 'min', 'max', 'sum', 'count', 'last', 'increase'] as const;
        expect(Object.fromEntries(cols.map((c, j) => [c, rows.map((x) => x[j])])), `eachRollup ${tier} of ${hostOf.get(id)} from ${f - base}`).toEqual(want);
      });
    }
  }
}

describe('batch reads', () => {
  // Lateness 2 h: the two hours before the current one are open while older ones are sealed (the step into an open
  // hour comes from the open hour before it, not from the newest sealed one).
  it.each([
    ['10 min', 10 * MINUTE],
    ['2 h', 2 * HOUR],
  ])('answer each series as its written points say, before and after sealing and after a restart (lateness %s)', async (_, latenessMs) => {
    const r = rng(20261203 + latenessMs);
    const dir = tempDir();
    const storeDir = path.join(dir, '__metrics');
    const logs = await openLogs(dir);
    let store = await openStore(storeDir, logs, { latenessMs });
    const now = Date.now();
    const base = Math.floor(now / HOUR) * HOUR - 4 * HOUR;
    const written: Written = new Map();
    const lines: string[] = [];
    const write = (host: string, t: number, v: number) => {
      lines.push(`m,host=${host} v=${v}i ${t}000000`);
      let p = written.get(host);
      if (!p) written.set(host, (p = new Map()));
      p.set(t, v);
    };
    // 12 series over the last 4 hours and the current one, integer values (sums exact in any order); counters that
    // reset now and then; some series skip whole hours.
    for (let s = 0; s < 12; s++) {
      const host = `h${String(s).padStart(2, '0')}`;
      let c = Math.floor(r() * 1000);
      const skip = Math.floor(r() * 6);
      for (let t = base + Math.floor(r() * 20_000); t < now - 1000; t += 5_000 + Math.floor(r() * 20_000)) {
        if (s % 3 === 0 && Math.floor((t - base) / HOUR) === skip) continue;
        c = r() < 0.03 ? Math.floor(r() * 10) : c + Math.floor(r() * 100);
        write(host, t, c);
      }
    }
    // In time order across series, as collectors deliver them; then a few points of the open hours again, out of
    // order and some with a new value for a ms already written (the later write wins).
    const timeOf = (l: string) => Number(l.split(' ')[2]!.slice(0, -6));
    lines.sort((a, b) => timeOf(a) - timeOf(b));
    const recent = lines.filter((l) => timeOf(l) >= now - 20 * MINUTE);
    const rewrites = lines.length;
    for (let i = 0; i < 8 && recent.length > 0; i++) {
      const l = recent[Math.floor(r() * recent.length)]!;
      const host = /host=(\w+)/.exec(l)![1]!;
      write(host, timeOf(l) - (r() < 0.5 ? 0 : 1 + Math.floor(r() * 3000)), Math.floor(r() * 5000));
    }
    expect(lines.length).toBeGreaterThan(rewrites);
    append(logs, 'metrics', lines.slice(0, 700));
    append(logs, 'metrics', lines.slice(700));
    await store.caughtUp();
    await store.seal();

    // Late points for the sealed hours, each before the last point of its hour (a later one would change the step
    // into the next hour, whose rows were computed when it was sealed).
    const late: string[] = [];
    const before = lines.length;
    for (const [host, p] of written) {
      for (let h = base; h < base + 3 * HOUR; h += HOUR) {
        const inHour = sorted(p).filter(([t]) => t >= h && t < h + HOUR);
        if (inHour.length < 2 || r() < 0.4) continue;
        const t = inHour[0]![0] + 1 + Math.floor(r() * (inHour[inHour.length - 1]![0] - inHour[0]![0] - 1));
        write(host, t, Math.floor(r() * 5000));
      }
    }
    late.push(...lines.slice(before));
    expect(late.length).toBeGreaterThan(5);
    append(logs, 'metrics', late);
    await store.caughtUp();
    expect(store.stats().latePoints).toBeGreaterThan(0); // those for hours before the frontier
    check(store, written, base, now, r);

    await store.seal();
    check(store, written, base, now, r);

    await store.close();
    store = await openStore(storeDir, logs, { latenessMs });
    await store.caughtUp();
    check(store, written, base, now, r);

    // Late points still in memory at a close are applied again after the restart, not skipped as sealed.
    const more = lines.length;
    for (const [host, p] of [...written].slice(0, 6)) {
      const inHour = sorted(p).filter(([t]) => t >= base + HOUR && t < base + 2 * HOUR);
      if (inHour.length >= 2) write(host, inHour[0]![0] + 1, 77_777);
    }
    append(logs, 'metrics', lines.slice(more));
    await store.caughtUp();
    await store.close();
    store = await openStore(storeDir, logs, { latenessMs });
    await store.caughtUp();
    check(store, written, base, now, r);
  }, 60_000);
});
