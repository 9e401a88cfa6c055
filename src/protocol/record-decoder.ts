import { CompressionError, decompress } from './compression/index.js';
import {
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  batchSizeAt,
  compressionOf,
  readBatchHeader,
  type BatchHeader,
} from './record-batch.js';

/**
 * Decodes the records inside a magic v2 batch. For tests, search and the CLI only: the
 * produce and fetch paths never look past the batch header. Grammar: see record-batch-builder.ts.
 */

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
}

export class RecordDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordDecodeError';
  }
}

/** Cursor over varint-framed record bytes; every read is bounds-checked against `end`. */
class VarintReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  /** Signed zigzag varint/varlong, exact for any safe integer. */
  varint(): number {
    let u = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RecordDecodeError('record data ends inside a varint');
      const b = this.buf[this.pos++]!;
      u += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      mul *= 0x80;
    }
    throw new RecordDecodeError('varint longer than 10 bytes');
  }

  bytes(): Buffer | null {
    const len = this.varint();
    if (len < 0) return null;
    if (this.pos + len > this.end) throw new RecordDecodeError(`record field of ${len} bytes runs past the end of the batch`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new RecordDecodeError('record runs past the end of the batch');
    this.pos += n;
  }
}

/** The uncompressed record bytes of the batch at `pos` (a view when uncompressed). */
function recordBytes(batch: Buffer, pos: number, h: BatchHeader): Buffer {
  const body = batch.subarray(pos + BATCH_HEADER_SIZE, pos + h.size);
  const codec = compressionOf(h.attributes);
  if (codec === 'unknown') throw new RecordDecodeError(`record batch at offset ${h.baseOffset} uses unknown compression codec ${h.attributes & 7}`);
  try {
    return decompress(codec, body);
  } catch (err) {
    if (err instanceof CompressionError) throw new RecordDecodeError(`record batch at offset ${h.baseOffset}: ${err.message}`);
    throw err;
  }
}

function batchAt(batch: Buffer, pos: number): BatchHeader {
  const h = readBatchHeader(batch, pos);
  if (h.magic !== 2) throw new RecordDecodeError(`record batch magic ${h.magic} is not supported (only v2)`);
  if (pos + h.size > batch.length) throw new RecordDecodeError(`record batch of ${h.size} bytes is cut off at ${batch.length - pos}`);
  return h;
}

export function decodeRecords(batch: Buffer, pos = 0): DecodedRecord[] {
  const h = batchAt(batch, pos);
  const data = recordBytes(batch, pos, h);
  const logAppend = (h.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const r = new VarintReader(data, 0, data.length);
  const out: DecodedRecord[] = [];
  for (let i = 0; i < h.recordsCount; i++) {
    const length = r.varint();
    const end = r.pos + length;
    if (length < 0 || end > data.length) throw new RecordDecodeError(`record ${i} length ${length} runs past the end of the batch`);
    const rec = new VarintReader(data, r.pos, end);
    rec.skip(1); // attributes
    const timestampDelta = rec.varint();
    const offsetDelta = rec.varint();
    const key = rec.bytes();
    const value = rec.bytes();
    const headerCount = rec.varint();
    const headers: [string, Buffer | null][] = [];
    for (let j = 0; j < headerCount; j++) {
      const k = rec.bytes();
      headers.push([k ? k.toString('utf8') : '', rec.bytes()]);
    }
    out.push({
      offset: h.baseOffset + offsetDelta,
      timestamp: logAppend ? h.maxTimestamp : h.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
    r.pos = end;
  }
  return out;
}

/** Every batch in a buffer of back-to-back batches (a log chunk or fetch response records). */
export function decodeBatches(buf: Buffer): { header: BatchHeader; records: DecodedRecord[] }[] {
  const out: { header: BatchHeader; records: DecodedRecord[] }[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const size = batchSizeAt(buf, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break; // trailing partial batch, as fetch allows
    out.push({ header: readBatchHeader(buf, pos), records: decodeRecords(buf, pos) });
    pos += size;
  }
  return out;
}

/**
 * First record with timestamp ≥ `timestamp` in an uncompressed batch, walking only the
 * varints up to the timestamp (no allocation). Null if none, or if the batch is compressed.
 */
export function findRecordByTimestamp(batch: Buffer, pos: number, timestamp: number): { offset: number; timestamp: number } | null {
  const h = batchAt(batch, pos);
  if (compressionOf(h.attributes) !== 'none') return null;
  if (h.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) return h.maxTimestamp >= timestamp ? { offset: h.baseOffset, timestamp: h.maxTimestamp } : null;
  const end = pos + h.size;
  const r = new VarintReader(batch, pos + BATCH_HEADER_SIZE, end);
  for (let i = 0; i < h.recordsCount; i++) {
    const length = r.varint();
    const next = r.pos + length;
    r.skip(1);
    const ts = h.baseTimestamp + r.varint();
    const offsetDelta = r.varint();
    if (ts >= timestamp) return { offset: h.baseOffset + offsetDelta, timestamp: ts };
    if (length < 0 || next > end) throw new RecordDecodeError(`record ${i} length ${length} runs past the end of the batch`);
    r.pos = next;
  }
  return null;
}

/**
 * The values (as UTF-8) of the headers named in `names` on the first record of an uncompressed batch, or null for a
 * compressed or malformed batch. Reads one record's varints and nothing else (no allocation beyond the strings).
 */
export function firstRecordHeaders(batch: Buffer, pos: number, names: readonly string[]): Record<string, string> | null {
  try {
    const h = batchAt(batch, pos);
    if (compressionOf(h.attributes) !== 'none' || h.recordsCount < 1) return null;
    const r = new VarintReader(batch, pos + BATCH_HEADER_SIZE, pos + h.size);
    const length = r.varint();
    const rec = new VarintReader(batch, r.pos, Math.min(r.pos + Math.max(0, length), pos + h.size));
    rec.skip(1);
    rec.varint();
    rec.varint();
    rec.bytes();
    rec.bytes();
    const count = rec.varint();
    const out: Record<string, string> = {};
    for (let j = 0; j < count; j++) {
      const k = rec.bytes();
      const v = rec.bytes();
      const name = k?.toString('utf8');
      if (name !== undefined && v !== null && names.includes(name)) out[name] = v.toString('utf8');
    }
    return out;
  } catch {
    return null; // the broker checks batch CRCs, not records: a malformed record only means no headers to show
  }
}
