import { ByteWriter, CorruptDataError } from './bytes.js';

/**
 * How points are written, in memory and on disk. Timestamps (ms): zigzag varints of the delta of deltas, so points at
 * a steady interval take one byte (zero). Values: one tag byte, then
 *   tag 0              the same value as the previous one (idle gauges, flat counters: one byte);
 *   tag (k << 2) | 1   value = m / 10^k with the previous value's k: a zigzag varint of m - previous m (counters);
 *   tag (k << 2) | 2   value = m / 10^k: a zigzag varint of m (a gauge with few decimals);
 *   tag 3              the float64 itself (values with more than 15 decimals or beyond 2^50).
 * and, on disk only (part version 3; the in-memory streams never write them):
 *   tag 64 + k         a value a few ULPs from a short decimal m / 10^k: a zigzag varint of m - previous m, then a
 *                      zigzag varint of j, the distance in ULPs (v's bit pattern minus that of m / 10^k, |j| ≤ 64).
 *                      Sums and increases of decimals carry float noise (12.340000000000002): 3–4 bytes, not 9.
 *   tag 4              the column's derived value (blocks.ts: a 1m row's increase equal to last − previous last, what
 *                      a counter without a reset has): one byte.
 * As VictoriaMetrics does, a float becomes a decimal mantissa and exponent when that is exact (m / 10^k gives back
 * the very same double, checked by doing the division), so deltas are small integers a general compressor packs well.
 * Lossless for every finite double (and -0 through tag 3).
 */

const POW10 = Float64Array.of(1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15);
const MANTISSA_LIMIT = 2 ** 50;
/** Timestamps beyond ±2^49 ms (year 19,800) cannot be delta-coded in a double's integer range; the store refuses them. */
export const MAX_ABS_TIMESTAMP_MS = 2 ** 49;

let decK = 0;
let decM = 0;

/** Sets the decimal form of v (read with decimalK/decimalM) and returns true, or false when v has none (too many digits). */
export function toDecimal(v: number): boolean {
  return decimal(v);
}
export const decimalK = (): number => decK;
export const decimalM = (): number => decM;

function decimal(v: number): boolean {
  if (Number.isInteger(v)) {
    if (Math.abs(v) >= MANTISSA_LIMIT || Object.is(v, -0)) return false;
    decK = 0;
    decM = v;
    return true;
  }
  for (let k = 1; k < 16; k++) {
    const p = POW10[k]!;
    const m = Math.round(v * p);
    if (Math.abs(m) >= MANTISSA_LIMIT) return false;
    if (m / p === v) {
      decK = k;
      decM = m;
      return true;
    }
  }
  return false;
}

const NEAR_TAG = 64;
const DERIVED_TAG = 4;
/** Decimal digits tried for a near decimal, and how many ULPs away it may be. */
const NEAR_MAX_K = 8;
const NEAR_MAX_ULPS = 64;
const BITS = new Float64Array(1);
const BITS_U32 = new Uint32Array(BITS.buffer);
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** v's bit pattern minus base's, as a number (exact when the two are close: both are split into 32-bit halves). */
function ulpDistance(v: number, base: number): number {
  BITS[0] = v;
  const vh = BITS_U32[HI]!;
  const vl = BITS_U32[LO]!;
  BITS[0] = base;
  return (vh - BITS_U32[HI]!) * 4294967296 + (vl - BITS_U32[LO]!);
}

/** base moved by j ULPs (|j| small): the inverse of ulpDistance. */
function ulpMove(base: number, j: number): number {
  BITS[0] = base;
  let lo = BITS_U32[LO]! + j;
  let hi = BITS_U32[HI]!;
  if (lo >= 4294967296) {
    lo -= 4294967296;
    hi++;
  } else if (lo < 0) {
    lo += 4294967296;
    hi--;
  }
  BITS_U32[LO] = lo;
  BITS_U32[HI] = hi;
  return BITS[0]!;
}

let nearK = 0;
let nearM = 0;
let nearJ = 0;

/** Sets nearK/M/J when v is within NEAR_MAX_ULPS of a decimal with at most NEAR_MAX_K digits after the point. */
function nearDecimal(v: number): boolean {
  if (!Number.isFinite(v) || v === 0) return false;
  for (let k = 0; k <= NEAR_MAX_K; k++) {
    const p = POW10[k]!;
    const m = Math.round(v * p);
    if (Math.abs(m) >= MANTISSA_LIMIT) return false;
    const base = k === 0 ? m : m / p;
    if (base === 0 || base < 0 !== v < 0) continue;
    const j = ulpDistance(v, base);
    if (Math.abs(j) <= NEAR_MAX_ULPS) {
      nearK = k;
      nearM = m;
      nearJ = j;
      return true;
    }
  }
  return false;
}

