/*
 * Finds a timestamp near the start of a log line, by hand (charCodeAt, no regex) so it costs little per line:
 *   ISO-8601 / RFC 3339     2024-05-01T12:00:00.123Z, 2024-05-01T12:00:00+02:00, 2024-05-01 12:00:00,123, 2024/05/01 12:00:00
 *   syslog (RFC 3164)       May  1 12:00:00, <34>May  1 12:00:00   (current year; last year if that is in the future)
 *   Apache / nginx          [01/May/2024:12:00:00 +0000]
 * A timestamp without a zone is local time, as the program that wrote it most likely meant.
 */

/** How far into a line a timestamp may start (an access log puts the client address and user first). */
const SCAN_CHARS = 64;
const DAY_MS = 86_400_000;

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + c - 48;
  }
  return v;
}

/** Milliseconds since the epoch of the first timestamp near the start of `line`, or undefined. */
export function parseTimestamp(line: string, now: number): number | undefined {
  const limit = Math.min(line.length, SCAN_CHARS);
  for (let i = 0; i < limit; i++) {
    const c = line.charCodeAt(i);
    const prev = i === 0 ? 32 : line.charCodeAt(i - 1);
    if (isDigit(c)) {
      if (isDigit(prev)) continue;
      const t = parseIso(line, i) ?? parseApache(line, i);
      if (t !== undefined) return t;
    } else if (c >= 65 && c <= 90 && (i === 0 || prev === 62 /* > */)) {
      const t = parseSyslog(line, i, now);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

/** A whole string that is a timestamp (a JSON field): the formats above, else what Date.parse accepts. */
export function parseTimestampString(s: string, now: number): number | undefined {
  const t = parseTimestamp(s, now);
  if (t !== undefined) return t;
  if (/^-?\d+(\.\d+)?$/.test(s)) return epochToMs(Number(s));
  const d = Date.parse(s);
  return Number.isNaN(d) ? undefined : d;
}

/** Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude. */
export function epochToMs(v: number): number | undefined {
  if (!Number.isFinite(v) || v <= 0) return undefined;
  if (v < 1e11) return Math.round(v * 1000);
  if (v < 1e14) return Math.round(v);
  if (v < 1e17) return Math.round(v / 1e3);
  return Math.round(v / 1e6);
}

function validTime(mo: number, d: number, h: number, mi: number, sec: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 60;
}

/** yyyy-mm-dd[T ]hh:mm:ss[.,]fff[Z|±hh:mm|±hhmm|±hh] (also yyyy/mm/dd). */
function parseIso(s: string, i: number): number | undefined {
  const sep = s.charCodeAt(i + 4);
  if (sep !== 45 /* - */ && sep !== 47 /* / */) return undefined;
  const y = digits(s, i, 4);
  const mo = digits(s, i + 5, 2);
  const d = digits(s, i + 8, 2);
  if (y < 0 || mo < 0 || d < 0 || s.charCodeAt(i + 7) !== sep) return undefined;
  const t = s.charCodeAt(i + 10);
  if (t !== 84 /* T */ && t !== 32 && t !== 116 /* t */ && t !== 95 /* _ */) return undefined;
  const h = digits(s, i + 11, 2);
  const mi = digits(s, i + 14, 2);
  const sec = digits(s, i + 17, 2);
  if (h < 0 || mi < 0 || sec < 0 || s.charCodeAt(i + 13) !== 58 || s.charCodeAt(i + 16) !== 58) return undefined;
  if (!validTime(mo, d, h, mi, sec)) return undefined;
  let p = i + 19;
  let ms = 0;
  const f = s.charCodeAt(p);
  if ((f === 46 || f === 44) && isDigit(s.charCodeAt(p + 1))) {
    p++;
    let scale = 100;
    for (; isDigit(s.charCodeAt(p)); p++) {
      ms += (s.charCodeAt(p) - 48) * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  const offset = parseZone(s, p);
  if (offset === undefined) return new Date(y, mo - 1, d, h, mi, sec, ms).getTime();
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offset * 60_000;
}

/** Minutes east of UTC for Z, ±hh:mm, ±hhmm or ±hh at `p` (one optional space before); undefined when there is none. */
function parseZone(s: string, p: number): number | undefined {
  let c = s.charCodeAt(p);
  if (c === 90 || c === 122) return 0; // Z z
  if (c === 32 && (s.charCodeAt(p + 1) === 43 || s.charCodeAt(p + 1) === 45)) c = s.charCodeAt(++p);
  if (c !== 43 && c !== 45) return undefined;
  const sign = c === 45 ? -1 : 1;
  const hh = digits(s, p + 1, 2);
  if (hh < 0 || hh > 14) return undefined;
  let mm = 0;
  if (s.charCodeAt(p + 3) === 58) mm = digits(s, p + 4, 2);
  else if (isDigit(s.charCodeAt(p + 3))) mm = digits(s, p + 3, 2);
  if (mm < 0 || mm > 59) return undefined;
  return sign * (hh * 60 + mm);
}

/** dd/Mon/yyyy:hh:mm:ss ±zzzz, as in Apache and nginx access logs. */
function parseApache(s: string, i: number): number | undefined {
  if (s.charCodeAt(i + 2) !== 47 || s.charCodeAt(i + 6) !== 47 || s.charCodeAt(i + 11) !== 58) return undefined;
  const d = digits(s, i, 2);
  const mo = MONTHS[s.substr(i + 3, 3)];
  const y = digits(s, i + 7, 4);
  const h = digits(s, i + 12, 2);
  const mi = digits(s, i + 15, 2);
  const sec = digits(s, i + 18, 2);
  if (mo === undefined || d < 0 || y < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  if (s.charCodeAt(i + 14) !== 58 || s.charCodeAt(i + 17) !== 58 || !validTime(mo + 1, d, h, mi, sec)) return undefined;
  const offset = parseZone(s, i + 20);
  if (offset === undefined) return new Date(y, mo, d, h, mi, sec).getTime();
  return Date.UTC(y, mo, d, h, mi, sec) - offset * 60_000;
}

/** Mon dd hh:mm:ss (dd may be space-padded), in the current year unless that would be more than a day ahead. */
function parseSyslog(s: string, i: number, now: number): number | undefined {
  const mo = MONTHS[s.substr(i, 3)];
  if (mo === undefined || s.charCodeAt(i + 3) !== 32) return undefined;
  let p = i + 4;
  if (s.charCodeAt(p) === 32) p++;
  let d = digits(s, p, 2);
  if (d >= 0) p += 2;
  else if ((d = digits(s, p, 1)) >= 0) p += 1;
  else return undefined;
  if (s.charCodeAt(p) !== 32 || s.charCodeAt(p + 3) !== 58 || s.charCodeAt(p + 6) !== 58) return undefined;
  const h = digits(s, p + 1, 2);
  const mi = digits(s, p + 4, 2);
  const sec = digits(s, p + 7, 2);
  if (h < 0 || mi < 0 || sec < 0 || !validTime(mo + 1, d, h, mi, sec)) return undefined;
  let ms = 0;
  if (s.charCodeAt(p + 9) === 46 && isDigit(s.charCodeAt(p + 10))) ms = Math.floor(Number(`0.${s.slice(p + 10, p + 13).replace(/\D.*$/, '')}`) * 1000);
  const year = new Date(now).getFullYear();
  const t = new Date(year, mo, d, h, mi, sec, ms).getTime();
  return t > now + DAY_MS ? new Date(year - 1, mo, d, h, mi, sec, ms).getTime() : t;
}
