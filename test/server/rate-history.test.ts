// The rate history is a fixed ring: past its capacity the oldest points go, and a reader gets the rest oldest first,
// every column aligned with its timestamp. Expected values are worked out by hand from the points pushed.
import { describe, expect, it, vi } from 'vitest';
import { RateHistory } from '../../src/server/rate-history.js';
import { RateSampler } from '../../src/server/index.js';

/** A point whose rates say which push it was (n), so a misaligned column shows. */
const rates = (n: number) => ({ recordsInPerSec: n, recordsOutPerSec: 10 * n, bytesInPerSec: 100 * n, bytesOutPerSec: 1000 * n });

describe('RateHistory', () => {
  it('is empty until a point is pushed', () => {
    expect(new RateHistory(3).toColumns()).toEqual({ timestamps: [], recordsInPerSec: [], recordsOutPerSec: [], bytesInPerSec: [], bytesOutPerSec: [] });
  });

  it('wraps around: a ring of 3 after 5 pushes holds the 3rd, 4th and 5th, oldest first', () => {
    const h = new RateHistory(3);
    h.push(1000, rates(1));
    h.push(2000, rates(2));
    expect(h.toColumns()).toEqual({ timestamps: [1000, 2000], recordsInPerSec: [1, 2], recordsOutPerSec: [10, 20], bytesInPerSec: [100, 200], bytesOutPerSec: [1000, 2000] });
    h.push(3000, rates(3));
    h.push(4000, rates(4));
    h.push(5000, rates(5));
    expect(h.length).toBe(3);
    expect(h.toColumns()).toEqual({ timestamps: [3000, 4000, 5000], recordsInPerSec: [3, 4, 5], recordsOutPerSec: [30, 40, 50], bytesInPerSec: [300, 400, 500], bytesOutPerSec: [3000, 4000, 5000] });
    // Exactly one more lap (3 more): the write position is back where it started, and only the new points remain.
    h.push(6000, rates(6));
    h.push(7000, rates(7));
    h.push(8000, rates(8));
    expect(h.toColumns().timestamps).toEqual([6000, 7000, 8000]);
    expect(h.toColumns().bytesOutPerSec).toEqual([6000, 7000, 8000]);
  });

  it('drops a point not after the newest (the wall clock stepped back), so timestamps stay strictly ascending', () => {
    const h = new RateHistory(4);
    h.push(1000, rates(1));
    h.push(2000, rates(2));
    h.push(2000, rates(9));
    h.push(1500, rates(9));
    h.push(3000, rates(3));
    expect(h.toColumns()).toMatchObject({ timestamps: [1000, 2000, 3000], recordsInPerSec: [1, 2, 3] });
  });

  it('refuses a capacity that holds nothing', () => {
    expect(() => new RateHistory(0)).toThrow(RangeError);
  });
});

describe('RateSampler history', () => {
  it('keeps, per sample from the second on, the rates the overview answered then, and at most 300 of them', () => {
    const traffic = { recordsIn: 0, bytesIn: 0, recordsOut: 0, bytesOut: 0 };
    const sampler = new RateSampler({ traffic: () => traffic, logs: { stats: () => [] }, clients: () => [] } as unknown as ConstructorParameters<typeof RateSampler>[0]);
    sampler.sample(0);
    expect(sampler.history().timestamps).toEqual([]);
    // 20 records a second from t = 1 s to 3 s.
    const answered: number[] = [];
    for (let s = 1; s <= 3; s++) {
      traffic.recordsIn = 20 * s;
      traffic.bytesIn = 2000 * s;
      sampler.sample(s * 1000);
      answered.push(sampler.overall().recordsInPerSec);
      expect(sampler.newestAt()).toBe(s * 1000);
    }
    expect(answered).toEqual([20, 20, 20]);
    expect(sampler.history()).toMatchObject({ timestamps: [1000, 2000, 3000], recordsInPerSec: [20, 20, 20], bytesInPerSec: [2000, 2000, 2000], recordsOutPerSec: [0, 0, 0] });
    // Quiet from then on. A rate spans the last 5 s (the first 4 s and 5 s while fewer samples exist).
    for (let s = 4; s <= 10; s++) sampler.sample(s * 1000);
    const h = sampler.history();
    expect(h.timestamps).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
    // 4 s: 0..4 s, 60 records / 4 s; 5 s: 60 / 5; 6 s: 1..6 s, 40 / 5; 7 s: 20 / 5; from 8 s (3..8 s) on nothing.
    expect(h.recordsInPerSec.slice(3)).toEqual([15, 12, 8, 4, 0, 0, 0]);
    for (let s = 11; s <= 400; s++) sampler.sample(s * 1000);
    const full = sampler.history();
    expect(full.timestamps.length).toBe(300);
    expect(full.timestamps[0]).toBe(101_000);
    expect(full.timestamps[299]).toBe(400_000);
  });

  it('samples once a second from start() and not after stop()', () => {
    vi.useFakeTimers({ now: 10_000 });
    try {
      const sampler = new RateSampler({ traffic: () => ({ recordsIn: 0, bytesIn: 0, recordsOut: 0, bytesOut: 0 }), logs: { stats: () => [] }, clients: () => [] } as unknown as ConstructorParameters<typeof RateSampler>[0]);
      sampler.start(); // a sample at 10 s, then one each second
      vi.advanceTimersByTime(3000);
      expect(sampler.history().timestamps).toEqual([11_000, 12_000, 13_000]);
      sampler.stop();
      vi.advanceTimersByTime(5000);
      expect(sampler.history().timestamps).toEqual([11_000, 12_000, 13_000]);
    } finally {
      vi.useRealTimers();
    }
  });
});
