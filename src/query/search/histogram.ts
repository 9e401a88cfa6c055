import { LEVEL_COLUMNS, type LevelCounts, type TokenBlock } from '../../storage/index.js';
import { LEVEL_NAMES } from '../language/index.js';
import type { BlockSummaries } from './partition-scan.js';
import type { SearchPlan } from './search.js';
import { finishStats } from './search.js';
import { SearchError, type SearchStats } from './types.js';

/** Bucket sizes the automatic choice picks from (ms): round numbers a time axis shows well. */
const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3, 172800e3, 604800e3, 2592000e3];
/** The automatic step gives at most this many buckets (and, for ranges of more than a few ms, at least half as many). */
export const AUTO_BUCKETS = 120;
export const MAX_BUCKETS = 10_000;

/** Level columns: the six the language knows, and `unknown` for records without one. */
export const HISTOGRAM_LEVELS = [...LEVEL_NAMES, 'unknown'] as const;
export type HistogramLevel = (typeof HISTOGRAM_LEVELS)[number];
// The index's level counts have the same columns in the same order (both are LEVEL_NAMES, then unknown).
if (LEVEL_COLUMNS.join() !== HISTOGRAM_LEVELS.join()) throw new Error('histogram levels and the index level columns differ');

export interface Histogram {
  from: number;
  to: number;
  step: number;
  /** Start of each bucket (epoch ms); bucket i is [times[i], times[i] + step). Columnar, as uPlot takes it. */
  times: number[];
  /** Matches per bucket. */
  counts: number[];
  /** Matches per bucket and level. */
  levels: Record<HistogramLevel, number[]>;
  total: number;
  stats: SearchStats;
}

/**
 * Matches per second and level of whole sealed blocks, per query text, so that a histogram asked again (a refreshing
 * dashboard, a zoom) reads only the blocks at the edges of its range and the unindexed tail. Sealed blocks never
 * change; a block dropped by retention takes its summaries with it (weak keys). Bounded: a few queries per block and
 * SUMMARY_SECONDS_MAX seconds in all. Assumes a record is not older than its batch's first timestamp (as producers
 * write them): a block wholly inside a range is taken to hold no record outside it.
 */
const summaries = new WeakMap<TokenBlock, Map<string, Map<number, Int32Array>>>();
const QUERIES_PER_BLOCK = 4;
const SUMMARY_SECONDS_MAX = 2_000_000;
let summarySeconds = 0;

export function autoStep(from: number, to: number): number {
  const span = Math.max(1, to - from);
  return STEPS.find((s) => span / s <= AUTO_BUCKETS) ?? Math.ceil(span / AUTO_BUCKETS);
}

/** The time range of the data when the request leaves it open: the partitions' oldest block or first batch, and now. */
export async function dataRange(plan: SearchPlan, now: number): Promise<{ from: number; to: number }> {
  let from = plan.from;
  if (!Number.isFinite(from)) {
    let oldest = Infinity;
    for (const s of plan.scans) oldest = Math.min(oldest, await s.oldestTimestamp());
    from = Number.isFinite(oldest) ? oldest : now - 3_600_000;
  }
  const to = Number.isFinite(plan.to) ? plan.to : Math.max(now + 1, from + 1);
  return { from, to };
}

/**
 * Counts of matches per time bucket and level, in one pass over what the plan's scans read (blocks that cannot match
 * by time or index are not read). Sealed blocks of a query decided by the level alone are counted from the level
 * counts their index entry holds, unread, where its buckets divide the step and do not straddle the range's ends;
 * other queries' blocks from a summary kept by an earlier histogram of the same query. `step` in ms, or chosen for
 * about 60–120 buckets.
 */
