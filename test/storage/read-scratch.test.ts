// A read into the caller's scratch buffer (what the metrics store does for every read) returns the same batches as a
// read without it: within one segment, across segment rolls (once a fill's batches are in the result, no later fill
// may use the scratch, or it would overwrite them), with a scratch too small for the read, and from any offset.
import { describe, expect, it } from 'vitest';
import { appendBatch, concat, makeBatch, openManager, tempDir } from './helpers.js';

async function setup(overrides: Record<string, string>) {
  const m = await openManager(tempDir());
  m.createTopic('t', 1, overrides);
  const log = m.partition('t', 0)!;
  for (let i = 0; i < 60; i++) appendBatch(log, makeBatch(1 + (i % 5), { prefix: `b${i}-` }));
  return log;
}

describe('PartitionLog read into a scratch buffer', () => {
  for (const [name, overrides] of [
    ['one segment', {}],
    ['many small segments', { 'segment.bytes': '1500' }],
  ] as const) {
    it(`returns what a plain read returns (${name})`, async () => {
      const log = await setup(overrides);
      const scratch = Buffer.alloc(64 * 1024);
      const small = Buffer.alloc(300);
      for (let offset = 0; offset < log.logEndOffset; offset += 7)
        for (const maxBytes of [1, 900, 5_000, 1 << 20]) {
          const plain = concat((await log.read(offset, maxBytes)).chunks);
          const viaScratch = concat((await log.read(offset, maxBytes, true, scratch)).chunks);
          const viaSmall = concat((await log.read(offset, maxBytes, true, small)).chunks);
          expect(plain.length).toBeGreaterThan(0);
          expect(viaScratch.equals(plain)).toBe(true);
          expect(viaSmall.equals(plain)).toBe(true);
        }
    });
  }

  it('reads a first batch larger than the read into the scratch too, once the fill before it returned nothing', async () => {
    const m = await openManager(tempDir());
    m.createTopic('big', 1, {});
    const log = m.partition('big', 0)!;
    // Small batches, then batches of ~20 KB: a 4 KB read that reaches a large one takes it whole (KIP-74), in a second
    // fill after a first one whose small batches it skipped.
    for (let i = 0; i < 30; i++) appendBatch(log, makeBatch(1, { prefix: `s${i}-` }));
    const bigFrom = log.logEndOffset;
    for (let i = 0; i < 5; i++) appendBatch(log, makeBatch(1, { prefix: `b${i}-`, size: 20_000 }));
    const scratch = Buffer.alloc(64 * 1024);
    for (let offset = bigFrom; offset < log.logEndOffset; offset++) {
      const plain = concat((await log.read(offset, 4_000)).chunks);
      const { chunks } = await log.read(offset, 4_000, true, scratch);
      expect(plain.length).toBeGreaterThan(20_000);
      expect(concat(chunks).equals(plain)).toBe(true);
      // The large batch came back as a view of the scratch, not of a new buffer.
      expect(chunks.every((c) => c.buffer === scratch.buffer)).toBe(true);
    }
  });

  it('reads the whole log in reads that reuse one buffer', async () => {
    const log = await setup({ 'segment.bytes': '1500' });
    const all = concat((await log.read(0, 1 << 20)).chunks);
    const scratch = Buffer.alloc(2_000);
    const parts: Buffer[] = [];
    let reads = 0;
    for (let next = 0; next < log.logEndOffset && reads < 1_000; reads++) {
      const { chunks } = await log.read(next, 1_000, true, scratch);
      const got = concat(chunks); // copied before the next read reuses the scratch
      parts.push(got);
      let last = next;
      for (let p = 0; p < got.length; ) {
        const base = Number(got.readBigInt64BE(p));
        const size = got.readInt32BE(p + 8) + 12;
        last = base + got.readInt32BE(p + 23) + 1;
        p += size;
      }
      next = last;
    }
    expect(reads).toBeGreaterThan(3);
    expect(concat(parts).equals(all)).toBe(true);
  });
});
