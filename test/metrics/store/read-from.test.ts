// A block read from a time on (the values before it stepped over, not decoded) gives exactly the points written at
// or after that time, whatever tag the first kept value has and whatever kind of value came before it.
import { describe, expect, it } from 'vitest';
import { decodePointsBlockFrom, encodePointsBlock } from '../../../src/metrics/store/blocks.js';
import { ByteWriter } from '../../../src/metrics/store/bytes.js';
import { decodeValues, ValueEncoder } from '../../../src/metrics/store/point-codec.js';

const scratch = () => {
  let ts = new Float64Array(4);
  let vs = new Float64Array(4);
  return (n: number) => {
    if (ts.length < n) {
      ts = new Float64Array(n);
      vs = new Float64Array(n);
    }
    return { ts: ts.subarray(0, n), vs: vs.subarray(0, n) };
  };
};

// One value of every encoding, each followed by a repeat (tag 0) of it: a read starting on a repeat must know the
// value before it. 12.34 then 12.35 (a decimal delta), 7 (an integer, k = 0), 0.1 + 0.2 (a near decimal: a few ULPs
// from 0.3), Math.PI (a float64 of its own), -0 (a float64 too: its sign), 1e-7 (a decimal of k = 7).
const VALUES = [12.34, 12.34, 12.35, 12.35, 7, 7, 0.1 + 0.2, 0.1 + 0.2, Math.PI, Math.PI, -0, -0, 1e-7, 1e-7, 2.5];
const TIMES = VALUES.map((_, i) => 1_700_000_000_000 + i * 10_000 + (i === 7 ? 3 : 0));

describe('decodePointsBlockFrom', () => {
  it('gives the points at or after every possible start, each value as written', () => {
    const block = encodePointsBlock({ timestamps: Float64Array.from(TIMES), values: Float64Array.from(VALUES) });
    const into = scratch();
    for (let from = 0; from <= VALUES.length; from++) {
      for (const fromMs of [TIMES[from] ?? TIMES[TIMES.length - 1]! + 1, (TIMES[from - 1] ?? TIMES[0]! - 5) + 1]) {
        // The first point kept is the first at or after fromMs (both spellings of the start above land on `from`).
        const got = decodePointsBlockFrom(block, fromMs, into);
        expect([...got.timestamps]).toEqual(TIMES.slice(from));
        expect(got.values.length).toBe(VALUES.length - from);
        got.values.forEach((v, i) => expect(Object.is(v, VALUES[from + i]), `start ${from}, value ${i}: ${v} vs ${VALUES[from + i]}`).toBe(true));
      }
    }
  });

  it('an empty block and a start before every point', () => {
    const into = scratch();
    const empty = decodePointsBlockFrom(encodePointsBlock({ timestamps: new Float64Array(0), values: new Float64Array(0) }), 5, into);
    expect(empty.timestamps.length).toBe(0);
    const all = decodePointsBlockFrom(encodePointsBlock({ timestamps: Float64Array.from([10, 20]), values: Float64Array.from([1.5, 2.5]) }), -1e15, into);
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
