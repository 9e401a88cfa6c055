// Property-based fuzzing of record-batch validation (fast-check; seed and replay: test/helpers/fuzz.ts): arbitrary and
// mutated batches, with the CRC fixed up so the checks behind it are reached too, never crash validateBatch (only
// BatchFormatError), and a batch it accepts has a consistent header. The record decoder (CLI, search) holds up too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch, type RecordInput } from '../../src/protocol/record-batch-builder.js';
import {
  BATCH_HEADER_SIZE,
  BATCH_OFFSET_CRC,
  BatchFormatError,
  compressionOf,
  computeBatchCrc,
  validateBatch,
} from '../../src/protocol/record-batch.js';
import { decodeRecords, RecordDecodeError } from '../../src/protocol/record-decoder.js';
import { fuzzParams, mutated } from '../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);

const record: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)), { nil: null }),
  headers: fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })), { maxLength: 2 }),
  timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
});

const validBatch = fc
  .tuple(fc.array(record, { minLength: 1, maxLength: 5 }), fc.integer({ min: -1, max: 1000 }), fc.integer({ min: -1, max: 100 }))
  .map(([records, producerId, baseSequence]) => buildRecordBatch(records, { producerId, producerEpoch: producerId < 0 ? -1 : 0, baseSequence }));

/** The CRC recomputed over whatever the batch now claims to be, so validation goes past the CRC check. */
function withFixedCrc(b: Buffer): Buffer {
  if (b.length < BATCH_HEADER_SIZE) return b;
  const size = b.readInt32BE(8) + 12;
  if (size >= BATCH_HEADER_SIZE && size <= b.length) b.writeUInt32BE(computeBatchCrc(b, 0, size), BATCH_OFFSET_CRC);
  return b;
}

/** validateBatch's promise: a batch it returns is framed, v2, intact and self-consistent. Returns whether it did. */
function checkAccepted(b: Buffer, pos: number, available: number): boolean {
  let h;
  try {
    h = validateBatch(b, pos, available);
  } catch (e) {
    if (!(e instanceof BatchFormatError)) throw e;
    return false;
  }
  expect(h.size).toBeGreaterThanOrEqual(BATCH_HEADER_SIZE);
  expect(h.size).toBeLessThanOrEqual(available);
  expect(h.magic).toBe(2);
  expect(computeBatchCrc(b, pos, h.size)).toBe(h.crc);
  expect(h.recordsCount).toBeGreaterThanOrEqual(0);
  expect(h.lastOffsetDelta).toBeGreaterThanOrEqual(0);
  expect(h.recordsCount).toBeLessThanOrEqual(h.lastOffsetDelta + 1);
  // Reading the records of an accepted batch either works or fails with RecordDecodeError, and never reads past it.
  if (compressionOf(h.attributes) === 'none') {
    try {
      const rs = decodeRecords(b.subarray(pos, pos + h.size));
      expect(rs).toHaveLength(h.recordsCount);
    } catch (e) {
      if (!(e instanceof RecordDecodeError)) throw e;
    }
  }
  return true;
}

describe('record batch validation fuzzing', () => {
  it('valid batches validate, and their records decode back', () => {
    fc.assert(
      fc.property(validBatch, (b) => {
        const h = validateBatch(b, 0);
        expect(h.size).toBe(b.length);
        expect(decodeRecords(b)).toHaveLength(h.recordsCount);
      }),
      params(500),
    );
  });

  it('mutated batches (CRC fixed up or not) fail with BatchFormatError or validate consistently', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutated(validBatch), fc.boolean(), (b, fix) => {
        const buf = fix ? withFixedCrc(Buffer.from(b)) : b;
        if (checkAccepted(buf, 0, buf.length)) accepted++;
      }),
      params(3000),
    );
    expect(accepted, 'mutations that still validate: the consistency checks must have been reached').toBeGreaterThan(100);
  });

  it('arbitrary bytes at any position and any claimed length never crash validation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), fc.nat(), fc.nat(), fc.boolean(), (a, p, extra, fix) => {
        const b = Buffer.from(a);
        if (b.length >= BATCH_HEADER_SIZE) b[16] = 2; // magic v2, to get past the first check
        const buf = fix ? withFixedCrc(b) : b;
        const pos = buf.length === 0 ? 0 : p % buf.length;
        const available = (buf.length - pos) - (extra % (buf.length - pos + 1));
        checkAccepted(buf, pos, available);
      }),
      params(3000),
    );
  });
});
