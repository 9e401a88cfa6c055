import { isSkippableLine, LineProtocolError, nsToMs, parseLine, type FieldValue } from '../../collect/line-protocol/index.js';

/**
 * Line protocol read straight from record bytes, for the store's hot path: numbers parsed from the bytes (no BigInt,
 * no object per field), the series part of a line returned as a cache key so a known series costs one Map lookup.
 * Lines with a backslash or a double quote (escapes, string fields) and lines that start with a non-ASCII byte take
 * the general parser (collect/line-protocol), so this path only handles what has no escaping at all. It accepts and
 * refuses exactly what parseLine does (property-tested against it); integers and unsigned become doubles, booleans
 * 0/1, string fields are counted and skipped, timestamps are nanoseconds floored to ms.
 */

const SP = 0x20;
const COMMA = 0x2c;
const EQ = 0x3d;
const BSLASH = 0x5c;
const QUOTE = 0x22;
const MINUS = 0x2d;
const DOT = 0x2e;
const D0 = 0x30;
const D9 = 0x39;

const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';
const UINT64_MAX_DIGITS = '18446744073709551615';

const BOOLEANS: Record<string, number> = Object.assign(Object.create(null), {
  t: 1, T: 1, true: 1, True: 1, TRUE: 1, f: 0, F: 0, false: 0, False: 0, FALSE: 0,
});
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

const isDigit = (c: number) => c >= D0 && c <= D9;

/** What one line held. Reused from line to line: copy what you keep. */
export class ScannedLine {
  /** The fast path read the line: the series part is the bytes [keyStart, keyEnd) (no escapes), field keys are byte ranges. */
  fast = false;
  keyStart = 0;
  keyEnd = 0;
  /** FNV-1a of the series part's bytes. */
  keyHash = 0;
  fieldStarts: number[] = [];
  fieldEnds: number[] = [];
  /** Set by the general path instead (fieldKeys too). */
  measurement = '';
  tags: Record<string, string> | null = null;
  fieldKeys: string[] = [];
  values: number[] = [];
  fieldCount = 0;
  /** String fields: counted and skipped. */
  skippedFields = 0;
  /** NaN when the line has no timestamp. */
  timestampMs = NaN;
  error: string | null = null;
}

/** Digits [s, e) of an ASCII run, leading zeros dropped, as a string (for range checks of long numbers). */
function digits(buf: Uint8Array, s: number, e: number): string {
  while (s < e - 1 && buf[s] === D0) s++;
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1');
}

/** a <= b for digit strings without leading zeros. */
const notAbove = (a: string, b: string) => a.length < b.length || (a.length === b.length && a <= b);

function latin1(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1');
}

/** The numeric value of a field token [s, e), or NaN (with out.error set) when it is no valid number or boolean. */
function fieldNumber(buf: Uint8Array, s: number, e: number, out: ScannedLine): number {
  const last = buf[e - 1]!;
  if (last === 0x69 /* i */ || last === 0x75 /* u */) {
    const neg = buf[s] === MINUS;
    const ds = neg ? s + 1 : s;
    let ok = ds < e - 1 && !(neg && last === 0x75);
    for (let i = ds; ok && i < e - 1; i++) ok = isDigit(buf[i]!);
    if (ok) {
      // Significant digits counted in place: the usual integer (up to 15 of them) is read without a string (one per
      // integer field was a fifth of what the store allocated applying host metrics).
      let lead = ds;
      while (lead < e - 2 && buf[lead] === D0) lead++;
      if (e - 1 - lead <= 15) {
        const v = fastInt(buf, lead, e - 1);
        return neg && v !== 0 ? -v : v;
      }
      const d = digits(buf, ds, e - 1);
      const bound = last === 0x75 ? UINT64_MAX_DIGITS : neg ? INT64_MIN_DIGITS : INT64_MAX_DIGITS;
      if (!notAbove(d, bound)) {
        out.error = `${last === 0x75 ? 'unsigned' : 'integer'} value is outside the 64-bit range`;
        return NaN;
      }
      const v = Number(d);
      return neg && v !== 0 ? -v : v;
    }
  }
  const c0 = buf[s]!;
  if (!(isDigit(c0) || c0 === MINUS || c0 === DOT)) {
    const b = BOOLEANS[latin1(buf, s, e)];
    if (b !== undefined) return b;
    out.error = 'invalid field value';
    return NaN;
  }
  // -?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?
  let i = s;
  const neg = buf[i] === MINUS;
  if (neg) i++;
  let mant = 0;
  let nd = 0;
  let frac = 0;
  const intStart = i;
  while (i < e && isDigit(buf[i]!)) {
    mant = mant * 10 + (buf[i]! - D0);
    nd++;
    i++;
  }
  const intDigits = i - intStart;
  let fracDigits = 0;
  if (i < e && buf[i] === DOT) {
    i++;
    while (i < e && isDigit(buf[i]!)) {
      mant = mant * 10 + (buf[i]! - D0);
      nd++;
      frac++;
      fracDigits++;
      i++;
    }
  }
  if (intDigits === 0 && fracDigits === 0) {
    out.error = 'invalid field value';
    return NaN;
  }
  let exp = false;
  if (i < e && (buf[i] === 0x65 || buf[i] === 0x45)) {
    exp = true;
    i++;
    if (i < e && (buf[i] === 0x2b || buf[i] === MINUS)) i++;
    const es = i;
    while (i < e && isDigit(buf[i]!)) i++;
    if (i === es) {
      out.error = 'invalid field value';
      return NaN;
    }
  }
  if (i !== e) {
    out.error = 'invalid field value';
    return NaN;
  }
  // Clinger's fast path: an exact mantissa below 2^53 divided by an exact power of ten rounds once, as Number() does.
  let v: number;
  if (!exp && nd <= 15) v = frac === 0 ? mant : mant / POW10[frac]!;
  else {
    v = Number(latin1(buf, neg ? s + 1 : s, e));
    if (!Number.isFinite(v)) {
      out.error = 'float value is out of range';
      return NaN;
    }
  }
  return neg ? -v : v;
}

