import { gzip } from './compression/index.js';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_BASE_OFFSET,
  BATCH_OFFSET_BASE_SEQUENCE,
  BATCH_OFFSET_BASE_TIMESTAMP,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LAST_OFFSET_DELTA,
  BATCH_OFFSET_LEADER_EPOCH,
  BATCH_OFFSET_LENGTH,
  BATCH_OFFSET_MAGIC,
  BATCH_OFFSET_MAX_TIMESTAMP,
  BATCH_OFFSET_PRODUCER_EPOCH,
  BATCH_OFFSET_PRODUCER_ID,
  BATCH_OFFSET_RECORDS_COUNT,
  computeBatchCrc,
} from './record-batch.js';

/**
 * Builds an uncompressed magic v2 record batch, as a producer would send it. For tests, the
 * CLI and the ingest side; the broker itself never re-encodes batches.
 *
 * Record => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
 *   keyLength:varint key valueLength:varint value [headers]:varint-counted
 * Header => headerKeyLength:varint headerKey headerValueLength:varint headerValue
 */

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  /** A null value is Kafka's null header value (length -1). */
  headers?: [string, Buffer | string | null][];
  /** Milliseconds since the epoch; defaults to the batch's `timestamp` option. */
  timestamp?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  /** Timestamp for records that have none; defaults to Date.now(). */
  timestamp?: number;
  partitionLeaderEpoch?: number;
  /** Idempotent producer identity; -1 (none) by default. */
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
}

/** Zigzag-encoded varint/varlong (Kafka's signed varints), exact for any safe integer. */
function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function varintSize(n: number): number {
  let u = zigzag(n);
  let size = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 0x80);
    size++;
  }
  return size;
}

/** Writes a signed varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  let u = zigzag(n);
  while (u >= 0x80) {
    buf[pos++] = (u % 0x80) | 0x80;
    u = Math.floor(u / 0x80);
  }
  buf[pos++] = u;
  return pos;
}

type Bytes = Buffer | string | null | undefined;

/** Encoded length of a key, value or header part; strings are measured, not copied (the hot path for ingest). */
function lengthOf(v: Bytes): number {
  if (v === null || v === undefined) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

function sizedBytes(len: number): number {
  return len < 0 ? varintSize(-1) : varintSize(len) + len;
}

function writeBytes(buf: Buffer, pos: number, v: Bytes, len: number): number {
  pos = writeVarint(buf, pos, len);
  if (len <= 0) return pos;
  if (typeof v === 'string') buf.write(v, pos, len, 'utf8');
  else (v as Buffer).copy(buf, pos);
  return pos + len;
}

export function buildRecordBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw new Error('a record batch needs at least one record');
  const defaultTs = options.timestamp ?? Date.now();
  const timestamps = records.map((r) => r.timestamp ?? defaultTs);
  const baseTimestamp = timestamps[0]!;
  const maxTimestamp = timestamps.reduce((a, b) => (b > a ? b : a));

  // One pass to size every record (lengths kept in a flat array), one to write: no per-record allocations.
  let recordsSize = 0;
  const lengths: number[] = [];
  const bodySizes = new Array<number>(records.length);
  records.forEach((r, i) => {
    const keyLen = lengthOf(r.key);
    const valueLen = lengthOf(r.value);
    lengths.push(keyLen, valueLen);
    const headers = r.headers ?? [];
    let bodySize = 1 + varintSize(timestamps[i]! - baseTimestamp) + varintSize(i) + sizedBytes(keyLen) + sizedBytes(valueLen) + varintSize(headers.length);
    for (const [k, v] of headers) {
      const kl = Buffer.byteLength(k, 'utf8');
      const vl = lengthOf(v);
      lengths.push(kl, vl);
      bodySize += sizedBytes(kl) + sizedBytes(vl);
    }
    bodySizes[i] = bodySize;
    recordsSize += varintSize(bodySize) + bodySize;
  });

  const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE + recordsSize);
  buf.fill(0, 0, BATCH_HEADER_SIZE);
  buf.writeBigInt64BE(BigInt(options.baseOffset ?? 0), BATCH_OFFSET_BASE_OFFSET);
  buf.writeInt32BE(buf.length - BATCH_LOG_OVERHEAD, BATCH_OFFSET_LENGTH);
  buf.writeInt32BE(options.partitionLeaderEpoch ?? -1, BATCH_OFFSET_LEADER_EPOCH);
  buf.writeInt8(2, BATCH_OFFSET_MAGIC);
  buf.writeInt16BE(options.transactional ? ATTR_TRANSACTIONAL : 0, BATCH_OFFSET_ATTRIBUTES);
  buf.writeInt32BE(records.length - 1, BATCH_OFFSET_LAST_OFFSET_DELTA);
  buf.writeBigInt64BE(BigInt(baseTimestamp), BATCH_OFFSET_BASE_TIMESTAMP);
  buf.writeBigInt64BE(BigInt(maxTimestamp), BATCH_OFFSET_MAX_TIMESTAMP);
  buf.writeBigInt64BE(BigInt(options.producerId ?? -1), BATCH_OFFSET_PRODUCER_ID);
  buf.writeInt16BE(options.producerEpoch ?? -1, BATCH_OFFSET_PRODUCER_EPOCH);
  buf.writeInt32BE(options.baseSequence ?? -1, BATCH_OFFSET_BASE_SEQUENCE);
  buf.writeInt32BE(records.length, BATCH_OFFSET_RECORDS_COUNT);

  let pos = BATCH_HEADER_SIZE;
  let l = 0;
  records.forEach((r, i) => {
    pos = writeVarint(buf, pos, bodySizes[i]!);
    buf[pos++] = 0; // record attributes: unused in v2
    pos = writeVarint(buf, pos, timestamps[i]! - baseTimestamp);
    pos = writeVarint(buf, pos, i);
    pos = writeBytes(buf, pos, r.key, lengths[l++]!);
    pos = writeBytes(buf, pos, r.value, lengths[l++]!);
    const headers = r.headers ?? [];
    pos = writeVarint(buf, pos, headers.length);
    for (const [k, v] of headers) {
      pos = writeBytes(buf, pos, k, lengths[l++]!);
      pos = writeBytes(buf, pos, v, lengths[l++]!);
    }
  });
  buf.writeUInt32BE(computeBatchCrc(buf, 0, buf.length), BATCH_OFFSET_CRC);
  return buf;
}

/**
 * The same batch with its records gzip-compressed (attributes codec bit 1), length and CRC rewritten. The header
 * stays uncompressed, as Kafka's format requires; a batch that is already compressed is returned as is.
 */
export function gzipBatch(batch: Buffer): Buffer {
  if ((batch.readInt16BE(BATCH_OFFSET_ATTRIBUTES) & ATTR_COMPRESSION_MASK) !== 0) return batch;
  const records = gzip(batch.subarray(BATCH_HEADER_SIZE));
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + records.length);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  records.copy(out, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, BATCH_OFFSET_LENGTH);
  out.writeInt16BE(batch.readInt16BE(BATCH_OFFSET_ATTRIBUTES) | 1, BATCH_OFFSET_ATTRIBUTES);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), BATCH_OFFSET_CRC);
  return out;
}
