// The agent's hot path: AgentRecords encoded straight into one Kafka magic v2 record batch, no per-record objects.
// Grammar as in src/protocol/record-batch-builder.ts, which builds the same bytes from RecordInput objects for tests
// and small producers; this one exists because it is the per-line cost of the whole agent (see shipper.ts).
//
// Record => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
//   keyLength:varint key valueLength:varint value [headers]:varint-counted
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import {
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
} from '../../protocol/record-batch.js';
import { varintSize, writeVarint } from '../../protocol/record-batch-builder.js';
import { decodeRecords } from '../../protocol/record-decoder.js';
import type { AgentRecord } from '../../collect/record.js';

export type Compression = 'none' | 'gzip';
const COMPRESSION_ATTRIBUTE: Record<Compression, number> = { none: 0, gzip: 1 };
const gzipAsync = promisify(gzip);

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * Encoded headers of the last headers seen: consecutive records of one file carry the same host/agent/path (and
 * often level), whether or not the source shares one object between them.
 */
interface HeaderCache {
  headers: Record<string, string> | null;
  keys: string[];
  values: string[];
  bytes: Buffer;
}

/** Same keys in the same order with the same values as the cached ones; allocates nothing. */
function sameHeaders(headers: Record<string, string>, cache: HeaderCache): boolean {
  let i = 0;
  for (const k in headers) {
    if (i >= cache.keys.length || cache.keys[i] !== k || cache.values[i] !== headers[k]) return false;
    i++;
  }
  return i === cache.keys.length;
}

function encodeHeaders(headers: Record<string, string>): Buffer {
  const keys = Object.keys(headers);
  let size = varintSize(keys.length);
  for (const k of keys) {
    const kl = byteLength(k);
    const vl = byteLength(headers[k]!);
    size += varintSize(kl) + kl + varintSize(vl) + vl;
  }
  const out = Buffer.allocUnsafe(size);
  let pos = writeVarint(out, 0, keys.length);
  for (const k of keys) {
    pos = writeVarint(out, pos, byteLength(k));
    pos += out.write(k, pos, 'utf8');
    const v = headers[k]!;
    pos = writeVarint(out, pos, byteLength(v));
    pos += out.write(v, pos, 'utf8');
  }
  return out;
}

/**
 * One open batch for one partition. `append` encodes a record in place; `seal` writes the header and returns the
 * batch (uncompressed, producer fields unset — stampProducer sets them when it is first sent).
 */
export class BatchBuilder {
  private buf: Buffer;
  private pos = BATCH_HEADER_SIZE;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  private readonly headerCache: HeaderCache = { headers: null, keys: [], values: [], bytes: encodeHeaders({}) };
  count = 0;
  /** Bytes of the records' own content (what the memory bound counts), excluding the batch header. */
  get recordBytes(): number {
    return this.pos - BATCH_HEADER_SIZE;
  }

  constructor(
    private readonly maxBytes: number,
    private readonly maxRecords: number,
    initialBytes = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(Math.max(initialBytes, BATCH_HEADER_SIZE + 64), maxBytes + 1024));
  }

  /**
   * Encodes `record` into the batch, unless the batch is non-empty and would grow past its byte or record limit
   * (then returns false and the caller seals this batch and starts another). An empty batch takes any record, so a
   * record larger than the limit still travels alone (and the broker decides).
   */
  append(record: AgentRecord): boolean {
    if (this.count >= this.maxRecords) return false;
    const { key, value, headers } = record;
    const keyLength = key === null ? -1 : byteLength(key);
    const valueIsString = typeof value === 'string';
    const valueLength = valueIsString ? byteLength(value) : value.length;
    const cache = this.headerCache;
    if (headers !== cache.headers) {
      if (!sameHeaders(headers, cache)) {
        cache.keys = Object.keys(headers);
        cache.values = cache.keys.map((k) => headers[k]!);
        cache.bytes = encodeHeaders(headers);
      }
      cache.headers = headers;
    }
    const headerBytes = cache.bytes;
    const timestamp = record.timestamp;
    if (this.count === 0) {
      this.baseTimestamp = timestamp;
      this.maxTimestamp = timestamp;
    } else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    const timestampDelta = timestamp - this.baseTimestamp;
    const bodySize =
      1 +
      varintSize(timestampDelta) +
      varintSize(this.count) +
      varintSize(keyLength) +
      (keyLength > 0 ? keyLength : 0) +
      varintSize(valueLength) +
      valueLength +
      headerBytes.length;
    const size = varintSize(bodySize) + bodySize;
    if (this.count > 0 && this.pos + size > this.maxBytes) return false;
    this.ensure(size);

    const buf = this.buf;
    let pos = writeVarint(buf, this.pos, bodySize);
    buf[pos++] = 0; // record attributes: unused in v2
    pos = writeVarint(buf, pos, timestampDelta);
    pos = writeVarint(buf, pos, this.count);
    pos = writeVarint(buf, pos, keyLength);
    if (keyLength > 0) pos += buf.write(key!, pos, keyLength, 'utf8');
    pos = writeVarint(buf, pos, valueLength);
    if (valueIsString) pos += buf.write(value, pos, valueLength, 'utf8');
    else pos += (value as Buffer).copy(buf, pos);
    pos += headerBytes.copy(buf, pos);
    this.pos = pos;
    this.count++;
    return true;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.pos + n, Math.min(this.buf.length * 2, this.maxBytes + 1024)));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** The finished batch. The builder must not be used afterwards. */
  seal(): Buffer {
    if (this.count === 0) throw new Error('cannot seal an empty batch');
    const batch = this.buf.subarray(0, this.pos);
    writeHeader(batch, this.count, this.baseTimestamp, this.maxTimestamp, 0);
    return batch;
  }
}

