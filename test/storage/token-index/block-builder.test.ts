// Building one block from log bytes: the same entry whatever pieces the bytes come in, the block cut at the first
// batch boundary at or after its size, and records that cannot be read making the block match anything.
import { describe, expect, it } from 'vitest';
import { buildRecordBatch, gzipBatch } from '../../../src/protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE, computeBatchCrc, BATCH_OFFSET_CRC, rewriteBatchOffset } from '../../../src/protocol/record-batch.js';
import { BlockBuilder, BlockFormatError, MAX_INDEXED_BATCH_BYTES } from '../../../src/storage/token-index/block-builder.js';
import { decodeEntryHeader, ENTRY_HEADER_BYTES } from '../../../src/storage/token-index/token-index-file.js';
import { StoredBlock, FilterCache } from '../../../src/storage/token-index/token-block.js';
import { tokenHashes } from '../../../src/storage/token-index/tokens.js';

/** `n` batches of 10 records each, offsets assigned as the log would. */
function log(n: number, base = 0): { bytes: Buffer; ends: number[] } {
  const parts: Buffer[] = [];
  const ends: number[] = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const b = buildRecordBatch(Array.from({ length: 10 }, (_, j) => ({ value: `line ${i}-${j} word${i * 10 + j}`, headers: [['host', Buffer.from(`h${i}`)]] })), { timestamp: 1000 + i });
    rewriteBatchOffset(b, 0, base + i * 10);
    parts.push(b);
    size += b.length;
    ends.push(size);
  }
  return { bytes: Buffer.concat(parts), ends };
}

function blockOf(entry: Buffer, base = 0): StoredBlock {
  const meta = decodeEntryHeader(entry, 0, base)!;
  const cache = new FilterCache(1 << 20);
  const filterEnd = ENTRY_HEADER_BYTES + meta.filterBytes;
  const block = new StoredBlock(base, meta, -1, cache, { loadFilter: () => null }, entry.subarray(filterEnd, filterEnd + meta.countsBytes));
  cache.put(block, entry.subarray(ENTRY_HEADER_BYTES, filterEnd));
  return block;
}

describe('block builder', () => {
  it('builds the same entry from one piece or from many small ones', () => {
    const { bytes } = log(50);
    const whole = new BlockBuilder(0, 0, 1 << 30);
    expect(whole.push(bytes, 0)).toEqual({ consumedTo: bytes.length, need: 0, complete: false });
    const pieces = new BlockBuilder(0, 0, 1 << 30);
    let pos = 0;
    let need = 0;
    while (pos < bytes.length) {
      const len = Math.min(bytes.length - pos, Math.max(need, 97));
      const r = pieces.push(bytes.subarray(pos, pos + len), pos);
      pos = r.consumedTo;
      need = r.need;
    }
    expect(pieces.finish()!.entry).toEqual(whole.finish()!.entry);
  });

  it('ends a block at the first batch boundary at or after its size', () => {
    const { bytes, ends } = log(40);
    const target = Math.floor(bytes.length / 3);
    const b = new BlockBuilder(0, 0, target);
    const r = b.push(bytes, 0);
    const boundary = ends.find((e) => e >= target)!;
    expect(r).toEqual({ consumedTo: boundary, need: 0, complete: true });
    const { meta, entry } = b.finish()!;
    expect(meta).toMatchObject({ start: 0, end: boundary, firstOffset: 0, lastOffset: (ends.indexOf(boundary) + 1) * 10 - 1, minTimestamp: 1000 });
    const block = blockOf(entry);
    expect(block.mayContainAll(tokenHashes('word0 h0 host line'))).toBe(true);
    expect(block.mayContainAll(tokenHashes(`word${ends.length * 10 - 1}`))).toBe(false); // in the last batch, not in this block
  });

  it('makes a block with unreadable records match anything, and refuses an impossible batch length', () => {
    const good = buildRecordBatch([{ value: 'fine' }]);
    const bad = buildRecordBatch([{ value: 'broken record here' }]);
    bad[BATCH_HEADER_SIZE] = 0x7f; // record length far past the batch
    bad.writeUInt32BE(computeBatchCrc(bad, 0, bad.length), BATCH_OFFSET_CRC);
    rewriteBatchOffset(bad, 0, 1);
    const b = new BlockBuilder(0, 0);
    b.push(Buffer.concat([good, bad]), 0);
    const { meta, entry } = b.finish()!;
    expect(meta.probes).toBe(0);
    expect(blockOf(entry).mayContainAll(tokenHashes('anything at all'))).toBe(true);
    expect(blockOf(entry).levelCounts()).toBeNull(); // a histogram reads it (and skips what cannot be decoded)

    const zero = Buffer.alloc(64);
    expect(() => new BlockBuilder(0, 0).push(zero, 0)).toThrow(BlockFormatError);
  });

  it('does not inflate a compressed batch past its cap: the block then matches anything', () => {
    const bomb = gzipBatch(buildRecordBatch([{ value: Buffer.alloc(MAX_INDEXED_BATCH_BYTES + 1024, 'a') }, { value: 'tiny' }]));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const b = new BlockBuilder(0, 0);
    b.push(bomb, 0);
    const { meta, entry } = b.finish()!;
    expect(meta).toMatchObject({ probes: 0, records: 2 });
    expect(blockOf(entry).mayContainAll(tokenHashes('tiny'))).toBe(true);
    expect(blockOf(entry).levelCounts()).toBeNull();
  });
});
