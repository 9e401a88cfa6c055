// A block read from a time on (the values before it stepped over, not decoded) gives exactly the points written at
// or after that time, whatever tag the first kept value has and whatever kind of value came before it.
import { describe, expect, it } from 'vitest';
import { decodePointsBlockFrom, encodePointsBlock } from '../../../src/metrics/store/blocks.js';
import { ByteWriter } from '../../../src/metrics/store/bytes.js';
import { decodeValues, PointScratch, ValueEncoder } from '../../../src/metrics/store/point-codec.js';

/** The points a decode into `s` filled, [s.lo, s.n). */
const filled = (s: PointScratch) => ({ timestamps: s.ts.subarray(s.lo, s.n), values: s.vs.subarray(s.lo, s.n) });

// One value of every encoding, each followed by a repeat (tag 0) of it: a read starting on a repeat must know the
// value before it. 12.34 then 12.35 (a decimal delta), 7 (an integer, k = 0), 0.1 + 0.2 (a near decimal: a few ULPs
// from 0.3), Math.PI (a float64 of its own), -0 (a float64 too: its sign), 1e-7 (a decimal of k = 7).
const VALUES = [12.34, 12.34, 12.35, 12.35, 7, 7, 0.1 + 0.2, 0.1 + 0.2, Math.PI, Math.PI, -0, -0, 1e-7, 1e-7, 2.5];
const TIMES = VALUES.map((_, i) => 1_700_000_000_000 + i * 10_000 + (i === 7 ? 3 : 0));

describe('decodePointsBlockFrom', () => {
  it('gives the points at or after every possible start, each value as written', () => {
    const block = encodePointsBlock({ timestamps: Float64Array.from(TIMES), values: Float64Array.from(VALUES) });
    // A scratch smaller than the block to start with, then reused from one read to the next.
    const into = new PointScratch();
    into.ts = new Float64Array(2);
    into.vs = new Float64Array(2);
    for (let from = 0; from <= VALUES.length; from++) {
      for (const fromMs of [TIMES[from] ?? TIMES[TIMES.length - 1]! + 1, (TIMES[from - 1] ?? TIMES[0]! - 5) + 1]) {
        // The first point kept is the first at or after fromMs (both spellings of the start above land on `from`).
        decodePointsBlockFrom(block, fromMs, into);
        const got = filled(into);
        expect([...got.timestamps]).toEqual(TIMES.slice(from));
        expect(got.values.length).toBe(VALUES.length - from);
        got.values.forEach((v, i) => expect(Object.is(v, VALUES[from + i]), `start ${from}, value ${i}: ${v} vs ${VALUES[from + i]}`).toBe(true));
      }
    }
  });

  it('an empty block and a start before every point', () => {
    const into = new PointScratch();
    decodePointsBlockFrom(encodePointsBlock({ timestamps: new Float64Array(0), values: new Float64Array(0) }), 5, into);
    expect(filled(into).timestamps.length).toBe(0);
    decodePointsBlockFrom(encodePointsBlock({ timestamps: Float64Array.from([10, 20]), values: Float64Array.from([1.5, 2.5]) }), -1e15, into);
    const all = filled(into);
    expect([...all.timestamps]).toEqual([10, 20]);
    expect([...all.values]).toEqual([1.5, 2.5]);
  });
});

describe('decodeValues from an index', () => {
  it('leaves the values before it as they were and decodes the rest, after values of every tag', () => {
    const w = new ByteWriter(64);
    const enc = new ValueEncoder();
    for (const v of VALUES) enc.write(w, v);
    const bytes = w.view();
    for (let from = 0; from <= VALUES.length; from++) {
      const out = new Float64Array(VALUES.length).fill(-123);
      const end = decodeValues(bytes, 0, bytes.length, VALUES.length, out, undefined, from);
      expect(end).toBe(bytes.length);
      for (let i = 0; i < VALUES.length; i++) expect(Object.is(out[i], i < from ? -123 : VALUES[i]), `start ${from}, value ${i}`).toBe(true);
    }
  });

  it('still finds corrupt data among the values stepped over', () => {
    const out = new Float64Array(3);
    // A value with tag 8 (no encoding has it), then two repeats.
    expect(() => decodeValues(Uint8Array.from([8, 2, 0, 0]), 0, 4, 3, out, undefined, 2)).toThrow(/unknown value tag 8/);
    // Ends inside the first value's varint.
    expect(() => decodeValues(Uint8Array.from([6, 0x80]), 0, 2, 2, out, undefined, 1)).toThrow(/ends inside a point/);
  });
});

describe('HourStreams.decodeInOrder', () => {
  it('decodes a series appended in time order into the scratch, and declines one appended out of order', async () => {
    const { HourStreams } = await import('../../../src/metrics/store/hour-streams.js');
    const h = new HourStreams();
    // Series 1 in order (enough points for several 256-byte segments); series 2 with a point before its newest.
    const n = 300;
    for (let i = 0; i < n; i++) h.append(1, 1_000 + i * 10, i % 7 === 0 ? 0.5 : i / 4);
    h.append(2, 50, 1);
    h.append(2, 40, 2);
    const s = new PointScratch();
    expect(h.decodeInOrder(1, s)).toBe(true);
    expect([s.lo, s.n]).toEqual([0, n]);
    for (let i = 0; i < n; i++) {
      expect(s.ts[i]).toBe(1_000 + i * 10);
      expect(s.vs[i]).toBe(i % 7 === 0 ? 0.5 : i / 4);
    }
    expect(h.decodeInOrder(2, s)).toBe(false);
    expect(h.decodeInOrder(3, s)).toBe(false); // no points
    expect(h.countOf(2)).toBe(2);
    expect(h.countOf(3)).toBe(0);
  });
});
