import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { BATCH_HEADER_SIZE, BATCH_OFFSET_MAX_TIMESTAMP } from '../protocol/record-batch.js';
import { writeFullySync } from './atomic-file.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { StorageError } from './types.js';

const fsRead = promisify(fs.read);
const fsFdatasync = promisify(fs.fdatasync);

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';

/** Kafka names every segment file by its base offset, zero-padded to 20 digits. */
export function offsetFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}

export interface SegmentSettings {
  indexIntervalBytes: number;
  /** segment.index.bytes: caps both indexes; a full index rolls the segment. */
  maxIndexBytes: number;
}

/**
 * One segment: a .log file of batches plus its two sparse indexes, held in memory. The log is
 * written synchronously at `size` (positional, one syscall per batch) and read asynchronously
 * by position. The fd is reference-counted so retention or topic deletion never closes it
 * under an in-flight read or fsync.
 */
export class Segment {
  size: number;
  /** Offset after the last batch; equals baseOffset while empty. */
  nextOffset: number;
  /** Largest batch maxTimestamp seen, and the base offset of the batch that first reached it. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp: number;
  /** maxTimestamp of the first batch: segment.ms is measured from it, like Kafka (-1 if unknown). */
  firstBatchTimestamp = -1;
  /** Written since the last fsync. */
  dirty = false;
  private indexesNeedSync = false;
  private bytesSinceIndexEntry = 0;
  private refs = 0;
  private state: 'open' | 'retired' | 'closed' = 'open';
  private fdOpen = true;
  private removeOnRelease = false;
  private removalTimer: NodeJS.Timeout | null = null;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly fd: number,
    size: number,
    public offsetIndex: OffsetIndex,
    public timeIndex: TimeIndex,
    private readonly settings: SegmentSettings,
    /** Wall-clock creation time, for segment.ms when batches carry no timestamps. */
    readonly createdAt: number,
  ) {
    this.size = size;
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
  }

  static filePath(dir: string, baseOffset: number, suffix: string): string {
    return path.join(dir, offsetFileName(baseOffset) + suffix);
  }

  private static freshIndexes(dir: string, base: number, s: SegmentSettings): [OffsetIndex, TimeIndex] {
    return [
      OffsetIndex.create(Segment.filePath(dir, base, INDEX_SUFFIX), base, Math.floor(s.maxIndexBytes / 8)),
      TimeIndex.create(Segment.filePath(dir, base, TIME_INDEX_SUFFIX), base, Math.floor(s.maxIndexBytes / 12)),
    ];
  }

  static create(dir: string, baseOffset: number, settings: SegmentSettings, now: number): Segment {
    const file = Segment.filePath(dir, baseOffset, LOG_SUFFIX);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx+');
    } catch (err) {
      // A leftover empty file (crash right after a roll) is harmless; anything else is not ours to overwrite.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || fs.statSync(file).size !== 0) {
        throw new StorageError(`cannot create segment ${file}: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
      }
      fd = fs.openSync(file, 'r+');
    }
    const [oi, ti] = Segment.freshIndexes(dir, baseOffset, settings);
    return new Segment(dir, baseOffset, fd, 0, oi, ti, settings, now);
  }

  /**
   * Opens an existing segment. `indexesValid` is false when an index file is missing or
   * malformed; the caller must then rebuild with recover().
   */
  static open(dir: string, baseOffset: number, settings: SegmentSettings): { segment: Segment; indexesValid: boolean } {
    const file = Segment.filePath(dir, baseOffset, LOG_SUFFIX);
    const fd = fs.openSync(file, 'r+');
    const st = fs.fstatSync(fd);
    const oi = OffsetIndex.load(Segment.filePath(dir, baseOffset, INDEX_SUFFIX), baseOffset, Math.floor(settings.maxIndexBytes / 8), st.size);
    const ti = TimeIndex.load(Segment.filePath(dir, baseOffset, TIME_INDEX_SUFFIX), baseOffset, Math.floor(settings.maxIndexBytes / 12));
    const [freshOi, freshTi] = Segment.freshIndexes(dir, baseOffset, settings);
    const seg = new Segment(dir, baseOffset, fd, st.size, oi ?? freshOi, ti ?? freshTi, settings, st.mtimeMs);
    const last = ti?.lastEntry();
    if (last) {
      seg.maxTimestamp = last.timestamp;
      seg.offsetOfMaxTimestamp = last.offset;
    }
    // An empty log needs no index; a non-empty one without its index files must be rebuilt.
    return { segment: seg, indexesValid: st.size === 0 || (oi !== null && ti !== null) };
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get indexFull(): boolean {
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /** Largest timestamp for retention; the file's mtime when no batch carried a timestamp (as Kafka). */
  largestTimestamp(): number {
    if (this.maxTimestamp >= 0) return this.maxTimestamp;
    try {
      return fs.fstatSync(this.fd).mtimeMs;
    } catch {
      return this.createdAt;
    }
  }

  /** Writes one batch at the end. The caller has already assigned its offsets. */
  append(batch: Buffer, baseOffset: number, lastOffset: number, maxTimestamp: number): void {
    const position = this.size;
    try {
      writeFullySync(this.fd, batch, position);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const hint = code === 'ENOSPC' ? 'the disk is full; free space or lower retention' : 'check the disk and the data directory permissions';
      throw new StorageError(`write to ${this.describe()} failed (${code ?? (err as Error).message}): ${hint}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
    if (position === 0) this.firstBatchTimestamp = maxTimestamp;
    this.indexBatch(position, batch.length, baseOffset, maxTimestamp);
    this.size = position + batch.length;
    this.nextOffset = lastOffset + 1;
    this.dirty = true;
  }

  /** Index bookkeeping shared by append and recovery (Kafka's LogSegment.append rules). */
  indexBatch(position: number, size: number, baseOffset: number, maxTimestamp: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    if (this.bytesSinceIndexEntry >= this.settings.indexIntervalBytes && !this.offsetIndex.isFull) {
      this.offsetIndex.append(baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
  }

  /** Resume indexing after a restart: `size` bytes of the last indexed batch already count. */
  resumeIndexing(bytesSinceIndexEntry: number, baseOffset: number, maxTimestamp: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    this.bytesSinceIndexEntry = bytesSinceIndexEntry;
  }

  /** Forget all index state before a rebuild. */
  resetIndexes(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
  }

  /** Drops everything from `position` on (recovery only). */
  truncateTo(position: number): void {
    fs.ftruncateSync(this.fd, position);
    this.size = position;
    this.dirty = true;
  }

  /** The segment stops taking appends: record its final max timestamp and write both indexes. */
  onBecomeInactive(): void {
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    this.persistIndexes();
    this.indexesNeedSync = true;
  }

  persistIndexes(): void {
    if (this.state === 'retired') return;
    try {
      this.offsetIndex.persist();
      this.timeIndex.persist();
    } catch (err) {
      throw new StorageError(`writing the indexes of ${this.describe()} failed: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
  }

  /** fsync the log (and, once after a roll, the indexes). Safe to call on a retired segment. */
  async fsync(): Promise<void> {
    if (!this.acquire()) return;
    try {
      if (this.dirty) {
        this.dirty = false;
        await fsFdatasync(this.fd);
      }
      if (this.indexesNeedSync) {
        this.indexesNeedSync = false;
        await this.offsetIndex.fsync();
        await this.timeIndex.fsync();
      }
    } catch (err) {
      if (this.state !== 'open' && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StorageError(`fsync of ${this.describe()} failed: ${(err as Error).message}; check the disk`, 'KAFKA_STORAGE_ERROR', { cause: err });
    } finally {
      this.release();
    }
  }

  /** Positional read; returns fewer bytes only at end of file. Caller must hold a reference. */
  async readAt(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fsRead(this.fd, buf, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === length ? buf : buf.subarray(0, done);
  }

  readSyncAt(position: number, length: number, into?: Buffer): Buffer {
    const buf = into && into.length >= length ? into : Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  }

  /** Reads the first batch's maxTimestamp (for segment.ms after a restart). */
  loadFirstBatchTimestamp(): void {
    if (this.size < BATCH_HEADER_SIZE) return;
    const h = this.readSyncAt(0, BATCH_HEADER_SIZE);
    if (h.length === BATCH_HEADER_SIZE) this.firstBatchTimestamp = Number(h.readBigInt64BE(BATCH_OFFSET_MAX_TIMESTAMP));
  }

  /** Pin the fd for an async operation; false once the segment is retired or closed. */
  acquire(): boolean {
    if (this.state !== 'open') return false;
    this.refs++;
    return true;
  }

  release(): void {
    this.refs--;
    if (this.refs === 0 && this.state !== 'open') {
      this.closeFd();
      if (this.removeOnRelease) {
        this.removeOnRelease = false;
        this.removeFiles();
      }
    }
  }

  /**
   * Retention: rename the files to *.deleted now (so a restart cleans them up), remove them
   * after `delayMs`, and close the fd once no read is using it.
   */
  retire(delayMs: number, warn: (msg: string) => void): void {
    if (this.state !== 'open') return;
    this.state = 'retired';
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const from = Segment.filePath(this.dir, this.baseOffset, suffix);
      try {
        fs.renameSync(from, from + DELETED_SUFFIX);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`could not rename ${from} for deletion: ${(err as Error).message}`);
      }
    }
    if (this.refs === 0) this.closeFd();
    // Free the index arrays now; lookups on a retired segment are never made.
    [this.offsetIndex, this.timeIndex] = Segment.freshIndexes(this.dir, this.baseOffset, this.settings);
    const remove = () => {
      this.removalTimer = null;
      if (this.refs === 0) this.removeFiles();
      else this.removeOnRelease = true;
    };
    if (delayMs <= 0) remove();
    else this.removalTimer = setTimeout(remove, delayMs).unref();
  }

  /** Retired, files not removed yet. */
  get pendingRemoval(): boolean {
    return this.state === 'retired' && (this.removalTimer !== null || this.removeOnRelease);
  }

  /** Removes a retired segment's files now instead of waiting for file.delete.delay.ms. */
  removeNow(): void {
    if (this.state !== 'retired' || !this.removalTimer) return;
    clearTimeout(this.removalTimer);
    this.removalTimer = null;
    if (this.refs === 0) this.removeFiles();
    else this.removeOnRelease = true;
  }

  private removeFiles(): void {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      fs.rm(Segment.filePath(this.dir, this.baseOffset, suffix) + DELETED_SUFFIX, { force: true }, () => {});
    }
  }

  /**
   * Persist indexes, drop bytes past `size` (left by a failed partial write) and close.
   * With `persist` false (topic deleted) the files are simply abandoned.
   */
  close(persist: boolean): void {
    if (this.state !== 'open') return;
    if (persist) {
      this.persistIndexes();
      if (fs.fstatSync(this.fd).size > this.size) fs.ftruncateSync(this.fd, this.size);
    }
    this.state = 'closed';
    if (this.refs === 0) this.closeFd();
  }

  private closeFd(): void {
    if (!this.fdOpen) return;
    this.fdOpen = false;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already gone with its directory (topic deletion); nothing left to release.
    }
  }

  describe(): string {
    return Segment.filePath(this.dir, this.baseOffset, LOG_SUFFIX);
  }
}
