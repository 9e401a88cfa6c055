import { ATTR_TIMESTAMP_TYPE_LOG_APPEND, BATCH_HEADER_SIZE, readBatchHeader } from '../../protocol/record-batch.js';
import type { PartitionLog, TokenBlock } from '../../storage/index.js';
import type { CompiledQuery } from '../language/index.js';
import { scanBatches, type BatchFilter } from './batch-scan.js';
import { SearchCancelled, type FoundRecord, type SearchOrder, type SearchStats } from './types.js';
import { blockMayMatch, workItems, type WorkItem } from './work-items.js';

export interface ScanRange {
  /** Offsets still to search: [lo, hi). */
  lo: number;
  hi: number;
  /** Timestamps: [from, to). */
  from: number;
  to: number;
}

/**
 * Per-block summaries a full scan may use instead of reading a block, and build while reading one (histograms over
 * sealed blocks, which never change). Only blocks wholly inside the offsets searched are offered.
 */
export interface BlockSummaries {
  /** True when the block's matches were counted from a summary: its pieces are then passed over unread. */
  use(block: TokenBlock): boolean;
  /** About to read the block: every match of it also goes to the returned function (null: no summary wanted). */
  start(block: TokenBlock): ((r: FoundRecord) => void) | null;
  /** The block was read to its end (a cancelled scan never calls this). */
  end(block: TokenBlock): void;
}

/** Lets the event loop run other work (requests, appends, other scans) between blocks. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One partition's matches in one order, found block by block: items outside the offsets or the time range are passed
 * over on their metadata, blocks whose bloom filter lacks a needed word are passed over unread, the rest are read one
 * at a time and their matches buffered (never more than one block's). `lo`/`hi` always say what is left, so a cursor
 * resumes exactly there: newest first, `hi` comes down (to the offset of the record last taken); oldest first, `lo`
 * goes up.
 */
export class PartitionScan {
  private readonly items: WorkItem[];
  /** Walk order: newest first walks the items from the end. */
  private next = 0;
  /** Best timestamp any item from `i` on (in walk order) may hold: max for newest, min for oldest. */
  private readonly bounds: Float64Array;
  private buffer: FoundRecord[] = [];
  /** The position once the whole buffer is taken (the buffered item's far edge). */
  private afterBuffer = 0;
  private readonly filter: BatchFilter;
  /** The segment the walk is in, and whether any of it was read. */
  private segment: number | null = null;
  private segmentRead = false;
  /** The block of the last piece walked (for counting blocks, not pieces). */
  private lastBlock: TokenBlock | null = null;

