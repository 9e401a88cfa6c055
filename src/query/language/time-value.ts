/**
 * A point in time as written in a `_time` clause, as the interval it names: epoch milliseconds name one millisecond;
 * ISO-8601 names its precision (`2024-06-01` the whole day, `2024-06-01T12:00` the minute), so `_time:2024-06-01`
 * is that day and `_time<=2024-06-01` includes it. Without an offset the time is UTC (write `+02:00` for local time).
 */

export interface TimeSpan {
  start: number;
  /** Exclusive. */
  end: number;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The span `text` names, or null when it is not a time. */
export function parseTimeSpan(text: string): TimeSpan | null {
  if (/^\d{1,16}$/.test(text)) {
    const ms = Number(text);
    return { start: ms, end: ms + 1 };
  }
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let start = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  if (new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day) return null; // 2024-02-30
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2));
    const offM = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (offH > 23 || offM > 59) return null;
    start -= sign * (offH * 60 + offM) * 60_000;
  }
  const unit = frac !== undefined ? 1 : s !== undefined ? 1000 : mi !== undefined ? 60_000 : h !== undefined ? 3_600_000 : 86_400_000;
  return { start, end: start + unit };
}