function writeHeader(batch: Buffer, count: number, baseTimestamp: number, maxTimestamp: number, attributes: number): void {
  batch.writeBigInt64BE(0n, BATCH_OFFSET_BASE_OFFSET);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, BATCH_OFFSET_LENGTH);
  batch.writeInt32BE(-1, BATCH_OFFSET_LEADER_EPOCH);
  batch.writeInt8(2, BATCH_OFFSET_MAGIC);
  batch.writeUInt32BE(0, BATCH_OFFSET_CRC);
  batch.writeInt16BE(attributes, BATCH_OFFSET_ATTRIBUTES);
  batch.writeInt32BE(count - 1, BATCH_OFFSET_LAST_OFFSET_DELTA);
  batch.writeBigInt64BE(BigInt(baseTimestamp), BATCH_OFFSET_BASE_TIMESTAMP);
  batch.writeBigInt64BE(BigInt(maxTimestamp), BATCH_OFFSET_MAX_TIMESTAMP);
  batch.writeBigInt64BE(-1n, BATCH_OFFSET_PRODUCER_ID);
  batch.writeInt16BE(-1, BATCH_OFFSET_PRODUCER_EPOCH);
  batch.writeInt32BE(-1, BATCH_OFFSET_BASE_SEQUENCE);
  batch.writeInt32BE(count, BATCH_OFFSET_RECORDS_COUNT);
}

/** Compresses an uncompressed sealed batch's records (the header stays as is, with the codec bit set). */
export async function compressBatch(batch: Buffer, compression: Compression): Promise<Buffer> {
  if (compression === 'none') return batch;
  const records = await gzipAsync(batch.subarray(BATCH_HEADER_SIZE));
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + records.length);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  records.copy(out, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, BATCH_OFFSET_LENGTH);
  out.writeInt16BE(COMPRESSION_ATTRIBUTE[compression], BATCH_OFFSET_ATTRIBUTES);
  return out;
}

/** The idempotent producer's identity and sequence go into the header, which the CRC covers: re-sign. */
export function stampProducer(batch: Buffer, producerId: number, producerEpoch: number, baseSequence: number): void {
  batch.writeBigInt64BE(BigInt(producerId), BATCH_OFFSET_PRODUCER_ID);
  batch.writeInt16BE(producerEpoch, BATCH_OFFSET_PRODUCER_EPOCH);
  batch.writeInt32BE(baseSequence, BATCH_OFFSET_BASE_SEQUENCE);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), BATCH_OFFSET_CRC);
}

/** The records of a batch back as AgentRecords (to split a batch the broker found too large, or re-partition a
 * buffered one). Repeated header names keep the last value. */
export function recordsOfBatch(batch: Buffer): AgentRecord[] {
  return decodeRecords(batch).map((r) => ({
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value ?? Buffer.alloc(0),
    timestamp: r.timestamp,
    headers: Object.fromEntries(r.headers.map(([k, v]) => [k, v === null ? '' : v.toString('utf8')])),
  }));
}