export async function histogram(plan: SearchPlan, opts: { step?: number; signal?: AbortSignal; now?: number } = {}): Promise<Histogram> {
  const { from, to } = await dataRange(plan, opts.now ?? Date.now());
  const step = opts.step ?? autoStep(from, to);
  const first = Math.floor(from / step) * step;
  const n = Math.ceil((to - first) / step);
  if (n > MAX_BUCKETS) throw new SearchError(`${n} buckets of ${step} ms over this range is more than ${MAX_BUCKETS}; choose a larger step or a shorter range`, 'invalid');
  const counts = new Array<number>(n).fill(0);
  const levels = Object.fromEntries(HISTOGRAM_LEVELS.map((l) => [l, new Array<number>(n).fill(0)])) as Record<HistogramLevel, number[]>;
  let total = 0;
  const q = plan.query;
  const columns = HISTOGRAM_LEVELS.map((l) => levels[l]);
  const levelIndex = new Map<string, number>(HISTOGRAM_LEVELS.map((l, i) => [l, i]));
  let lastLevel = 0;
  const add = (i: number, level: number, k: number) => {
    if (i < 0 || i >= n) return;
    counts[i]! += k;
    columns[level]![i]! += k;
    total += k;
  };
  const stats = plan.stats;
  // A query decided by the level alone (the empty query, `level:error`) is counted from the level counts the index
  // stores per sealed block, for the levels it matches.
  const wanted = q.levels ? HISTOGRAM_LEVELS.map((l) => q.levels!.has(l)) : null;
  const fromCounts = (b: TokenBlock): boolean => {
    if (!wanted) return false;
    const c = b.levelCounts();
    if (!c || !countsFit(c, step, from, to)) return false;
    const cols = HISTOGRAM_LEVELS.length;
    for (let i = 0; i < c.starts.length; i++) {
      const start = c.starts[i]!;
      if (start < from || start >= to) continue;
      const bucket = Math.floor((start - first) / step);
      for (let l = 0; l < cols; l++) if (wanted[l] && c.counts[i * cols + l]) add(bucket, l, c.counts[i * cols + l]!);
    }
    return true;
  };
  // Summaries count per second: usable when buckets are whole seconds (then `first` is too).
  const inside = (b: TokenBlock) => b.minTimestamp >= from && b.maxTimestamp >= 0 && b.maxTimestamp < to;
  const outside = (b: TokenBlock) => (b.maxTimestamp >= 0 && b.maxTimestamp < from) || b.minTimestamp >= to;
  const summarise = step % 1000 === 0;
  let building: Map<number, Int32Array> | null = null;
  const hook: BlockSummaries = {
    use: (b) => {
      // A block outside the range is left to the scan, which skips it by time (and says so in the stats).
      if (outside(b)) return false;
      if (fromCounts(b)) {
        stats.blocksCountedFromIndex++;
        return true;
      }
      const sum = summarise && inside(b) ? summaries.get(b)?.get(q.text) : undefined;
      if (!sum) return false;
      for (const [sec, byLevel] of sum) {
        const i = Math.floor((sec * 1000 - first) / step);
        for (let l = 0; l < byLevel.length; l++) if (byLevel[l]) add(i, l, byLevel[l]!);
      }
      stats.blocksCountedFromCache++;
      return true;
    },
    start: (b) => {
      if (!summarise || !inside(b) || summarySeconds >= SUMMARY_SECONDS_MAX) return null;
      const sum = new Map<number, Int32Array>();
      building = sum;
      return (r) => {
        const sec = Math.floor(r.timestamp / 1000);
        let byLevel = sum.get(sec);
        if (!byLevel) sum.set(sec, (byLevel = new Int32Array(HISTOGRAM_LEVELS.length)));
        byLevel[lastLevel]!++;
      };
    },
    end: (b) => {
      if (!building) return;
      let per = summaries.get(b);
      if (!per) summaries.set(b, (per = new Map()));
      if (per.size >= QUERIES_PER_BLOCK) {
        const oldest = per.keys().next().value!;
        summarySeconds -= per.get(oldest)!.size;
        per.delete(oldest);
      }
      per.set(q.text, building);
      summarySeconds += building.size;
      building = null;
    },
  };
  for (const s of plan.scans) {
    s.range.from = Math.max(s.range.from, from);
    s.range.to = Math.min(s.range.to, to);
    await s.scanAll(
      opts.signal,
      (r) => {
        lastLevel = levelIndex.get(q.levelOf(r) ?? 'unknown')!;
        add(Math.floor((r.timestamp - first) / step), lastLevel, 1);
      },
      hook,
    );
  }
  return { from, to, step, times: Array.from({ length: n }, (_, i) => first + i * step), counts, levels, total, stats: finishStats(plan) };
}

/**
 * True when a block's level counts answer exactly for buckets of `step` over [from, to): the step is a whole number of
 * count buckets (both are aligned to the epoch, so every histogram bucket is a union of count buckets), and no count
 * bucket straddles `from` or `to` (its records would be on both sides). Count buckets wholly outside are left out.
 */
export function countsFit(c: LevelCounts, step: number, from: number, to: number): boolean {
  if (step % c.resolution !== 0) return false;
  for (let i = 0; i < c.starts.length; i++) {
    const start = c.starts[i]!;
    const end = start + c.resolution;
    if ((start < from && end > from) || (start < to && end > to)) return false;
  }
  return true;
}
