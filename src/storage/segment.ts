import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { BATCH_HEADER_SIZE, BATCH_OFFSET_MAX_TIMESTAMP } from '../protocol/record-batch.js';
import { writeFullySync } from '../common/atomic-file.js';
import { CachedFile, type FdCache } from './fd-cache.js';
import { ioHint } from './io-errors.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TOKEN_INDEX_SUFFIX } from './token-index/token-index-file.js';
import { StorageError } from './types.js';

const fsRead = promisify(fs.read);
const fsFdatasync = promisify(fs.fdatasync);

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';
/** Every file of a segment: the log, its two sparse indexes and its token index (the search sidecar). */
export const SEGMENT_SUFFIXES = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TOKEN_INDEX_SUFFIX] as const;

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
 * by position. Its fd comes from the manager's FdCache, opened on demand and closed when
 * idle and least recently used; reads and fsyncs pin it (acquire/release), and the same
 * reference count keeps retention or topic deletion from removing the files under them.
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
  /** The .log was created since the partition directory was last fsynced (its entry is not durable yet). */
  needsDirSync = false;
  private indexesNeedSync = false;
  private bytesSinceIndexEntry = 0;
  private refs = 0;
  private state: 'open' | 'retired' | 'closed' = 'open';
  private removeOnRelease = false;
  private removalTimer: NodeJS.Timeout | null = null;
  private readonly file: CachedFile;
  /** False for a new partition's first segment until its first append creates the .log. */
  private onDisk: boolean;
  /** False while the index files are known not to exist (new segment): an empty segment needs none. */
  private indexesOnDisk: boolean;
  /** A failed write may have left bytes past `size`; close() cuts them. */
  private tornTail = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly files: FdCache,
    onDisk: boolean,
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
    this.file = new CachedFile(Segment.filePath(dir, baseOffset, LOG_SUFFIX));
    this.onDisk = onDisk;
    this.indexesOnDisk = onDisk;
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

  /**
   * A new, empty segment. With `lazy` (a new partition's first segment) nothing touches the
   * disk until the first append: an empty partition costs no file and no descriptor.
   */
  static create(dir: string, baseOffset: number, settings: SegmentSettings, now: number, files: FdCache, lazy = false): Segment {
    const [oi, ti] = Segment.freshIndexes(dir, baseOffset, settings);
    const seg = new Segment(dir, baseOffset, files, false, 0, oi, ti, settings, now);
    if (!lazy) seg.createFile();
    return seg;
  }

  private createFile(): void {
    const file = this.describe();
    try {
      this.files.adopt(this.file, fs.openSync(file, 'wx+'));
    } catch (err) {
      // A leftover empty file (crash right after a roll) is harmless; anything else is not ours to overwrite.
      let leftoverEmpty = false;
      try {
        leftoverEmpty = (err as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(file).size === 0;
      } catch {
        // treat as not ours
      }
      if (!leftoverEmpty) {
        throw new StorageError(`cannot create segment ${file}: ${(err as Error).message}; ${ioHint(err)}`, 'KAFKA_STORAGE_ERROR', { cause: err });
      }
      this.indexesOnDisk = true; // leftovers may sit beside it: rewrite them
    }
    this.onDisk = true;
    this.needsDirSync = true;
  }

  /**
   * Opens an existing segment (no descriptor yet: the first read or append opens it).
   * `indexesValid` is false when an index file is missing or malformed; the caller must then
   * rebuild with recover().
   */
  static open(dir: string, baseOffset: number, settings: SegmentSettings, files: FdCache): { segment: Segment; indexesValid: boolean } {
    const st = fs.statSync(Segment.filePath(dir, baseOffset, LOG_SUFFIX));
    const oi = OffsetIndex.load(Segment.filePath(dir, baseOffset, INDEX_SUFFIX), baseOffset, Math.floor(settings.maxIndexBytes / 8), st.size);
    const ti = TimeIndex.load(Segment.filePath(dir, baseOffset, TIME_INDEX_SUFFIX), baseOffset, Math.floor(settings.maxIndexBytes / 12));
    const [freshOi, freshTi] = Segment.freshIndexes(dir, baseOffset, settings);
    const seg = new Segment(dir, baseOffset, files, true, st.size, oi ?? freshOi, ti ?? freshTi, settings, st.mtimeMs);
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
      return fs.statSync(this.describe()).mtimeMs;
    } catch {
      return this.createdAt;
    }
  }

  /**
   * Writes one batch at the end. The caller has already assigned its offsets. A write that
   * fails (a full disk) may have put part of the batch in the file: it is cut back off at once,
   * so the segment stays a sequence of whole batches and the next append lands right after the
   * last good one.
   */
  append(batch: Buffer, baseOffset: number, lastOffset: number, maxTimestamp: number): void {
    const position = this.size;
    const fd = this.fdSync();
    try {
      writeFullySync(fd, batch, position);
    } catch (err) {
      try {
        fs.ftruncateSync(fd, position);
      } catch {
        this.tornTail = true; // close() cuts it, recovery would too; the next append overwrites it anyway
      }
      const code = (err as NodeJS.ErrnoException).code;
      throw new StorageError(`write to ${this.describe()} failed (${code ?? (err as Error).message}): ${ioHint(err)}`, 'KAFKA_STORAGE_ERROR', { cause: err });
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
    fs.ftruncateSync(this.fdSync(), position);
    this.size = position;
    this.dirty = true;
  }

  /**
   * The segment stops taking appends: record its final max timestamp and write both indexes
   * (if that fails, e.g. on a full disk, the next flush or the close writes them).
   */
  onBecomeInactive(): void {
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    this.indexesNeedSync = true;
    try {
      this.persistIndexes();
    } catch {
      // left dirty: written by fsync() or close()
    }
  }

  /** persistIndexes, reporting a failure instead of throwing it; true when the indexes are written. */
  tryPersistIndexes(failed: (err: unknown) => void): boolean {
    try {
      this.persistIndexes();
      return true;
    } catch (err) {
      failed(err);
      return false;
    }
  }

  persistIndexes(): void {
    if (this.state === 'retired') return;
    // A new segment that is still empty needs no index files (a missing index is valid for an empty log).
    if (this.size === 0 && !this.indexesOnDisk) return;
    try {
      this.offsetIndex.persist();
      this.timeIndex.persist();
      this.indexesOnDisk = true;
    } catch (err) {
      throw new StorageError(`writing the indexes of ${this.describe()} failed: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
  }

  /**
   * fsync the log (and, once after a roll, the indexes). Safe to call on a retired segment.
   * An index that cannot be written (a full disk) is not an fsync failure: indexes are
   * rebuilt from the log, so it is reported through `indexWriteFailed` and tried again at
   * the next flush; a failed fsync throws.
   */
  async fsync(indexWriteFailed: (err: unknown) => void = () => {}): Promise<void> {
    if (!this.onDisk) this.dirty = false; // nothing was ever written
    try {
      if (this.dirty && (await this.acquire())) {
        try {
          this.dirty = false;
          await fsFdatasync(this.pinnedFd());
        } finally {
          this.release();
        }
      }
      // Each index fsync opens its file: it takes a slot of the fd cache (after the log's is given back, so no deadlock).
      if (this.indexesNeedSync && this.state === 'open' && this.tryPersistIndexes(indexWriteFailed)) {
        this.indexesNeedSync = false;
        for (const index of [this.offsetIndex, this.timeIndex]) await this.files.withSlot(() => index.fsync());
      }
    } catch (err) {
      if (this.state !== 'open' && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (err instanceof StorageError) throw err;
      throw new StorageError(`fsync of ${this.describe()} failed: ${(err as Error).message}; ${ioHint(err)}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
  }

  /** Positional read (into `into` when it is large enough); returns fewer bytes only at end of file. Caller must hold a reference. */
  async readAt(position: number, length: number, into?: Buffer): Promise<Buffer> {
    const buf = into && into.length >= length ? into : Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fsRead(this.pinnedFd(), buf, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  }

  readSyncAt(position: number, length: number, into?: Buffer): Buffer {
    const buf = into && into.length >= length ? into : Buffer.allocUnsafe(length);
    const fd = this.fdSync();
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, buf, done, length - done, position + done);
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

  /** The fd for a synchronous operation, opened (and for a lazy segment, created) if needed. */
  private fdSync(): number {
    if (!this.onDisk) this.createFile();
    try {
      return this.files.fdSync(this.file);
    } catch (err) {
      throw this.openFailed(err);
    }
  }

  /** The fd while acquired. */
  private pinnedFd(): number {
    if (this.file.fd === null) throw new Error(`${this.describe()} used without acquire()`);
    return this.file.fd;
  }

  private openFailed(err: unknown): StorageError {
    return new StorageError(`cannot open ${this.describe()}: ${(err as Error).message}; ${ioHint(err)}`, 'KAFKA_STORAGE_ERROR', { cause: err });
  }

  /**
   * Pin the files and the fd for an async operation, waiting while every slot of the fd
   * cache is in use; false once the segment is retired or closed (or has no file yet).
   * When a slot is free the pin is taken before returning, so a read started before a
   * retention pass or topic deletion in the same tick still holds its segment.
   */
  async acquire(): Promise<boolean> {
    if (this.state !== 'open' || !this.onDisk) return false;
    try {
      if (!this.files.tryPin(this.file)) {
        if (!(await this.files.pin(this.file, () => this.state === 'open'))) return false;
        if (this.state !== 'open') {
          this.files.unpin(this.file);
          return false;
        }
      }
    } catch (err) {
      throw this.openFailed(err);
    }
    this.refs++;
    return true;
  }

  release(): void {
    this.refs--;
    this.files.unpin(this.file);
    if (this.refs === 0 && this.state !== 'open') {
      this.files.close(this.file);
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
    for (const suffix of SEGMENT_SUFFIXES) {
      const from = Segment.filePath(this.dir, this.baseOffset, suffix);
      try {
        fs.renameSync(from, from + DELETED_SUFFIX);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`could not rename ${from} for deletion: ${(err as Error).message}`);
      }
    }
    if (this.refs === 0) this.files.close(this.file);
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
    for (const suffix of SEGMENT_SUFFIXES) {
      fs.rm(Segment.filePath(this.dir, this.baseOffset, suffix) + DELETED_SUFFIX, { force: true }, () => {});
    }
  }

  /**
   * Persist indexes, drop bytes past `size` (left by a failed partial write) and close.
   * With `persist` false (topic deleted) the files are simply abandoned. Returns false when
   * the indexes could not be written: their files are then removed, so the next start
   * rebuilds them from the log instead of trusting a partial index.
   */
  close(persist: boolean): boolean {
    if (this.state !== 'open') return true;
    let ok = true;
    if (persist) {
      ok = this.tryPersistIndexes(() => {
        for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) fs.rmSync(Segment.filePath(this.dir, this.baseOffset, suffix), { force: true });
      });
      try {
        if (this.tornTail && fs.statSync(this.describe()).size > this.size) fs.truncateSync(this.describe(), this.size);
      } catch {
        ok = false; // recovery at the next start cuts what is past the last whole batch
      }
    }
    this.state = 'closed';
    if (this.refs === 0) this.files.close(this.file);
    return ok;
  }

  describe(): string {
    return Segment.filePath(this.dir, this.baseOffset, LOG_SUFFIX);
  }
}
