import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { decodeBatches, decodeRecords, findRecordByTimestamp, RecordDecodeError } from '../../src/protocol/record-decoder.js';
import {
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LENGTH,
  computeBatchCrc,
  stampLogAppendTime,
  validateBatch,
} from '../../src/protocol/record-batch.js';

/** Re-frame a batch with its records section gzip-compressed, as a producer would. */
function gzipBatch(batch: Buffer, codec = 1): Buffer {
  const body = gzipSync(batch.subarray(BATCH_HEADER_SIZE));
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), body]);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, BATCH_OFFSET_LENGTH);
  out.writeInt16BE(out.readInt16BE(BATCH_OFFSET_ATTRIBUTES) | codec, BATCH_OFFSET_ATTRIBUTES);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), BATCH_OFFSET_CRC);
  return out;
}

describe('record batch builder and decoder', () => {
  const records = [
    { key: 'a', value: 'hello', timestamp: 1_700_000_000_000 },
    { key: null, value: Buffer.from([0, 1, 2, 255]), timestamp: 1_699_999_999_000, headers: [['h1', 'x'], ['h2', Buffer.from('yz')]] as [string, Buffer | string][] },
    { value: null, timestamp: 1_700_000_005_000 },
    { key: 'big', value: 'v'.repeat(300), timestamp: 1_700_000_001_000 },
  ];

  it('builds a valid v2 batch whose header matches the records', () => {
    const b = buildRecordBatch(records, { producerId: 42, producerEpoch: 3, baseSequence: 7 });
    const h = validateBatch(b, 0);
    expect(h).toMatchObject({
      baseOffset: 0,
      size: b.length,
      magic: 2,
      attributes: 0,
      lastOffsetDelta: 3,
      recordsCount: 4,
      baseTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_005_000,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 7,
    });
  });

  it('defaults to no producer and the current time', () => {
    const before = Date.now();
    const h = validateBatch(buildRecordBatch([{ value: 'x' }]), 0);
    expect(h.producerId).toBe(-1);
    expect(h.producerEpoch).toBe(-1);
    expect(h.baseSequence).toBe(-1);
    expect(h.maxTimestamp).toBeGreaterThanOrEqual(before);
  });

  it('round-trips keys, values, headers, timestamps and offsets', () => {
    const b = buildRecordBatch(records, { baseOffset: 100 });
    const out = decodeRecords(b);
    expect(out.map((r) => r.offset)).toEqual([100, 101, 102, 103]);
    expect(out.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
    expect(out[0]!.key!.toString()).toBe('a');
    expect(out[0]!.value!.toString()).toBe('hello');
    expect(out[1]!.key).toBeNull();
    expect([...out[1]!.value!]).toEqual([0, 1, 2, 255]);
    expect(out[1]!.headers.map(([k, v]) => [k, v!.toString()])).toEqual([['h1', 'x'], ['h2', 'yz']]);
    expect(out[2]!.value).toBeNull();
    expect(out[3]!.value!.length).toBe(300);
  });

  it('encodes large varints (negative deltas, multi-byte lengths) exactly', () => {
    const big = 'z'.repeat(20_000);
    const b = buildRecordBatch([{ value: big, timestamp: 5_000_000_000_000 }, { value: 'y', timestamp: 1 }]);
    const out = decodeRecords(b);
    expect(out[0]!.value!.toString()).toBe(big);
    expect(out[1]!.timestamp).toBe(1);
  });

  it('decodes gzip batches', () => {
    const b = gzipBatch(buildRecordBatch(records));
    validateBatch(b, 0);
    expect(decodeRecords(b).map((r) => r.value?.toString('hex'))).toEqual(decodeRecords(buildRecordBatch(records)).map((r) => r.value?.toString('hex')));
  });

  // snappy, lz4 and zstd decode too now (test/protocol/compression.test.ts, test/client/client.test.ts with kcat's
  // batches); gzip bytes labelled as another codec must fail as a decode error naming that codec.
  it('refuses a batch whose records are not in the codec its attributes name, with a clear error', () => {
    for (const [codec, name] of [[2, 'snappy'], [3, 'lz4'], [4, 'zstd']] as const) {
      const b = gzipBatch(buildRecordBatch(records), codec);
      expect(() => decodeRecords(b)).toThrow(RecordDecodeError);
      expect(() => decodeRecords(b)).toThrow(new RegExp(`record batch at offset 0: ${name}: `));
    }
  });

  it('uses the batch timestamp for LogAppendTime batches', () => {
    const b = buildRecordBatch(records);
    stampLogAppendTime(b, 0, b.length, 1_800_000_000_000);
    expect(b.readInt16BE(BATCH_OFFSET_ATTRIBUTES) & ATTR_TIMESTAMP_TYPE_LOG_APPEND).toBeTruthy();
    expect(decodeRecords(b).every((r) => r.timestamp === 1_800_000_000_000)).toBe(true);
  });

  it('decodes back-to-back batches and ignores a trailing partial one', () => {
    const a = buildRecordBatch([{ value: 'a' }], { baseOffset: 0 });
    const b = buildRecordBatch([{ value: 'b' }, { value: 'c' }], { baseOffset: 1 });
    const out = decodeBatches(Buffer.concat([a, b, b.subarray(0, 30)]));
    expect(out.map((x) => x.records.map((r) => r.value!.toString()))).toEqual([['a'], ['b', 'c']]);
  });

  it('finds the first record at or after a timestamp without decoding', () => {
    const b = buildRecordBatch(records, { baseOffset: 10 });
    expect(findRecordByTimestamp(b, 0, 0)).toEqual({ offset: 10, timestamp: 1_700_000_000_000 });
    expect(findRecordByTimestamp(b, 0, 1_700_000_000_001)).toEqual({ offset: 12, timestamp: 1_700_000_005_000 });
    expect(findRecordByTimestamp(b, 0, 1_700_000_005_001)).toBeNull();
    expect(findRecordByTimestamp(gzipBatch(b), 0, 0)).toBeNull();
  });

  it('rejects an empty record list', () => {
    expect(() => buildRecordBatch([])).toThrow('at least one record');
  });
});

describe('record batch builder against kafkajs (golden bytes from a real client encoder)', () => {
  it('produces the same bytes as kafkajs for the same records', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const KRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/index.js').RecordBatch;
    const KRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
    const Long = require('kafkajs/src/utils/long.js');
    const base = 1_700_000_000_000;
    const input = [
      { key: 'k1', value: 'one', timestamp: base, headers: [['trace', 'abc']] as [string, string][] },
      { key: 'k2', value: 'two'.repeat(100), timestamp: base + 1234 },
      { key: null, value: 'three', timestamp: base - 5 },
    ];
    const theirs: Buffer = (
      await KRecordBatch({
        firstTimestamp: base,
        maxTimestamp: base + 1234,
        partitionLeaderEpoch: 0,
        lastOffsetDelta: 2,
        producerId: Long.fromValue(9),
        producerEpoch: 1,
        firstSequence: 5,
        records: input.map((r, i) =>
          KRecord({
            offsetDelta: i,
            timestampDelta: r.timestamp - base,
            key: r.key === null ? null : Buffer.from(r.key),
            value: Buffer.from(r.value),
            headers: Object.fromEntries((r.headers ?? []).map(([k, v]) => [k, Buffer.from(v)])),
          }),
        ),
      })
    ).buffer;
    const ours = buildRecordBatch(input, { partitionLeaderEpoch: 0, producerId: 9, producerEpoch: 1, baseSequence: 5 });
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });
});
