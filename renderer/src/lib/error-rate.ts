// Errors per minute for the Overview: one histogram of error and fatal records over the last half hour in 10 s
// buckets (level-only queries are counted from the index's level counts where blocks are sealed), summed per minute
// for the sparkline and over the last 60 s for the number.
import { api, type Histogram } from './api';

export const ERROR_QUERY = 'level:error OR level:fatal';
export const ERROR_WINDOW = '30m';
const STEP_MS = 10_000;
const PER_MINUTE = 60_000 / STEP_MS;

export interface ErrorRate {
  /** Error and fatal records in the last 60 s (six 10 s buckets, the newest still filling). */
  lastMinute: number;
  /** Minute starts and error counts per minute, oldest first. */
  times: number[];
  counts: number[];
}

export function errorRateOf(h: Histogram): ErrorRate {
  const n = h.counts.length;
  let lastMinute = 0;
  for (let i = Math.max(0, n - PER_MINUTE); i < n; i++) lastMinute += h.counts[i]!;
  // Minutes counted back from the newest bucket, so the last point is the last 60 s and matches the number.
  const times: number[] = [];
  const counts: number[] = [];
  for (let end = n; end > 0; end -= PER_MINUTE) {
    let c = 0;
    for (let i = Math.max(0, end - PER_MINUTE); i < end; i++) c += h.counts[i]!;
    times.unshift(h.times[end - 1]! + h.step);
    counts.unshift(c);
  }
  return { lastMinute, times, counts };
}

export async function fetchErrorRate(signal?: AbortSignal): Promise<ErrorRate> {
  return errorRateOf(await api.histogram({ q: ERROR_QUERY, from: ERROR_WINDOW, step: `${STEP_MS}` }, signal));
}
