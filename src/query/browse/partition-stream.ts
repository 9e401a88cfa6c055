import { BATCH_HEADER_SIZE, batchSizeAt, readBatchHeader } from '../../protocol/record-batch.js';
import { decodeRecords, RecordDecodeError } from '../../protocol/record-decoder.js';
import { StorageError, type PartitionLog } from '../../storage/index.js';
import type { BrowsedRecord, Direction } from './types.js';

/** Bytes asked of the log per read: a page never holds more than a few of these per partition. */
export const READ_CHUNK_BYTES = 256 * 1024;
/** Records a backward step reads at most, whatever the average record size suggests. */
const MAX_BACKWARD_STEP = 4096;
/** The smallest first read: small pages of small records still read whole batches in one go. */
const MIN_READ_BYTES = 16 * 1024;

function recordSize(key: Buffer | null, value: Buffer | null, headers: [string, Buffer | null][]): number {
  let n = (key?.length ?? 0) + (value?.length ?? 0);
  for (const [k, v] of headers) n += Buffer.byteLength(k) + (v?.length ?? 0);
  return n;
}

/** Header of the stand-in record for a batch whose records cannot be decoded. */
export const UNDECODABLE_HEADER = 'x-tributary-error';

/**
 * The records of `chunks` (whole batches back to back) with lo ≤ offset < hi, in offset order. A batch whose records
 * cannot be decoded (the broker checks batch CRCs, not records: a broken producer can store such a batch; or an
 * unknown codec) stands as one record at its base offset with a null value and a header saying why, so browsing
 * shows it instead of failing or skipping it silently. Returns the offset after the last batch.
 */
function decodeRange(partition: number, chunks: Buffer[], lo: number, hi: number, into: BrowsedRecord[]): number {
  let next = lo;
  for (const chunk of chunks) {
    for (let pos = 0; pos + BATCH_HEADER_SIZE <= chunk.length; ) {
      const size = batchSizeAt(chunk, pos);
      if (size < BATCH_HEADER_SIZE || pos + size > chunk.length) break;
      const h = readBatchHeader(chunk, pos);
      next = Math.max(next, h.baseOffset + h.lastOffsetDelta + 1);
      let records;
      try {
        records = decodeRecords(chunk, pos);
      } catch (e) {
        if (!(e instanceof RecordDecodeError)) throw e;
        if (h.baseOffset >= lo && h.baseOffset < hi) {
          const why = Buffer.from(`the ${h.recordsCount} record(s) at offsets ${h.baseOffset} to ${h.baseOffset + h.lastOffsetDelta} cannot be decoded: ${e.message}`);
          into.push({ partition, offset: h.baseOffset, timestamp: h.maxTimestamp, key: null, value: null, headers: [[UNDECODABLE_HEADER, why]], size: 0 });
        }
        pos += size;
        continue;
      }
      for (const r of records) {
        if (r.offset < lo || r.offset >= hi) continue;
        into.push({ partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers, size: recordSize(r.key, r.value, r.headers) });
      }
      pos += size;
    }
  }
  return next;
}

/**
 * One partition's records in one direction, read lazily in bounded chunks. Forward: from `position` up to the log
 * end seen when the stream was made (so a page does not chase a producer). Backward: the records below `position`,
 * newest first: a step back by offsets (the offset index finds where a read starts; offsets are dense, so a step of
 * N offsets is N records), then read forward to `position` and hand the records out in reverse.
 * `position` is always what a cursor resumes from: forward the next offset to read, backward the offset below which
 * the next record lies.
 */
export class PartitionStream {
  private buffer: BrowsedRecord[] = [];
  private exhausted = false;
  private readonly end: number;
  /** Records the next read aims at: the page size at first, doubling with every read (a page rarely needs more). */
  private want: number;

  constructor(
    private readonly log: PartitionLog,
    readonly partition: number,
    readonly direction: Direction,
    public position: number,
    /** Records the caller expects to need from this partition (the page size); reads start that small. */
    want = 100,
  ) {
    this.end = log.logEndOffset;
    this.want = Math.max(1, want);
  }

