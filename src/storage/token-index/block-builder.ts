import { CompressionError, decompress } from '../../protocol/compression/index.js';
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_BASE_TIMESTAMP,
  BATCH_OFFSET_LAST_OFFSET_DELTA,
  BATCH_OFFSET_MAX_TIMESTAMP,
  BATCH_OFFSET_RECORDS_COUNT,
  baseOffsetAt,
  batchSizeAt,
  compressionOf,
} from '../../protocol/record-batch.js';
import { RecordText, type RecordHeaders } from '../../common/level/index.js';
import { bloomAdd, filterBytesFor, probesFor } from './bloom-filter.js';
import { HashSet } from './hash-set.js';
import { LEVEL_COLUMNS, LevelCountsBuilder, UNKNOWN_COLUMN } from './level-counts.js';
import { RecordLevelsBuilder } from './record-levels.js';
import { encodeEntry, ENTRY_HEADER_BYTES, type BlockMeta } from './token-index-file.js';
import { forEachToken } from './tokens.js';

/** A block ends at the first batch boundary at or after this many bytes from its start (and at a segment's end). */
export const BLOCK_BYTES = 1024 * 1024;
/** The index may be at most this share of the log: filters are capped to it (entry headers included). */
export const MAX_INDEX_RATIO = 0.05;
/** Filters aim a little below the cap, so the file header and short blocks at segment ends fit in it too. */
const FILTER_RATIO = 0.048;
/**
 * Level counts may take this share of a block (out of the filter's budget), at least MIN_COUNTS_BYTES: per-second
 * counts of a block filled within minutes take far less; a quiet topic's block spread over hours gets coarser buckets.
 */
const COUNTS_RATIO = 0.004;
const MIN_COUNTS_BYTES = 64;
/**
 * The most one batch may decompress to while being indexed. The broker stores batches without looking inside, so a
 * hostile producer could store a 1 MB batch that inflates to the protocol's 256 MiB; real batches (producers cut
 * them at about 1 MB before compression) stay far below this. A batch beyond it leaves its block unreadable (it
 * matches every search), not the broker's memory exhausted.
 */
export const MAX_INDEXED_BATCH_BYTES = 64 * 1024 * 1024;

/** What push() did with a piece of the log. */
export interface PushResult {
  /** File position after the last whole batch taken (the next piece starts here). */
  consumedTo: number;
  /** Bytes the next piece must hold at least (a batch cut off at the end of this one), 0 if any will do. */
  need: number;
  /** The block reached BLOCK_BYTES: finish() it. */
  complete: boolean;
}

/** A batch whose length cannot be right: the log is corrupt here (recovery would have cut it), so stop indexing. */
export class BlockFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockFormatError';
  }
}

const INT32 = 4294967296;
/** A 1 MiB block of log lines holds some 10k–60k distinct tokens: start the table there instead of growing into it. */
const sharedTokens = new HashSet(16);
let sharedTokensFree = true;
const int64At = (b: Buffer, p: number): number => b.readInt32BE(p) * INT32 + b.readUInt32BE(p + 4);

/**
 * Builds one block's entry from the log bytes handed to it piece by piece (whole batches are taken, a batch cut off at
 * the end of a piece is taken from the next one). Tokens of every record's key, value, header keys and header values
 * go into a set, then into a bloom filter sized for them. Compressed batches are decompressed (with the protocol's
 * size cap); control batches count for offsets but hold no words. A batch whose records cannot be read makes the
 * whole block "may contain anything" (probes 0): a search then scans it, as it would without an index.
 */
export class BlockBuilder {
  private pos: number;
  private readonly tokens: HashSet;
  private readonly addToken = (h: number): void => this.tokens.add(h);
  private firstOffset = -1;
  private lastOffset = -1;
  private minTimestamp = -1;
  private maxTimestamp = -1;
  private records = 0;
  private unreadable = false;
  private readonly levels = new LevelCountsBuilder();
  private readonly recordLevels = new RecordLevelsBuilder();
  private released = false;

