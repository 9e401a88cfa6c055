// Every time, size and number the UI shows goes through here, so one time-zone setting applies everywhere.
import { settings } from './settings.svelte';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
}

function parts(ms: number, utc: boolean): Parts {
  const t = new Date(ms);
  return utc
    ? { y: t.getUTCFullYear(), mo: t.getUTCMonth() + 1, d: t.getUTCDate(), h: t.getUTCHours(), mi: t.getUTCMinutes(), s: t.getUTCSeconds(), ms: t.getUTCMilliseconds() }
    : { y: t.getFullYear(), mo: t.getMonth() + 1, d: t.getDate(), h: t.getHours(), mi: t.getMinutes(), s: t.getSeconds(), ms: t.getMilliseconds() };
}

/** `2026-12-02 17:04:05.123` in the chosen zone. */
export function fmtTime(ms: number, opts: { millis?: boolean; date?: boolean } = {}): string {
  if (!Number.isFinite(ms)) return '—';
  const p = parts(ms, settings.tz === 'utc');
  const time = `${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${opts.millis === false ? '' : `.${pad(p.ms, 3)}`}`;
  return opts.date === false ? time : `${p.y}-${pad(p.mo)}-${pad(p.d)} ${time}`;
}

/** The label of the zone in use: `UTC` or the browser's zone name. */
export function tzLabel(): string {
  return settings.tz === 'utc' ? 'UTC' : Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';
}

/** Parses `YYYY-MM-DD[ HH:mm[:ss[.SSS]]]` in the chosen zone (or any Date.parse-able text with its own zone). */
export function parseTimeInput(text: string): number | null {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*$/.exec(text);
  if (!m) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? null : t;
  }
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => (x === undefined ? 0 : Number(x)));
  const millis = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  if (settings.tz === 'utc') return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, millis);
  return new Date(y!, mo! - 1, d!, h!, mi!, s!, millis).getTime();
}

/** How long ago, short: `4s ago`, `3m ago`, `2h ago`, `5d ago`. */
export function fmtAgo(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const intFmt = new Intl.NumberFormat('en-US');
export function fmtInt(n: number): string {
  return Number.isFinite(n) ? intFmt.format(Math.round(n)) : '—';
}

/** Rates: 0, 0.4, 12, 1.2k, 34k, 1.5M. */
export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n === 0) return '0';
  if (n < 10) return n.toFixed(1);
  if (n < 1000) return n.toFixed(0);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}

/** A duration in ms as `1h30m`, `15m`, `2d`, `450ms`. */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const units: [string, number][] = [['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000]];
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const [u, n] of units) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out;
}

/**
 * A range in the chosen zone, as short as stays clear: the date only where it is not today, the end's date only
 * where it differs from the start's (`06:58:00 → 07:08:00`, `2026-12-01 23:00:00 → 12-02 01:00:00`). NaN end: now.
 */
export function fmtRange(from: number, to: number, now = Date.now()): string {
  const today = fmtTime(now, { millis: false }).slice(0, 10);
  const a = Number.isFinite(from) ? fmtTime(from, { millis: false }) : '';
  const b = Number.isFinite(to) ? fmtTime(to, { millis: false }) : '';
  const left = !a ? 'the start' : a.slice(0, 10) === today ? a.slice(11) : a;
  const right = !b ? 'now' : b.slice(0, 10) === (a ? a.slice(0, 10) : today) ? b.slice(11) : b.slice(0, 4) === a.slice(0, 4) ? b.slice(5) : b;
  return `${left} → ${right}`;
}
