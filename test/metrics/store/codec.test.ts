// Points and rollups survive every encoding the store uses: the in-memory stream, blocks and whole part files.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePointsBlock, decodeRollupBlock, encodePointsBlock, encodeRollupBlock } from '../../../src/metrics/store/blocks.js';
import { encodePart, PartReader, writePart } from '../../../src/metrics/store/part-file.js';
import { normalize } from '../../../src/metrics/store/point-codec.js';
import { PointStream } from '../../../src/metrics/store/point-stream.js';
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
        const s = new PointStream();
        const want = new Map<number, number>();
        for (const [t, v] of pts) {
          s.append(t, v);
          want.set(t, v);
        }
        const got = s.points();
        const sorted = [...want].sort((a, b) => a[0] - b[0]);
        expect([...got.timestamps]).toEqual(sorted.map(([t]) => t));
        got.values.forEach((v, i) => expect(Object.is(v, sorted[i]![1]), `${v} vs ${sorted[i]![1]}`).toBe(true));
      }),
      params(300),
    );
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

  it('refuses a file that is not a whole part', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.part');
    await writePart(file, [{ id: 1, block: encodePointsBlock({ timestamps: Float64Array.from([1]), values: Float64Array.from([1]) }), minTs: 1, maxTs: 1 }]);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 3));
    expect(() => PartReader.open(file)).toThrow(/not a metrics part|too short|outside/);
  });
});
