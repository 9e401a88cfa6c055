import { TIER_INTERVAL_MS, type RawPoints, type RollupRows, type Tier, type TierSpan } from '../types.js';
import { emptyRollups } from './blocks.js';
import type { OpenHours } from './open-hours.js';
import { normalize, NO_POINTS, slicePoints, type Points } from './point-codec.js';
import { concatRollups, mergeRollups, rollupPoints, sliceRollups } from './rollup.js';
import { DAY, HOUR, type TierFiles } from './tier-files.js';

/*
 * The read side of the store: points and rollups of one series over a time range, from the parts on disk and the
 * hours in memory (an hour being sealed, an open hour, late points waiting to be merged), merged so that later writes
 * win. Hours in memory get their rollups computed on the fly.
 */

/** Several point lists of one hour in the order their writes win: sorted, the last write of a ms kept. */
export function mergePoints(list: Points[]): Points {
  if (list.length === 0) return NO_POINTS;
  if (list.length === 1) return list[0]!;
  const n = list.reduce((a, p) => a + p.timestamps.length, 0);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let at = 0;
  for (const p of list) {
    ts.set(p.timestamps, at);
    vs.set(p.values, at);
    at += p.timestamps.length;
  }
  return normalize(ts, vs);
}

/** Points of consecutive hours (each sorted, the hours disjoint and ascending) as one list: a plain concatenation. */
function concatPoints(list: Points[]): RawPoints {
  const nonEmpty = list.filter((p) => p.timestamps.length > 0);
  if (nonEmpty.length === 0) return NO_POINTS;
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const n = nonEmpty.reduce((a, p) => a + p.timestamps.length, 0);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let at = 0;
  for (const p of nonEmpty) {
    timestamps.set(p.timestamps, at);
    values.set(p.values, at);
    at += p.timestamps.length;
  }
  return { timestamps, values };
}

export class TierReads {
  constructor(
    private readonly hours: OpenHours,
    private readonly tiers: TierFiles,
    /** The value of a series' last point before an hour (NaN: unknown). */
    private readonly prevValue: (id: number, hour: number) => number,
  ) {}

  /** Every point of one hour: disk first, then memory (later writes win). */
  private hourPoints(id: number, hour: number, onDisk: boolean): Points {
    const list = this.hours.points(id, hour);
    if (onDisk) {
      const d = this.tiers.readPoints(id, hour);
      if (d) list.unshift(d);
    }
    return mergePoints(list);
  }

  private hoursIn(fromMs: number, toMs: number): { hour: number; onDisk: boolean; inMemory: boolean }[] {
    const mem = new Set(this.hours.starts());
    const disk = new Set(this.tiers.starts.raw);
    return [...new Set([...disk, ...mem])]
      .filter((h) => h + HOUR > fromMs && h < toMs)
      .sort((a, b) => a - b)
      .map((hour) => ({ hour, onDisk: disk.has(hour), inMemory: mem.has(hour) }));
  }

  readRaw(seriesId: number, fromMs: number, toMs: number): RawPoints {
    if (!(fromMs < toMs)) return NO_POINTS;
    const parts: Points[] = [];
    for (const { hour, onDisk } of this.hoursIn(fromMs, toMs)) parts.push(slicePoints(this.hourPoints(seriesId, hour, onDisk), fromMs, toMs));
    return concatPoints(parts);
  }

  readRollups(seriesId: number, tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number): RollupRows {
    if (!(fromMs < toMs)) return emptyRollups();
    const mem = this.hours.starts().filter((h) => h + HOUR > fromMs && h < toMs);
    const memRows = new Map<number, RollupRows>();
    for (const hour of mem) {
      const points = this.hourPoints(seriesId, hour, this.tiers.starts.raw.includes(hour));
      if (points.timestamps.length > 0) memRows.set(hour, rollupPoints(points, TIER_INTERVAL_MS[tier], this.prevValue(seriesId, hour)));
    }
    const parts: RollupRows[] = [];
    if (tier === '1m') {
      const hours = [...new Set([...this.tiers.starts['1m'].filter((h) => h + HOUR > fromMs && h < toMs), ...mem])].sort((a, b) => a - b);
      for (const hour of hours) parts.push(memRows.get(hour) ?? this.tiers.readRows(seriesId, '1m', hour) ?? emptyRollups());
      return sliceRollups(concatRollups(parts), fromMs, toMs);
    }
    let rows = emptyRollups();
    for (const day of this.tiers.starts['1h'].filter((d) => d + DAY > fromMs && d < toMs)) {
      const r = this.tiers.readRows(seriesId, '1h', day);
      if (r) parts.push(r);
    }
    rows = concatRollups(parts);
    for (const r of memRows.values()) rows = mergeRollups(rows, r);
    return sliceRollups(rows, fromMs, toMs);
  }

  tierSpans(newestMs: number): TierSpan[] {
    const range = (tier: Tier) => {
      const s = this.tiers.starts[tier];
      const first = s.length ? this.tiers.partRange(tier, s[0]!) : null;
      const last = s.length ? this.tiers.partRange(tier, s[s.length - 1]!) : null;
      return { oldest: first?.min ?? Infinity, newest: last?.max ?? -Infinity };
    };
    const memOldest = this.hours.oldest();
    const newest = newestMs;
    return (['raw', '1m', '1h'] as Tier[]).map((tier) => {
      const r = range(tier);
      const step = TIER_INTERVAL_MS[tier];
      const align = (t: number) => (step === 0 || !Number.isFinite(t) ? t : Math.floor(t / step) * step);
      const oldest = Math.min(r.oldest, align(memOldest));
      const newestMs = Math.max(r.newest, align(newest));
      return { tier, oldestMs: Number.isFinite(oldest) ? oldest : null, newestMs: Number.isFinite(newestMs) ? newestMs : null };
    });
  }
}
