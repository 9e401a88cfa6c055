import { decompress } from '../../protocol/compression/index.js';
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  batchSizeAt,
  compressionOf,
  readBatchHeader,
} from '../../protocol/record-batch.js';
import type { CompiledQuery } from '../language/index.js';
import type { FoundRecord, SearchStats } from './types.js';

/** What one scan of raw batches looks for: offsets [lo, hi), timestamps [from, to), the query. */
export interface BatchFilter {
  topic: string;
  partition: number;
  lo: number;
  hi: number;
  from: number;
  to: number;
  query: CompiledQuery;
  /** Skip records whose bytes lack a literal the query needs (false for queries that need none). */
  prefilter: boolean;
  /** A reader's own tests before decoding, in place of the prefilter (the alert tap's: levels known from the index). */
  gate?: RecordGate;
}

/** Tests that pass batches and records over undecoded, cheapest first; each false means "no record here is wanted". */
export interface RecordGate {
  /** On the batch header alone (before decompressing). */
  batch(baseOffset: number, lastOffset: number): boolean;
  /** On the batch's record bytes (decompressed). */
  batchBytes(data: Buffer): boolean;
  /** On one record's bytes, data[start, end), before it is decoded. */
  record(offset: number, data: Buffer, start: number, end: number): boolean;
}

class Malformed extends Error {}

/** Zigzag varint at `pos`; returns the value and leaves the new position in `at.pos`. */
function varint(buf: Buffer, at: { pos: number }, end: number): number {
  let u = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (at.pos >= end) throw new Malformed('varint past the end');
    const b = buf[at.pos++]!;
    u += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    mul *= 0x80;
  }
  throw new Malformed('varint longer than 10 bytes');
}

function bytes(buf: Buffer, at: { pos: number }, end: number): Buffer | null {
  const len = varint(buf, at, end);
  if (len < 0) return null;
  if (at.pos + len > end) throw new Malformed('field past the end');
  const out = buf.subarray(at.pos, at.pos + len);
  at.pos += len;
  return out;
}

/**
 * Walks back-to-back batches in `buf` (whole batches, as readRange returns them; a cut-off last batch is ignored) and
 * calls `emit` for every record in the filter's offsets and time range that the query matches, in offset order.
 * Per batch, cheapest test first: offsets and timestamps from the header (nothing decompressed), then the query's
 * literals over the batch's record bytes (decompressed first when compressed), then per record the same literals over
 * its own bytes, and only then a record is decoded and tested. Control batches are skipped.
 */
export function scanBatches(buf: Buffer, f: BatchFilter, stats: SearchStats, emit: (r: FoundRecord) => void): void {
  const at = { pos: 0 };
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= buf.length; ) {
    const size = batchSizeAt(buf, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break;
    const h = readBatchHeader(buf, pos);
    const batchPos = pos;
    pos += size;
    if (h.magic !== 2 || (h.attributes & ATTR_CONTROL) !== 0) continue;
    const last = h.baseOffset + h.lastOffsetDelta;
    if (last < f.lo || h.baseOffset >= f.hi) continue;
    const logAppend = (h.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
    if (h.maxTimestamp >= 0 && h.maxTimestamp < f.from) continue;
    if ((logAppend ? h.maxTimestamp : h.baseTimestamp) >= f.to && h.maxTimestamp >= f.to) continue;
    const gate = f.gate;
    if (gate && !gate.batch(h.baseOffset, last)) {
      stats.batchesSkippedByBytes++;
      continue;
    }
    let data: Buffer;
    try {
      const codec = compressionOf(h.attributes);
      if (codec === 'unknown') throw new Malformed('unknown codec');
      data = decompress(codec, buf.subarray(batchPos + BATCH_HEADER_SIZE, batchPos + size));
    } catch {
      stats.batchesUnreadable++;
      continue;
    }
    if (gate ? !gate.batchBytes(data) : f.prefilter && !f.query.mayMatchBytes(data, 0, data.length)) {
      stats.batchesSkippedByBytes++;
      continue;
    }
    try {
      at.pos = 0;
      for (let i = 0; i < h.recordsCount; i++) {
        const length = varint(data, at, data.length);
        const start = at.pos;
        const end = start + length;
        if (length < 0 || end > data.length) throw new Malformed('record past the end of its batch');
        at.pos = start + 1; // attributes
        const tsDelta = varint(data, at, end);
        const offset = h.baseOffset + varint(data, at, end);
        const timestamp = logAppend ? h.maxTimestamp : h.baseTimestamp + tsDelta;
        if (offset < f.lo || offset >= f.hi || timestamp < f.from || timestamp >= f.to || (gate ? !gate.record(offset, data, start, end) : f.prefilter && !f.query.mayMatchBytes(data, start, end))) {
          at.pos = end;
          continue;
        }
        const key = bytes(data, at, end);
        const value = bytes(data, at, end);
        const count = varint(data, at, end);
        const headers: [string, Buffer | null][] = [];
        for (let j = 0; j < count; j++) {
          const k = bytes(data, at, end);
          headers.push([k ? k.toString('utf8') : '', bytes(data, at, end)]);
        }
        at.pos = end;
        stats.recordsDecoded++;
        const r: FoundRecord = { topic: f.topic, partition: f.partition, offset, timestamp, key, value, headers };
        if (f.query.matches(r)) {
          stats.recordsMatched++;
          emit(r);
        }
      }
    } catch (e) {
      if (!(e instanceof Malformed)) throw e;
      stats.batchesUnreadable++;
    }
  }
}
