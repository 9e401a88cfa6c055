import {
  BATCH_HEADER_SIZE,
  BATCH_OFFSET_LAST_OFFSET_DELTA,
  BATCH_OFFSET_MAX_TIMESTAMP,
  batchSizeAt,
} from '../protocol/record-batch.js';
import { findRecordByTimestamp } from '../protocol/record-decoder.js';
import type { Segment } from './segment.js';
import { StorageError, type ReadResult } from './types.js';

/*
 * The read side of a partition: Fetch (read), ListOffsets by timestamp. Segments are pinned
 * (acquire/release) for the duration of each file read, so retention may retire them
 * concurrently; a read that finds its next segment gone just returns what it has.
 */

export interface ReadableLog {
  readonly name: string;
  readonly segments: readonly Segment[];
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly indexIntervalBytes: number;
  /** Throws if the log is closed or deleted. */
  assertOpen(): void;
}

const EMPTY: Buffer = Buffer.alloc(0);
/** Read size when scanning headers for a timestamp. */
const SCAN_CHUNK = 64 * 1024;

/** int64 offset without a BigInt per batch; exact below 2^53. */
function offsetAt(buf: Buffer, p: number): number {
  return buf.readInt32BE(p) * 4294967296 + buf.readUInt32BE(p + 4);
}

function corrupt(seg: Segment, position: number, why: string): StorageError {
  return new StorageError(
    `${seg.describe()} is corrupt at position ${position} (${why}); stop Tributary, delete the .clean-shutdown marker in the data directory and restart to run recovery`,
    'KAFKA_STORAGE_ERROR',
  );
}

