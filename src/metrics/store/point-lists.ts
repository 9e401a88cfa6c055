import type { RawPoints } from '../types.js';
import { normalize, NO_POINTS, type Points } from './point-codec.js';

/** Points of consecutive hours (each sorted, the hours disjoint and ascending) as one list: a plain concatenation. */
export function concatPoints(list: Points[]): RawPoints {
  if (list.length === 0) return NO_POINTS;
  if (list.length === 1) return list[0]!;
  const n = list.reduce((a, p) => a + p.timestamps.length, 0);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let at = 0;
  for (const p of list) {
    timestamps.set(p.timestamps, at);
    values.set(p.values, at);
    at += p.timestamps.length;
  }
  return { timestamps, values };
}

/** Several point lists of one hour in the order their writes win: sorted, the last write of a ms kept. */
export function mergePoints(list: Points[]): Points {
  if (list.length <= 1) return list[0] ?? NO_POINTS;
  const all = concatPoints(list);
  return normalize(all.timestamps, all.values);
}