/** Values of one column of a block on disk (tags above; `derived` values and near decimals too). */
export class ValueEncoder {
  private prev = NaN;
  private prevM = 0;
  private prevK = -1;

  /** `derived`: what the decoder can compute for this row (tag 4 when v is exactly it); NaN: nothing. */
  write(w: ByteWriter, v: number, derived = NaN): void {
    if (Object.is(v, this.prev)) {
      w.byte(0);
      return;
    }
    this.prev = v;
    if (Object.is(v, derived)) {
      w.byte(DERIVED_TAG);
      return;
    }
    if (!decimal(v)) {
      if (nearDecimal(v)) {
        w.byte(NEAR_TAG + nearK);
        w.varint(nearM - this.prevM);
        w.varint(nearJ);
        this.prevK = nearK;
        this.prevM = nearM;
        return;
      }
      w.byte(3);
      w.float64(v);
      this.prevK = -1;
      return;
    }
    if (decK === this.prevK) {
      w.byte((decK << 2) | 1);
      w.varint(decM - this.prevM);
    } else {
      w.byte((decK << 2) | 2);
      w.varint(decM);
    }
    this.prevK = decK;
    this.prevM = decM;
  }
}

export class TimeEncoder {
  private prev = 0;
  private prevDelta = 0;

  write(w: ByteWriter, t: number): void {
    const d = t - this.prev;
    w.varint(d - this.prevDelta);
    this.prev = t;
    this.prevDelta = d;
  }
}

/** Points in ascending time, unique timestamps. */
export interface Points {
  timestamps: Float64Array;
  values: Float64Array;
}

export const NO_POINTS: Points = { timestamps: new Float64Array(0), values: new Float64Array(0) };

/**
 * Arrays a streamed read decodes one series' points into, grown as needed, and the range [lo, n) the last decode
 * filled: a query of 1,000 series over two hours made some 8,000 typed-array views (subarrays of its scratch) for
 * nothing but their length, a megabyte of young garbage per query.
 */
export class PointScratch {
  ts = new Float64Array(512);
  vs = new Float64Array(512);
  lo = 0;
  n = 0;

  /** Room for n points (the contents are not kept). */
  reserve(n: number): void {
    if (this.ts.length >= n) return;
    this.ts = new Float64Array(Math.ceil(n * 1.5));
    this.vs = new Float64Array(this.ts.length);
  }
}

/**
 * Sorts points written in any order by time; of points with the same timestamp the one written last wins (a later
 * write of the same ms replaces the value). Returns the arrays themselves when they were in order already.
 */
export function normalize(ts: Float64Array, vs: Float64Array): Points {
  let ordered = true;
  for (let i = 1; i < ts.length; i++) {
    if (!(ts[i]! > ts[i - 1]!)) {
      ordered = false;
      break;
    }
  }
  if (ordered) return { timestamps: ts, values: vs };
  const idx = Array.from({ length: ts.length }, (_, i) => i);
  idx.sort((a, b) => ts[a]! - ts[b]! || a - b);
  const outT: number[] = [];
  const outV: number[] = [];
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    if (outT.length > 0 && outT[outT.length - 1] === ts[i]) outV[outV.length - 1] = vs[i]!;
    else {
      outT.push(ts[i]!);
      outV.push(vs[i]!);
    }
  }
  return { timestamps: Float64Array.from(outT), values: Float64Array.from(outV) };
}

/** Points in [from, to) of ascending points, as views. */
export function slicePoints(p: Points, from: number, to: number): Points {
  const lo = lowerBound(p.timestamps, from);
  const hi = lowerBound(p.timestamps, to);
  if (lo === 0 && hi === p.timestamps.length) return p;
  return { timestamps: p.timestamps.subarray(lo, hi), values: p.values.subarray(lo, hi) };
}