/** Index of the segment holding `offset`: the last one whose base offset is ≤ offset. */
export function segmentIndexFor(segments: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * The segment that continues `seg` (based at its next offset), looked up afresh because
 * retention may have shifted the array during an await; undefined if there is none (yet).
 */
function segmentAfter(segments: readonly Segment[], seg: Segment): Segment | undefined {
  const next = segments[segmentIndexFor(segments, seg.nextOffset)];
  return next && next !== seg && next.baseOffset === seg.nextOffset ? next : undefined;
}

interface Collected {
  chunks: Buffer[];
  bytes: number;
  /** File position after the last batch taken or skipped. */
  endPos: number;
  /** True when the loop stopped at the end of the segment rather than at the byte budget. */
  reachedEnd: boolean;
}

/**
 * From file position `startPos` (an index hit at or before the wanted batch), skip batches
 * ending before `target`, then take whole batches while they fit in `budget` (the first one
 * regardless when `mustTakeOne`: KIP-74). Usually one read of budget + slack bytes; returned
 * chunks are views of the read buffers, one per contiguous run.
 */
async function collect(seg: Segment, startPos: number, target: number, budget: number, mustTakeOne: boolean, slack: number, scratch: Scratch | null): Promise<Collected> {
  const end = seg.size;
  const chunks: Buffer[] = [];
  let bytes = 0;
  let buf = EMPTY;
  let bufPos = startPos;
  let p = 0;
  let runStart = -1;
  let found = false;
  let reachedEnd = true;
  const endRun = () => {
    if (runStart >= 0) {
      chunks.push(buf.subarray(runStart, p));
      // From now on the result holds a view of the scratch: later fills of this read must not overwrite it.
      if (scratch && buf.buffer === scratch.buf.buffer) scratch.used = true;
    }
    runStart = -1;
  };
  const refill = async (minLen: number, wantLen: number) => {
    endRun();
    const at = bufPos + p;
    const len = Math.min(Math.max(minLen, wantLen), end - at);
    if (len < minLen) throw corrupt(seg, at, `${end - at} bytes left, a batch needs ${minLen}`);
    // Into the caller's scratch buffer while the result holds nothing of it: a fill whose batches were all skipped, or
    // that ended before a batch larger than the rest of it (the first batch of a read may be larger than the read:
    // KIP-74), leaves nothing there that is returned, so the next fill may use it again instead of a new buffer.
    const into = scratch && !scratch.used && len <= scratch.buf.length ? scratch.buf : undefined;
    buf = await seg.readAt(at, len, into?.subarray(0, len));
    if (buf.length < len) throw corrupt(seg, at, 'file is shorter than the log');
    bufPos = at;
    p = 0;
  };
  while (bufPos + p < end) {
    if (p + BATCH_HEADER_SIZE > buf.length) {
      await refill(BATCH_HEADER_SIZE, found ? budget - bytes : budget + slack);
      continue;
    }
    const size = batchSizeAt(buf, p);
    if (size < BATCH_HEADER_SIZE || bufPos + p + size > end) throw corrupt(seg, bufPos + p, `invalid batch length ${size}`);
    if (!found) {
      if (offsetAt(buf, p) + buf.readInt32BE(p + BATCH_OFFSET_LAST_OFFSET_DELTA) < target) {
        p += size;
        continue;
      }
      found = true;
    }
    if (bytes + size > budget && !(mustTakeOne && bytes === 0)) {
      reachedEnd = false;
      break;
    }
    if (p + size > buf.length) await refill(size, budget - bytes);
    if (runStart < 0) runStart = p;
    p += size;
    bytes += size;
  }
  endRun();
  return { chunks, bytes, endPos: bufPos + p, reachedEnd };
}

interface Scratch {
  buf: Buffer;
  /** True once the read's result holds a view of buf. */
  used: boolean;
}

/**
 * Whole batches from the one holding `offset`, up to `maxBytes`. With `minOneBatch` (the default) the first batch is
 * returned even when larger than `maxBytes` (KIP-74: the first partition of a fetch response); without it nothing is.
 * With `scratch`, the chunks may be views of it (valid until the caller reuses it): a reader that consumes each read
 * before the next (the metrics store) then leaves no read buffer behind as garbage.
 */
export async function readLog(log: ReadableLog, offset: number, maxBytes: number, minOneBatch = true, scratch?: Buffer): Promise<ReadResult> {
  log.assertOpen();
  const start = log.logStartOffset;
  const end = log.logEndOffset;
  if (!Number.isInteger(offset) || offset < start || offset > end) {
    throw new StorageError(
      `offset ${offset} is out of range for ${log.name} (valid: ${start} to ${end}); reset the consumer to the earliest or latest offset`,
      'OFFSET_OUT_OF_RANGE',
    );
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  const into: Scratch | null = scratch ? { buf: scratch, used: false } : null;
  let seg: Segment | undefined = offset < end ? log.segments[segmentIndexFor(log.segments, offset)] : undefined;
  let pos = seg ? seg.offsetIndex.lookup(offset) : 0;
  while (seg && (await seg.acquire())) {
    let r: Collected;
    try {
      r = await collect(seg, pos, offset, maxBytes - bytes, bytes === 0 && minOneBatch, log.indexIntervalBytes, into);
    } finally {
      seg.release();
    }
    chunks.push(...r.chunks);
    bytes += r.bytes;
    // Stop at the budget, or if the segment grew during the read (a roll may follow: never skip those batches).
    if (!r.reachedEnd || bytes >= maxBytes || r.endPos < seg.size) break;
    seg = segmentAfter(log.segments, seg);
    pos = 0;
  }
  return { chunks, bytes, highWatermark: log.logEndOffset, logStartOffset: log.logStartOffset };
}

/**
 * At least as many bytes as a read from `offset` to the log end returns, found without I/O (the offset index lands at
 * or before the batch holding `offset`, so this may count up to one index interval too many). 0 at or past the end.
 */
export function bytesFrom(log: ReadableLog, offset: number): number {
  if (offset >= log.logEndOffset) return 0;
  const segments = log.segments;
  let i = segmentIndexFor(segments, Math.max(offset, log.logStartOffset));
  const seg = segments[i];
  if (!seg) return 0;
  let total = seg.size - seg.offsetIndex.lookup(offset);
  for (i++; i < segments.length; i++) total += segments[i]!.size;
  return Math.max(0, total);
}

/** The first whole batch from `startPos` on for which `match` holds, or null. */
async function findBatch(seg: Segment, startPos: number, match: (buf: Buffer, p: number) => boolean): Promise<Buffer | null> {
  const end = seg.size;
  let buf = EMPTY;
  let bufPos = startPos;
  let p = 0;
  while (bufPos + p < end) {
    if (p + BATCH_HEADER_SIZE > buf.length) {
      const at = bufPos + p;
      const len = Math.min(SCAN_CHUNK, end - at);
      if (len < BATCH_HEADER_SIZE) throw corrupt(seg, at, `${len} trailing bytes`);
      buf = await seg.readAt(at, len);
      bufPos = at;
      p = 0;
      continue;
    }
    const size = batchSizeAt(buf, p);
    if (size < BATCH_HEADER_SIZE || bufPos + p + size > end) throw corrupt(seg, bufPos + p, `invalid batch length ${size}`);
    if (match(buf, p)) return p + size <= buf.length ? buf.subarray(p, p + size) : seg.readAt(bufPos + p, size);
    p += size;
  }
  return null;
}

function maxTimestampAt(buf: Buffer, p: number): number {
  return Number(buf.readBigInt64BE(p + BATCH_OFFSET_MAX_TIMESTAMP));
}

/**
 * The exact record in an uncompressed batch; the batch's base offset for a compressed one,
 * or when the records are malformed (the broker checks only the batch CRC, not the records).
 */
function recordIn(batch: Buffer, timestamp: number): { offset: number; timestamp: number } {
  let exact: { offset: number; timestamp: number } | null = null;
  try {
    exact = findRecordByTimestamp(batch, 0, timestamp);
  } catch {
    // fall back to the batch
  }
  return exact ?? { offset: offsetAt(batch, 0), timestamp: maxTimestampAt(batch, 0) };
}

/**
 * ListOffsets by timestamp: the first record with timestamp ≥ ts. Uses the time index to
 * skip ahead, then scans batch headers. Inside a compressed batch we do not decompress (the
 * broker never does), so the answer is that batch's base offset and max timestamp: a
 * consumer starting there may see a few earlier records of the same batch first.
 */
export async function offsetForTimestamp(log: ReadableLog, ts: number): Promise<{ offset: number; timestamp: number } | null> {
  log.assertOpen();
  for (const seg of [...log.segments]) {
    if (seg.maxTimestamp < ts || !(await seg.acquire())) continue;
    try {
      const from = Math.max(seg.timeIndex.lookup(ts), log.logStartOffset);
      const batch = await findBatch(seg, seg.offsetIndex.lookup(from), (b, p) => maxTimestampAt(b, p) >= ts);
      if (batch) return recordIn(batch, ts);
    } finally {
      seg.release();
    }
  }
  return null;
}

/** ListOffsets MAX_TIMESTAMP (-3): the record with the largest timestamp (first one, on ties). */
export async function maxTimestampOffset(log: ReadableLog): Promise<{ offset: number; timestamp: number } | null> {
  log.assertOpen();
  let best: Segment | undefined;
  for (const seg of log.segments) if (seg.maxTimestamp > (best?.maxTimestamp ?? -1)) best = seg;
  if (!best || !(await best.acquire())) return null;
  try {
    const target = best.offsetOfMaxTimestamp;
    const batch = await findBatch(best, best.offsetIndex.lookup(target), (b, p) => offsetAt(b, p) >= target);
    return batch ? recordIn(batch, best.maxTimestamp) : null;
  } finally {
    best.release();
  }
}
