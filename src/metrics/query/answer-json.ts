import type { MetricsColumns } from './run.js';

/*
 * The JSON answer of /metrics/query written straight from the typed columns into one buffer. Building an array of
 * numbers and nulls per series and handing it to JSON.stringify cost twice the writing itself (1,000 series × 360
 * buckets: ~25 ms to build the arrays, ~22 ms to stringify, against ~10 ms here). The output is what
 * JSON.stringify(runMetricsQuery(…)) would write, key for key; numbers may be spelled differently (12.3 for 12.30…),
 * never valued differently: every number written parses back to the same double.
 */

const SCALE = 1e6;
const MAX_EXACT = 2 ** 53;

/** A buffer that grows by doubling; `reserve` before writing up to that many bytes. */
class JsonOut {
  buf: Buffer;
  len = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(256, capacity));
  }

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** ASCII text (JSON of tags and stats is escaped by JSON.stringify; non-ASCII tag values go as UTF-8). */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.len++] = c;
  }
}

/** Digits of a non-negative integer below 2^53 at b[p…]; returns the end. Exact: `%` and the division are exact here. */
function writeInt(b: Buffer, p: number, x: number): number {
  if (x < 10) {
    b[p] = 48 + x;
    return p + 1;
  }
  let n = 0;
  for (let y = x; y >= 1; y = (y - (y % 10)) / 10) n++;
  let at = p + n - 1;
  while (x >= 1) {
    const d = x % 10;
    b[at--] = 48 + d;
    x = (x - d) / 10;
  }
  return p + n;
}

/**
 * A JSON number for v at b[p…] (room for 26 bytes reserved); NaN and ±Infinity as null, as JSON.stringify writes
 * them. Values with at most six decimals (what gauges, averages of a single point and counters are) are written
 * digit by digit: for an integer d below 2^53, d / 1e6 is the double nearest the decimal d·10⁻⁶ (IEEE division of two
 * exact numbers rounds correctly), so when it equals v that decimal parses back to v. Anything else takes String(v).
 */
export function writeJsonNumber(b: Buffer, p: number, v: number): number {
  if (!Number.isFinite(v)) {
    b[p] = 0x6e;
    b[p + 1] = 0x75;
    b[p + 2] = 0x6c;
    b[p + 3] = 0x6c;
    return p + 4;
  }
  let a = v;
  if (v < 0) {
    b[p++] = 0x2d;
    a = -v;
  }
  if (a < INT32_UNITS) {
    // Below 2,147: the scaled value fits int32, and V8 does every step below in integer arithmetic (on doubles each
    // `%` and division is a call: most of the answer's writing time, for gauges like cpu usage).
    const d = Math.round(a * SCALE);
    if (d / SCALE === a) return writeScaled32(b, p, d | 0);
  } else if (Number.isInteger(a) && a < MAX_EXACT) return writeInt(b, p, a);
  const d = Math.round(a * SCALE);
  if (d < MAX_EXACT && d / SCALE === a) {
    const frac = d % SCALE;
    p = writeInt(b, p, (d - frac) / SCALE);
    // frac > 0 here (a is not an integer): six digits, trailing zeros left out.
    b[p++] = 0x2e;
    let f = frac;
    let digits = 6;
    while (f % 10 === 0) {
      f /= 10;
      digits--;
    }
    for (let i = digits - 1; i >= 0; i--) {
      const c = f % 10;
      b[p + i] = 48 + c;
      f = (f - c) / 10;
    }
    return p + digits;
  }
  return p + b.write(String(a), p, 'latin1');
}

/** Below this a value times SCALE (rounded) is an int32. */
const INT32_UNITS = 2147;

/** The two ASCII digits of 0…99, at 2i and 2i + 1. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}

/**
 * The decimal d·10⁻⁶ (0 ≤ d < 2^31) at b[p…], trailing zeros of the fraction left out; returns the end. Digits two at
 * a time from PAIRS: the fraction is three pairs, cut after the last one that is not zero (and its trailing zero).
 */
function writeScaled32(b: Buffer, p: number, d: number): number {
  const ip = (d / SCALE) | 0;
  const f = d - ip * SCALE;
  if (ip < 10) b[p++] = 48 + ip;
  else if (ip < 100) {
    b[p] = PAIRS[2 * ip]!;
    b[p + 1] = PAIRS[2 * ip + 1]!;
    p += 2;
  } else {
    const h = (ip / 100) | 0;
    const r = ip - h * 100;
    if (h < 10) b[p++] = 48 + h;
    else {
      b[p] = PAIRS[2 * h]!;
      b[p + 1] = PAIRS[2 * h + 1]!;
      p += 2;
    }
    b[p] = PAIRS[2 * r]!;
    b[p + 1] = PAIRS[2 * r + 1]!;
    p += 2;
  }
  if (f === 0) return p;
  b[p++] = 0x2e;
  const f1 = (f / 10000) | 0;
  const rest = f - f1 * 10000;
  b[p] = PAIRS[2 * f1]!;
  b[p + 1] = PAIRS[2 * f1 + 1]!;
  if (rest === 0) return p + (b[p + 1] === 48 ? 1 : 2);
  const f2 = (rest / 100) | 0;
  const f3 = rest - f2 * 100;
  b[p + 2] = PAIRS[2 * f2]!;
  b[p + 3] = PAIRS[2 * f2 + 1]!;
  if (f3 === 0) return p + (b[p + 3] === 48 ? 3 : 4);
  b[p + 4] = PAIRS[2 * f3]!;
  b[p + 5] = PAIRS[2 * f3 + 1]!;
  return p + (b[p + 5] === 48 ? 5 : 6);
}

function column(out: JsonOut, col: Float64Array): void {
  // Room for the longest spelling of every number (26 bytes and a comma) reserved once: the loop keeps the buffer and
  // position in locals.
  out.reserve(col.length * 27 + 2);
  const b = out.buf;
  let p = out.len;
  b[p++] = 0x5b;
  for (let i = 0; i < col.length; i++) {
    if (i > 0) b[p++] = 0x2c;
    p = writeJsonNumber(b, p, col[i]!);
  }
  b[p++] = 0x5d;
  out.len = p;
}

/**
 * `{"timestamps":[…],"series":[{"tags":{…},"values":[…]}…],"stats":{…}}` in one buffer. `head`: members written first
 * (`"type":"answer",` for a live message).
 */
export function answerJson(a: MetricsColumns, head = ''): Buffer {
  const out = new JsonOut(64 + (a.series.length + 1) * (a.timestamps.length * 10 + 64));
  out.text(`{${head}"timestamps":`);
  column(out, a.timestamps);
  out.text(',"series":[');
  for (let k = 0; k < a.series.length; k++) {
    const s = a.series[k]!;
    out.text(`${k > 0 ? ',' : ''}{"tags":${JSON.stringify(s.tags)},"values":`);
    column(out, s.values);
    out.byte(0x7d);
  }
  out.text(`],"stats":${JSON.stringify(a.stats)}}`);
  return out.buf.subarray(0, out.len);
}
