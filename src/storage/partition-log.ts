import { EventEmitter } from 'node:events';
import type { Logger } from '../common/logger.js';
import { ATTR_CONTROL, BATCH_LOG_OVERHEAD, rewriteBatchOffset, stampLogAppendTime, type BatchHeader } from '../protocol/record-batch.js';
import { fsyncDir } from '../common/atomic-file.js';
import { GroupCommit } from '../common/group-commit.js';
import type { DiskSpace } from './disk-space.js';
import type { FdCache } from './fd-cache.js';
import { ioHint } from './io-errors.js';
import { bytesFrom, maxTimestampOffset, offsetForTimestamp, readLog, segmentIndexFor, type ReadableLog } from './log-reader.js';
import { ProducerStateTable } from './producer-state.js';
import { writeProducerSnapshot } from './producer-snapshot.js';
import { Segment, type SegmentSettings } from './segment.js';
import { PartitionTokenIndex, unindexedSpans, type SearchSpan, type TokenIndexStats } from './token-index/partition-token-index.js';
import { TOKEN_INDEX_SUFFIX } from './token-index/token-index-file.js';
import type { TokenIndexer } from './token-index/token-indexer.js';
import { StorageError, type AppendResult, type ReadResult, type TopicConfig } from './types.js';

const INT32_MAX = 2147483647;
/** Snapshot producer state during flushes at most this often; roll and close always snapshot. */
const SNAPSHOT_INTERVAL_MS = 60_000;
/** Kafka's producer.id.expiration.ms default: forget producers idle for a day. */
export const PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000;

export interface PartitionLogHooks {
  logger: Logger;
  /** The recovery point or log start moved: the manager rewrites its checkpoint files soon. */
  onCheckpointDirty(): void;
  /** The manager's bounded cache of open segment files, shared by every partition. */
  files: FdCache;
  /** Free space and the state of writes on the data directory's disk (one line per run of failed writes). */
  disk: DiskSpace;
  /** Idempotent producers remembered per partition (ProducerStateTable.maxProducers). */
  maxProducersPerPartition?: number;
  /** The broker's token-index builder; null or absent when searchIndex is off (no sidecar is read or written). */
  tokens?: TokenIndexer | null;
}

export interface PartitionLogEvents {
  /** After every append; fetches waiting for data (long poll) listen to this. */
  append: [logEndOffset: number];
}

export function segmentSettings(config: TopicConfig): SegmentSettings {
  return { indexIntervalBytes: config['index.interval.bytes'], maxIndexBytes: config['segment.index.bytes'] };
}

/**
 * One partition's log: an ordered list of segments, the last one active. Appends are
 * synchronous (write to the page cache, then ack); durability comes from the flush policy.
 */
export class PartitionLog extends EventEmitter<PartitionLogEvents> implements ReadableLog {
  readonly name: string;
  logStartOffset: number;
  logEndOffset: number;
  /** Everything below this offset is known to be fsynced (Kafka's recovery point). */
  recoveryPoint: number;
  private unflushedMessages = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  /** fsyncs shared by concurrent callers (group commit). */
  private readonly flushes = new GroupCommit(() => this.doFlush());
  /** Sealed segments whose log or indexes still need an fsync. */
  private readonly unsynced = new Set<Segment>();
  /** Deleted by retention, files not yet removed (file.delete.delay.ms). */
  private readonly retired = new Set<Segment>();
  private lastSnapshotAt = 0;
  /** Offset of the newest producer snapshot on disk; 0 when there is none (replay starts at 0 then). */
  snapshotOffset = 0;
  private state: 'open' | 'closed' | 'deleted' = 'open';
  /** Set when an fsync failed: the OS may have dropped the data, so stop accepting writes (Kafka takes the log dir offline). */
  private failure: Error | null = null;
  /** The per-segment token indexes for search; null when searchIndex is off. */
  private readonly tokens: PartitionTokenIndex | null;

  constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    public config: TopicConfig,
    public segments: Segment[],
    logStartOffset: number,
    recoveryPoint: number,
    readonly producers: ProducerStateTable,
    private readonly hooks: PartitionLogHooks,
  ) {
    super();
    this.setMaxListeners(0);
    this.name = `${topic}-${partition}`;
    this.logEndOffset = this.active.nextOffset;
    this.logStartOffset = Math.min(Math.max(logStartOffset, segments[0]!.baseOffset), this.logEndOffset);
    this.recoveryPoint = Math.min(recoveryPoint, this.logEndOffset);
    const indexer = hooks.tokens;
    this.tokens = indexer
      ? new PartitionTokenIndex(
          indexer,
          (base, pos, length, into) => this.readSegment(base, pos, length, into),
          (base) => Segment.filePath(dir, base, TOKEN_INDEX_SUFFIX),
          (m) => hooks.logger.warn(`${this.name}: ${m}`),
        )
      : null;
  }

  /** Begin indexing for search: `fresh` for a new partition (no sidecar can exist), else read the sidecars found. */
  startTokenIndex(fresh: boolean): void {
    if (fresh) this.tokens?.created(this.active);
    else this.tokens?.openExisting(this.segments);
  }

  get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Bytes on disk across all segments. */
  get size(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  get indexIntervalBytes(): number {
    return this.config['index.interval.bytes'];
  }

  assertOpen(): void {
    if (this.state === 'deleted') throw new StorageError(`partition ${this.name} was deleted`, 'UNKNOWN_TOPIC_OR_PARTITION');
    if (this.state === 'closed') throw new StorageError(`partition ${this.name} is closed (the broker is shutting down)`, 'KAFKA_STORAGE_ERROR');
  }

  /**
   * Assign offsets to one validated batch and write it. Rewrites `batch` in place (base
   * offset, leader epoch, and the timestamp for LogAppendTime topics). Synchronous: when it
   * returns the batch is in the OS page cache and readable.
   */
  append(batch: Buffer, header: BatchHeader, now = Date.now()): AppendResult {
    this.assertOpen();
    if (this.failure) {
      throw new StorageError(`${this.name} stopped accepting writes after a failed fsync (${this.failure.message}); check the disk and restart Tributary`, 'KAFKA_STORAGE_ERROR');
    }
    const config = this.config;
    if (batch.length > config['max.message.bytes'] + BATCH_LOG_OVERHEAD) {
      throw new StorageError(
        `record batch of ${batch.length} bytes exceeds max.message.bytes=${config['max.message.bytes']} for ${this.name}; send smaller batches or raise max.message.bytes`,
        'MESSAGE_TOO_LARGE',
      );
    }
    const sequenced = header.producerId >= 0 && header.baseSequence >= 0 && (header.attributes & ATTR_CONTROL) === 0;
    if (sequenced) {
      const dup = this.producers.check(header);
      if (dup) {
        return { baseOffset: dup.baseOffset, lastOffset: dup.lastOffset, logAppendTime: -1, logStartOffset: this.logStartOffset, duplicate: true, durable: null };
      }
    }

    const baseOffset = this.logEndOffset;
    const lastOffset = baseOffset + header.lastOffsetDelta;
    const logAppendTime = config['message.timestamp.type'] === 'LogAppendTime' ? now : -1;
    const maxTimestamp = logAppendTime >= 0 ? now : header.maxTimestamp;
    const disk = this.hooks.disk;
    try {
      this.maybeRoll(batch.length, lastOffset, maxTimestamp, now);
      rewriteBatchOffset(batch, 0, baseOffset, 0);
      if (logAppendTime >= 0) stampLogAppendTime(batch, 0, batch.length, now);
      this.active.append(batch, baseOffset, lastOffset, maxTimestamp);
    } catch (err) {
      // Nothing of the batch was kept (the segment cut it back): the log is as before, and the next append tries again.
      if (err instanceof StorageError) disk.writeFailed(`appending to ${this.name}`, err.cause ?? err);
      throw err;
    }
    if (disk.failing) disk.writeSucceeded();
    this.tokens?.appended(this.active);
    this.logEndOffset = lastOffset + 1;
    if (sequenced) this.producers.update(header, baseOffset, maxTimestamp >= 0 ? maxTimestamp : now);

    this.unflushedMessages += header.lastOffsetDelta + 1;
    let durable: Promise<void> | null = null;
    if (this.unflushedMessages >= config['flush.messages']) durable = this.flush();
    else this.armFlushTimer();
    try {
      this.emit('append', this.logEndOffset);
    } catch (err) {
      // The batch is written: a failing listener must not turn this append into an error.
      this.hooks.logger.error(`an 'append' listener of ${this.name} threw: ${(err as Error).message}`);
    }
    return { baseOffset, lastOffset, logAppendTime, logStartOffset: this.logStartOffset, duplicate: false, durable };
  }

  /**
   * A batch copied from another cluster's partition, kept at its own offsets, as a Kafka follower replica keeps them:
   * the copy's offsets are the source's, so where to resume copying is this log's end, written in the same append as
   * the data (nothing to keep in step). Offsets may jump forward (the source's compaction or retention removed some);
   * a log still empty starts at the first batch's offset. The batch is stored as received: not rewritten, not
   * decoded. Throws when the batch starts below the log's end (it would rewrite history).
   */
  appendCopied(batch: Buffer, header: BatchHeader, now = Date.now()): AppendResult {
    this.assertOpen();
    if (this.failure) {
      throw new StorageError(`${this.name} stopped accepting writes after a failed fsync (${this.failure.message}); check the disk and restart Tributary`, 'KAFKA_STORAGE_ERROR');
    }
    if (header.baseOffset < this.logEndOffset) {
      throw new StorageError(`a copied batch at offset ${header.baseOffset} is below the end of ${this.name} (${this.logEndOffset})`, 'OFFSET_OUT_OF_RANGE');
    }
    if (batch.length > this.config['max.message.bytes'] + BATCH_LOG_OVERHEAD) {
      throw new StorageError(`copied batch of ${batch.length} bytes exceeds max.message.bytes=${this.config['max.message.bytes']} for ${this.name}; raise max.message.bytes of the local topic`, 'MESSAGE_TOO_LARGE');
    }
    if (this.logEndOffset === this.logStartOffset && this.segments.length === 1 && this.active.size === 0 && header.baseOffset > this.logEndOffset) {
      this.restartEmptyAt(header.baseOffset, now);
    }
    const { baseOffset } = header;
    const lastOffset = baseOffset + header.lastOffsetDelta;
    const disk = this.hooks.disk;
    try {
      this.maybeRoll(batch.length, lastOffset, header.maxTimestamp, now);
      this.active.append(batch, baseOffset, lastOffset, header.maxTimestamp);
    } catch (err) {
      if (err instanceof StorageError) disk.writeFailed(`appending to ${this.name}`, err.cause ?? err);
      throw err;
    }
    if (disk.failing) disk.writeSucceeded();
    this.tokens?.appended(this.active);
    this.logEndOffset = lastOffset + 1;
    this.unflushedMessages += header.lastOffsetDelta + 1;
    let durable: Promise<void> | null = null;
    if (this.unflushedMessages >= this.config['flush.messages']) durable = this.flush();
    else this.armFlushTimer();
    try {
      this.emit('append', this.logEndOffset);
    } catch (err) {
      this.hooks.logger.error(`an 'append' listener of ${this.name} threw: ${(err as Error).message}`);
    }
    return { baseOffset, lastOffset, logAppendTime: -1, logStartOffset: this.logStartOffset, duplicate: false, durable };
  }

  /** An empty log (one empty segment) begins at `offset` instead: its segment is replaced by one based there. */
  private restartEmptyAt(offset: number, now: number): void {
    const old = this.active;
    const next = Segment.create(this.dir, offset, segmentSettings(this.config), now, this.hooks.files);
    this.segments = [next];
    this.tokens?.forget(old);
    this.unsynced.delete(old);
    old.retire(0, (m) => this.hooks.logger.warn(m));
    this.tokens?.created(next);
    this.logStartOffset = this.logEndOffset = this.recoveryPoint = offset;
    this.hooks.onCheckpointDirty();
  }

  /** Kafka's LogSegment.shouldRoll: size, age (by batch timestamps), full index, or offsets beyond int32 of the base. */
  private maybeRoll(batchBytes: number, lastOffset: number, maxTimestamp: number, now: number): void {
    const seg = this.active;
    if (seg.size === 0) return;
    const c = this.config;
    const waited = seg.firstBatchTimestamp >= 0 && maxTimestamp >= 0 ? maxTimestamp - seg.firstBatchTimestamp : now - seg.createdAt;
    if (seg.size + batchBytes > c['segment.bytes'] || waited >= c['segment.ms'] || seg.indexFull || lastOffset - seg.baseOffset > INT32_MAX) {
      this.roll(now);
    }
  }

  private roll(now: number): void {
    const old = this.active;
    const next = Segment.create(this.dir, this.logEndOffset, segmentSettings(this.config), now, this.hooks.files);
    old.onBecomeInactive();
    this.segments.push(next);
    this.tokens?.rolled(old, next);
    this.unsynced.add(old);
    try {
      writeProducerSnapshot(this.dir, this.producers, this.logEndOffset);
      this.lastSnapshotAt = now;
      this.snapshotOffset = this.logEndOffset;
    } catch (err) {
      this.hooks.logger.warn(`could not snapshot producer state of ${this.name}: ${(err as Error).message}`);
    }
    // Make the sealed segment durable soon even when flush.ms leaves fsync to the OS, as Kafka does.
    this.flush().catch(() => {});
  }

  /** Segments verified by recovery but perhaps only in the page cache: the next flush fsyncs them. */
  requireSync(segments: Segment[]): void {
    for (const seg of segments) if (seg !== this.active) this.unsynced.add(seg);
    if (segments.length) this.active.dirty = true;
  }

  private armFlushTimer(): void {
    const ms = this.config['flush.ms'];
    if (this.flushTimer || ms < 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush().catch(() => {});
    }, ms);
    this.flushTimer.unref();
  }

  /** fsync everything appended so far; concurrent callers share fsyncs (group-commit.ts). */
  flush(): Promise<void> {
    return this.flushes.request();
  }

  private async doFlush(): Promise<void> {
    if (this.state === 'deleted') return;
    if (this.failure) throw this.failure;
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const target = this.logEndOffset;
    this.unflushedMessages = 0;
    const segments = [...this.unsynced, this.active];
    this.unsynced.clear();
    // A segment file created since the last flush needs its directory entry made durable too (as Kafka does).
    const created = segments.filter((s) => s.needsDirSync);
    for (const seg of created) seg.needsDirSync = false;
    // The active segment's indexes are written (not fsynced): recovery rebuilds them after a crash
    // anyway. Nor is failing to write them (a full disk) an fsync failure: it is tried again next time.
    const disk = this.hooks.disk;
    const indexWriteFailed = (err: unknown) => disk.indexWriteFailed(`writing the indexes of ${this.name}`, (err as Error).cause ?? err);
    if (this.active.tryPersistIndexes(indexWriteFailed) && disk.indexesFailing) disk.indexesWritten();
    try {
      for (const seg of segments) await seg.fsync(indexWriteFailed);
      if (created.length) await this.fsyncDir();
    } catch (err) {
      this.failure = err as Error;
      this.hooks.logger.error(`${this.name}: ${(err as Error).message}`);
      throw err;
    }
    if (this.producers.dirty && Date.now() - this.lastSnapshotAt >= SNAPSHOT_INTERVAL_MS) this.snapshotProducers(target);
    if (target > this.recoveryPoint) {
      this.recoveryPoint = target;
      this.hooks.onCheckpointDirty();
    }
  }

  private async fsyncDir(): Promise<void> {
    try {
      await this.hooks.files.withSlot(() => fsyncDir(this.dir));
    } catch (err) {
      // Renamed away by a topic deletion in the meantime: nothing left to make durable.
      if (this.state === 'deleted' && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StorageError(`fsync of directory ${this.dir} failed: ${(err as Error).message}; ${ioHint(err)}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
  }

  /** Snapshot at `offset`, which must be the log end or a point where nothing newer is in `producers`. */
  private snapshotProducers(offset: number): void {
    if (offset !== this.logEndOffset) return; // appends raced the fsync; the next flush or close will snapshot
    if (!this.producers.dirty && offset === this.snapshotOffset) return; // the one on disk says the same (or the log is empty)
    try {
      writeProducerSnapshot(this.dir, this.producers, offset);
      this.lastSnapshotAt = Date.now();
      this.snapshotOffset = offset;
    } catch (err) {
      this.hooks.logger.warn(`could not snapshot producer state of ${this.name}: ${(err as Error).message}`);
    }
  }

  /** An upper bound of the bytes a read from `offset` returns, without I/O (see bytesFrom). */
  bytesFrom(offset: number): number {
    return bytesFrom(this, offset);
  }

  /**
   * See readLog: `minOneBatch` false returns nothing rather than a first batch larger than `maxBytes`; with `scratch`
   * the chunks may be views of it.
   */
  read(offset: number, maxBytes: number, minOneBatch = true, scratch?: Buffer): Promise<ReadResult> {
    return readLog(this, offset, maxBytes, minOneBatch, scratch);
  }

  offsetForTimestamp(ts: number): Promise<{ offset: number; timestamp: number } | null> {
    return offsetForTimestamp(this, ts);
  }

  maxTimestampOffset(): Promise<{ offset: number; timestamp: number } | null> {
    return maxTimestampOffset(this);
  }

  /**
   * Delete whole sealed segments, oldest first, while the oldest is past retention.ms or the
   * partition stays at or above retention.bytes without it. Never the active segment.
   * Returns the number of segments deleted.
   */
  applyRetention(now: number): number {
    if (this.state !== 'open') return 0;
    const c = this.config;
    let size = this.size;
    let deleted = 0;
    for (const seg of this.retired) if (!seg.pendingRemoval) this.retired.delete(seg);
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const expired = c['retention.ms'] >= 0 && now - oldest.largestTimestamp() > c['retention.ms'];
      const oversized = c['retention.bytes'] >= 0 && size - oldest.size >= c['retention.bytes'];
      if (!expired && !oversized) break;
      this.segments.shift();
      this.unsynced.delete(oldest);
      size -= oldest.size;
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0]!.baseOffset);
      oldest.retire(c['file.delete.delay.ms'], (m) => this.hooks.logger.warn(m));
      this.tokens?.forget(oldest);
      if (oldest.pendingRemoval) this.retired.add(oldest);
      this.hooks.logger.info(
        `retention deleted segment ${oldest.baseOffset} of ${this.name} (${oldest.size} bytes, ${expired ? 'older than retention.ms' : 'over retention.bytes'}); log now starts at ${this.logStartOffset}`,
      );
      deleted++;
    }
    if (this.producers.expire(now, PRODUCER_ID_EXPIRATION_MS) > 0 || deleted > 0) this.hooks.onCheckpointDirty();
    return deleted;
  }

  /** True once an fsync failed: data may be lost, so the manager must not write the clean-shutdown marker. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** Refuse new appends, fsync what was written, persist indexes and producer state, close every file. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.clearTimer();
    try {
      await this.flush();
    } finally {
      if (!this.failure) this.snapshotProducers(this.logEndOffset);
      for (const seg of this.segments) {
        if (!seg.close(!this.failure)) this.hooks.logger.warn(`${this.name}: the indexes of segment ${seg.baseOffset} could not be written; the next start rebuilds them`);
      }
      for (const seg of this.retired) seg.removeNow();
      this.retired.clear();
      this.tokens?.forgetAll();
      this.removeAllListeners();
    }
  }

  /** Topic deletion: stop everything without persisting; files are removed by the manager. */
  drop(): void {
    if (this.state === 'deleted') return;
    this.state = 'deleted';
    this.clearTimer();
    for (const seg of this.segments) seg.close(false);
    this.tokens?.forgetAll();
    this.emit('append', this.logEndOffset); // wake long-polling fetches so they notice
    this.removeAllListeners();
  }

  private clearTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /**
   * What a search must read, oldest first: indexed blocks, and byte ranges not indexed (yet): the active block, blocks
   * still being built, everything when searchIndex is off. Together they cover every segment's bytes, without gaps or
   * overlaps, so every offset in [logStartOffset, logEndOffset) is in exactly one span (the first span may begin
   * below logStartOffset: skip those records). With `fromOffset`, only the spans that may hold offsets from there on
   * (the first may begin below it): a reader that follows the log's end (the alert tap) looks at its tail, not at
   * every block of every segment.
   */
  searchSpans(fromOffset = -Infinity): SearchSpan[] {
    const segments = fromOffset > -Infinity ? this.segments.slice(segmentIndexFor(this.segments, fromOffset)) : this.segments;
    return this.tokens ? this.tokens.spans(segments, fromOffset) : unindexedSpans(segments);
  }

  /**
   * The raw batch bytes of [start, end) of one segment (through the fd cache), as searchSpans() names them. Empty when
   * the segment is gone (retention deleted it since); cut at the segment's end.
   */
  async readRange(segmentBase: number, start: number, end: number): Promise<Buffer> {
    return (await this.readSegment(segmentBase, start, end - start)) ?? Buffer.alloc(0);
  }

  /** Into `into` when it is large enough (a reader's reused buffer). */
  private async readSegment(segmentBase: number, pos: number, length: number, into?: Buffer): Promise<Buffer | null> {
    const seg = this.segments[segmentIndexFor(this.segments, segmentBase)];
    if (!seg || seg.baseOffset !== segmentBase || length <= 0 || !(await seg.acquire())) return null;
    try {
      return await seg.readAt(pos, Math.max(0, Math.min(length, seg.size - pos)), into);
    } finally {
      seg.release();
    }
  }

  /** Sizes of the token index against the log (index bytes 0 when searchIndex is off). */
  /** True when the partition keeps a token index (searchIndex on): its blocks then come to searchSpans() in time. */
  get indexed(): boolean {
    return this.tokens !== null;
  }

  tokenIndexStats(): TokenIndexStats {
    if (this.tokens) return this.tokens.stats(this.segments);
    return { indexBytes: 0, logBytes: this.size, indexedBytes: 0, blocks: 0 };
  }

  stats(): { logStartOffset: number; logEndOffset: number; size: number; segments: number } {
    return { logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset, size: this.size, segments: this.segments.length };
  }
}
