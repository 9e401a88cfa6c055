import { crc32c } from '@node-rs/crc32';

/**
 * Kafka record batch (magic v2) header layout. The broker reads and rewrites only
 * these fixed fields; the records after the header are never decoded on the hot path.
 *
 * RecordBatch => baseOffset:int64 batchLength:int32 partitionLeaderEpoch:int32 magic:int8
 *   crc:uint32 attributes:int16 lastOffsetDelta:int32 baseTimestamp:int64 maxTimestamp:int64
 *   producerId:int64 producerEpoch:int16 baseSequence:int32 recordsCount:int32 records...
 */
export const BATCH_OFFSET_BASE_OFFSET = 0;
export const BATCH_OFFSET_LENGTH = 8;
export const BATCH_OFFSET_LEADER_EPOCH = 12;
export const BATCH_OFFSET_MAGIC = 16;
export const BATCH_OFFSET_CRC = 17;
export const BATCH_OFFSET_ATTRIBUTES = 21;
export const BATCH_OFFSET_LAST_OFFSET_DELTA = 23;
export const BATCH_OFFSET_BASE_TIMESTAMP = 27;
export const BATCH_OFFSET_MAX_TIMESTAMP = 35;
export const BATCH_OFFSET_PRODUCER_ID = 43;
export const BATCH_OFFSET_PRODUCER_EPOCH = 51;
export const BATCH_OFFSET_BASE_SEQUENCE = 53;
export const BATCH_OFFSET_RECORDS_COUNT = 57;
/** Size of the v2 batch header, i.e. the smallest possible batch. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const BATCH_LOG_OVERHEAD = 12;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export interface BatchHeader {
  baseOffset: number;
  /** Total bytes of this batch including the 12-byte offset/length prefix. */
  size: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export class BatchFormatError extends Error {
  constructor(message: string, readonly kind: 'corrupt' | 'unsupported-magic' | 'truncated') {
    super(message);
    this.name = 'BatchFormatError';
  }
}

/** Total size (prefix included) of the batch at `pos`, or -1 if the buffer does not hold its 12-byte prefix. */
export function batchSizeAt(buf: Buffer, pos = 0): number {
  if (buf.length - pos < BATCH_LOG_OVERHEAD) return -1;
  return buf.readInt32BE(pos + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD;
}

export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (buf.length - pos < BATCH_HEADER_SIZE) {
    throw new BatchFormatError(`record batch header needs ${BATCH_HEADER_SIZE} bytes, got ${buf.length - pos}`, 'truncated');
  }
  return {
    baseOffset: Number(buf.readBigInt64BE(pos + BATCH_OFFSET_BASE_OFFSET)),
    size: buf.readInt32BE(pos + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(pos + BATCH_OFFSET_LEADER_EPOCH),
    magic: buf.readInt8(pos + BATCH_OFFSET_MAGIC),
    crc: buf.readUInt32BE(pos + BATCH_OFFSET_CRC),
    attributes: buf.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + BATCH_OFFSET_LAST_OFFSET_DELTA),
    baseTimestamp: Number(buf.readBigInt64BE(pos + BATCH_OFFSET_BASE_TIMESTAMP)),
    maxTimestamp: Number(buf.readBigInt64BE(pos + BATCH_OFFSET_MAX_TIMESTAMP)),
    producerId: Number(buf.readBigInt64BE(pos + BATCH_OFFSET_PRODUCER_ID)),
    producerEpoch: buf.readInt16BE(pos + BATCH_OFFSET_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + BATCH_OFFSET_BASE_SEQUENCE),
    recordsCount: buf.readInt32BE(pos + BATCH_OFFSET_RECORDS_COUNT),
  };
}

/** CRC32C of a batch as stored in its header: covers attributes through the end of the batch. */
export function computeBatchCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf.subarray(pos + BATCH_OFFSET_ATTRIBUTES, pos + size)) >>> 0;
}

/**
 * Framing, magic and CRC of one batch, without decompressing it (Kafka's DefaultRecordBatch.ensureValid).
 * Throws BatchFormatError describing the first problem found.
 */
export function verifyBatch(buf: Buffer, pos: number, available = buf.length - pos): BatchHeader {
  if (available < BATCH_HEADER_SIZE) throw new BatchFormatError('record batch shorter than its header', 'truncated');
  const magic = buf.readInt8(pos + BATCH_OFFSET_MAGIC);
  if (magic !== 2) throw new BatchFormatError(`record batch magic ${magic} is not supported (only v2)`, 'unsupported-magic');
  const h = readBatchHeader(buf, pos);
  if (h.size < BATCH_HEADER_SIZE) throw new BatchFormatError(`record batch length ${h.size - BATCH_LOG_OVERHEAD} is too small`, 'corrupt');
  if (h.size > available) throw new BatchFormatError(`record batch length ${h.size} exceeds the ${available} bytes present`, 'truncated');
  const actual = computeBatchCrc(buf, pos, h.size);
  if (actual !== h.crc) {
    throw new BatchFormatError(`record batch CRC mismatch (stored ${h.crc.toString(16)}, computed ${actual.toString(16)})`, 'corrupt');
  }
  return h;
}