  constructor(
    private readonly log: PartitionLog,
    readonly topic: string,
    readonly partition: number,
    readonly order: SearchOrder,
    readonly range: ScanRange,
    private readonly query: CompiledQuery,
    private readonly stats: SearchStats,
  ) {
    const r = range;
    this.items = workItems(log).filter((it) => it.lastOffset >= r.lo && it.firstOffset < r.hi);
    if (order === 'newest') this.items.reverse();
    const newest = order === 'newest';
    this.bounds = new Float64Array(this.items.length + 1);
    this.bounds[this.items.length] = newest ? -Infinity : Infinity;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i]!;
      const inRange = it.maxTimestamp >= r.from && it.minTimestamp < r.to;
      const b = !inRange ? (newest ? -Infinity : Infinity) : newest ? Math.min(it.maxTimestamp, r.to - 1) : Math.max(it.minTimestamp, r.from);
      this.bounds[i] = newest ? Math.max(b, this.bounds[i + 1]!) : Math.min(b, this.bounds[i + 1]!);
    }
    this.filter = { topic, partition, lo: r.lo, hi: r.hi, from: r.from, to: r.to, query, prefilter: true };
    stats.partitions++;
  }

  /** The buffered next match, if any (fill() first). */
  peek(): FoundRecord | undefined {
    return this.buffer[this.buffer.length - 1];
  }

  take(): FoundRecord {
    const r = this.buffer.pop();
    if (!r) throw new Error('PartitionScan.take() without a buffered match');
    if (this.order === 'newest') this.range.hi = this.buffer.length ? r.offset : this.afterBuffer;
    else this.range.lo = this.buffer.length ? r.offset + 1 : this.afterBuffer;
    return r;
  }

  /** Nothing buffered and nothing left to read. */
  get done(): boolean {
    return this.buffer.length === 0 && (this.next >= this.items.length || this.range.lo >= this.range.hi);
  }

  /** The newest (or oldest) timestamp the next match could have: a buffered one's, else the items' bound. */
  bound(): number {
    const head = this.peek();
    if (head) return head.timestamp;
    return this.bounds[this.next]!;
  }

  /**
   * Reads items until a match is buffered, nothing is left, or `enough(bound)` says no match left here can matter
   * (the merge already has a better one). Yields to the event loop after each item read.
   */
  async fill(signal: AbortSignal | undefined, enough: (bound: number) => boolean = () => false): Promise<void> {
    while (this.buffer.length === 0 && this.next < this.items.length) {
      if (signal?.aborted) throw new SearchCancelled();
      if (enough(this.bounds[this.next]!)) return;
      const it = this.items[this.next++]!;
      const matches = await this.scanItem(it);
      if (matches && matches.length) {
        this.buffer = this.order === 'newest' ? matches : matches.reverse();
        this.afterBuffer = this.order === 'newest' ? it.firstOffset : it.lastOffset + 1;
      } else this.passed(it);
      if (matches) await yieldToLoop();
    }
    if (this.next >= this.items.length && this.buffer.length === 0) this.finish();
  }

  /** Every remaining match, in walk order, to `onMatch` (histograms and facets: nothing is buffered). */
  async scanAll(signal: AbortSignal | undefined, onMatch: (r: FoundRecord) => void, summaries?: BlockSummaries): Promise<void> {
    let block: TokenBlock | null = null;
    let collect: ((r: FoundRecord) => void) | null = null;
    let summarised = false;
    while (this.next < this.items.length) {
      if (signal?.aborted) throw new SearchCancelled();
      const it = this.items[this.next++]!;
      if (summaries && it.block !== block) {
        if (collect) summaries.end(block!);
        collect = null;
        block = it.block;
        // Only a block wholly inside the offsets searched can be summarised or stand for its summary.
        const whole = block !== null && block.firstOffset >= this.range.lo && block.lastOffset < this.range.hi;
        summarised = whole && summaries.use(block!);
        if (whole && !summarised) collect = summaries.start(block!);
      }
      if (summarised) {
        this.passed(it);
        continue;
      }
      const c = collect;
      const read = await this.scanItem(it, c ? (r) => (onMatch(r), c(r)) : onMatch);
      this.passed(it);
      if (read) await yieldToLoop();
    }
    if (summaries && collect) summaries.end(block!);
    this.finish();
  }

  /** The item's matches (offset order), or null when it was skipped unread. */
  private async scanItem(it: WorkItem, onMatch?: (r: FoundRecord) => void): Promise<FoundRecord[] | null> {
    const s = this.stats;
    this.enterSegment(it.segmentBase);
    const bytes = it.end - it.start;
    const r = this.range;
    // A block is read in pieces: it is counted once, at its first piece (pieces of a block come one after another).
    const first = it.block === null || it.block !== this.lastBlock;
    this.lastBlock = it.block;
    if (it.maxTimestamp < r.from || it.minTimestamp >= r.to) {
      if (first) s.blocksSkippedByTime++;
      s.bytesSkipped += bytes;
      return null;
    }
    if (it.block && !blockMayMatch(it.block, this.query.tokens)) {
      if (first) s.blocksSkippedByIndex++;
      s.bytesSkipped += bytes;
      return null;
    }
    const buf = await this.log.readRange(it.segmentBase, it.start, it.end);
    this.segmentRead = true;
    s.bytesScanned += buf.length;
    if (!it.block) s.unindexedRangesScanned++;
    else if (first) s.blocksScanned++;
    // Offsets may have moved while reading (a page taken meanwhile is impossible: one scan per request).
    const f = this.filter;
    f.lo = r.lo;
    f.hi = r.hi;
    f.from = r.from;
    f.to = r.to;
    const out: FoundRecord[] = [];
    scanBatches(buf, this.filter, s, onMatch ?? ((m) => out.push(m)));
    return out;
  }

  /** Timestamp of the partition's oldest record (its first batch's), Infinity when empty. */
  async oldestTimestamp(): Promise<number> {
    const log = this.log;
    if (log.logStartOffset >= log.logEndOffset) return Infinity;
    const first = this.items.find((it) => Number.isFinite(it.minTimestamp));
    if (first && first.firstOffset <= log.logStartOffset) return first.minTimestamp;
    try {
      const c = (await log.read(log.logStartOffset, 1)).chunks[0];
      if (c && c.length >= BATCH_HEADER_SIZE) {
        const h = readBatchHeader(c, 0);
        return (h.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? h.maxTimestamp : h.baseTimestamp;
      }
    } catch {
      // retention moved the start meanwhile: no bound from this partition
    }
    return Infinity;
  }

  /** The page ends here: count the segment the walk is in if it was read (a segment passed unread is counted once left). */
  settle(): void {
    if (this.segment !== null && this.segmentRead) this.stats.segmentsScanned++;
    this.segment = null;
  }

  /** Everything of the item is behind us: move the position past it. */
  private passed(it: WorkItem): void {
    if (this.order === 'newest') this.range.hi = Math.min(this.range.hi, it.firstOffset);
    else this.range.lo = Math.max(this.range.lo, it.lastOffset + 1);
  }

  private enterSegment(base: number): void {
    if (this.segment === base) return;
    this.leaveSegment();
    this.segment = base;
    this.segmentRead = false;
  }

  private leaveSegment(): void {
    if (this.segment === null) return;
    if (this.segmentRead) this.stats.segmentsScanned++;
    else this.stats.segmentsSkipped++;
    this.segment = null;
  }

  /** The walk is complete: the last segment is counted and the position says "nothing left". */
  private finish(): void {
    this.leaveSegment();
    if (this.order === 'newest') this.range.hi = this.range.lo;
    else this.range.lo = this.range.hi;
  }
}
