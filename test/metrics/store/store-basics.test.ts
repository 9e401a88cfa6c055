// Points from line-protocol records become series; reads merge memory and disk; sealing writes the tiers.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { append, HOUR, openLogs, openStore, tempDir } from './helpers.js';

const ms = (t: number) => `${t}000000`;

describe('metrics store', () => {
  it('turns line protocol records into series, one per numeric field', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir);
    const store = await openStore(path.join(dir, '__metrics'), logs);
    const t0 = Math.floor(Date.now() / HOUR) * HOUR;
    append(logs, 'metrics', [
      `cpu,host=a,cpu=0 usage=1.5,idle=98i,ok=true,state="up" ${ms(t0)}`,
      `cpu,cpu=0,host=a usage=2.5 ${ms(t0 + 10_000)}`,
      `cpu,host=b,cpu=0 usage=7 ${ms(t0)}`,
      'not line protocol at all',
      `mem,host=a used=10u ${ms(t0)}`,
    ]);
    await store.caughtUp();
    expect(store.measurements()).toEqual([{ name: 'cpu', series: 4 }, { name: 'mem', series: 1 }]);
    expect(store.fields('cpu')).toEqual(['idle', 'ok', 'usage']);
    expect(store.tagKeys('cpu')).toEqual(['cpu', 'host']);
    expect(store.tagValues('cpu', 'host')).toEqual(['a', 'b']);
    const sel = store.select('cpu', 'usage', [{ key: 'host', op: '=', value: 'a' }]);
    expect(sel).toHaveLength(1);
    expect(sel[0]!.tags).toEqual({ cpu: '0', host: 'a' });
    const raw = store.readRaw(sel[0]!.id, t0, t0 + HOUR);
    expect([...raw.timestamps]).toEqual([t0, t0 + 10_000]);
    expect([...raw.values]).toEqual([1.5, 2.5]);
    expect([...store.readRaw(store.select('cpu', 'ok', [])[0]!.id, 0, Infinity).values]).toEqual([1]);
    expect(store.select('cpu', 'usage', [{ key: 'host', op: '=~', value: 'a|b' }])).toHaveLength(2);
    expect(store.select('cpu', 'usage', [{ key: 'host', op: '!~', value: 'a' }]).map((s) => s.tags.host)).toEqual(['b']);
    expect(store.select('cpu', 'usage', [{ key: 'zone', op: '=', value: '' }])).toHaveLength(2);
    const s = store.stats();
    expect(s.badLines).toBe(1);
    expect(s.skippedFields).toBe(1);
    expect(s.pointsApplied).toBe(6);
    expect(s.lagRecords).toBe(0);
  });

  it('seals a past hour into the raw and 1h tiers (1m read from raw) and reads the same points back', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir);
    const store = await openStore(path.join(dir, '__metrics'), logs);
    const h0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const lines = Array.from({ length: 360 }, (_, i) => `net,host=a bytes=${1000 + i * 10}i ${ms(h0 + i * 10_000)}`);
    append(logs, 'metrics', lines);
    await store.caughtUp();
    const id = store.select('net', 'bytes', [])[0]!.id;
    const before = store.readRaw(id, h0, h0 + HOUR);
    expect(before.timestamps.length).toBe(360);
    await store.seal();
    const s = store.stats();
    expect(s.bytesOnDisk.raw).toBeGreaterThan(0);
    // While the raw part is kept, the hour's 1m rows are rolled up from it when read: no 1m part.
    expect(s.bytesOnDisk['1m']).toBe(0);
    expect(s.bytesOnDisk['1h']).toBeGreaterThan(0);
    const after = store.readRaw(id, h0, h0 + HOUR);
    expect([...after.timestamps]).toEqual([...before.timestamps]);
    expect([...after.values]).toEqual([...before.values]);
    const hour = store.readRollups(id, '1h', h0, h0 + HOUR);
    expect([...hour.timestamps]).toEqual([h0]);
    expect(hour.count[0]).toBe(360);
    expect(hour.min[0]).toBe(1000);
    expect(hour.max[0]).toBe(1000 + 359 * 10);
    expect(hour.last[0]).toBe(4590);
    expect(hour.increase[0]).toBe(3590);
    const minutes = store.readRollups(id, '1m', h0, h0 + HOUR);
    expect(minutes.timestamps.length).toBe(60);
    // Six points a minute, 10 apart: counts 6, sums 6×first + 150, increases 60 (the first minute 50: no point before).
    expect([...minutes.count]).toEqual(Array(60).fill(6));
    expect(minutes.sum[1]).toBe(6 * 1060 + 150);
    expect([...minutes.increase]).toEqual([50, ...Array(59).fill(60)]);
    expect(minutes.count[0]).toBe(6);
    expect(minutes.sum[0]).toBe(1000 + 1010 + 1020 + 1030 + 1040 + 1050);
    expect(minutes.increase[0]).toBe(50);
    expect(minutes.increase[1]).toBe(60);
  });

  it('tells listeners which series got points and the newest time, until they unsubscribe', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir);
    const store = await openStore(path.join(dir, '__metrics'), logs);
    const seen: [number[], number][] = [];
    const off = store.onAppend((ids, newest) => seen.push([[...ids].sort(), newest]));
    const t = Math.floor(Date.now() / HOUR) * HOUR;
    append(logs, 'metrics', [`live,host=a v=1 ${ms(t)}`, `live,host=b v=2 ${ms(t + 5)}`]);
    await store.caughtUp();
    const ids = store.select('live', 'v', []).map((s) => s.id).sort();
    expect(seen).toEqual([[ids, t + 5]]);
    off();
    append(logs, 'metrics', [`live,host=a v=3 ${ms(t + 9)}`]);
    await store.caughtUp();
    expect(seen).toHaveLength(1);
  });
});