function fastInt(buf: Uint8Array, s: number, e: number): number {
  let v = 0;
  for (let i = s; i < e; i++) v = v * 10 + (buf[i]! - D0);
  return v;
}

const INT64_MAX_BYTES = Buffer.from(INT64_MAX_DIGITS);
const INT64_MIN_BYTES = Buffer.from(INT64_MIN_DIGITS);

/** Nanoseconds [s, e) (validated digits with optional sign) floored to ms, or NaN when outside int64. No allocation. */
function timestampMs(buf: Uint8Array, s: number, e: number): number {
  const neg = buf[s] === MINUS;
  let d = neg ? s + 1 : s;
  while (d < e - 1 && buf[d] === D0) d++;
  const len = e - d;
  if (len > 19) return NaN;
  if (len === 19) {
    const bound = neg ? INT64_MIN_BYTES : INT64_MAX_BYTES;
    for (let i = 0; i < 19; i++) {
      const c = buf[d + i]!;
      const b = bound[i]!;
      if (c < b) break;
      if (c > b) return NaN;
    }
  }
  // Whole ms: the digits before the last six (at most 13 of them: exact in a double); the rest only decides the floor.
  const cut = e - 6;
  let ms = 0;
  for (let i = d; i < cut; i++) ms = ms * 10 + (buf[i]! - D0);
  if (!neg) return ms;
  let rest = false;
  for (let i = Math.max(d, cut); i < e; i++) if (buf[i] !== D0) rest = true;
  return -(ms + (rest ? 1 : 0)) || 0;
}

