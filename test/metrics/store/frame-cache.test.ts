// Inflated frames kept across reads: bounded in bytes, least recently used dropped first, never served for a part
// rewritten since (a new reader), and a part read twice inflated once.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePointsBlock, encodePointsBlock } from '../../../src/metrics/store/blocks.js';
import { FrameCache } from '../../../src/metrics/store/frame-cache.js';
import { PartCache } from '../../../src/metrics/store/part-file.js';
import { writePart } from '../../../src/metrics/store/part-writer.js';
import { tempDir } from './helpers.js';

const frame = (bytes: number, fill: number) => Buffer.alloc(bytes, fill);

describe('FrameCache', () => {
  it('keeps at most its bytes, dropping the least recently used', () => {
    const c = new FrameCache(10_000);
    c.put(1, 0, frame(4_000, 1));
    c.put(1, 1, frame(4_000, 2));
    expect(c.get(1, 0)?.[0]).toBe(1); // now frame 1 is the least recently used
    c.put(2, 0, frame(4_000, 3)); // 12,000 bytes: frame (1, 1) goes
    expect(c.bytes).toBe(8_000);
    expect(c.get(1, 1)).toBeUndefined();
    expect(c.get(1, 0)?.[0]).toBe(1);
    expect(c.get(2, 0)?.[0]).toBe(3);
    // A frame larger than the whole cache is not kept (and drops nothing).
    c.put(3, 0, frame(10_001, 4));
    expect(c.get(3, 0)).toBeUndefined();
    expect(c.bytes).toBe(8_000);
    expect(c.stats()).toMatchObject({ hits: 3, misses: 2, frames: 2 });
  });

  it('drops every frame of one owner, and only those', () => {
    const c = new FrameCache(100_000);
    for (let f = 0; f < 3; f++) c.put(7, f, frame(1_000, f));
    c.put(8, 0, frame(1_000, 9));
    c.dropOwner(7);
    expect(c.bytes).toBe(1_000);
    for (let f = 0; f < 3; f++) expect(c.get(7, f)).toBeUndefined();
    expect(c.get(8, 0)?.[0]).toBe(9);
  });

  it('counts a frame that is a view of a larger buffer at the larger size', () => {
    const c = new FrameCache(100_000);
    c.put(1, 0, Buffer.alloc(50_000).subarray(0, 10));
    expect(c.bytes).toBe(50_000);
  });
});

describe('PartCache frames', () => {
  // Two frames' worth of blocks (256 KiB frames): 600 series of 2,000 points of distinct values.
  const pts = (id: number, gen: number) => {
    const n = 2_000;
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      timestamps[i] = 1_700_000_000_000 + i * 1_000;
      values[i] = gen * 1e6 + id * 1e3 + i + 0.25;
    }
    return { timestamps, values };
  };
  const write = (file: string, gen: number) => writePart(file, Array.from({ length: 600 }, (_, id) => ({ id, block: encodePointsBlock(pts(id, gen)), minTs: 0, maxTs: 1 })));

  it('a part read twice is inflated once; rewritten and dropped, its new contents are read', async () => {
    const file = path.join(tempDir(), 'p.part');
    await write(file, 1);
    const cache = new PartCache(4, 64 * 1024 * 1024);
    const readAll = () => {
      const r = cache.get(file);
      let sum = 0;
      for (let i = 0; i < r.ids.length; i++) sum += decodePointsBlock(r.block(i)).values[5]!;
      return sum;
    };
    // values[5] of series id in generation g: g·1e6 + id·1e3 + 5.25, summed over the 600 ids.
    const expected = (g: number) => 600 * (g * 1e6 + 5.25) + 1e3 * ((599 * 600) / 2);
    expect(readAll()).toBe(expected(1));
    const first = cache.frames.stats();
    expect(first.frames).toBeGreaterThan(1);
    expect(first.misses).toBe(first.frames);
    expect(readAll()).toBe(expected(1));
    const second = cache.frames.stats();
    expect(second.misses).toBe(first.misses); // nothing inflated again
    expect(second.hits).toBeGreaterThan(first.hits);
    // Rewritten (as TierFiles.replace does: write, then drop the reader): the old frames go with it.
    await write(file, 2);
    cache.drop(file);
    expect(cache.frames.bytes).toBe(0);
    expect(readAll()).toBe(expected(2));
    cache.close();
    expect(cache.frames.bytes).toBe(0);
    fs.rmSync(file);
  });

  it('stays within its bound while reading more frames than it holds', async () => {
    const file = path.join(tempDir(), 'p.part');
    await write(file, 3);
    // Room for one frame of ~256 KiB, not two.
    const cache = new PartCache(4, 400 * 1024);
    const r = cache.get(file);
    for (let i = 0; i < r.ids.length; i++) {
      expect(decodePointsBlock(r.block(i)).values[0]).toBe(3e6 + r.ids[i]! * 1e3 + 0.25);
      expect(cache.frames.bytes).toBeLessThanOrEqual(400 * 1024);
    }
    cache.close();
  });
});
