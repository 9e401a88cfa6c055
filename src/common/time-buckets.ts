import { parseDuration } from './duration.js';
import { InvalidValueError } from './invalid-value.js';

/**
 * Time buckets as charts use them (InfluxQL's GROUP BY time()): bucket i is [first + i·step, first + (i+1)·step),
 * `first` the multiple of `step` since the epoch at or before `from`, labelled by its start. Shared by the metrics
 * queries and the log-derived series, which must draw on the same axis.
 */

/** Steps the automatic choice picks from (ms): sizes a time axis shows well. Those ≥ 1 min are whole minutes, ≥ 1 h whole hours. */
export const NICE_STEPS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3,
  43200e3, 86400e3, 172800e3, 604800e3, 2592000e3,
];

export interface Buckets {
  step: number;
  /** Start of the first bucket: the multiple of step at or before from. */
  first: number;
  count: number;
}

/** The buckets covering [from, to): from the one holding `from` to the one holding `to - 1`. */
export function bucketsOf(from: number, to: number, step: number): Buckets {
  const first = Math.floor(from / step) * step;
  return { step, first, count: Math.max(1, Math.ceil((to - first) / step)) };
}

/**
 * The nice step for data written every `interval` ms: the smallest at least 95 % of it (a 10 s interval measured as
 * 10,004 ms from a jittery timer is 10 s, not 15 s), so a bucket holds about one point or more, never mostly none.
 */
export function niceStepForInterval(interval: number): number {
  for (const s of NICE_STEPS) if (s >= interval * 0.95) return s;
  return Math.ceil(interval);
}

/** The smallest nice step giving at most `points` buckets over [from, to) (a plain ms step beyond the list). */
export function stepForPoints(from: number, to: number, points: number): number {
  for (const s of NICE_STEPS) if (bucketsOf(from, to, s).count <= points) return s;
  let s = Math.ceil((to - from) / Math.max(1, points - 1));
  while (bucketsOf(from, to, s).count > points) s++;
  return s;
}

/** A step as the API takes it: a duration (10s, 5m, 1h30m) or whole milliseconds. Throws InvalidValueError. */
export function parseStep(text: string): number {
  const t = text.trim();
  const ms = parseDuration(/^\d+$/.test(t) ? Number(t) : t);
  if (ms < 1) throw new InvalidValueError(`${JSON.stringify(text)} is not a step; a step is at least 1ms, e.g. 10s, 1m or 1h`, text);
  return ms;
}

/** Short human form of a duration in ms (90000 → "1m30s"), for messages. */
export function formatStep(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let left = Math.round(ms);
  let out = '';
  for (const [u, n] of units) {
    if (left >= n) {
      out += `${Math.floor(left / n)}${u}`;
      left %= n;
    }
  }
  return out || '0ms';
}
