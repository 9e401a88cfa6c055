import { crc32c } from '@node-rs/crc32';

/*
 * The sidecar file `<base offset>.tokens` beside a segment's .log, .index and .timeindex: a header, then one entry per
 * block, appended as blocks are built. Every entry carries three CRC32C (its fields, its filter, its level counts), so a torn tail after
 * kill -9 or a flipped byte is found and that entry and everything after it are rebuilt from the log, never trusted.
 * The file is never fsynced: it can always be rebuilt. Big-endian, like Kafka's index files.
 *
 * Header (12 bytes):  magic "TKIX" | version u16 | reserved u16 | crc32c(bytes 0..8) u32
 * Entry (64 + filter + counts bytes):
 *   0 crc32c(bytes 8..64) u32 | 4 crc32c(filter) u32 | 8 start u32 | 12 end u32 (file positions in the .log)
 *   16 firstOffset − base u32 | 20 lastOffset − base u32 | 24 minTimestamp f64 | 32 maxTimestamp f64 (−1: none)
 *   40 records u32 | 44 probes u8 (0: the block could not be read; it may contain anything) | 45 reserved 3 bytes
 *   48 filterBytes u32 | 52 distinct tokens u32 | 56 countsBytes u32 | 60 crc32c(counts) u32 | 64 filter | counts
 * `counts` are the block's records per level and time bucket (level-counts.ts; 0 bytes: none).
 *
 * Version 1 (until the level counts) had 56-byte entries without counts: such a file is removed and rebuilt.
 */

export const TOKEN_INDEX_SUFFIX = '.tokens';
export const TOKEN_INDEX_VERSION = 2;
const MAGIC = 0x544b4958; // "TKIX"
export const FILE_HEADER_BYTES = 12;
export const ENTRY_HEADER_BYTES = 64;
/** No filter is this large: a block of 2 GiB at 5 % is 107 MB; anything beyond is corruption. */
const MAX_FILTER_BYTES = 128 * 1024 * 1024;
/** Counts are capped far below this (block-builder.ts); anything beyond is corruption. */
const MAX_COUNTS_BYTES = 16 * 1024 * 1024;

/** One block's description as stored (offsets absolute). */
export interface BlockMeta {
  start: number;
  end: number;
  firstOffset: number;
  lastOffset: number;
  minTimestamp: number;
  maxTimestamp: number;
  records: number;
  /** 0: unreadable block, matches every query. */
  probes: number;
  filterBytes: number;
  distinctTokens: number;
  /** Bytes of the level counts after the filter (0: none). */
  countsBytes: number;
}

export function encodeFileHeader(): Buffer {
  const b = Buffer.alloc(FILE_HEADER_BYTES);
  b.writeUInt32BE(MAGIC, 0);
  b.writeUInt16BE(TOKEN_INDEX_VERSION, 4);
  b.writeUInt32BE(crc32c(b.subarray(0, 8)) >>> 0, 8);
  return b;
}

/** Null when the header is whole and of this version; otherwise why not. */
export function fileHeaderProblem(b: Buffer): string | null {
  if (b.length < FILE_HEADER_BYTES) return 'shorter than its header';
  if (b.readUInt32BE(0) !== MAGIC) return 'not a token index (bad magic)';
  if (b.readUInt32BE(8) !== crc32c(b.subarray(0, 8)) >>> 0) return 'header CRC mismatch';
  const v = b.readUInt16BE(4);
  if (v !== TOKEN_INDEX_VERSION) return `version ${v}, this build writes version ${TOKEN_INDEX_VERSION}`;
  return null;
}

/** One whole entry (header, filter, counts) in a new buffer. */
export function encodeEntry(segmentBase: number, m: BlockMeta, filter: Uint8Array, counts: Uint8Array): Buffer {
  const b = Buffer.alloc(ENTRY_HEADER_BYTES + filter.length + counts.length);
  b.writeUInt32BE(m.start, 8);
  b.writeUInt32BE(m.end, 12);
  b.writeUInt32BE(m.firstOffset - segmentBase, 16);
  b.writeUInt32BE(m.lastOffset - segmentBase, 20);
  b.writeDoubleBE(m.minTimestamp, 24);
  b.writeDoubleBE(m.maxTimestamp, 32);
  b.writeUInt32BE(m.records, 40);
  b.writeUInt8(m.probes, 44);
  b.writeUInt32BE(filter.length, 48);
  b.writeUInt32BE(m.distinctTokens, 52);
  b.writeUInt32BE(counts.length, 56);
  b.writeUInt32BE(crc32c(counts as Buffer) >>> 0, 60);
  b.set(filter, ENTRY_HEADER_BYTES);
  b.set(counts, ENTRY_HEADER_BYTES + filter.length);
  b.writeUInt32BE(crc32c(b.subarray(8, ENTRY_HEADER_BYTES)) >>> 0, 0);
  b.writeUInt32BE(crc32c(filter as Buffer) >>> 0, 4);
  return b;
}

/** The fields of an entry header whose own CRC holds, or null. `b` holds at least ENTRY_HEADER_BYTES from `at`. */
export function decodeEntryHeader(b: Buffer, at: number, segmentBase: number): BlockMeta | null {
  if (b.length - at < ENTRY_HEADER_BYTES) return null;
  if (b.readUInt32BE(at) !== crc32c(b.subarray(at + 8, at + ENTRY_HEADER_BYTES)) >>> 0) return null;
  const m: BlockMeta = {
    start: b.readUInt32BE(at + 8),
    end: b.readUInt32BE(at + 12),
    firstOffset: segmentBase + b.readUInt32BE(at + 16),
    lastOffset: segmentBase + b.readUInt32BE(at + 20),
    minTimestamp: b.readDoubleBE(at + 24),
    maxTimestamp: b.readDoubleBE(at + 32),
    records: b.readUInt32BE(at + 40),
    probes: b.readUInt8(at + 44),
    filterBytes: b.readUInt32BE(at + 48),
    distinctTokens: b.readUInt32BE(at + 52),
    countsBytes: b.readUInt32BE(at + 56),
  };
  const sane = m.end > m.start && m.lastOffset >= m.firstOffset && m.filterBytes <= MAX_FILTER_BYTES && m.countsBytes <= MAX_COUNTS_BYTES && m.probes <= 32;
  return sane ? m : null;
}

/** The filter CRC stored in the entry header at `at`. */
export function storedFilterCrc(b: Buffer, at: number): number {
  return b.readUInt32BE(at + 4);
}

/** The counts CRC stored in the entry header at `at`. */
export function storedCountsCrc(b: Buffer, at: number): number {
  return b.readUInt32BE(at + 60);
}

/** Bytes of a whole entry (header, filter, counts). */
export function entryBytes(m: BlockMeta): number {
  return ENTRY_HEADER_BYTES + m.filterBytes + m.countsBytes;
}

export function filterCrc(filter: Uint8Array): number {
  return crc32c(filter as Buffer) >>> 0;
}
