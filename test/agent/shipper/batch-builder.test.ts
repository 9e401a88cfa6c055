// The hot-path encoder must produce batches the project's own decoder (and the broker's validation) accept, with
// every record field intact.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BatchBuilder, compressBatch, stampProducer } from '../../../src/agent/shipper/batch-builder.js';
import type { AgentRecord } from '../../../src/collect/record.js';
import { buildRecordBatch } from '../../../src/protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE, compressionOf, readBatchHeader, validateBatch } from '../../../src/protocol/record-batch.js';
import { decodeRecords } from '../../../src/protocol/record-decoder.js';

const records: AgentRecord[] = [
  { key: '/var/log/app.log', value: 'plain line', timestamp: 1_714_564_800_000, headers: { host: 'h', agent: 'a', path: '/var/log/app.log' } },
  { key: null, value: Buffer.from([0, 1, 2, 255]), timestamp: 1_714_564_799_000, headers: {} },
  { key: '', value: 'ünïcödé — 日本語 🚀', timestamp: 1_714_564_900_000, headers: { level: 'ERROR', 'x-ünï': 'v=1, w=2' } },
];

describe('BatchBuilder', () => {
  it('encodes keys, values, timestamps (also earlier than the first) and headers exactly as the record-batch builder does', () => {
    const b = new BatchBuilder(1 << 20, 100);
    for (const r of records) expect(b.append(r)).toBe(true);
    const batch = b.seal();
    const reference = buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: Object.entries(r.headers) })));
    // Same bytes (both uncompressed, no producer): the CRC is set by stampProducer, so compare past the header.
    expect(batch.subarray(BATCH_HEADER_SIZE)).toEqual(reference.subarray(BATCH_HEADER_SIZE));
    stampProducer(batch, 7, 1, 42);
    const h = validateBatch(batch, 0);
    expect(h).toMatchObject({ recordsCount: 3, lastOffsetDelta: 2, baseTimestamp: 1_714_564_800_000, maxTimestamp: 1_714_564_900_000, producerId: 7, producerEpoch: 1, baseSequence: 42 });
    const decoded = decodeRecords(batch);
    expect(decoded.map((r) => r.key?.toString() ?? null)).toEqual(['/var/log/app.log', null, '']);
    expect(decoded[1]!.value).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(decoded[2]!.value!.toString()).toBe('ünïcödé — 日本語 🚀');
    expect(decoded.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
    expect(decoded[2]!.headers.map(([k, v]) => [k, v!.toString()])).toEqual([['level', 'ERROR'], ['x-ünï', 'v=1, w=2']]);
  });

  it('reuses encoded headers only when they are equal (same object, or same keys and values)', () => {
    const b = new BatchBuilder(1 << 20, 100);
    const shared = { host: 'h', path: 'p' };
    b.append({ key: 'k', value: '1', timestamp: 0, headers: shared });
    b.append({ key: 'k', value: '2', timestamp: 0, headers: shared });
    b.append({ key: 'k', value: '3', timestamp: 0, headers: { host: 'h', path: 'p' } });
    b.append({ key: 'k', value: '4', timestamp: 0, headers: { host: 'h', path: 'p', level: 'WARN' } });
    b.append({ key: 'k', value: '5', timestamp: 0, headers: { host: 'h' } });
    b.append({ key: 'k', value: '6', timestamp: 0, headers: { path: 'p', host: 'h' } });
    const decoded = decodeRecords(b.seal());
    expect(decoded.map((r) => Object.fromEntries(r.headers.map(([k, v]) => [k, v!.toString()])))).toEqual([
      { host: 'h', path: 'p' },
      { host: 'h', path: 'p' },
      { host: 'h', path: 'p' },
      { host: 'h', path: 'p', level: 'WARN' },
      { host: 'h' },
      { path: 'p', host: 'h' },
    ]);
  });

  it('refuses a record past the byte or record limit, but takes any record into an empty batch', () => {
    const small = new BatchBuilder(200, 1000);
    expect(small.append({ key: 'k', value: 'x'.repeat(100), timestamp: 0, headers: {} })).toBe(true);
    expect(small.append({ key: 'k', value: 'x'.repeat(100), timestamp: 0, headers: {} })).toBe(false);
    const huge = new BatchBuilder(200, 1000);
    expect(huge.append({ key: 'k', value: 'x'.repeat(5000), timestamp: 0, headers: {} })).toBe(true);
    expect(decodeRecords(huge.seal())[0]!.value!.length).toBe(5000);
    const counted = new BatchBuilder(1 << 20, 2);
    expect([1, 2, 3].map((i) => counted.append({ key: null, value: String(i), timestamp: 0, headers: {} }))).toEqual([true, true, false]);
  });

  it('gzip-compresses the records and marks the codec; the decoder reads it back', async () => {
    const b = new BatchBuilder(1 << 20, 100);
    for (let i = 0; i < 50; i++) b.append({ key: 'k', value: `line ${i} ${'z'.repeat(80)}`, timestamp: i, headers: { host: 'h' } });
    const raw = b.seal();
    const gz = await compressBatch(raw, 'gzip');
    stampProducer(gz, 1, 0, 0);
    expect(compressionOf(readBatchHeader(gz).attributes)).toBe('gzip');
    expect(gz.length).toBeLessThan(raw.length / 4);
    expect(gunzipSync(gz.subarray(BATCH_HEADER_SIZE))).toEqual(raw.subarray(BATCH_HEADER_SIZE));
    validateBatch(gz, 0);
    expect(decodeRecords(gz).map((r) => r.value!.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i} ${'z'.repeat(80)}`));
  });
});
