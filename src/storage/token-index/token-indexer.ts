import type { Logger } from '../../common/logger.js';
import { BLOCK_BYTES } from './block-builder.js';
import { BlockFormatError, InlineExecutor, type BlockExecutor } from './block-executor.js';
import { readTokenIndex, type SegmentTokenIndex } from './segment-token-index.js';
import { FilterCache, type StoredBlock } from './token-block.js';
import { decodeEntryHeader } from './token-index-file.js';
import { workerScript, WorkerError, WorkerExecutor } from './worker-executor.js';

interface BlockJob {
  seg: SegmentTokenIndex;
  from: number;
  /** A batch boundary: the segment's size when the job was made. */
  to: number;
  /** The segment ends at `to`: what remains there is a (short) block too. */
  final: boolean;
  /** Cut by appends (one block each), or rebuilding what a segment lacks (then the segment is looked at again after). */
  kind: 'live' | 'rebuild';
}

export interface TokenIndexerOptions {
  logger: Logger;
  /** Filters kept in memory over all partitions (the rest are read back from their sidecar when searched). */
  filterCacheBytes?: number;
  /** 'worker' (default when the compiled worker exists), 'inline' (this thread, in small slices), or an executor. */
  executor?: 'worker' | 'inline' | BlockExecutor;
  /** Per-record levels of the newest blocks kept in memory over all partitions (the oldest dropped beyond it). */
  recordLevelsBytes?: number;
}

/**
 * 16 MiB: one byte per record, so the levels of about 1.6 GiB of 100-byte lines, minutes of the fastest ingest; a
 * reader that comes later decodes those records instead.
 */
export const DEFAULT_RECORD_LEVELS_BYTES = 16 * 1024 * 1024;

