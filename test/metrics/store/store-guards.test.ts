// The store's guards and choices: the cardinality cap, bad input counted and skipped, retention per tier, which
// topics it follows (configured formats, the format header), late points merged into a sealed hour.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { append, HOUR, openLogs, openStore, tempDir } from './helpers.js';

const ns = (t: number) => `${t}000000`;
const hourNow = () => Math.floor(Date.now() / HOUR) * HOUR;

describe('metrics store guards', () => {
  it('caps series in total and per measurement, warns once at 80 %, counts what it refuses', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir);
    const log = memoryLogger();
    const store = await openStore(path.join(dir, '__metrics'), logs, { maxSeries: 5, maxSeriesPerMeasurement: 3 }, log);
    const t = hourNow();
    const lines = (m: string, n: number, at: number) => Array.from({ length: n }, (_, i) => `${m},host=h${i} v=${i} ${ns(at)}`);
    append(logs, 'metrics', [...lines('a', 4, t), ...lines('b', 3, t), ...lines('a', 4, t + 1000)]);
    await store.caughtUp();
    const s = store.stats();
    expect(s.series).toBe(5);
    expect(store.measurements()).toEqual([{ name: 'a', series: 3 }, { name: 'b', series: 2 }]);
    expect(s.seriesRefused).toBeGreaterThanOrEqual(2);
    expect(Object.keys(s.refusedByMeasurement).sort()).toEqual(['a', 'b']);
    expect(s.nearCap).toEqual(['a']);
    expect(s.pointsApplied).toBe(3 + 2 + 3);
    expect(log.lines.filter((l) => l.includes('80 % of maxSeries ')).length).toBe(1);
    expect(log.lines.filter((l) => l.includes('measurement a has 3 series')).length).toBe(1);
  });

  it('counts and skips bad lines and records in every format, never stopping', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir, { metrics: 1, jm: 1, pm: 1 });
    const store = await openStore(path.join(dir, '__metrics'), logs, {
      topics: [{ name: 'metrics', format: 'influx' }, { name: 'jm', format: 'json' }, { name: 'pm', format: 'prometheus' }],
    });
    const t = hourNow() + 5;
    append(logs, 'metrics', [`ok v=1 ${ns(t)}\nbroken line\nok v=2 ${ns(t + 1)}\n\n# comment`, '\u0000\u0001\u0002', `ok s="x",v=3 ${ns(t + 2)}`, '']);
    append(logs, 'jm', [JSON.stringify({ name: 'j', tags: { h: 'a' }, fields: { v: 5, s: 'str', b: true }, timestamp: t }), '{not json', JSON.stringify({ name: 'j', fields: {} })]);
    append(logs, 'pm', ['# TYPE p gauge\np{h="a"} 7\np{h="b"} NaN\n', 'p{h="a" 7', { value: 'up 1', timestamp: t }]);
    await store.caughtUp();
    const s = store.stats();
    expect(s.badLines).toBe(2 + 2 + 1);
    expect(s.skippedFields).toBe(1 + 1 + 1);
    const ok = store.select('ok', 'v', [])[0]!;
    expect([...store.readRaw(ok.id, 0, Infinity).values]).toEqual([1, 2, 3]);
    expect([...store.readRaw(store.select('j', 'b', [])[0]!.id, 0, Infinity).values]).toEqual([1]);
    expect(store.select('p', 'value', []).map((x) => x.tags)).toEqual([{ h: 'a' }]);
    expect([...store.readRaw(store.select('up', 'value', [])[0]!.id, 0, Infinity).timestamps]).toEqual([t]);
  });

  it('follows other topics only when their first records carry format: influx, and reads only those records', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir, { agentx: 2, plain: 1, empty: 1, __internal: 1 });
    const t = hourNow() + 7;
    append(logs, 'agentx', [`h v=1 ${ns(t)}`], { header: true, partition: 1 });
    append(logs, 'agentx', [`h v=2 ${ns(t + 1)}`, `h v=99 ${ns(t + 2)}`].map((v, i) => (i === 0 ? { value: v, headers: [['format', 'influx']] as [string, string][] } : v)), { partition: 1 });
    append(logs, 'plain', ['GET /index.html 200', `looks v=1 ${ns(t)}`]);
    append(logs, '__internal', [`x v=1 ${ns(t)}`], { header: true });
    const store = await openStore(path.join(dir, '__metrics'), logs);
    await store.caughtUp();
    expect(store.positions().map((p) => `${p.topic}-${p.partition}:${p.mode}`).sort()).toEqual(['agentx-0:header', 'agentx-1:header']);
    expect([...store.readRaw(store.select('h', 'v', [])[0]!.id, 0, Infinity).values]).toEqual([1, 2]);
    expect(store.measurements().map((m) => m.name)).toEqual(['h']);
    // An empty topic is decided once it has records; "plain" stays decided (not sampled again).
    append(logs, 'empty', [`e v=1 ${ns(t)}`], { header: true });
    append(logs, 'plain', [`p v=1 ${ns(t)}`], { header: true });
    await store.rescanTopics();
    await store.caughtUp();
    expect(store.measurements().map((m) => m.name)).toEqual(['e', 'h']);
  });

  it('merges a late point into its sealed hour, and drops what is older than the raw tier keeps', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir);
    const store = await openStore(path.join(dir, '__metrics'), logs, { rawRetentionMs: 5 * HOUR, latenessMs: 0 });
    const h = hourNow() - 2 * HOUR;
    append(logs, 'metrics', [`late v=1 ${ns(h)}`, `late v=3 ${ns(h + 120_000)}`]);
    await store.caughtUp();
    await store.seal();
    const id = store.select('late', 'v', [])[0]!.id;
    expect(store.tierSpans().find((s) => s.tier === 'raw')).toEqual({ tier: 'raw', oldestMs: h, newestMs: h + 120_000 });
    append(logs, 'metrics', [`late v=2 ${ns(h + 60_000)}`, `late v=7 ${ns(h - 6 * HOUR)}`]);
    await store.caughtUp();
    expect(store.stats()).toMatchObject({ latePoints: 1, droppedPoints: 1 });
    expect([...store.readRaw(id, h, h + HOUR).values]).toEqual([1, 2, 3]);
    await store.seal();
    expect([...store.readRaw(id, h, h + HOUR).values]).toEqual([1, 2, 3]);
    const m = store.readRollups(id, '1m', h, h + HOUR);
    expect([...m.timestamps]).toEqual([h, h + 60_000, h + 120_000]);
    expect([...m.increase]).toEqual([0, 1, 1]);
    const hr = store.readRollups(id, '1h', h, h + HOUR);
    expect([...hr.count]).toEqual([3]);
    expect([...hr.sum]).toEqual([6]);
  });

  it('keeps each tier for its own retention', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir);
    const store = await openStore(path.join(dir, '__metrics'), logs, { rawRetentionMs: 3 * HOUR, rollup1mRetentionMs: 6 * HOUR, rollup1hRetentionMs: 10 * 24 * HOUR });
    const now = hourNow();
    const old = now - 8 * HOUR;
    const mid = now - 5 * HOUR;
    const recent = now - 2 * HOUR;
    append(logs, 'metrics', [old, mid, recent].map((t) => `r v=1 ${ns(t)}`));
    await store.caughtUp();
    await store.seal();
    const id = store.select('r', 'v', [])[0]!.id;
    expect([...store.readRaw(id, 0, now).timestamps]).toEqual([recent]);
    expect([...store.readRollups(id, '1m', 0, now).timestamps]).toEqual([mid, recent]);
    expect([...store.readRollups(id, '1h', 0, now).timestamps]).toEqual([old, mid, recent]);
    expect(store.tierSpans().map((s) => s.oldestMs)).toEqual([recent, mid, old]);
  });
});
