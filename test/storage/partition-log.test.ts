import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { ATTR_TIMESTAMP_TYPE_LOG_APPEND, readBatchHeader, validateBatch } from '../../src/protocol/record-batch.js';
import { StorageError } from '../../src/storage/index.js';
import { appendBatch, concat, makeBatch, openManager, segmentFiles, tempDir } from './helpers.js';

async function setup(overrides: Record<string, string> = {}) {
  const dataDir = tempDir();
  const m = await openManager(dataDir);
  m.createTopic('orders', 1, overrides);
  const log = m.partition('orders', 0)!;
  return { dataDir, m, log, dir: path.join(dataDir, 'orders-0') };
}

async function expectCode(p: Promise<unknown>, code: string) {
  await expect(p).rejects.toBeInstanceOf(StorageError);
  await expect(p).rejects.toMatchObject({ code });
}

describe('PartitionLog append and read', () => {
  it('assigns offsets and stores batches byte for byte except baseOffset and leader epoch', async () => {
    const { log, dir } = await setup();
    const originals = [makeBatch(3), makeBatch(1), makeBatch(5)];
    const copies = originals.map((b) => Buffer.from(b));
    const results = copies.map((b) => appendBatch(log, b));
    expect(results.map((r) => [r.baseOffset, r.lastOffset, r.duplicate, r.logAppendTime])).toEqual([
      [0, 2, false, -1],
      [3, 3, false, -1],
      [4, 8, false, -1],
    ]);
    expect(log.logEndOffset).toBe(9);
    expect(log.size).toBe(originals.reduce((s, b) => s + b.length, 0));

    const r = await log.read(0, 1 << 20);
    expect(r.highWatermark).toBe(9);
    expect(r.logStartOffset).toBe(0);
    const data = concat(r.chunks);
    expect(r.bytes).toBe(data.length);
    let pos = 0;
    originals.forEach((orig, i) => {
      const stored = data.subarray(pos, pos + orig.length);
      validateBatch(stored, 0);
      expect(readBatchHeader(stored).baseOffset).toBe(results[i]!.baseOffset);
      expect(stored.readInt32BE(12)).toBe(0); // leader epoch
      expect(stored.subarray(16).equals(orig.subarray(16))).toBe(true);
      expect(stored.readInt32BE(8)).toBe(orig.readInt32BE(8));
      pos += orig.length;
    });
    expect(fs.readFileSync(path.join(dir, segmentFiles(dir)[0]!)).equals(data)).toBe(true);
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.log']);
  });

  it('emits append events', async () => {
    const { log } = await setup();
    const seen: number[] = [];
    log.on('append', (end) => seen.push(end));
    appendBatch(log, makeBatch(2));
    appendBatch(log, makeBatch(1));
    expect(seen).toEqual([2, 3]);
  });

  it('returns the batch containing the offset, empty at the end, and errors outside the log', async () => {
    const { log } = await setup();
    for (let i = 0; i < 10; i++) appendBatch(log, makeBatch(10));
    const r = await log.read(55, 1);
    expect(decodeBatches(concat(r.chunks))[0]!.header.baseOffset).toBe(50);
    const end = await log.read(100, 1000);
    expect(end.chunks).toEqual([]);
    expect(end.bytes).toBe(0);
    await expectCode(log.read(101, 1000), 'OFFSET_OUT_OF_RANGE');
    await expectCode(log.read(-1, 1000), 'OFFSET_OUT_OF_RANGE');
  });

  it('honours maxBytes with whole batches, but always returns at least one batch (KIP-74)', async () => {
    const { log } = await setup();
    const small = makeBatch(1);
    const big = makeBatch(50, { size: 1000 });
    appendBatch(log, Buffer.from(big));
    appendBatch(log, Buffer.from(small));
    appendBatch(log, Buffer.from(small));
    appendBatch(log, Buffer.from(small));

    const first = await log.read(0, 100);
    expect(first.bytes).toBe(big.length);
    expect(decodeBatches(concat(first.chunks)).map((b) => b.header.baseOffset)).toEqual([0]);

    const two = await log.read(50, small.length * 2 + 10);
    expect(two.bytes).toBe(small.length * 2);
    expect(decodeBatches(concat(two.chunks)).map((b) => b.header.baseOffset)).toEqual([50, 51]);

    const all = await log.read(0, 1 << 20);
    expect(all.bytes).toBe(big.length + 3 * small.length);
  });

  it('reads across segments when the first is exhausted', async () => {
    const { log, dir } = await setup({ 'segment.bytes': '2000' });
    const batches = Array.from({ length: 12 }, () => makeBatch(3));
    for (const b of batches) appendBatch(log, Buffer.from(b));
    expect(segmentFiles(dir).length).toBe(3);
    const r = await log.read(4, 1 << 20);
    const got = decodeBatches(concat(r.chunks));
    expect(got[0]!.header.baseOffset).toBe(3);
    expect(got.at(-1)!.header.baseOffset).toBe(33);
    expect(got.flatMap((b) => b.records.map((x) => x.offset))).toEqual(Array.from({ length: 33 }, (_, i) => i + 3));
    expect(r.chunks.length).toBeGreaterThan(1);
  });

  it('rolls a segment when segment.bytes would be exceeded', async () => {
    const { log, dir } = await setup({ 'segment.bytes': '3000' });
    const b = makeBatch(5); // ~700 bytes
    const perSegment = Math.floor(3000 / b.length);
    for (let i = 0; i < perSegment + 1; i++) appendBatch(log, Buffer.from(b));
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.log', `${String(perSegment * 5).padStart(20, '0')}.log`]);
    expect(fs.statSync(path.join(dir, '00000000000000000000.log')).size).toBe(perSegment * b.length);
    // The sealed segment's indexes are on disk.
    expect(segmentFiles(dir, '.index')).toContain('00000000000000000000.index');
    expect(segmentFiles(dir, '.timeindex')).toContain('00000000000000000000.timeindex');
  });

  it('writes a batch larger than segment.bytes into an empty segment rather than looping', async () => {
    const { log, dir } = await setup({ 'segment.bytes': '100' });
    appendBatch(log, makeBatch(3));
    appendBatch(log, makeBatch(3));
    expect(segmentFiles(dir).length).toBe(2);
    expect(log.logEndOffset).toBe(6);
  });

  it('rolls a segment by age, measured from the first batch timestamp', async () => {
    const { log, dir } = await setup({ 'segment.ms': '60000' });
    const t0 = 1_700_000_000_000;
    appendBatch(log, makeBatch(1, { timestamp: t0 }));
    appendBatch(log, makeBatch(1, { timestamp: t0 + 59_999 }));
    expect(segmentFiles(dir).length).toBe(1);
    appendBatch(log, makeBatch(1, { timestamp: t0 + 60_000 }));
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.log', '00000000000000000002.log']);
  });

  it('stamps LogAppendTime when the topic asks for it', async () => {
    const { log } = await setup({ 'message.timestamp.type': 'LogAppendTime' });
    const res = appendBatch(log, makeBatch(2, { timestamp: 5 }), 1_750_000_000_000);
    expect(res.logAppendTime).toBe(1_750_000_000_000);
    const stored = concat((await log.read(0, 1 << 20)).chunks);
    const h = validateBatch(stored, 0);
    expect(h.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND).toBeTruthy();
    expect(h.maxTimestamp).toBe(1_750_000_000_000);
    expect(decodeBatches(stored)[0]!.records.map((r) => r.timestamp)).toEqual([1_750_000_000_000, 1_750_000_000_000]);
  });

  it('rejects batches over max.message.bytes', async () => {
    const { log } = await setup({ 'max.message.bytes': '500' });
    expect(() => appendBatch(log, makeBatch(10))).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }));
    expect(log.logEndOffset).toBe(0);
  });

  it('returns a durable promise when flush.messages is reached, and groups fsyncs', async () => {
    const { log } = await setup({ 'flush.messages': '1' });
    const a = appendBatch(log, makeBatch(1));
    const b = appendBatch(log, makeBatch(1));
    const c = appendBatch(log, makeBatch(1));
    expect(a.durable).toBeInstanceOf(Promise);
    // b and c arrived while a's fsync was running: they share one follow-up fsync.
    expect(b.durable).toBe(c.durable);
    await Promise.all([a.durable, b.durable, c.durable]);
    expect(log.recoveryPoint).toBe(3);
  });

  it('does not ask for an fsync per append by default, but flushes within flush.ms', async () => {
    const { log } = await setup({ 'flush.ms': '20' });
    const res = appendBatch(log, makeBatch(1));
    expect(res.durable).toBeNull();
    expect(log.recoveryPoint).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(log.recoveryPoint).toBe(1);
  });

  it('keeps serving reads from a batch of ~1000 records without copying per batch', async () => {
    const { log } = await setup();
    for (let i = 0; i < 20; i++) appendBatch(log, makeBatch(1000));
    const r = await log.read(0, 1 << 30);
    // One file read: every chunk is a view of the same underlying buffer.
    expect(new Set(r.chunks.map((c) => c.buffer)).size).toBe(1);
    expect(decodeBatches(concat(r.chunks)).length).toBe(20);
  });

  it('agrees with a simple model for random offsets and byte limits', async () => {
    const { log } = await setup({ 'segment.bytes': '5000', 'index.interval.bytes': '700' });
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const layout: { base: number; last: number; size: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const b = makeBatch(1 + rand(6), { size: 20 + rand(400) });
      const r = appendBatch(log, b);
      layout.push({ base: r.baseOffset, last: r.lastOffset, size: b.length });
    }
    for (let i = 0; i < 300; i++) {
      const offset = rand(log.logEndOffset);
      const maxBytes = rand(4000);
      const r = await log.read(offset, maxBytes);
      const got = decodeBatches(concat(r.chunks)).map((b) => b.header.baseOffset);
      // Model: from the batch holding `offset`, whole batches while they fit in maxBytes (always at least one),
      // regardless of segment boundaries.
      const start = layout.findIndex((b) => b.last >= offset);
      const want: number[] = [];
      let bytes = 0;
      for (let j = start; j < layout.length; j++) {
        if (want.length > 0 && bytes + layout[j]!.size > maxBytes) break;
        want.push(layout[j]!.base);
        bytes += layout[j]!.size;
      }
      expect(got).toEqual(want);
      expect(r.bytes).toBe(bytes);
    }
  });
});