function isSpaceLike(c: number): boolean {
  return c === SP || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

export type LineResult = 'point' | 'skip' | 'bad';

/**
 * Reads the line [start, end) of `buf` (no newline) into `out`: 'point', 'skip' (blank or comment) or 'bad'
 * (out.error says why).
 */
export function scanLine(buf: Uint8Array, start: number, end: number, out: ScannedLine): LineResult {
  out.fast = false;
  out.tags = null;
  out.fieldCount = 0;
  out.skippedFields = 0;
  out.timestampMs = NaN;
  out.error = null;
  let p = start;
  while (p < end && isSpaceLike(buf[p]!)) p++;
  if (p === end || buf[p] === 0x23 /* # */) return 'skip';
  if (buf[p]! >= 0x80) return general(buf, start, end, out);
  // parseLine strips only leading spaces and tabs, and one trailing \r.
  p = start;
  while (buf[p] === SP || buf[p] === 0x09) p++;
  let e = end;
  if (e > p && buf[e - 1] === 0x0d) e--;
  const keyStart = p;
  let hash = 0x811c9dc5;
  while (p < e) {
    const c = buf[p]!;
    if (c === SP) break;
    if (c === BSLASH || c === QUOTE) return general(buf, start, end, out);
    hash = Math.imul(hash ^ c, 16777619);
    p++;
  }
  const keyEnd = p;
  while (p < e && buf[p] === SP) p++;
  if (p === e) {
    out.error = 'a point needs at least one field';
    return 'bad';
  }
  let n = 0;
  for (;;) {
    const ks = p;
    while (p < e) {
      const c = buf[p]!;
      if (c === EQ || c === COMMA || c === SP) break;
      if (c === BSLASH || c === QUOTE) return general(buf, start, end, out);
      p++;
    }
    if (p === ks || buf[p] !== EQ) {
      out.error = p === ks ? 'empty field key' : 'field has no value';
      return 'bad';
    }
    const ke = p++;
    if (buf[p] === QUOTE) return general(buf, start, end, out);
    const vs = p;
    while (p < e) {
      const c = buf[p]!;
      if (c === COMMA || c === SP) break;
      if (c === BSLASH || c === QUOTE) return general(buf, start, end, out);
      p++;
    }
    if (p === vs) {
      out.error = 'empty field value';
      return 'bad';
    }
    const v = fieldNumber(buf, vs, p, out);
    if (out.error !== null) return 'bad';
    out.fieldStarts[n] = ks;
    out.fieldEnds[n] = ke;
    out.values[n] = v;
    n++;
    if (buf[p] === COMMA && p < e) {
      p++;
      continue;
    }
    break;
  }
  while (p < e && buf[p] === SP) p++;
  if (p < e) {
    const ts = p;
    if (buf[p] === MINUS) p++;
    const ds = p;
    while (p < e && isDigit(buf[p]!)) p++;
    if (p === ds || (p < e && buf[p] !== SP)) {
      out.error = 'invalid timestamp';
      return 'bad';
    }
    out.timestampMs = timestampMs(buf, ts, p);
    if (Number.isNaN(out.timestampMs)) {
      out.error = 'timestamp is outside the 64-bit nanosecond range';
      return 'bad';
    }
    while (p < e && buf[p] === SP) p++;
    if (p < e) {
      out.error = 'unexpected text after the timestamp';
      return 'bad';
    }
  }
  out.fast = true;
  out.keyHash = hash;
  out.keyStart = keyStart;
  out.keyEnd = keyEnd;
  out.fieldCount = n;
  return 'point';
}

/**
 * The measurement and tags of a fast-path key (bytes without backslash or quote), checked as parseLine checks them;
 * a string error when they break its rules. Tags with the same key: the last wins.
 */
export function parseKey(buf: Uint8Array, s: number, e: number): { measurement: string; tags: Record<string, string> } | string {
  const text = Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8');
  const parts = text.split(',');
  const measurement = parts[0]!;
  if (measurement === '') return 'missing measurement name';
  const tags: Record<string, string> = Object.create(null);
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq <= 0) return eq === 0 || part === '' ? 'empty tag key' : 'tag has no value';
    const value = part.slice(eq + 1);
    if (value.includes('=')) return "tag value contains an unescaped '='";
    if (value === '') return 'tag has an empty value';
    tags[part.slice(0, eq)] = value;
  }
  return { measurement, tags };
}

function numeric(f: FieldValue): number | null {
  switch (f.type) {
    case 'float':
      return f.value;
    case 'integer':
    case 'unsigned':
      return Number(f.value);
    case 'boolean':
      return f.value ? 1 : 0;
    case 'string':
      return null;
  }
}

/** The general parser, for lines with escapes or string fields. */
function general(buf: Uint8Array, start: number, end: number, out: ScannedLine): LineResult {
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
  if (isSkippableLine(text)) return 'skip';
  try {
    const p = parseLine(text, 'ns');
    out.measurement = p.measurement;
    out.tags = p.tags;
    let n = 0;
    for (const [k, f] of Object.entries(p.fields)) {
      const v = numeric(f);
      if (v === null) {
        out.skippedFields++;
        continue;
      }
      out.fieldKeys[n] = k;
      out.values[n] = v;
      n++;
    }
    out.fieldCount = n;
    out.timestampMs = p.timestampNs === null ? NaN : nsToMs(p.timestampNs);
    return 'point';
  } catch (e) {
    if (!(e instanceof LineProtocolError)) throw e;
    out.error = e.message;
    return 'bad';
  }
}