/**
 * verifyBatch, plus the header consistency every stored batch has (what recovery checks in a segment).
 * Throws BatchFormatError describing the first problem found.
 */
export function validateBatch(buf: Buffer, pos: number, available = buf.length - pos): BatchHeader {
  const h = verifyBatch(buf, pos, available);
  if (h.lastOffsetDelta < 0 || h.recordsCount < 0 || (h.recordsCount > 0 && h.lastOffsetDelta + 1 < h.recordsCount)) {
    throw new BatchFormatError(`record batch lastOffsetDelta ${h.lastOffsetDelta} inconsistent with ${h.recordsCount} records`, 'corrupt');
  }
  return h;
}

/**
 * The fewest bytes one record takes: length, attributes, timestamp delta, offset delta, key length, value length and
 * header count, one varint byte each.
 */
export const MIN_RECORD_BYTES = 7;

/**
 * What Kafka's LogValidator.validateBatch refuses in a batch a client produced (INVALID_RECORD), from the header alone:
 * an offset range that disagrees with the record count, no records, control batches, a producer id without a
 * sequence. Also an uncompressed batch claiming more records than its bytes can hold (Kafka finds that while
 * iterating the records; the header suffices). Null when the batch is acceptable.
 */
export function producedBatchError(h: BatchHeader): string | null {
  const count = h.recordsCount;
  if (h.lastOffsetDelta < 0) return `Batch has an invalid offset range: lastOffsetDelta ${h.lastOffsetDelta}`;
  if (count <= 0) return `Invalid reported count for record batch: ${count}`;
  if (h.lastOffsetDelta + 1 !== count) return `Inconsistent batch offset range [0, ${h.lastOffsetDelta}] and count of records ${count}`;
  if ((h.attributes & ATTR_CONTROL) !== 0) return 'Clients are not allowed to write control records';
  if (h.producerId >= 0 && h.baseSequence < 0) return `Invalid sequence number ${h.baseSequence} in record batch with producerId ${h.producerId}`;
  const recordBytes = h.size - BATCH_HEADER_SIZE;
  if ((h.attributes & ATTR_COMPRESSION_MASK) === 0 && count > recordBytes / MIN_RECORD_BYTES) {
    return `Uncompressed record batch claims ${count} records, but its ${recordBytes} bytes of records hold at most ${Math.floor(recordBytes / MIN_RECORD_BYTES)}`;
  }
  return null;
}

/** Assign the log offset: only baseOffset and partitionLeaderEpoch change, neither is covered by the CRC. */
export function rewriteBatchOffset(buf: Buffer, pos: number, baseOffset: number, leaderEpoch = 0): void {
  buf.writeBigInt64BE(BigInt(baseOffset), pos + BATCH_OFFSET_BASE_OFFSET);
  buf.writeInt32BE(leaderEpoch, pos + BATCH_OFFSET_LEADER_EPOCH);
}

/** For message.timestamp.type=LogAppendTime: set the type bit and maxTimestamp, then re-sign the batch. */
export function stampLogAppendTime(buf: Buffer, pos: number, size: number, now: number): void {
  const attrs = buf.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES);
  buf.writeInt16BE(attrs | ATTR_TIMESTAMP_TYPE_LOG_APPEND, pos + BATCH_OFFSET_ATTRIBUTES);
  buf.writeBigInt64BE(BigInt(now), pos + BATCH_OFFSET_MAX_TIMESTAMP);
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + BATCH_OFFSET_CRC);
}

export function compressionOf(attributes: number): (typeof COMPRESSION_NAMES)[number] | 'unknown' {
  return COMPRESSION_NAMES[attributes & ATTR_COMPRESSION_MASK] ?? 'unknown';
}

/** int64 base offset of the batch at `pos`, without a BigInt; exact below 2^53. */
export function baseOffsetAt(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + BATCH_OFFSET_BASE_OFFSET) * 4294967296 + buf.readUInt32BE(pos + BATCH_OFFSET_BASE_OFFSET + 4);
}

/**
 * The offset after the last batch of `buf`, which holds whole stored batches back to back (as a log read returns
 * them). Walks batch headers only: one step per batch, nothing per record.
 */
export function offsetAfterBatches(buf: Buffer): number {
  let last = -1;
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= buf.length; pos += batchSizeAt(buf, pos)) {
    if (batchSizeAt(buf, pos) < BATCH_HEADER_SIZE) throw new BatchFormatError(`record batch at ${pos} has an invalid length`, 'corrupt');
    last = pos;
  }
  if (last < 0) throw new BatchFormatError('no record batch in the buffer', 'truncated');
  return baseOffsetAt(buf, last) + buf.readInt32BE(last + BATCH_OFFSET_LAST_OFFSET_DELTA) + 1;
}
