// The persisted tiers as a seal pass writes them: a day's hours, the 1h day part first, then each hour's raw part.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { TIER_INTERVAL_MS } from '../../../src/metrics/types.js';
import { rollupPoints } from '../../../src/metrics/store/rollup.js';
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