  constructor(
    readonly segmentBase: number,
    readonly start: number,
    private readonly blockBytes = BLOCK_BYTES,
  ) {
    this.pos = start;
    // Blocks are built one at a time per thread: one table, grown to what blocks need, serves them in turn.
    if (sharedTokensFree) {
      sharedTokensFree = false;
      sharedTokens.clear();
      this.tokens = sharedTokens;
    } else this.tokens = new HashSet();
  }

  /** Give the shared token table back (finish() does; call it for a block given up). */
  release(): void {
    if (this.tokens === sharedTokens && !this.released) sharedTokensFree = true;
    this.released = true;
  }

  get end(): number {
    return this.pos;
  }

  /** Take the whole batches of `buf`, which holds the log from file position `filePos` (= end) on. */
  push(buf: Buffer, filePos: number): PushResult {
    if (filePos !== this.pos) throw new Error(`piece at ${filePos} does not continue the block at ${this.pos}`);
    let p = 0;
    while (this.pos - this.start < this.blockBytes) {
      if (buf.length - p < BATCH_LOG_OVERHEAD) return { consumedTo: this.pos, need: 0, complete: false };
      const size = batchSizeAt(buf, p);
      if (size < BATCH_HEADER_SIZE) throw new BlockFormatError(`invalid batch length ${size - BATCH_LOG_OVERHEAD} at position ${this.pos}`);
      if (buf.length - p < size) return { consumedTo: this.pos, need: size, complete: false };
      this.takeBatch(buf, p, size);
      p += size;
      this.pos += size;
    }
    return { consumedTo: this.pos, need: 0, complete: true };
  }

  private takeBatch(buf: Buffer, p: number, size: number): void {
    const base = baseOffsetAt(buf, p);
    if (this.firstOffset < 0) this.firstOffset = base;
    this.lastOffset = base + buf.readInt32BE(p + BATCH_OFFSET_LAST_OFFSET_DELTA);
    const attributes = buf.readInt16BE(p + BATCH_OFFSET_ATTRIBUTES);
    const maxTs = int64At(buf, p + BATCH_OFFSET_MAX_TIMESTAMP);
    const firstTs = attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND ? maxTs : int64At(buf, p + BATCH_OFFSET_BASE_TIMESTAMP);
    if (firstTs >= 0 && (this.minTimestamp < 0 || firstTs < this.minTimestamp)) this.minTimestamp = firstTs;
    if (maxTs > this.maxTimestamp) this.maxTimestamp = maxTs;
    if (attributes & ATTR_CONTROL) return;
    const count = buf.readInt32BE(p + BATCH_OFFSET_RECORDS_COUNT);
    this.records += Math.max(0, count);
    if (this.unreadable) return;
    try {
      const codec = compressionOf(attributes);
      if (codec === 'unknown') throw new CompressionError('unknown', `codec ${attributes & 7}`);
      const body = buf.subarray(p + BATCH_HEADER_SIZE, p + size);
      const data = codec === 'none' ? body : decompress(codec, body, MAX_INDEXED_BATCH_BYTES);
      const logAppend = (attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
      if (!walkRecords(data, count, this.addToken, logAppend ? maxTs : firstTs, logAppend, this.levels, base, this.recordLevels)) this.unreadable = true;
    } catch (err) {
      if (!(err instanceof CompressionError)) throw err;
      this.unreadable = true;
    }
  }

  /**
   * The encoded entry for [start, end), or null when no batch was taken; with it the level of each record by offset
   * (record-levels.ts), null when the block is unreadable.
   */
  finish(): { meta: BlockMeta; entry: Buffer; levels: Uint8Array | null } | null {
    if (this.pos === this.start) {
      this.release();
      return null;
    }
    const bytes = this.pos - this.start;
    let filter = new Uint8Array(0);
    let counts: Uint8Array = new Uint8Array(0);
    let probes = 0;
    const distinct = this.unreadable ? 0 : this.tokens.size;
    if (!this.unreadable) {
      counts = this.levels.encode(Math.max(MIN_COUNTS_BYTES, bytes * COUNTS_RATIO));
      filter = new Uint8Array(filterBytesFor(distinct, bytes * FILTER_RATIO - ENTRY_HEADER_BYTES - counts.length));
      probes = probesFor(filter.length, distinct);
      this.tokens.forEach((h) => bloomAdd(filter, probes, h));
    }
    this.release();
    const meta: BlockMeta = {
      start: this.start,
      end: this.pos,
      firstOffset: this.firstOffset,
      lastOffset: this.lastOffset,
      minTimestamp: this.minTimestamp,
      maxTimestamp: this.maxTimestamp,
      records: this.records,
      probes,
      filterBytes: filter.length,
      distinctTokens: distinct,
      countsBytes: counts.length,
    };
    const levels = this.unreadable ? null : this.recordLevels.result(this.firstOffset, this.lastOffset);
    return { meta, entry: encodeEntry(this.segmentBase, meta, filter, counts), levels };
  }
}

/*
 * Record => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint keyLength:varint key
 *   valueLength:varint value headerCount:varint [headerKeyLength:varint headerKey headerValueLength:varint headerValue]
 * Walked in place: only the byte ranges of key, value and headers are handed to the tokenizer; the value (a view) and
 * the headers go to THE level of a record (common/level), which looks no further than it must.
 */
let at = 0;

/** Zigzag varint at `at`, advancing it; NaN when it runs past `end` or is too long. */
function varint(b: Uint8Array, end: number): number {
  let u = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= end) return NaN;
    const x = b[at++]!;
    u += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    mul *= 0x80;
  }
  return NaN;
}

