import { decompress } from '../../protocol/compression/index.js';
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  batchSizeAt,
  compressionOf,
  readBatchHeader,
} from '../../protocol/record-batch.js';

/**
 * Walks the records of whole batches in a log chunk without an object per record: for each one it hands over the
 * bytes holding its value (a view), its offset and timestamp, and whether it carries the header `format: influx`.
 * Compressed batches are decompressed once (every metric record of them is read anyway). Control batches (transaction
 * markers) are skipped.
 */

export interface RecordVisitor {
  /** `value` is valid only during the call; valueStart === valueEnd for a null or empty value. */
  record(data: Buffer, valueStart: number, valueEnd: number, offset: number, timestamp: number, influxHeader: boolean): void;
  /** A batch or record that cannot be read: counted as a bad record, the walk goes on with the next batch. */
  corrupt(offset: number, why: string): void;
}

const FORMAT = Buffer.from('format');
const INFLUX = Buffer.from('influx');

class Cursor {
  pos = 0;
  end = 0;
  constructor(public buf: Buffer) {}

  varint(): number {
    let u = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('record ends inside a varint');
      const b = this.buf[this.pos++]!;
      u += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      mul *= 0x80;
    }
    throw new RangeError('varint longer than 10 bytes');
  }
}

function equalsAt(buf: Buffer, start: number, len: number, what: Buffer): boolean {
  if (len !== what.length) return false;
  for (let i = 0; i < len; i++) if (buf[start + i] !== what[i]) return false;
  return true;
}

/** Visits every record of the whole batches in `chunk` from offset `from` on; returns the offset after the last whole batch (or `from`). */
export function walkRecords(chunk: Buffer, from: number, v: RecordVisitor): number {
  let after = from;
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= chunk.length; ) {
    const size = batchSizeAt(chunk, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > chunk.length) break;
    const h = readBatchHeader(chunk, pos);
    const next = h.baseOffset + h.lastOffsetDelta + 1;
    if (next > from && (h.attributes & ATTR_CONTROL) === 0) {
      try {
        const codec = compressionOf(h.attributes);
        if (codec === 'unknown') throw new RangeError(`unknown compression codec ${h.attributes & 7}`);
        const body = chunk.subarray(pos + BATCH_HEADER_SIZE, pos + size);
        const data = codec === 'none' ? body : decompress(codec, body);
        const logAppend = (h.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
        const c = new Cursor(data);
        c.end = data.length;
        for (let i = 0; i < h.recordsCount; i++) {
          const length = c.varint();
          const end = c.pos + length;
          if (length < 0 || end > data.length) throw new RangeError(`record ${i} runs past the end of the batch`);
          c.end = end;
          c.pos++; // attributes
          const tsDelta = c.varint();
          const offset = h.baseOffset + c.varint();
          const keyLen = c.varint();
          if (keyLen > 0) c.pos += keyLen;
          const valueLen = c.varint();
          const valueStart = c.pos;
          if (valueLen > 0) c.pos += valueLen;
          const valueEnd = valueLen > 0 ? c.pos : valueStart;
          if (c.pos > end) throw new RangeError(`record ${i} runs past the end of the batch`);
          const headers = c.varint();
          let influx = false;
          for (let j = 0; j < headers; j++) {
            const kl = c.varint();
            const ks = c.pos;
            if (kl > 0) c.pos += kl;
            const vl = c.varint();
            const vs = c.pos;
            if (vl > 0) c.pos += vl;
            if (c.pos > end) throw new RangeError(`record ${i} headers run past its end`);
            if (equalsAt(data, ks, Math.max(0, kl), FORMAT) && equalsAt(data, vs, Math.max(0, vl), INFLUX)) influx = true;
          }
          c.pos = end;
          c.end = data.length;
          if (offset >= from) v.record(data, valueStart, valueEnd, offset, logAppend ? h.maxTimestamp : h.baseTimestamp + tsDelta, influx);
        }
      } catch (e) {
        v.corrupt(h.baseOffset, (e as Error).message);
      }
    }
    after = Math.max(after, next);
    pos += size;
  }
  return after;
}
