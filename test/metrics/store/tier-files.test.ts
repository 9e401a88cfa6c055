// The persisted tiers as a seal pass writes them: a day's hours, the 1h day part first, then each hour's raw part.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { TIER_INTERVAL_MS } from '../../../src/metrics/types.js';
import { rollupPoints } from '../../../src/metrics/store/rollup.js';
import { decodeRollupBlock } from '../../../src/metrics/store/blocks.js';
import { HourRows } from '../../../src/metrics/store/hour-rows.js';
import { DAY, HOUR, sealedSeries, TierFiles, type SealedSeries } from '../../../src/metrics/store/tier-files.js';
import { tempDir } from './helpers.js';

/** Series `ids` with one point a minute through the hour (value: id + minute). */
function hourOf(hour: number, ids: number[]): SealedSeries[] {
  return ids.map((id) => {
    const timestamps = Float64Array.from({ length: 60 }, (_, m) => hour + m * 60_000);
    const points = { timestamps, values: Float64Array.from({ length: 60 }, (_, m) => id + m) };
    return sealedSeries(id, points, null, rollupPoints(points, TIER_INTERVAL_MS['1h'], NaN));
  });
}

describe('tier files', () => {
  it("tells of each hour as soon as its raw part is in place, before the next hour's is written", async () => {
    const dir = tempDir();
    const tiers = new TierFiles(dir, silentLogger);
    const day = 20_000 * DAY;
    const hours = [3, 4, 5, 9].map((i) => ({ hour: day + i * HOUR, series: hourOf(day + i * HOUR, [1, 2, 3]) }));
    const seen: { hour: number; onDisk: boolean[]; dayPart: boolean }[] = [];
    await tiers.writeHours(hours, undefined, (h) => {
      seen.push({ hour: h.hour, onDisk: hours.map((x) => tiers.has('raw', x.hour) && fs.existsSync(tiers.file('raw', x.hour))), dayPart: tiers.has('1h', day) });
    });
    expect(seen.map((s) => s.hour)).toEqual(hours.map((h) => h.hour));
    // At the n-th call exactly the first n hours' raw parts exist (and the day's 1h part, written first).
    seen.forEach((s, n) => {
      expect(s.onDisk).toEqual(hours.map((_, i) => i <= n));
      expect(s.dayPart).toBe(true);
    });
    // What the calls announced is what is on disk: every point of every hour, and a 1h row per hour.
    for (const { hour } of hours) expect([...tiers.readPoints(2, hour)!.values]).toEqual(Array.from({ length: 60 }, (_, m) => 2 + m));
    const r = tiers.part('1h', day)!;
    expect(r.find(3)).toBeGreaterThanOrEqual(0);
    tiers.close();
  });

  it('calls back no hour whose raw part could not be written', async () => {
    const dir = tempDir();
    const tiers = new TierFiles(dir, silentLogger);
    const day = 20_000 * DAY;
    const hours = [1, 2].map((i) => ({ hour: day + i * HOUR, series: hourOf(day + i * HOUR, [1]) }));
    // The second hour's raw part cannot be renamed into place: a directory stands where it goes.
    fs.mkdirSync(tiers.file('raw', hours[1]!.hour));
    const seen: number[] = [];
    await expect(tiers.writeHours(hours, undefined, (h) => seen.push(h.hour))).rejects.toThrow();
    expect(seen).toEqual([hours[0]!.hour]);
    tiers.close();
  });
});

describe('tier files, hours streamed', () => {
  /** An hour's raw part streamed as a seal pass writes it, its 1h rows in `rows`. */
  async function streamed(tiers: TierFiles, hour: number, ids: number[], rows: HourRows) {
    const writer = await tiers.partWriter('raw', hour);
    for (const s of hourOf(hour, ids)) {
      await writer.add(s.id, s.raw!.block, s.raw!.minTs, s.raw!.maxTs);
      rows.addRows(s.id, s.hour);
    }
    return { hour, raw: { writer, size: await writer.finish() } };
  }

  it('puts streamed raw parts in place after the day part, beside hours of late points, and the rows add up', async () => {
    const dir = tempDir();
    const tiers = new TierFiles(dir, silentLogger);
    const day = 20_000 * DAY;
    await tiers.writeHour(day + 2 * HOUR, hourOf(day + 2 * HOUR, [1, 9]));
    const rows = new HourRows();
    const hours = [await streamed(tiers, day + 3 * HOUR, [1, 2], rows), { hour: day + 2 * HOUR, series: hourOf(day + 2 * HOUR, [2]) }, await streamed(tiers, day + 4 * HOUR, [2], rows)];
    // Not in place until writeHours: a temporary file each.
    expect(tiers.has('raw', day + 3 * HOUR) || fs.existsSync(tiers.file('raw', day + 3 * HOUR))).toBe(false);
    const seen: number[] = [];
    await tiers.writeHours(hours, undefined, (h) => seen.push(h.hour), rows);
    expect(seen).toEqual(hours.map((h) => h.hour));
    // Hour 2 keeps series 1 and 9 and gains 2; hours 3 and 4 hold what was streamed.
    expect([...tiers.part('raw', day + 2 * HOUR)!.ids]).toEqual([1, 2, 9]);
    expect([...tiers.part('raw', day + 3 * HOUR)!.ids]).toEqual([1, 2]);
    expect([...tiers.readPoints(2, day + 4 * HOUR)!.values]).toEqual(Array.from({ length: 60 }, (_, m) => 2 + m));
    // The day part: a row per hour each series has; series 2's sum at hour 3 is Σ(2 + m) for m < 60 = 120 + 1770.
    const r = tiers.part('1h', day)!;
    const two = decodeRollupBlock(r.block(r.find(2)));
    expect([...two.timestamps].map((t) => (t - day) / HOUR)).toEqual([2, 3, 4]);
    expect(two.sum[1]).toBe(1890);
    expect([...decodeRollupBlock(r.block(r.find(9))).timestamps].map((t) => (t - day) / HOUR)).toEqual([2]);
    expect(fs.readdirSync(path.join(dir, 'raw')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    tiers.close();
  });

  it('drops the streamed parts it could not put in place, and calls back none of them', async () => {
    const dir = tempDir();
    const tiers = new TierFiles(dir, silentLogger);
    const day = 20_000 * DAY;
    const rows = new HourRows();
    const hours = [await streamed(tiers, day + HOUR, [1], rows), await streamed(tiers, day + 2 * HOUR, [1], rows), await streamed(tiers, day + 3 * HOUR, [1], rows)];
    fs.mkdirSync(path.join(tiers.file('raw', day + 2 * HOUR), 'x'), { recursive: true });
    const seen: number[] = [];
    await expect(tiers.writeHours(hours, undefined, (h) => seen.push(h.hour), rows)).rejects.toThrow();
    expect(seen).toEqual([day + HOUR]);
    expect(tiers.has('raw', day + 3 * HOUR)).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'raw')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    tiers.close();
  });
});