/** Where the field last read by field() lies: [fieldStart, at); fieldStart −1 for null. */
let fieldStart = -1;

/** Tokenize a varint-length-prefixed field at `at`; false when it runs past `end`. */
function field(b: Buffer, end: number, emit: (h: number) => void): boolean {
  const len = varint(b, end);
  fieldStart = -1;
  if (Number.isNaN(len)) return false;
  if (len < 0) return true; // null
  if (at + len > end) return false;
  fieldStart = at;
  forEachToken(b, at, at + len, emit);
  at += len;
  return true;
}

const recordText = new RecordText();
const NO_HEADERS: RecordHeaders = [];
const COLUMN_OF = new Map<string | null, number>(LEVEL_COLUMNS.map((l, i) => [l, i]));
COLUMN_OF.set(null, UNKNOWN_COLUMN);

/**
 * Tokenizes every record and counts it by level and timestamp (`baseTs` + its delta; `baseTs` itself when the batch
 * carries log-append time). False when the records are malformed (then the block must be treated as matching
 * anything, and has no counts).
 */
function walkRecords(data: Buffer, count: number, emit: (h: number) => void, baseTs: number, logAppend: boolean, levels: LevelCountsBuilder, baseOffset: number, recordLevels: RecordLevelsBuilder): boolean {
  at = 0;
  for (let i = 0; i < count; i++) {
    const length = varint(data, data.length);
    if (Number.isNaN(length) || length < 0 || at + length > data.length) return false;
    const end = at + length;
    at++; // attributes
    const tsDelta = varint(data, end);
    const offsetDelta = varint(data, end);
    if (Number.isNaN(tsDelta) || Number.isNaN(offsetDelta)) return false;
    if (!field(data, end, emit)) return false; // key
    if (!field(data, end, emit)) return false; // value
    const valueStart = fieldStart;
    const valueEnd = at;
    const headerCount = varint(data, end);
    if (Number.isNaN(headerCount) || headerCount < 0) return false;
    let headers = NO_HEADERS;
    if (headerCount > 0) {
      const hs: [string, Buffer | null][] = [];
      for (let j = 0; j < headerCount; j++) {
        if (!field(data, end, emit)) return false;
        const k = fieldStart < 0 ? '' : data.toString('utf8', fieldStart, at);
        if (!field(data, end, emit)) return false;
        hs.push([k, fieldStart < 0 ? null : data.subarray(fieldStart, at)]);
      }
      headers = hs;
    }
    const column = COLUMN_OF.get(recordText.resetTextAt(valueStart < 0 ? null : data, valueStart, valueEnd, headers).level())!;
    levels.add(logAppend ? baseTs : baseTs + tsDelta, column);
    recordLevels.set(baseOffset + offsetDelta, column);
    at = end;
  }
  return true;
}
