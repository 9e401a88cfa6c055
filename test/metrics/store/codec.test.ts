// Points and rollups survive every encoding the store uses: the in-memory stream, blocks and whole part files.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePointsBlock, decodeRollupBlock, encodePointsBlock, encodeRollupBlock } from '../../../src/metrics/store/blocks.js';
import { PartReader } from '../../../src/metrics/store/part-file.js';
import { encodePart, writePart } from '../../../src/metrics/store/part-writer.js';
import zlib from 'node:zlib';
import { ByteWriter, CorruptDataError } from '../../../src/metrics/store/bytes.js';
import { decodeValues, normalize, ValueEncoder } from '../../../src/metrics/store/point-codec.js';
import { HourStreams } from '../../../src/metrics/store/hour-streams.js';
import { rollupPoints } from '../../../src/metrics/store/rollup.js';
import { fuzzParams } from '../../helpers/fuzz.js';
import { tempDir } from './helpers.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100),
  fc.integer({ min: 0, max: 2 ** 53 }),
  fc.constantFrom(0, -0, 0.1, 1e-300, 5e-324, Number.MAX_VALUE, 2 ** 50, -(2 ** 50) + 1, 123456.789),
);
const time = fc.integer({ min: -(2 ** 48), max: 2 ** 48 });
const points = fc.array(fc.tuple(time, value), { maxLength: 300 });

describe('point codec', () => {
  it('an appended stream gives back every point, sorted, the last write of a ms winning', () => {
    fc.assert(
      fc.property(points, (pts) => {
        const s = new HourStreams();
        const want = new Map<number, number>();
        for (const [t, v] of pts) {
          s.append(7, t, v);
          want.set(t, v);
        }
        const got = s.get(7)?.points() ?? { timestamps: [], values: [] };
        const sorted = [...want].sort((a, b) => a[0] - b[0]);
        expect([...got.timestamps]).toEqual(sorted.map(([t]) => t));
        got.values.forEach((v, i) => expect(Object.is(v, sorted[i]![1]), `${v} vs ${sorted[i]![1]}`).toBe(true));
      }),
      params(300),
    );
  });

  it('series interleaved in one hour keep their own points across segments, and their rollup as appended', () => {
    // Up to 600 points over 4 series: streams span several 256-byte segments, each encoded from a fresh start.
    const tagged = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), time, value), { maxLength: 600 });
    fc.assert(
      fc.property(tagged, (pts) => {
        const s = new HourStreams();
        const want = new Map<number, [number, number][]>();
        for (const [id, t, v] of pts) {
          s.append(id * 1000, t, v);
          let list = want.get(id * 1000);
          if (!list) want.set(id * 1000, (list = []));
          list.push([t, v]);
        }
        expect(s.size).toBe(want.size);
        expect([...s.keys()].sort((a, b) => a - b)).toEqual([...want.keys()].sort((a, b) => a - b));
        expect(s.get(1)).toBeUndefined();
        for (const [id, list] of want) {
          const st = s.get(id)!;
          const last = new Map<number, number>();
          for (const [t, v] of list) last.set(t, v);
          const sorted = [...last].sort((a, b) => a[0] - b[0]);
          const got = st.points();
          expect([...got.timestamps]).toEqual(sorted.map(([t]) => t));
          got.values.forEach((v, i) => expect(Object.is(v, sorted[i]![1])).toBe(true));
          // The kept rollup, by hand: first, min, max, sum, last in append order, time order while it lasts.
          const vs = list.map(([, v]) => v);
          expect(st.count).toBe(list.length);
          expect(Object.is(st.first, vs[0])).toBe(true);
          expect(Object.is(st.last, vs[vs.length - 1])).toBe(true);
          expect(st.min).toBe(Math.min(...vs));
          expect(st.max).toBe(Math.max(...vs));
          expect(st.minTs).toBe(Math.min(...list.map(([t]) => t)));
          expect(st.maxTs).toBe(Math.max(...list.map(([t]) => t)));
          expect(st.inOrder).toBe(list.every(([t], i) => i === 0 || t > list[i - 1]![0]));
          let sum = 0;
          for (const v of vs) sum += v;
          expect(Object.is(st.sum, sum)).toBe(true);
        }
      }),
      params(200),
    );
  });

  it('keeps a steady hour of 10 s points in about 1.4 KiB per series', () => {
    const s = new HourStreams();
    const ids = 1000;
    for (let i = 0; i < 360; i++) for (let id = 0; id < ids; id++) s.append(id, 1.7e12 + i * 10_000 + (id % 7), Math.round(1000 + 50 * Math.sin(i / 9 + id)) / 100);
    for (let id = 0; id < ids; id += 97) expect(s.get(id)!.points().timestamps.length).toBe(360);
    // Points of this shape take ~3 bytes each (1,080 B), plus the per-series numbers, the last segment's slack and chunk rounding.
    expect(s.bytes / ids).toBeLessThan(1600);
    expect(s.bytes / ids).toBeGreaterThan(1000);
  });

  it('a block gives back its points bit for bit', () => {
    fc.assert(
      fc.property(points, (pts) => {
        const ts = Float64Array.from(pts.map(([t]) => t));
        const p = normalize(ts, Float64Array.from(pts.map(([, v]) => v)));
        const back = decodePointsBlock(encodePointsBlock(p));
        expect([...back.timestamps]).toEqual([...p.timestamps]);
        back.values.forEach((v, i) => expect(Object.is(v, p.values[i])).toBe(true));
      }),
      params(300),
    );
  });

  it('packs a steady counter at 10 s into well under 2 bytes a point in a part', () => {
    const n = 360;
    const p = { timestamps: Float64Array.from({ length: n }, (_, i) => 1.7e12 + i * 10_000), values: Float64Array.from({ length: n }, (_, i) => 1e9 + i * 1234) };
    expect(encodePart([{ id: 1, block: encodePointsBlock(p), minTs: 0, maxTs: 0 }]).length / n).toBeLessThan(1);
  });
});

