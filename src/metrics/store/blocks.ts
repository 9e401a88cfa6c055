import type { BlockScratch } from './block-arena.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { decodeTimes, decodeValues, lowerBound, TimeEncoder, ValueEncoder, type Points, type PointScratch } from './point-codec.js';
import type { RollupRows } from '../types.js';

/**
 * One series' block in a part file: its points (or rollup rows) of one hour or day, columnar (all timestamps, then
 * each value column: the compressor of the part's frames finds the repeats of a column next to each other).
 */

/** With `scratch`, encoded in its writer and kept in its arena (a seal pass: no allocation per block). */
export function encodePointsBlock(p: Points, scratch?: BlockScratch): Uint8Array {
  if (!scratch) {
    const w = new ByteWriter(16 + p.timestamps.length * 3);
    encodePointsInto(w, p);
    return w.trimmed();
  }
  return scratch.arena.add(encodePointsInto(scratch.writer, p));
}

/** The block of `p`, encoded in `w` (reset first): a view of it, valid until w's next use. */
export function encodePointsInto(w: ByteWriter, p: Points): Uint8Array {
  w.reset();
  const n = p.timestamps.length;
  w.uvarint(n);
  const te = new TimeEncoder();
  for (let i = 0; i < n; i++) te.write(w, p.timestamps[i]!);
  const ve = new ValueEncoder();
  for (let i = 0; i < n; i++) ve.write(w, p.values[i]!);
  return w.view();
}

/** With `into`, decoded into the arrays it gives for n points (a query's scratch), valid until its next use. */
export function decodePointsBlock(block: Uint8Array, into?: (n: number) => { ts: Float64Array; vs: Float64Array }): Points {
  const r = new ByteReader(block);
  const n = r.uvarint();
  const { ts: timestamps, vs: values } = into ? into(n) : { ts: new Float64Array(n), vs: new Float64Array(n) };
  const pos = decodeTimes(block, r.pos, block.length, n, timestamps);
  decodeValues(block, pos, block.length, n, values);
  return { timestamps, values };
}

/**
 * The points of a block at or after `fromMs` into `s` (valid until its next use): s.ts[s.lo, s.n) and s.vs[s.lo, s.n).
 * Every timestamp is decoded (to find where they start; s.ts[0, s.lo) holds the earlier ones), the values before
 * them only stepped over: a query of the last hour reads the newest minutes of the sealed hour before, most of its
 * block.
 */
export function decodePointsBlockFrom(block: Uint8Array, fromMs: number, s: PointScratch): void {
  const r = new ByteReader(block);
  const n = r.uvarint();
  s.reserve(n);
  const ts = s.ts;
  const pos = decodeTimes(block, r.pos, block.length, n, ts);
  const lo = n === 0 || ts[0]! >= fromMs ? 0 : lowerBound(ts, fromMs, 0, n);
  decodeValues(block, pos, block.length, n, s.vs, undefined, lo);
  s.lo = lo;
  s.n = n;
}

export const ROLLUP_COLUMNS = ['min', 'max', 'sum', 'count', 'last', 'increase'] as const;

/**
 * Rows of n zeros: seven views of one allocation (a query decodes thousands of small blocks: one buffer each, not seven).
 * `all`: the allocation to view (a reader's scratch, at least 7n long).
 */
export function emptyRollups(n = 0, all: Float64Array = new Float64Array(7 * n)): RollupRows {
  return {
    timestamps: all.subarray(0, n),
    min: all.subarray(n, 2 * n),
    max: all.subarray(2 * n, 3 * n),
    sum: all.subarray(3 * n, 4 * n),
    count: all.subarray(4 * n, 5 * n),
    last: all.subarray(5 * n, 6 * n),
    increase: all.subarray(6 * n, 7 * n),
  };
}

/** With `scratch`, encoded in its writer and kept in its arena (a seal pass: no allocation per block). */
export function encodeRollupBlock(rows: RollupRows, scratch?: BlockScratch): Uint8Array {
  if (!scratch) {
    const w = new ByteWriter(16 + rows.timestamps.length * 8);
    encodeRollupInto(w, rows);
    return w.trimmed();
  }
  return scratch.arena.add(encodeRollupInto(scratch.writer, rows));
}

/** The block of `rows`, encoded in `w` (reset first): a view of it, valid until w's next use. */
export function encodeRollupInto(w: ByteWriter, rows: RollupRows): Uint8Array {
  const n = rows.timestamps.length;
  w.reset();
  w.uvarint(n);
  const te = new TimeEncoder();
  for (let i = 0; i < n; i++) te.write(w, rows.timestamps[i]!);
  for (const c of ROLLUP_COLUMNS) {
    const ve = new ValueEncoder();
    const col = rows[c];
    if (c === 'increase') {
      // A counter's increase over a minute without a reset is its last value minus the previous minute's: one byte.
      const last = rows.last;
      ve.write(w, col[0]!);
      for (let i = 1; i < n; i++) ve.write(w, col[i]!, last[i]! - last[i - 1]!);
    } else for (let i = 0; i < n; i++) ve.write(w, col[i]!);
  }
  return w.view();
}

/**
 * With `into`, decoded into the scratch it gives for n rows (7n values, or rows of n: hour-rows.ts's RowScratch),
 * valid until its next use.
 */
export function decodeRollupBlock(block: Uint8Array, into?: (n: number) => Float64Array | RollupRows): RollupRows {
  const r = new ByteReader(block);
  const n = r.uvarint();
  const given = into?.(n);
  const rows = given === undefined ? emptyRollups(n) : given instanceof Float64Array ? emptyRollups(n, given) : given;
  let pos = decodeTimes(block, r.pos, block.length, n, rows.timestamps);
  for (const c of ROLLUP_COLUMNS) pos = decodeValues(block, pos, block.length, n, rows[c], c === 'increase' ? rows.last : undefined);
  return rows;
}