export const DEFAULT_FILTER_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The broker's one token-index builder: a queue of work, done one item at a time off the append path. Appends only
 * enqueue "block [from, to) of segment S is complete"; the indexer reads those bytes (through the segment's fd cache)
 * and has a worker thread build the entry, then writes it to the sidecar. Order of work: reading existing sidecars
 * (start-up), blocks filled by appends, then rebuilding missing blocks of older segments one block at a time.
 * Nothing runs before start(), so opening the partitions at start-up is never slowed by indexing.
 */
export class TokenIndexer {
  readonly cache: FilterCache;
  private executor: BlockExecutor;
  private readonly loads: SegmentTokenIndex[] = [];
  private readonly live: BlockJob[] = [];
  private readonly catchUp: BlockJob[] = [];
  private running: Promise<void> | null = null;
  private started = false;
  private closed = false;
  private readonly logger: Logger;
  /** Blocks holding their records' levels, oldest first, and the bytes they hold (at most recordLevelsBytes). */
  private readonly withLevels: StoredBlock[] = [];
  private levelBytes = 0;
  private readonly recordLevelsBytes: number;

  constructor(options: TokenIndexerOptions) {
    this.recordLevelsBytes = options.recordLevelsBytes ?? DEFAULT_RECORD_LEVELS_BYTES;
    this.logger = options.logger;
    this.cache = new FilterCache(options.filterCacheBytes ?? DEFAULT_FILTER_CACHE_BYTES);
    const e = options.executor ?? 'worker';
    const script = e === 'worker' ? workerScript() : null;
    this.executor = typeof e === 'object' ? e : script ? new WorkerExecutor(script) : new InlineExecutor();
  }

  /** Read the sidecar of a segment opened at start-up, then rebuild what it lacks. */
  load(seg: SegmentTokenIndex): void {
    this.loads.push(seg);
    this.pump();
  }

  /** A new segment (or one whose sidecar is known not to exist): index it from position 0 on. */
  fresh(seg: SegmentTokenIndex): void {
    seg.state = 'ready';
    this.continueSegment(seg);
  }

  /** An append ended at `end`: cut a block if the one being filled reached BLOCK_BYTES. Cheap: no I/O. */
  appended(seg: SegmentTokenIndex, end: number): void {
    const start = seg.blockStart;
    if (start === null || end - start < BLOCK_BYTES) return;
    seg.blockStart = end;
    this.enqueue(this.live, { seg, from: start, to: end, final: true, kind: 'live' });
  }

  /** The segment rolled: what its last block holds is a block. */
  sealed(seg: SegmentTokenIndex): void {
    seg.sealed = true;
    const start = seg.blockStart;
    if (start === null) return; // loading or catching up: that work sees `sealed`
    seg.blockStart = null;
    if (seg.segment.size > start) this.enqueue(this.live, { seg, from: start, to: seg.segment.size, final: true, kind: 'live' });
  }

  start(): void {
    this.started = true;
    this.pump();
  }

  /** Blocks waiting to be built (live and rebuild), and sidecars waiting to be read. */
  get backlog(): number {
    return this.loads.length + this.live.length + this.catchUp.length;
  }

  /** Resolves when there is nothing left to do (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running || (this.started && !this.closed && this.backlog > 0)) {
      await (this.running ?? new Promise((r) => setImmediate(r)));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.loads.length = 0;
    this.live.length = 0;
    this.catchUp.length = 0;
    await this.running?.catch(() => {});
    await this.executor.close();
  }

  private enqueue(queue: BlockJob[], job: BlockJob): void {
    queue.push(job);
    this.pump();
  }

  private pump(): void {
    if (this.running || !this.started || this.closed) return;
    this.running = this.drain()
      .catch((err: Error) => this.logger.error(`the search index builder failed: ${err.message}; searches scan what is not indexed`))
      .finally(() => {
        this.running = null;
        // Work enqueued between the drain's last look at the queues and now would otherwise wait for the next enqueue.
        if (this.backlog > 0) setImmediate(() => this.pump());
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const load = this.loads.shift();
      if (load) {
        await this.runLoad(load);
        continue;
      }
      const job = this.live.shift() ?? this.catchUp.shift();
      if (!job) return;
      if (job.seg.state !== 'ready') continue;
      try {
        await this.runJob(job);
      } catch (err) {
        if (err instanceof WorkerError && !(this.executor instanceof InlineExecutor)) {
          // No worker thread here (a packaging that lacks its script, a crash): build on this thread, in slices.
          this.logger.warn(`${err.message}; building the search index on the main thread from now on`);
          void this.executor.close().catch(() => {});
          this.executor = new InlineExecutor();
          this.live.unshift(job);
          continue;
        }
        job.seg.state = 'stopped';
        job.seg.blockStart = null;
        const why = err instanceof BlockFormatError ? `the log is not readable there: ${err.message}` : (err as Error).message;
        this.logger.warn(`token index of ${job.seg.file}: stopped at position ${job.from} (${why}); searches scan the rest of this segment`);
      }
    }
  }

  /** The newest blocks keep their records' levels; beyond the budget the oldest let go of theirs. */
  private holdLevels(block: StoredBlock, bytes: number): void {
    this.withLevels.push(block);
    this.levelBytes += bytes;
    while (this.levelBytes > this.recordLevelsBytes && this.withLevels.length > 0) {
      this.levelBytes -= this.withLevels.shift()!.dropRecordLevels();
    }
  }

  private async runLoad(seg: SegmentTokenIndex): Promise<void> {
    if (seg.state !== 'loading') return;
    try {
      const loaded = await readTokenIndex(seg.file, seg.base, seg.segment.size);
      if (seg.state !== 'loading') return;
      await seg.adopt(loaded);
      if (loaded.problem && loaded.problem !== 'missing') {
        this.logger.warn(`${seg.file}: ${loaded.problem}; kept ${loaded.blocks.length} block(s), rebuilding the rest from the log in the background`);
      }
    } catch (err) {
      this.logger.warn(`could not read ${seg.file} (${(err as Error).message}); rebuilding it in the background`);
    }
    if (seg.state !== 'loading') return;
    seg.state = 'ready';
    this.continueSegment(seg);
  }

  /** After loading or building a block of catch-up: more to rebuild, or switch to cutting blocks as appends come. */
  private continueSegment(seg: SegmentTokenIndex): void {
    if (seg.state !== 'ready') return;
    const size = seg.segment.size;
    const from = seg.coveredEnd;
    if (size - from >= BLOCK_BYTES || (seg.sealed && size > from)) this.enqueue(this.catchUp, { seg, from, to: size, final: seg.sealed, kind: 'rebuild' });
    else seg.blockStart = seg.sealed ? null : from;
  }

  private async runJob(job: BlockJob): Promise<void> {
    const { seg, from, to, final } = job;
    const ex = this.executor;
    ex.begin(seg.base, from, BLOCK_BYTES);
    let pos = from;
    let need = 0;
    let complete = false;
    while (pos < to && !complete) {
      if (need > to - pos) throw new BlockFormatError(`a batch of ${need} bytes at ${pos} runs past ${to}`);
      const len = Math.min(to - pos, Math.max(need, ex.pieceBytes));
      // Into the piece the executor handed back last (the log passes through here: one buffer, not one per piece).
      const buf = await seg.read(pos, len, ex.spare());
      if (!buf || seg.state !== 'ready') return; // the segment went away meanwhile
      if (buf.length < len) throw new BlockFormatError(`the log ends at ${pos + buf.length}, before ${to}`);
      const r = await ex.push(buf, pos);
      if (r.consumedTo === pos && r.need === 0 && !r.complete) throw new BlockFormatError(`no whole batch at ${pos}`);
      pos = r.consumedTo;
      need = r.need;
      complete = r.complete;
    }
    if (!complete && !(final && pos === to)) {
      await ex.finish(); // not a whole block yet (only when to − from < BLOCK_BYTES): dropped, appends fill it
      if (job.kind === 'rebuild') this.continueSegment(seg);
      return;
    }
    const built = await ex.finish();
    if (!built || seg.state !== 'ready') return;
    const entry = built.entry;
    const meta = decodeEntryHeader(entry, 0, seg.base);
    // Only blocks cut by appends keep their records' levels: readers of new records (alerts) are who want them.
    const levels = job.kind === 'live' ? built.levels : null;
    if (!meta || !seg.addEntry(meta, entry, levels)) throw new Error(`built block ${from}-${pos} does not follow the segment's indexed blocks (up to ${seg.coveredEnd})`);
    if (levels) this.holdLevels(seg.blocks[seg.blocks.length - 1]!, levels.length);
    if (job.kind === 'rebuild') this.continueSegment(seg);
    else if (meta.end < to) this.live.unshift({ ...job, from: meta.end }); // before later blocks of the segment
  }
}