  /** Bytes the log holds per record on average (at least 1). */
  private averageRecordBytes(): number {
    const { logStartOffset: s, logEndOffset: e } = this.log;
    return e > s ? Math.max(1, this.log.size / (e - s)) : 1;
  }

  /** The byte budget of the next forward read, and twice the records for the one after. */
  private nextReadBytes(): number {
    const bytes = Math.min(READ_CHUNK_BYTES, Math.max(MIN_READ_BYTES, Math.ceil(this.want * this.averageRecordBytes() * 1.25)));
    this.want *= 2;
    return bytes;
  }

  /** The next record, reading a chunk when the buffer is empty; undefined at the end. */
  async head(): Promise<BrowsedRecord | undefined> {
    while (this.buffer.length === 0 && !this.exhausted) await (this.direction === 'forward' ? this.fillForward() : this.fillBackward());
    return this.buffer[this.buffer.length - 1];
  }

  /** The buffered next record, without reading: head() must have been awaited. */
  peek(): BrowsedRecord | undefined {
    return this.buffer[this.buffer.length - 1];
  }

  take(): BrowsedRecord {
    const r = this.buffer.pop();
    if (!r) throw new Error('PartitionStream.take() without a head');
    this.position = this.direction === 'forward' ? r.offset + 1 : r.offset;
    return r;
  }

  /** True once nothing is left in this direction (forward: up to the end seen at the start). */
  get done(): boolean {
    return this.exhausted && this.buffer.length === 0;
  }

  private async read(offset: number, maxBytes: number): Promise<Buffer[] | null> {
    try {
      return (await this.log.read(offset, maxBytes)).chunks;
    } catch (e) {
      // Retention moved the log start past us: go on from the new start (forward) or stop (backward).
      if (e instanceof StorageError && e.code === 'OFFSET_OUT_OF_RANGE') return null;
      throw e;
    }
  }

  private async fillForward(): Promise<void> {
    const start = Math.max(this.position, this.log.logStartOffset);
    if (start >= this.end) {
      this.exhausted = true;
      return;
    }
    const chunks = await this.read(start, this.nextReadBytes());
    if (!chunks || chunks.length === 0) {
      this.exhausted = true;
      return;
    }
    const out: BrowsedRecord[] = [];
    const next = decodeRange(this.partition, chunks, start, this.end, out);
    if (out.length === 0 && next <= start) this.exhausted = true;
    this.position = Math.max(this.position, start);
    if (out.length === 0) this.position = Math.max(this.position, next);
    this.buffer = out.reverse();
  }

  /** Offsets (so records) the next backward step goes back: what is wanted, within a chunk's worth. */
  private step(): number {
    const byBytes = Math.floor(READ_CHUNK_BYTES / this.averageRecordBytes());
    const n = Math.max(16, Math.min(MAX_BACKWARD_STEP, byBytes, this.want));
    this.want *= 2;
    return n;
  }

  private async fillBackward(): Promise<void> {
    const before = Math.min(this.position, this.end);
    const floor = this.log.logStartOffset;
    if (before <= floor) {
      this.exhausted = true;
      return;
    }
    const from = Math.max(floor, before - this.step());
    const out: BrowsedRecord[] = [];
    let next = from;
    while (next < before) {
      const chunks = await this.read(next, Math.min(READ_CHUNK_BYTES, Math.max(MIN_READ_BYTES, Math.ceil((before - next) * this.averageRecordBytes() * 1.25))));
      if (!chunks || chunks.length === 0) break;
      const reached = decodeRange(this.partition, chunks, from, before, out);
      if (reached <= next) break;
      next = reached;
      // Only the newest of the step are needed first; older ones are read again by the next step.
      if (out.length > MAX_BACKWARD_STEP) out.splice(0, out.length - MAX_BACKWARD_STEP);
    }
    if (out.length === 0) {
      // Nothing readable below `before` from `from` (retention in between): step below it or stop.
      if (from <= this.log.logStartOffset) this.exhausted = true;
      this.position = from;
      return;
    }
    this.buffer = out; // oldest first: pop() hands out the newest
  }
}
