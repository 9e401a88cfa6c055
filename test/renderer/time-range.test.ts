// The one time range of the app (renderer/src/lib/time-range.ts): how views read and write it in their URL, how it
// is carried to the next view, "back to live", how Messages browses it, and that the search histogram's buckets are
// those of the metrics API (checked against the server's own bucketing).
import { describe, expect, it } from 'vitest';
import {
  bounds,
  bucketCount,
  DEFAULT_RANGE,
  hasRange,
  isPast,
  NICE_STEPS as RENDERER_STEPS,
  rangeOf,
  rangeParams,
  rangeSeek,
  stepForPoints,
  toLive,
  switchParams,
  withRange,
} from '../../renderer/src/lib/time-range.js';
import { bucketsOf, NICE_STEPS, stepForPoints as serverStepForPoints } from '../../src/common/time-buckets.js';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

describe('the range in a URL', () => {
  it('reads no from as the default, all as everything, and writes them back the same way', () => {
    expect(rangeOf({})).toEqual(DEFAULT_RANGE);
    expect(rangeOf({ from: 'all' })).toEqual({ from: '', to: '' });
    expect(rangeOf({ from: '1000', to: '2000' })).toEqual({ from: '1000', to: '2000' });
    expect(rangeParams(DEFAULT_RANGE)).toEqual({ from: null, to: null });
    expect(rangeParams({ from: '', to: '' })).toEqual({ from: 'all', to: null });
    expect(rangeParams({ from: '15m', to: '' })).toEqual({ from: '15m', to: null });
    for (const p of [{ from: '15m' }, { from: 'all' }, { from: '1000', to: '2000' }]) {
      const back = rangeParams(rangeOf(p));
      expect({ from: back.from ?? undefined, to: back.to ?? undefined }).toEqual({ from: p.from, to: (p as { to?: string }).to });
    }
  });

  it('tells a chosen range from none', () => {
    expect(hasRange({})).toBe(false);
    expect(hasRange({ from: 'all' })).toBe(false);
    expect(hasRange({ from: '15m' })).toBe(true);
    expect(hasRange({ from: '1000', to: '2000' })).toBe(true);
  });
});

describe('carrying the range to the next view', () => {
  const range = { from: '1000', to: '2000' };
  it('adds it to the views that show time, not to the others', () => {
    for (const v of ['search', 'metrics', 'messages', 'tail']) expect(withRange(v, { topic: 't' }, range)).toEqual({ topic: 't', from: '1000', to: '2000' });
    for (const v of ['overview', 'topics', 'groups', 'settings']) expect(withRange(v, {}, range)).toEqual({});
  });
  it('leaves a link that sets its own range alone, and carries nothing for the default', () => {
    expect(withRange('search', { from: '24h' }, range)).toEqual({ from: '24h' });
    expect(withRange('search', { q: 'x' }, {})).toEqual({ q: 'x' });
    expect(withRange('search', {}, { from: '15m' })).toEqual({ from: '15m' });
  });
});

describe('switching views (nav links, g s / g x)', () => {
  const range = { from: '1000', to: '2000' };
  it('returns to what the view showed last, on the shared range rather than the one it had', () => {
    const last = { c: '[{"kind":"logs"}]', d: 'x', from: '15m' };
    expect(switchParams('metrics', {}, last, range)).toEqual({ c: '[{"kind":"logs"}]', d: 'x', from: '1000', to: '2000' });
    expect(switchParams('metrics', {}, last, {})).toEqual({ c: '[{"kind":"logs"}]', d: 'x' }); // the default range
    expect(switchParams('topics', {}, { sel: 't' }, range)).toEqual({ sel: 't' });
  });
  it('a link with its own params keeps them, with the shared range', () => {
    expect(switchParams('messages', { topic: 'b' }, { topic: 'a', seek: 'oldest' }, range)).toEqual({ topic: 'b', from: '1000', to: '2000' });
    expect(switchParams('search', {}, undefined, range)).toEqual({ from: '1000', to: '2000' });
  });
});

describe('back to live', () => {
  it('turns a fixed range into a sliding one of the same width, in whole minutes', () => {
    expect(toLive({ from: String(NOW - 7_200_000), to: String(NOW - 3_600_000) }, NOW)).toEqual({ from: '1h', to: '' });
    expect(toLive({ from: String(NOW - 90_000 - 20_000), to: String(NOW - 20_000) }, NOW)).toEqual({ from: '2m', to: '' });
    expect(toLive({ from: String(NOW - 5000), to: String(NOW) }, NOW)).toEqual({ from: '1m', to: '' });
  });
  it('keeps a sliding range, and everything stays everything', () => {
    expect(toLive({ from: '15m', to: '' }, NOW)).toEqual({ from: '15m', to: '' });
    expect(toLive({ from: '', to: '' }, NOW)).toEqual({ from: '', to: '' });
  });
  it('knows a range that ended cannot be tailed, one that ends now can', () => {
    expect(isPast({ from: String(NOW - 7_200_000), to: String(NOW - 3_600_000) }, NOW)).toBe(true);
    expect(isPast({ from: '15m', to: '' }, NOW)).toBe(false);
    expect(isPast({ from: String(NOW - 60_000), to: String(NOW - 1000) }, NOW)).toBe(false); // within the clock slack
  });
});

describe('Messages over a range', () => {
  const from = NOW - 600_000;
  const to = NOW - 300_000;
  it('newest first: back from the end, stopping before the start', () => {
    const s = rangeSeek({ from: String(from), to: String(to) }, true, NOW);
    expect(s).toEqual({ seek: 'timestamp', timestamp: String(to - 1), direction: 'backward', stopBefore: from });
  });
  it('oldest first: on from the start, stopping at the end', () => {
    expect(rangeSeek({ from: String(from), to: String(to) }, false, NOW)).toEqual({ seek: 'timestamp', timestamp: String(from), direction: 'forward', stopAfter: to });
  });
  it('a sliding range is fixed at now; an open end is the newest record', () => {
    expect(rangeSeek({ from: '15m', to: '' }, true, NOW)).toEqual({ seek: 'newest', direction: 'backward', stopBefore: NOW - 900_000 });
    expect(rangeSeek({ from: '15m', to: '' }, false, NOW)).toEqual({ seek: 'timestamp', timestamp: String(NOW - 900_000), direction: 'forward' });
    expect(bounds({ from: '', to: '' }, NOW)).toEqual({ from: -Infinity, to: NOW });
  });
});

describe('histogram buckets are the metrics API\'s', () => {
  it('has the same step ladder as the server', () => {
    expect([...RENDERER_STEPS]).toEqual([...NICE_STEPS]);
  });
  it('picks the step the server picks for the same range and count, aligned to the epoch', () => {
    const spans = [1000, 59_999, 60_000, 900_000, 3_600_000, 3_600_000 * 6 + 7, 86_400_000, 7 * 86_400_000, 30 * 86_400_000, 400 * 86_400_000];
    const offsets = [0, 1, 12_345, 999_999, 29_999];
    for (const span of spans) {
      for (const off of offsets) {
        const from = NOW - span - off;
        const to = NOW - off;
        for (const points of [120, 1000]) {
          const step = stepForPoints(from, to, points);
          expect(step).toBe(serverStepForPoints(from, to, points));
          expect(bucketCount(from, to, step)).toBe(bucketsOf(from, to, step).count);
          expect(bucketCount(from, to, step)).toBeLessThanOrEqual(points);
        }
      }
    }
  });
});
