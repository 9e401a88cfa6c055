import { mergedMatches, finishStats, type SearchPlan } from './search.js';
import type { SearchStats } from './types.js';

export const DEFAULT_FACET_SCAN = 10_000;
export const MAX_FACET_SCAN = 100_000;
/** Values are counted on their first this many characters (a stack trace is not a facet). */
const MAX_VALUE_CHARS = 200;
/** Distinct values remembered; beyond it, new values are counted in `other`. */
const MAX_DISTINCT = 10_000;

export interface Facets {
  field: string;
  /** The most frequent values first, at most `top`. */
  values: { value: string; count: number }[];
  /** Matches looked at (the newest first), and how many of them had the field. */
  matchesScanned: number;
  withField: number;
  /** Matches with a value not in `values` (less frequent, or beyond the distinct values remembered). */
  other: number;
  /** True when every match in the range was looked at; false when the scan stopped at `maxMatches`. */
  complete: boolean;
  stats: SearchStats;
}

/** The top values of `field` among the newest `maxMatches` matches (what Kibana's field list shows). */
export async function facets(plan: SearchPlan, field: string, opts: { top?: number; maxMatches?: number; signal?: AbortSignal } = {}): Promise<Facets> {
  const top = opts.top ?? 10;
  const max = opts.maxMatches ?? DEFAULT_FACET_SCAN;
  const counts = new Map<string, number>();
  let scanned = 0;
  let withField = 0;
  let complete = true;
  const it = mergedMatches(plan, opts.signal);
  try {
    for await (const { record } of it) {
      if (scanned >= max) {
        complete = false;
        break;
      }
      scanned++;
      const v = plan.query.fieldOf(record, field);
      if (v === null) continue;
      withField++;
      const key = v.length > MAX_VALUE_CHARS ? `${v.slice(0, MAX_VALUE_CHARS)}…` : v;
      const c = counts.get(key);
      if (c !== undefined) counts.set(key, c + 1);
      else if (counts.size < MAX_DISTINCT) counts.set(key, 1);
    }
  } finally {
    await it.return(undefined);
  }
  const values = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top).map(([value, count]) => ({ value, count }));
  const shown = values.reduce((n, v) => n + v.count, 0);
  return { field, values, matchesScanned: scanned, withField, other: withField - shown, complete, stats: finishStats(plan) };
}
