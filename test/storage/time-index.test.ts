import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LENGTH,
  computeBatchCrc,
} from '../../src/protocol/record-batch.js';
import { TimeIndex } from '../../src/storage/time-index.js';
import { appendBatch, openManager, tempDir } from './helpers.js';

const T = 1_700_000_000_000;

describe('TimeIndex', () => {
  it('only records growing timestamps and looks up the largest entry at or below', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.timeindex');
    const idx = TimeIndex.create(file, 100, 100);
    idx.maybeAppend(T, 100);
    idx.maybeAppend(T - 5, 110); // not larger: ignored
    idx.maybeAppend(T + 10, 120);
    idx.maybeAppend(-1, 130); // no timestamp: ignored
    expect(idx.entries).toBe(2);
    expect(idx.lookup(T - 1)).toBe(100);
    expect(idx.lookup(T + 9)).toBe(100);
    expect(idx.lookup(T + 10)).toBe(120);
    idx.persist();
    const back = TimeIndex.load(file, 100, 100)!;
    expect(back.lastEntry()).toEqual({ timestamp: T + 10, offset: 120 });
  });
});

function gzipped(records: { value: string; timestamp: number }[]): Buffer {
  const plain = buildRecordBatch(records);
  const out = Buffer.concat([plain.subarray(0, BATCH_HEADER_SIZE), gzipSync(plain.subarray(BATCH_HEADER_SIZE))]);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, BATCH_OFFSET_LENGTH);
  out.writeInt16BE(1, BATCH_OFFSET_ATTRIBUTES);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), BATCH_OFFSET_CRC);
  return out;
}

async function logWith(overrides: Record<string, string> = {}) {
  const m = await openManager(tempDir());
  m.createTopic('t', 1, { 'index.interval.bytes': '0', ...overrides });
  return m.partition('t', 0)!;
}

describe('offsetForTimestamp', () => {
  it('finds the exact first record at or after a timestamp in uncompressed batches', async () => {
    const log = await logWith({ 'segment.bytes': '1000' });
    // 10 batches of 3 records, timestamps T + 10*i + {0, 3, 6}, spread over several segments.
    for (let i = 0; i < 10; i++) {
      appendBatch(log, buildRecordBatch([0, 3, 6].map((d) => ({ value: 'x'.repeat(50), timestamp: T + 10 * i + d }))));
    }
    expect(log.segments.length).toBeGreaterThan(2);
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: T });
    expect(await log.offsetForTimestamp(T + 44)).toEqual({ offset: 14, timestamp: T + 46 });
    expect(await log.offsetForTimestamp(T + 50)).toEqual({ offset: 15, timestamp: T + 50 });
    expect(await log.offsetForTimestamp(T + 96)).toEqual({ offset: 29, timestamp: T + 96 });
    expect(await log.offsetForTimestamp(T + 97)).toBeNull();
  });

  it('handles out-of-order timestamps across batches', async () => {
    const log = await logWith();
    appendBatch(log, buildRecordBatch([{ value: 'a', timestamp: T + 100 }]));
    appendBatch(log, buildRecordBatch([{ value: 'b', timestamp: T + 50 }]));
    appendBatch(log, buildRecordBatch([{ value: 'c', timestamp: T + 200 }]));
    expect(await log.offsetForTimestamp(T + 60)).toEqual({ offset: 0, timestamp: T + 100 });
    expect(await log.offsetForTimestamp(T + 150)).toEqual({ offset: 2, timestamp: T + 200 });
  });

  it('returns the base offset and max timestamp of a compressed batch (no decompression)', async () => {
    const log = await logWith();
    appendBatch(log, buildRecordBatch([{ value: 'a', timestamp: T }]));
    appendBatch(log, gzipped([0, 10, 20].map((d) => ({ value: 'z', timestamp: T + 100 + d }))));
    expect(await log.offsetForTimestamp(T + 115)).toEqual({ offset: 1, timestamp: T + 120 });
  });

  it('finds the record with the largest timestamp (ListOffsets -3)', async () => {
    const log = await logWith({ 'segment.bytes': '300' });
    expect(await log.maxTimestampOffset()).toBeNull();
    appendBatch(log, buildRecordBatch([{ value: 'a', timestamp: T + 5 }]));
    appendBatch(log, buildRecordBatch([{ value: 'b', timestamp: T + 1 }, { value: 'c', timestamp: T + 900 }, { value: 'd', timestamp: T + 2 }]));
    appendBatch(log, buildRecordBatch([{ value: 'e', timestamp: T + 7 }]));
    expect(await log.maxTimestampOffset()).toEqual({ offset: 2, timestamp: T + 900 });
  });

  it('survives a restart using the persisted time index', async () => {
    const dataDir = tempDir();
    let m = await openManager(dataDir);
    m.createTopic('t', 1, { 'segment.bytes': '500', 'index.interval.bytes': '0' });
    for (let i = 0; i < 10; i++) appendBatch(m.partition('t', 0)!, buildRecordBatch([{ value: 'x'.repeat(100), timestamp: T + i * 1000 }]));
    await m.close();
    m = await openManager(dataDir);
    const log = m.partition('t', 0)!;
    expect(await log.offsetForTimestamp(T + 4500)).toEqual({ offset: 5, timestamp: T + 5000 });
    expect(await log.maxTimestampOffset()).toEqual({ offset: 9, timestamp: T + 9000 });
  });
});
