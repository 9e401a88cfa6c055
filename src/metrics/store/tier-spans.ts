import { TIER_INTERVAL_MS, type Tier, type TierSpan } from '../types.js';
import type { OpenHours } from './open-hours.js';
import { floorTo } from './ordered-times.js';
import type { TierFiles } from './tier-files.js';

/**
 * What each tier holds, oldest and newest (for choosing the tier of a query): its parts on disk and the hours in
 * memory. The 1m tier also covers the raw parts' hours, whose minutes are rolled up from them when read.
 */
export function tierSpans(tiers: TierFiles, hours: OpenHours, newestMs: number): TierSpan[] {
  const range = (tier: Tier) => {
    const s = tiers.starts[tier];
    const first = s.length ? tiers.partRange(tier, s[0]!) : null;
    const last = s.length ? tiers.partRange(tier, s[s.length - 1]!) : null;
    return { oldest: first?.min ?? Infinity, newest: last?.max ?? -Infinity };
  };
  // The 1m tier is read from raw parts where it has no parts of its own (tier-files.ts).
  const raw = range('raw');
  const minutes = range('1m');
  const spans: Record<Tier, { oldest: number; newest: number }> = {
    raw,
    '1m': { oldest: Math.min(floorTo(raw.oldest, TIER_INTERVAL_MS['1m']), minutes.oldest), newest: Math.max(floorTo(raw.newest, TIER_INTERVAL_MS['1m']), minutes.newest) },
    '1h': range('1h'),
  };
  const memOldest = hours.oldest();
  return (['raw', '1m', '1h'] as Tier[]).map((tier) => {
    const r = spans[tier];
    const step = TIER_INTERVAL_MS[tier];
    const align = (t: number) => (step === 0 || !Number.isFinite(t) ? t : Math.floor(t / step) * step);
    const oldest = Math.min(r.oldest, align(memOldest));
    const newest = Math.max(r.newest, align(newestMs));
    return { tier, oldestMs: Number.isFinite(oldest) ? oldest : null, newestMs: Number.isFinite(newest) ? newest : null };
  });
}
