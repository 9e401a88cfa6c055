import { TIER_INTERVAL_MS, type Tier, type TierSpan } from '../types.js';

const FINEST_FIRST: readonly Tier[] = ['raw', '1m', '1h'];

/** The tier a step reads: raw below 1 min, 1-minute rollups below 1 h, hourly rollups from 1 h. */
export function stepTier(step: number): Tier {
  if (step < TIER_INTERVAL_MS['1m']) return 'raw';
  if (step < TIER_INTERVAL_MS['1h']) return '1m';
  return '1h';
}

/**
 * The tier a query reads: the step's tier, or a coarser one when the finer one does not reach back to `from` while
 * the coarser holds a whole interval of data before the finer one's oldest (retention dropped the finer data there).
 * A tier that only started later because the data did (a new install) is kept: every tier starts then.
 */
export function chooseTier(step: number, from: number, spans: readonly TierSpan[]): Tier {
  const span = new Map(spans.map((s) => [s.tier, s]));
  let i = FINEST_FIRST.indexOf(stepTier(step));
  while (i < FINEST_FIRST.length - 1) {
    const cur = span.get(FINEST_FIRST[i]!);
    const oldest = cur?.oldestMs ?? null;
    if (oldest !== null && oldest <= from) break;
    const coarser = FINEST_FIRST.slice(i + 1).some((t) => {
      const o = span.get(t)?.oldestMs ?? null;
      return o !== null && (oldest === null || o + TIER_INTERVAL_MS[t] <= oldest);
    });
    if (!coarser) break;
    i++;
  }
  return FINEST_FIRST[i]!;
}

/** A step on a rollup tier is a whole number of its intervals (rounded up), so every bucket holds whole rollup rows. */
export function stepOnTier(step: number, tier: Tier): number {
  const iv = TIER_INTERVAL_MS[tier];
  return iv === 0 ? step : Math.ceil(step / iv) * iv;
}