describe('value tags of part version 3', () => {
  const encode = (vs: number[], derived: number[] = []) => {
    const w = new ByteWriter();
    const e = new ValueEncoder();
    vs.forEach((v, i) => e.write(w, v, derived[i] ?? NaN));
    return [...w.view()];
  };

  it('writes a value a few ULPs from a short decimal as the decimal and the distance (bytes by hand)', () => {
    // 0.1 + 0.2 is one ULP above 0.3 = 3 / 10^1: tag 64 + 1, zigzag(3 − 0) = 6, zigzag(1) = 2.
    expect(encode([0.1 + 0.2])).toEqual([65, 6, 2]);
    // Then 0.7 + 0.1 (0.7999999999999999, one ULP below 0.8): tag 65, zigzag(8 − 3) = 10, zigzag(−1) = 1.
    expect(encode([0.1 + 0.2, 0.7 + 0.1])).toEqual([65, 6, 2, 65, 10, 1]);
    // A float with no decimal nearby stays whole (tag 3 and 8 bytes).
    expect(encode([Math.PI])).toHaveLength(9);
    const out = new Float64Array(3);
    const bytes = Uint8Array.from(encode([0.1 + 0.2, 0.7 + 0.1, 0.30000000000000004]));
    expect(decodeValues(bytes, 0, bytes.length, 3, out)).toBe(bytes.length);
    expect([...out]).toEqual([0.1 + 0.2, 0.7 + 0.1, 0.30000000000000004]);
  });

  it('every double survives (near decimals included)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(value, fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 })).map(([a, b]) => a / 100 + b / 1000)), { maxLength: 100 }), (vs) => {
        const bytes = Uint8Array.from(encode(vs));
        const out = new Float64Array(vs.length);
        decodeValues(bytes, 0, bytes.length, vs.length, out);
        out.forEach((v, i) => expect(Object.is(v, vs[i]), `${vs[i]} came back as ${v}`).toBe(true));
      }),
      params(300),
    );
  });

  it('writes a 1m increase equal to last − previous last as one byte (a block by hand)', () => {
    const rows = { timestamps: Float64Array.of(60_000, 120_000), min: Float64Array.of(1, 2), max: Float64Array.of(1, 2), sum: Float64Array.of(1, 2), count: Float64Array.of(1, 1), last: Float64Array.of(1, 2), increase: Float64Array.of(5, 1) };
    const block = encodeRollupBlock(rows);
    const col = [2, 2, 1, 2]; // 1 (tag 2, zigzag 2), then 2 as a delta of the mantissa (tag 1, zigzag 2)
    // n; times: dod 60000 (zigzag 120000 = 0xC0 0xA9 0x07), then 0; min, max, sum; count 1, 1; last; increase 5 (tag 2, zigzag 10), then derived (tag 4).
    expect([...block]).toEqual([2, 0xc0, 0xa9, 0x07, 0, ...col, ...col, ...col, 2, 2, 0, ...col, 2, 10, 4]);
    expect(Object.fromEntries(Object.entries(decodeRollupBlock(block)).map(([k, v]) => [k, [...v]]))).toEqual(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, [...v]])));
  });

  it('rollup rows of counters with resets survive, increases derived or not', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1e9 }), fc.boolean()), { minLength: 1, maxLength: 80 }), (steps) => {
        const n = steps.length;
        const last = new Float64Array(n);
        const increase = new Float64Array(n);
        let v = 0;
        steps.forEach(([d, reset], i) => {
          const next = reset ? d / 10 : v + d / 10;
          increase[i] = next >= v ? next - v : next;
          last[i] = v = next;
        });
        const rows = { timestamps: Float64Array.from({ length: n }, (_, i) => i * 60_000), min: last, max: last, sum: last, count: new Float64Array(n).fill(6), last, increase };
        const back = decodeRollupBlock(encodeRollupBlock(rows));
        back.increase.forEach((x, i) => expect(Object.is(x, increase[i])).toBe(true));
        back.last.forEach((x, i) => expect(Object.is(x, last[i])).toBe(true));
      }),
      params(200),
    );
  });

  it('refuses tags it does not know, and a derived value with nothing to derive from', () => {
    const out = new Float64Array(2);
    const bad = (bytes: number[], n: number, re: RegExp, from?: Float64Array) => {
      const b = Uint8Array.from(bytes);
      expect(() => decodeValues(b, 0, b.length, n, out, from)).toThrow(CorruptDataError);
      expect(() => decodeValues(b, 0, b.length, n, out, from)).toThrow(re);
    };
    bad([4], 1, /derived value where none can be derived/);
    bad([2, 2, 4], 2, /derived value where none can be derived/);
    bad([8, 2], 1, /unknown value tag 8/);
    bad([64 + 9, 2, 2], 1, /unknown value tag 73/);
    bad([65, 6, 0xfe, 0x01], 1, /ULPs from its decimal/);
    bad([65, 6], 1, /ends inside a point/);
  });
});

