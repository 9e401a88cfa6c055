// A step derived from a point count is never finer than the series are written: 15 minutes of 10 s data at the
// default 1,000 points would be 1 s buckets, nine in ten empty, and `rate` ten times the real rate in the tenth.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { niceStepForInterval } from '../../../src/common/time-buckets.js';
import { parseMetricsQuery, runMetricsQuery } from '../../../src/metrics/query/index.js';
import { append, HOUR, openLogs, openStore, tempDir } from '../store/helpers.js';

const ms = (t: number) => `${t}000000`;

describe('the step derived from a point count', () => {
  it('is raised to the nice step of the data\'s own interval, jitter included; a step asked for stands', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir);
    const store = await openStore(path.join(dir, '__metrics'), logs);
    const now = Date.now();
    const from = Math.floor((now - 15 * 60_000) / 10_000) * 10_000;
    // Two hosts' counters, every 10 s (web-2 with a few ms of timer jitter): 1,000 bytes a second, 10,000 a point.
    const lines: string[] = [];
    for (let i = 0; i <= 90; i++) {
      lines.push(`net,host=web-1 bytes=${i * 10_000}i ${ms(from + i * 10_000)}`);
      lines.push(`net,host=web-2 bytes=${i * 10_000}i ${ms(from + i * 10_000 + 3000 + (i % 3))}`);
    }
    append(logs, 'metrics', lines);
    await store.caughtUp();

    const derived = runMetricsQuery(store, parseMetricsQuery({ measurement: 'net', field: 'bytes', agg: 'rate', by: 'host', from: String(from), to: String(from + 15 * 60_000) }, now));
    expect(derived.stats.step).toBe(10_000);
    expect(derived.timestamps).toHaveLength(90);
    for (const s of derived.series) {
      // Every bucket after the first holds one point 10 s after its predecessor: 10,000 over 10 s.
      expect(s.values.slice(1).every((v) => v === 1000)).toBe(true);
    }

    // Asked for explicitly, 1 s buckets are what the user gets (increase ÷ 1 s where a point falls, as documented).
    const asked = runMetricsQuery(store, parseMetricsQuery({ measurement: 'net', field: 'bytes', agg: 'rate', by: 'host', step: '1s', from: String(from), to: String(from + 15 * 60_000) }, now));
    expect(asked.stats.step).toBe(1000);
    expect(asked.timestamps).toHaveLength(900);

    // Coarser than the data: the point count's step stands (a day at 100 points is 15 min buckets).
    const coarse = runMetricsQuery(store, parseMetricsQuery({ measurement: 'net', field: 'bytes', agg: 'avg', points: '100', from: String(now - 24 * HOUR), to: String(now) }, now));
    expect(coarse.stats.step).toBe(15 * 60_000);
  });

  it('nice steps for intervals: within 5 % below rounds to the interval, else up to the next nice step', () => {
    expect(niceStepForInterval(10_000)).toBe(10_000);
    expect(niceStepForInterval(10_004)).toBe(10_000);
    expect(niceStepForInterval(9_600)).toBe(10_000);
    expect(niceStepForInterval(10_600)).toBe(15_000);
    expect(niceStepForInterval(60_000)).toBe(60_000);
    expect(niceStepForInterval(45_000)).toBe(60_000);
    expect(niceStepForInterval(5 * 86_400_000 * 7)).toBe(5 * 86_400_000 * 7);
  });
});
