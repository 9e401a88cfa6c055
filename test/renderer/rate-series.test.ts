// The Overview's rate charts join the server's history and the socket's points by the server's sample time: one
// point per sample, ascending, whichever of the two arrived first, at most `max` kept.
import { describe, expect, it } from 'vitest';
import { RateSeries, type RateHistory } from '../../renderer/src/lib/rate-series.js';

/** History points whose values say their time (records in = seconds, out = 2×, bytes = 100×), so misalignment shows. */
const history = (secs: number[]): RateHistory => ({
  timestamps: secs.map((s) => s * 1000),
  recordsInPerSec: secs,
  recordsOutPerSec: secs.map((s) => 2 * s),
  bytesInPerSec: secs.map((s) => 100 * s),
});
const live = (r: RateSeries, s: number) => r.push(s * 1000, s, 2 * s, 100 * s);

describe('RateSeries', () => {
  it('starts with the history, then appends live points after it and skips ones it already has', () => {
    const r = new RateSeries();
    r.seed(history([1, 2, 3]));
    expect(live(r, 3)).toBe(false); // the socket's first message repeats the newest history point
    expect(live(r, 4)).toBe(true);
    expect(live(r, 4)).toBe(false); // the socket sent the same sample twice
    expect(live(r, 6)).toBe(true); // and skipped one
    expect(r.xs).toEqual([1000, 2000, 3000, 4000, 6000]);
    expect(r.recIn).toEqual([1, 2, 3, 4, 6]);
    expect(r.recOut).toEqual([2, 4, 6, 8, 12]);
    expect(r.bytesIn).toEqual([100, 200, 300, 400, 600]);
  });

  it('merges a history that arrives after live points: older ones before, newer ones after, shared ones once', () => {
    const r = new RateSeries();
    live(r, 5);
    live(r, 6);
    r.seed(history([2, 3, 4, 5, 6, 7]));
    expect(r.xs).toEqual([2000, 3000, 4000, 5000, 6000, 7000]);
    expect(r.recIn).toEqual([2, 3, 4, 5, 6, 7]);
    expect(r.bytesIn).toEqual([200, 300, 400, 500, 600, 700]);
    expect(live(r, 7)).toBe(false);
  });

  it('fills a gap (a reconnect) from a later history, and keeps only the newest `max` points', () => {
    const r = new RateSeries(4);
    live(r, 1);
    live(r, 2);
    live(r, 9);
    r.seed(history([5, 6, 7, 8, 9, 10]));
    expect(r.xs).toEqual([7000, 8000, 9000, 10_000]);
    expect(r.recOut).toEqual([14, 16, 18, 20]);
    live(r, 11);
    expect(r.xs).toEqual([8000, 9000, 10_000, 11_000]);
  });

  it('leaves out history points that are not ascending', () => {
    const r = new RateSeries();
    r.seed(history([1, 3, 2, 3, 4]));
    expect(r.xs).toEqual([1000, 3000, 4000]);
    expect(r.recIn).toEqual([1, 3, 4]);
  });
});
