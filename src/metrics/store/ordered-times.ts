// Ascending lists of times (hour and day starts, timestamps): unions, ranges, alignment, search.

/** t aligned down to a multiple of step (infinities as they are). */
export function floorTo(t: number, step: number): number {
  return Number.isFinite(t) ? Math.floor(t / step) * step : t;
}

/** Ascending, unique values of two ascending lists. */
export function unionSorted(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0) return b as number[];
  if (b.length === 0) return a as number[];
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    const s = Math.min(x, y);
    if (x === s) i++;
    if (y === s) j++;
    out.push(s);
  }
  return out;
}

/** First index of ascending `a` whose value is >= x. */
export function lowerBoundOf(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Ascending, unique values of two ascending lists with start + span > from and start < to. */
export function startsIn(a: readonly number[], b: readonly number[], span: number, from: number, to: number): number[] {
  return unionSorted(a, b).filter((s) => s + span > from && s < to);
}
