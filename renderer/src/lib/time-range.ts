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
