import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BatchFormatError,
  batchSizeAt,
  readBatchHeader,
  validateBatch,
  type BatchHeader,
} from '../protocol/record-batch.js';
import type { Segment } from './segment.js';

/*
 * Synchronous sequential walks over a segment, used only while opening a partition
 * (recovery, index sanity checks, producer-state replay), when nothing else runs yet.
 */

const CHUNK = 1 << 20;

/** Reads a file forward in 1 MiB chunks; a returned view is valid until the next call. */
class ChunkedReader {
  buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private readonly scratch = Buffer.allocUnsafe(CHUNK);

  constructor(
    private readonly seg: Segment,
    private readonly end: number,
  ) {}

  /** Index in `buf` of file bytes [pos, pos + len); len must not reach past `end`. */
  view(pos: number, len: number): number {
    if (pos >= this.start && pos + len <= this.start + this.buf.length) return pos - this.start;
    const want = Math.min(Math.max(len, CHUNK), this.end - pos);
    this.buf = this.seg.readSyncAt(pos, want, want <= CHUNK ? this.scratch : undefined);
    this.start = pos;
    if (this.buf.length < len) throw new Error(`${this.seg.describe()} shrank while being read`);
    return 0;
  }
}

export interface RecoveryOutcome {
  /** Bytes cut from this segment's tail (0 if it was intact). */
  truncatedBytes: number;
  /** Why the tail was cut, or null. */
  reason: string | null;
}

function describeBatchError(err: unknown): string {
  if (!(err instanceof BatchFormatError)) return (err as Error).message;
  if (err.message.includes('CRC mismatch')) return 'CRC mismatch';
  return err.kind === 'truncated' ? 'incomplete batch' : err.message;
}

/**
 * Kafka's LogSegment.recover: walk every batch verifying framing, CRC and offset order,
 * rebuild both indexes, and cut the file at the first bad batch.
 */
export function recoverSegment(seg: Segment): RecoveryOutcome {
  seg.resetIndexes();
  const end = seg.size;
  const r = new ChunkedReader(seg, end);
  let pos = 0;
  let next = seg.baseOffset;
  let reason: string | null = null;
  while (pos < end) {
    const left = end - pos;
    if (left < BATCH_LOG_OVERHEAD) {
      reason = `incomplete batch (${left} trailing bytes)`;
      break;
    }
    let at = r.view(pos, Math.min(left, BATCH_HEADER_SIZE));
    const size = batchSizeAt(r.buf, at);
    if (size < BATCH_HEADER_SIZE) {
      reason = `invalid batch length ${size - BATCH_LOG_OVERHEAD}`;
      break;
    }
    if (size > left) {
      reason = `incomplete batch (${size} bytes declared, ${left} present)`;
      break;
    }
    at = r.view(pos, size);
    let h: BatchHeader;
    try {
      h = validateBatch(r.buf, at, size);
    } catch (err) {
      reason = describeBatchError(err);
      break;
    }
    if (h.baseOffset < next) {
      reason = `offset ${h.baseOffset} goes backwards (expected at least ${next})`;
      break;
    }
    if (pos === 0) seg.firstBatchTimestamp = h.maxTimestamp;
    seg.indexBatch(pos, size, h.baseOffset, h.maxTimestamp);
    next = h.baseOffset + h.lastOffsetDelta + 1;
    pos += size;
  }
  if (pos < end) seg.truncateTo(pos);
  seg.nextOffset = next;
  // On a full disk the rebuilt indexes stay in memory (written by a later flush or the close): a
  // broker restarted on a full disk must still start and serve reads.
  seg.tryPersistIndexes(() => {});
  return { truncatedBytes: end - pos, reason };
}

/**
 * Clean open: trust the indexes, but check that the last offset-index entry points at a
 * batch with that offset, then walk the headers after it to find the segment's next offset
 * and largest timestamp. False if anything is off; the caller then recovers the segment.
 */
export function loadSegmentTail(seg: Segment): boolean {
  const last = seg.offsetIndex.lastEntry();
  const end = seg.size;
  const r = new ChunkedReader(seg, end);
  let pos = last?.position ?? 0;
  let next = last?.offset ?? seg.baseOffset;
  let first = true;
  while (pos < end) {
    const left = end - pos;
    if (left < BATCH_HEADER_SIZE) return false;
    const at = r.view(pos, BATCH_HEADER_SIZE);
    const size = batchSizeAt(r.buf, at);
    if (size < BATCH_HEADER_SIZE || size > left) return false;
    const h = readBatchHeader(r.buf, at);
    if (h.magic !== 2 || (first && last ? h.baseOffset !== last.offset : h.baseOffset < next)) return false;
    if (first && last) seg.resumeIndexing(size, h.baseOffset, h.maxTimestamp);
    else seg.indexBatch(pos, size, h.baseOffset, h.maxTimestamp);
    first = false;
    next = h.baseOffset + h.lastOffsetDelta + 1;
    pos += size;
  }
  if (last && first) return false; // the indexed batch itself is missing
  seg.nextOffset = next;
  seg.loadFirstBatchTimestamp();
  return true;
}

/** Cheap check for a sealed segment: its last index entry must point at a batch with that offset. */
export function lastIndexEntryValid(seg: Segment): boolean {
  const last = seg.offsetIndex.lastEntry();
  if (!last) return true;
  if (last.position + BATCH_HEADER_SIZE > seg.size) return false;
  const h = seg.readSyncAt(last.position, BATCH_HEADER_SIZE);
  return h.length === BATCH_HEADER_SIZE && readBatchHeader(h, 0).baseOffset === last.offset;
}

/** Calls `visit` with the header of every batch from file position `from` to the end (producer-state replay). */
export function forEachBatchHeader(seg: Segment, from: number, visit: (h: BatchHeader) => void): void {
  const end = seg.size;
  const r = new ChunkedReader(seg, end);
  for (let pos = from; pos + BATCH_HEADER_SIZE <= end; ) {
    const at = r.view(pos, BATCH_HEADER_SIZE);
    const h = readBatchHeader(r.buf, at);
    if (h.size < BATCH_HEADER_SIZE) return;
    visit(h);
    pos += h.size;
  }
}