/** The first index in [lo, hi) of ascending `a` whose value is at least x (hi: none). */
export function lowerBound(a: Float64Array, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/*
 * Decoding loops with the varints inlined: reads decode hundreds of thousands of points per query, and a method call
 * per byte costs several times the work. Bounds are checked once per value against `end`.
 */

function corrupt(): never {
  throw new CorruptDataError('metrics data ends inside a point');
}

/** n timestamps (delta-of-delta varints) from buf[pos…] into out; returns the position after them. */
export function decodeTimes(buf: Uint8Array, pos: number, end: number, n: number, out: Float64Array): number {
  let prev = 0;
  let delta = 0;
  for (let i = 0; i < n; i++) {
    if (pos >= end) corrupt();
    let b = buf[pos++]!;
    if (b < 128) {
      // One byte (a steady interval: zero): small-integer arithmetic only.
      delta += (b & 1) === 0 ? b >> 1 : -((b + 1) >> 1);
    } else {
      let u = b & 127;
      let mul = 128;
      do {
        if (pos >= end) corrupt();
        b = buf[pos++]!;
        u += (b & 127) * mul;
        mul *= 128;
      } while (b >= 128);
      delta += u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
    prev += delta;
    out[i] = prev;
  }
  return pos;
}

/** A zigzag varint at buf[pos…] (position after it in varintEnd). */
let varintEnd = 0;
function readVarint(buf: Uint8Array, pos: number, end: number): number {
  let u = 0;
  let mul = 1;
  for (;;) {
    if (pos >= end) corrupt();
    const b = buf[pos++]!;
    u += (b & 127) * mul;
    if (b < 128) break;
    mul *= 128;
    if (mul > 2 ** 56) throw new CorruptDataError('metrics data has a varint longer than 8 bytes');
  }
  varintEnd = pos;
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/**
 * n values (tagged, see above) from buf[pos…] into out; returns the position after them. `derivedFrom`: the column
 * whose steps the derived tag stands for (row i's value = derivedFrom[i] − derivedFrom[i − 1]); none: the tag is
 * corrupt data. `from`: out[0…from) is left as it is, those values only stepped over (what comes after depends on
 * them, but a read of the end of an hour needs no division nor store for them); not with `derivedFrom`.
 */
export function decodeValues(buf: Uint8Array, pos: number, end: number, n: number, out: Float64Array, derivedFrom?: Float64Array, from = 0): number {
  let prev = NaN;
  let prevM = 0;
  let i = 0;
  if (from > 0 && !derivedFrom) {
    pos = skipValues(buf, pos, end, Math.min(from, n));
    prev = skippedPrev;
    prevM = skippedPrevM;
    i = Math.min(from, n);
  }
  for (; i < n; i++) {
    if (pos >= end) corrupt();
    const tag = buf[pos++]!;
    // The usual value first: a decimal (tag (k << 2) | 1 or | 2) whose varint has one or two bytes, both before the
    // end (gauges with a few decimals, counters' steps); anything else below, with a check at every byte.
    const low = tag & 3;
    if ((low === 1 || low === 2) && tag < NEAR_TAG && pos + 1 < end) {
      const b0 = buf[pos]!;
      let u = -1;
      if (b0 < 128) {
        u = b0;
        pos += 1;
      } else {
        const b1 = buf[pos + 1]!;
        if (b1 < 128) {
          u = (b0 & 127) | (b1 << 7);
          pos += 2;
        }
      }
      if (u >= 0) {
        const z = (u & 1) === 0 ? u >>> 1 : -((u + 1) >>> 1);
        const m = low === 1 ? prevM + z : z;
        prevM = m;
        const k = tag >> 2;
        out[i] = prev = k === 0 ? m : m / POW10[k]!;
        continue;
      }
    }
    if (tag === 0) {
      out[i] = prev;
      continue;
    }
    if (tag === 3) {
      if (pos + 8 > end) corrupt();
      for (let j = 0; j < 8; j++) F64_BYTES[j] = buf[pos + j]!;
      pos += 8;
      out[i] = prev = F64[0]!;
      continue;
    }
    if (tag === DERIVED_TAG) {
      if (!derivedFrom || i === 0) throw new CorruptDataError('metrics data has a derived value where none can be derived');
      out[i] = prev = derivedFrom[i]! - derivedFrom[i - 1]!;
      continue;
    }
    if (tag >= NEAR_TAG) {
      const k = tag - NEAR_TAG;
      if (k > NEAR_MAX_K) throw new CorruptDataError(`metrics data has an unknown value tag ${tag}`);
      const m = prevM + readVarint(buf, pos, end);
      const j = readVarint(buf, varintEnd, end);
      pos = varintEnd;
      if (Math.abs(j) > NEAR_MAX_ULPS) throw new CorruptDataError(`metrics data has a value ${j} ULPs from its decimal`);
      prevM = m;
      out[i] = prev = ulpMove(k === 0 ? m : m / POW10[k]!, j);
      continue;
    }
    if ((tag & 3) === 0) throw new CorruptDataError(`metrics data has an unknown value tag ${tag}`);
    if (pos >= end) corrupt();
    let b = buf[pos++]!;
    let u = b;
    if (b >= 128) {
      u = b & 127;
      let mul = 128;
      do {
        if (pos >= end) corrupt();
        b = buf[pos++]!;
        u += (b & 127) * mul;
        mul *= 128;
      } while (b >= 128);
    }
    const z = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    const m = (tag & 3) === 1 ? prevM + z : z;
    prevM = m;
    const k = tag >> 2;
    out[i] = prev = k === 0 ? m : m / POW10[k]!;
  }
  return pos;
}

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

/** After skipValues: the value of the last point stepped over (NaN: none), and the mantissa the next delta adds to. */
let skippedPrev = NaN;
let skippedPrevM = 0;

/**
 * Steps over n values (no derived tags: point blocks) as decodeValues reads them, with the same checks, keeping only
 * what the next value may depend on: the previous mantissa, and how to make the previous value (computed once, at
 * the end). Returns the position after them.
 */
function skipValues(buf: Uint8Array, pos: number, end: number, n: number): number {
  let prevM = 0;
  // The last value-setting tag: 0 none (NaN), 3 a float64 at floatAt, else a decimal (tag's k) or a near decimal.
  let lastTag = 0;
  let floatAt = 0;
  let lastM = 0;
  let lastJ = 0;
  for (let i = 0; i < n; i++) {
    if (pos >= end) corrupt();
    const tag = buf[pos++]!;
    // As in decodeValues: a decimal with a one- or two-byte varint inside the block first.
    const low = tag & 3;
    if ((low === 1 || low === 2) && tag < NEAR_TAG && pos + 1 < end) {
      const b0 = buf[pos]!;
      let u = -1;
      if (b0 < 128) {
        u = b0;
        pos += 1;
      } else {
        const b1 = buf[pos + 1]!;
        if (b1 < 128) {
          u = (b0 & 127) | (b1 << 7);
          pos += 2;
        }
      }
      if (u >= 0) {
        const z = (u & 1) === 0 ? u >>> 1 : -((u + 1) >>> 1);
        prevM = lastM = low === 1 ? prevM + z : z;
        lastTag = tag;
        continue;
      }
    }
    if (tag === 0) continue;
    if (tag === 3) {
      if (pos + 8 > end) corrupt();
      lastTag = 3;
      floatAt = pos;
      pos += 8;
      continue;
    }
    if (tag === DERIVED_TAG) throw new CorruptDataError('metrics data has a derived value where none can be derived');
    if (tag >= NEAR_TAG) {
      if (tag - NEAR_TAG > NEAR_MAX_K) throw new CorruptDataError(`metrics data has an unknown value tag ${tag}`);
      const m = prevM + readVarint(buf, pos, end);
      const j = readVarint(buf, varintEnd, end);
      pos = varintEnd;
      if (Math.abs(j) > NEAR_MAX_ULPS) throw new CorruptDataError(`metrics data has a value ${j} ULPs from its decimal`);
      prevM = lastM = m;
      lastJ = j;
      lastTag = tag;
      continue;
    }
    if ((tag & 3) === 0) throw new CorruptDataError(`metrics data has an unknown value tag ${tag}`);
    if (pos >= end) corrupt();
    let b = buf[pos++]!;
    let u = b;
    if (b >= 128) {
      u = b & 127;
      let mul = 128;
      do {
        if (pos >= end) corrupt();
        b = buf[pos++]!;
        u += (b & 127) * mul;
        mul *= 128;
      } while (b >= 128);
    }
    const z = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    prevM = lastM = (tag & 3) === 1 ? prevM + z : z;
    lastTag = tag;
  }
  skippedPrevM = prevM;
  if (lastTag === 0) skippedPrev = NaN;
  else if (lastTag === 3) {
    for (let j = 0; j < 8; j++) F64_BYTES[j] = buf[floatAt + j]!;
    skippedPrev = F64[0]!;
  } else if (lastTag >= NEAR_TAG) {
    const k = lastTag - NEAR_TAG;
    skippedPrev = ulpMove(k === 0 ? lastM : lastM / POW10[k]!, lastJ);
  } else {
    const k = lastTag >> 2;
    skippedPrev = k === 0 ? lastM : lastM / POW10[k]!;
  }
  return pos;
}
