/**
 * The q-quantile (0 ≤ q ≤ 1) of values, interpolated linearly between the two nearest ranks (rank q·(n−1), as
 * Prometheus's quantile_over_time and numpy's default do). Sorts `values` in place. null when empty.
 */
export function quantile(values: number[] | Float64Array, q: number): number | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = values instanceof Float64Array ? values.sort() : Float64Array.from(values).sort();
  const rank = q * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}
