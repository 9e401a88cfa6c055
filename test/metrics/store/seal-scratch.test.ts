// The seal pass's reused buffers: blocks kept in the arena keep their bytes while later blocks are added (across
// chunks, and for blocks too large for a chunk), blocks encoded through the scratch writer decode to what they encode,
// and rollups computed into the scratch's unzeroed rows (left full of another series' values) equal the allocated ones.
import { describe, expect, it } from 'vitest';
import { BlockArena, blockScratch } from '../../../src/metrics/store/block-arena.js';
import { decodePointsBlock, decodeRollupBlock, encodePointsBlock, encodeRollupBlock } from '../../../src/metrics/store/blocks.js';
import { rollupPoints } from '../../../src/metrics/store/rollup.js';
import { SealScratch } from '../../../src/metrics/store/seal-scratch.js';

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

function points(n: number, t0: number, seed: number): { timestamps: Float64Array; values: Float64Array } {
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestamps[i] = t0 + i * 10_000;
    values[i] = Math.round(Math.sin(seed + i) * 1000) / 100 + (i % 17 === 0 ? -50 : 0);
  }
  return { timestamps, values };
}

describe('seal scratch', () => {
  it('keeps every block intact across chunks and for oversized blocks', () => {
    const arena = new BlockArena();
    const sizes = [1, 700, 5_000, 300_000, 100_000, 90_000, 262_144, 262_145, 3, 1_000_000];
    const kept: { copy: Uint8Array; want: Uint8Array }[] = [];
    for (let round = 0; round < 12; round++)
      for (const [i, n] of sizes.entries()) {
        const want = bytes(n, round * 100 + i);
        const copy = arena.add(want);
        want.fill(0xee, 0, Math.min(4, n)); // the caller's buffer is scratch: reusing it must not change the copy
        kept.push({ copy, want: bytes(n, round * 100 + i) });
      }
    for (const k of kept) expect(Buffer.from(k.copy).equals(Buffer.from(k.want))).toBe(true);
  });

  it('encodes blocks through the scratch writer as without it', () => {
    const scratch = blockScratch();
    const blocks = [];
    for (let s = 0; s < 50; s++) {
      const p = points(1 + ((s * 37) % 400), 1_700_000_000_000 + s, s);
      const rows = rollupPoints(p, 60_000, NaN);
      blocks.push({ p, rows, pb: encodePointsBlock(p, scratch), rb: encodeRollupBlock(rows, scratch) });
    }
    for (const b of blocks) {
      expect(Buffer.from(b.pb).equals(Buffer.from(encodePointsBlock(b.p)))).toBe(true);
      expect(Array.from(decodePointsBlock(b.pb).values)).toEqual(Array.from(b.p.values));
      expect(Array.from(decodeRollupBlock(b.rb).increase)).toEqual(Array.from(b.rows.increase));
    }
  });

  it('rolls up into unzeroed scratch rows as into fresh ones', () => {
    const scratch = new SealScratch();
    const dirty = scratch.rows(500);
    for (const col of Object.values(dirty)) col.fill(12345);
    for (let s = 0; s < 20; s++) {
      const p = points(1 + ((s * 53) % 360), 1_700_000_000_000 + s * 1_000, s);
      const prev = s % 2 ? NaN : 3;
      const want = rollupPoints(p, 60_000, prev);
      const got = rollupPoints(p, 60_000, prev, scratch.rows);
      for (const c of ['timestamps', 'min', 'max', 'sum', 'count', 'last', 'increase'] as const) expect(Array.from(got[c])).toEqual(Array.from(want[c]));
    }
    const { ts, vs } = scratch.points(1_000);
    expect(ts.length).toBe(1_000);
    expect(vs.length).toBe(1_000);
  });
});
