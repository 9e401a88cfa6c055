// The time range of search (and the views that share it): `from`/`to` as the API takes them, either "that long ago"
// (`15m`, relative, slides with now) or epoch ms (absolute). An empty `to` means now.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000 };

/** `1h30m` → 5400000; null when not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return total;
}

/** An API time (`15m`, epoch ms, ISO) as epoch ms; empty → now. */
export function resolveTime(text: string | undefined, now = Date.now()): number {
  if (!text) return now;
  const d = parseDuration(text);
  if (d !== null) return now - d;
  if (/^\d+$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isNaN(t) ? now : t;
}

export interface Range {
  from: string;
  to: string;
}

export function isRelative(r: Range): boolean {
  return parseDuration(r.from) !== null && !r.to;
}

/** `t z`: twice as wide, around the same middle (relative ranges stay relative: 15m → 30m). */
export function widen(r: Range, now = Date.now()): Range {
  const d = parseDuration(r.from);
  if (d !== null && !r.to) return { from: compact(d * 2), to: '' };
  const a = resolveTime(r.from, now);
  const b = resolveTime(r.to, now);
  const w = Math.max(b - a, 1000);
  const to = Math.min(now, b + w / 2);
  return { from: String(Math.round(to - 2 * w)), to: to >= now ? '' : String(Math.round(to)) };
}

export function compact(ms: number): string {
  for (const [u, n] of [['w', 604800000], ['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000]] as const) {
    if (ms % n === 0) return `${ms / n}${u}`;
  }
  return `${Math.round(ms)}ms`;
}

export const PRESETS = ['5m', '15m', '1h', '6h', '24h', '7d', '30d'] as const;

// One timeline: Search, Metrics, Messages and Live tail share one range. Each keeps it in its own URL (`from`/`to`, so
// a reload or a permalink keeps it) and the router carries it to the next of these views (lib/router.svelte.ts).

/** The range of every time view when none was chosen. */
export const DEFAULT_RANGE: Range = { from: '1h', to: '' };

/** The views that share the range. */
export const RANGE_VIEWS: readonly string[] = ['search', 'metrics', 'messages', 'tail'];

/** The range a view's URL params hold: no `from` is the default, `from=all` is everything (from ''). */
export function rangeOf(params: Record<string, string | undefined>): Range {
  const from = params.from;
  return { from: from === undefined || from === '' ? DEFAULT_RANGE.from : from === 'all' ? '' : from, to: params.to ?? '' };
}

/** The URL params of a range: the default is left out (null), everything is `all`. */
export function rangeParams(r: Range): { from: string | null; to: string | null } {
  if (isDefault(r)) return { from: null, to: null };
  return { from: r.from || 'all', to: r.to || null };
}

export function isDefault(r: Range): boolean {
  return r.from === DEFAULT_RANGE.from && r.to === DEFAULT_RANGE.to;
}

/** Both ends in epoch ms; an open start (everything) is -Infinity, an open end now. */
export function bounds(r: Range, now = Date.now()): { from: number; to: number } {
  return { from: r.from ? resolveTime(r.from, now) : -Infinity, to: resolveTime(r.to, now) };
}

/** A range that ends before now (less a little slack for clocks): nothing new can arrive in it, so it cannot be tailed. */
export function isPast(r: Range, now = Date.now(), slackMs = 5000): boolean {
  return !!r.to && resolveTime(r.to, now) < now - slackMs;
}

/** "Back to live": a sliding range as wide as this one (whole minutes, at least one); a sliding one stays as it is. */
export function toLive(r: Range, now = Date.now()): Range {
  if (isRelative(r) || !r.from) return { from: r.from, to: '' };
  const { from, to } = bounds(r, now);
  return { from: compact(Math.max(60_000, Math.round((to - from) / 60_000) * 60_000)), to: '' };
}

/**
 * Buckets as the metrics API makes them (src/common/time-buckets.ts, docs/metrics-queries.md): aligned to multiples of
 * the step since the epoch, the step the smallest of these round sizes giving at most `points` buckets over [from, to).
 * The search histogram asks for this step, so its bars line up with the metric charts' buckets.
 */
export const NICE_STEPS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3,
  43200e3, 86400e3, 172800e3, 604800e3, 2592000e3,
];

/** The number of buckets of `step` covering [from, to), the first one holding `from`. */
export function bucketCount(from: number, to: number, step: number): number {
  const first = Math.floor(from / step) * step;
  return Math.max(1, Math.ceil((to - first) / step));
}

export function stepForPoints(from: number, to: number, points: number): number {
  for (const s of NICE_STEPS) if (bucketCount(from, to, s) <= points) return s;
  let s = Math.ceil((to - from) / Math.max(1, points - 1));
  while (bucketCount(from, to, s) > points) s++;
  return s;
}

/** Bars the search histogram aims for. */
export const HISTOGRAM_BUCKETS = 120;

/** `from`/`to` of the shared `range` added to a link's `params` when `view` shows time, unless `params` sets its own. */
export function withRange(view: string, params: Record<string, string>, range: { from?: string; to?: string }): Record<string, string> {
  if (!RANGE_VIEWS.includes(view) || 'from' in params || 'to' in params) return params;
  return { ...params, ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}) };
}

/** Whether a view's URL params choose a range (Messages and Live tail only narrow to one that was chosen). */
export function hasRange(params: Record<string, string | undefined>): boolean {
  return (params.from !== undefined && params.from !== 'all') || params.to !== undefined;
}

export interface RangeSeek {
  seek: 'newest' | 'oldest' | 'timestamp';
  timestamp?: string;
  direction: 'forward' | 'backward';
  /** Records past this edge (in the browsing direction) are outside the range: the list stops there. */
  stopBefore?: number;
  stopAfter?: number;
}

/**
 * How Messages browses a range: newest first from its end backward, stopping before its start; oldest first from its
 * start forward, stopping at its end. Bounds are fixed once (`now`), so a sliding range does not move under the list.
 */
export function rangeSeek(r: Range, newestFirst: boolean, now = Date.now()): RangeSeek {
  const { from, to } = bounds(r, now);
  const open = { from: !r.from, to: !r.to };
  if (newestFirst) {
    return { ...(open.to ? { seek: 'newest' } : { seek: 'timestamp', timestamp: String(to - 1) }), direction: 'backward', ...(open.from ? {} : { stopBefore: from }) } as RangeSeek;
  }
  return { ...(open.from ? { seek: 'oldest' } : { seek: 'timestamp', timestamp: String(from) }), direction: 'forward', ...(open.to ? {} : { stopAfter: to }) } as RangeSeek;
}

/**
 * The params of a plain switch to `view` (a nav link, `g s`: no params of its own): what the view showed last, on the
 * shared range; a link with params of its own (a topic, a query) gets the shared range only.
 */
export function switchParams(view: string, params: Record<string, string>, last: Record<string, string> | undefined, range: { from?: string; to?: string }): Record<string, string> {
  if (Object.keys(params).length > 0 || !last) return withRange(view, params, range);
  const { from: _f, to: _t, ...rest } = last;
  return RANGE_VIEWS.includes(view) ? withRange(view, rest, range) : last;
}