describe('part files', () => {
  it('round-trip blocks of points and rollups by series id', async () => {
    const dir = tempDir();
    const pts = (k: number) => ({ timestamps: Float64Array.from([1000, 2000, 3000 + k]), values: Float64Array.from([k, k + 0.5, -k]) });
    const file = path.join(dir, 'p.part');
    // Laid out in reverse id order, indexed by id.
    await writePart(file, [7, 3, 100000].map((id) => ({ id, block: encodePointsBlock(pts(id)), minTs: 1000, maxTs: 3000 + id })), (id) => String(1e6 - id));
    const r = PartReader.open(file);
    expect([...r.ids]).toEqual([3, 7, 100000]);
    for (const id of [3, 7, 100000]) {
      const got = decodePointsBlock(r.block(r.find(id)));
      expect([...got.timestamps]).toEqual([...pts(id).timestamps]);
      expect([...got.values]).toEqual([...pts(id).values]);
    }
    expect(r.find(4)).toBe(-1);
    r.close();
    const rows = rollupPoints(pts(5), 1000, NaN);
    const back = decodeRollupBlock(encodeRollupBlock(rows));
    expect(back).toEqual(rows);
  });

  it('writes a part of many frames, frame by frame, as encodePart lays it out whole', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'many.part');
    // ~3,000 blocks of ~300 points (and one block larger than a frame): dozens of 64 KiB frames.
    const pts = (id: number) => {
      const n = id === 16 ? 40_000 : 200 + (id % 200);
      const timestamps = new Float64Array(n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        timestamps[i] = 1_700_000_000_000 + i * 10_000 + (i % 3);
        values[i] = Math.round(Math.sin(id * 7 + i) * 1e4) / 100;
      }
      return { timestamps, values };
    };
    const entries = () => Array.from({ length: 3_000 }, (_, k) => k * 3 + 1).map((id) => ({ id, block: encodePointsBlock(pts(id)), minTs: id, maxTs: id + 1 }));
    const order = (id: number) => String(id % 97).padStart(3, '0');
    const size = await writePart(file, entries(), order);
    const whole = encodePart(entries(), order);
    expect(size).toBe(fs.statSync(file).size);
    expect(fs.readFileSync(file).equals(whole)).toBe(true);
    const r = PartReader.open(file);
    expect(r.ids.length).toBe(3_000);
    for (const id of [1, 16, 4_000, 8_998]) {
      const got = decodePointsBlock(r.block(r.find(id)));
      expect([...got.values]).toEqual([...pts(id).values]);
      expect(r.maxTs[r.find(id)]).toBe(id + 1);
    }
    r.close();
    expect(fs.readdirSync(dir)).toEqual(['many.part']); // no temp file left
  });

  it('reads a part of version 2 (absolute minTs and maxTs in its index), written by hand', () => {
    const dir = tempDir();
    const file = path.join(dir, 'v2.part');
    const blocks = [encodePointsBlock({ timestamps: Float64Array.of(1_700_000_000_000, 1_700_000_010_000), values: Float64Array.of(1, 2) }), encodePointsBlock({ timestamps: Float64Array.of(1_700_000_005_000), values: Float64Array.of(7) })];
    const frame = zlib.deflateRawSync(Buffer.concat(blocks));
    const index = new ByteWriter();
    index.uvarint(1);
    index.uvarint(frame.length);
    index.uvarint(2);
    // id 3 at offset 0, id 9 after it; both in frame 0.
    index.uvarint(3), index.uvarint(0), index.uvarint(0), index.uvarint(blocks[0]!.length), index.varint(1_700_000_000_000), index.varint(1_700_000_010_000);
    index.uvarint(6), index.uvarint(0), index.uvarint(blocks[0]!.length), index.uvarint(blocks[1]!.length), index.varint(1_700_000_005_000), index.varint(1_700_000_005_000);
    const footer = Buffer.alloc(12);
    footer.writeUInt32LE(5 + frame.length, 0);
    footer.writeUInt32LE(index.len, 4);
    footer.write('TRMP', 8, 'latin1');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('TRMP'), Buffer.of(2), frame, index.view(), footer]));
    const r = PartReader.open(file);
    expect([...r.ids]).toEqual([3, 9]);
    expect([...r.minTs]).toEqual([1_700_000_000_000, 1_700_000_005_000]);
    expect([...r.maxTs]).toEqual([1_700_000_010_000, 1_700_000_005_000]);
    expect([...decodePointsBlock(r.block(r.find(9))).values]).toEqual([7]);
    r.close();
    fs.writeFileSync(file, Buffer.concat([Buffer.from('TRMP'), Buffer.of(4), frame, index.view(), footer]));
    expect(() => PartReader.open(file)).toThrow(/version 4, this Tributary reads versions 2 and 3/);
  });

  it('refuses a file that is not a whole part', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.part');
    await writePart(file, [{ id: 1, block: encodePointsBlock({ timestamps: Float64Array.from([1]), values: Float64Array.from([1]) }), minTs: 1, maxTs: 1 }]);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 3));
    expect(() => PartReader.open(file)).toThrow(/not a metrics part|too short|outside/);
  });
});
