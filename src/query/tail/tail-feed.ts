import { BATCH_HEADER_SIZE, BATCH_OFFSET_LAST_OFFSET_DELTA, baseOffsetAt, batchSizeAt } from '../../protocol/record-batch.js';
import { StorageError, type PartitionLog } from '../../storage/index.js';
import type { CompiledQuery } from '../language/index.js';
import { performance } from 'node:perf_hooks';
import { emptyStats, recordJson, scanBatches, SearchError, type BatchFilter, type SearchLogs } from '../search/index.js';
import type { CpuBudget } from './cpu-budget.js';

/** Bytes read from a partition per step: one message carries at most this much of the log. */
const READ_BYTES = 256 * 1024;

/** Offsets [from, to) of one partition, read in one step. */
export interface Range {
  topic: string;
  partition: number;
  from: number;
  to: number;
}

/** One client of a feed. */
export interface FeedMember {
  /** True while the client's socket holds more than it may: what the feed reads meanwhile is skipped for it. */
  readonly congested: boolean;
  /**
   * These ranges were read: `message` (encoded once for every member) holds the `count` records of them that match,
   * or is null when none did. A congested member counts the ranges as skipped instead.
   */
  deliver(ranges: readonly Range[], message: Buffer | null, count: number): void;
  /** Offsets [from, to) of a partition will not be read for anyone (every member was congested too long, or retention). */
  skip(topic: string, partition: number, from: number, to: number): void;
  /** Something went wrong with a partition (deleted topic, unreadable log). */
  fail(code: string, message: string): void;
}

interface Follow {
  log: PartitionLog;
  topic: string;
  partition: number;
  /** Next offset to read. */
  next: number;
  onAppend: () => void;
}

/** Offset after the last whole batch in `buf`, or -1 when it holds none. */
function afterWholeBatches(buf: Buffer): number {
  let after = -1;
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= buf.length; ) {
    const size = batchSizeAt(buf, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break;
    after = baseOffsetAt(buf, pos) + buf.readInt32BE(pos + BATCH_OFFSET_LAST_OFFSET_DELTA) + 1;
    pos += size;
  }
  return after;
}

/**
 * The reading side of live tails: follows some partitions from their ends, and on every append reads the new batches
 * from the log (nothing copied or kept beyond one read), filters them with one query and encodes the matches once,
 * for every member that follows the same topics with the same query. It reads while at least one member can take
 * more; while all are congested it waits, and once it is more than `maxLag` records behind a partition it skips to
 * its end, telling every member exactly which offsets it will not see.
 */
export class TailFeed {
  readonly follows: Follow[] = [];
  private readonly members = new Set<FeedMember>();
  private readonly filter: BatchFilter;
  private readonly stats = emptyStats();
  private pumping = false;
  private again = false;
  private scheduled = false;
  private closed = false;
  private budgetTimer: NodeJS.Timeout | null = null;

  constructor(
    logs: SearchLogs,
    topics: readonly string[],
    query: CompiledQuery,
    private readonly maxLag: number,
    /** CPU time all tails share; none: unlimited. */
    private readonly budget: CpuBudget | null = null,
  ) {
    if (topics.length === 0) throw new SearchError('name at least one topic to tail (topics=a,b)', 'invalid');
    for (const name of new Set(topics)) {
      const topic = logs.getTopic(name);
      if (!topic) throw new SearchError(`topic ${name} does not exist`, 'not-found');
      for (let p = 0; p < topic.partitions; p++) {
        const log = logs.partition(name, p);
        if (log) this.follows.push({ log, topic: name, partition: p, next: log.logEndOffset, onAppend: () => this.schedule() });
      }
    }
    for (const f of this.follows) f.log.on('append', f.onAppend);
    this.filter = { topic: '', partition: 0, lo: 0, hi: Infinity, from: -Infinity, to: Infinity, query, prefilter: true };
  }

  get size(): number {
    return this.members.size;
  }

  /** Where a member joining now starts: the next offset read per partition. */
  positions(): { topic: string; partition: number; offset: number }[] {
    return this.follows.map((f) => ({ topic: f.topic, partition: f.partition, offset: f.next }));
  }

  add(m: FeedMember): void {
    this.members.add(m);
  }

  /** False once the last member left (the feed is closed then). */
  remove(m: FeedMember): boolean {
    this.members.delete(m);
    if (this.members.size > 0) return true;
    this.close();
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    for (const f of this.follows) f.log.off('append', f.onAppend);
  }

  /** Coalesces appends (and members draining) in one turn of the event loop into one pump. */
  schedule(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  /**
   * Rounds of one read per partition, all that was read in a round going out as one message (fewer, larger messages:
   * each costs a send per member), until nothing new is left or reading is held back.
   */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        const ranges: Range[] = [];
        const records: ReturnType<typeof recordJson>[] = [];
        for (const f of [...this.follows]) {
          if (this.closed) return;
          const r = await this.readOnce(f, records);
          if (r) ranges.push(r);
        }
        if (ranges.length === 0 || this.closed) continue;
        const started = performance.now();
        const message = records.length ? Buffer.from(JSON.stringify({ type: 'records', records })) : null;
        let sent = 0;
        for (const m of this.members) {
          if (message && !m.congested) sent += message.length;
          m.deliver(ranges, message, records.length);
        }
        this.budget?.spend(performance.now() - started);
        this.budget?.spendBytes(sent);
        this.again = true; // there may be more than one read's worth
      } while (this.again && !this.closed);
    } finally {
      this.pumping = false;
    }
  }

  private everyoneCongested(): boolean {
    for (const m of this.members) if (!m.congested) return false;
    return true;
  }

  /** One read of a partition's new batches, its matches added to `into`; null when there was nothing to read or reading is held back. */
  private async readOnce(f: Follow, into: ReturnType<typeof recordJson>[]): Promise<Range | null> {
    for (;;) {
      const end = f.log.logEndOffset;
      if (f.next >= end || this.closed) return null;
      const wait = this.budget?.waitMs() ?? 0;
      if (this.everyoneCongested() || wait > 0) {
        // Held back (no member can take more, or tails used their share of CPU): the log keeps what was not read yet,
        // up to maxLag records; beyond, skip to the end.
        if (end - f.next > this.maxLag) {
          for (const m of this.members) m.skip(f.topic, f.partition, f.next, end);
          f.next = end;
        }
        if (wait > 0 && !this.budgetTimer) {
          this.budgetTimer = setTimeout(() => {
            this.budgetTimer = null;
            this.schedule();
          }, wait);
        }
        return null;
      }
      let chunks: Buffer[];
      try {
        chunks = (await f.log.read(f.next, READ_BYTES)).chunks;
      } catch (e) {
        const start = f.log.logStartOffset;
        if (e instanceof StorageError && e.code === 'OFFSET_OUT_OF_RANGE' && f.next < start) {
          // Retention removed what was not read yet: reported like any other skip.
          for (const m of this.members) m.skip(f.topic, f.partition, f.next, start);
          f.next = start;
          continue;
        }
        for (const m of this.members) m.fail(e instanceof StorageError ? e.code : 'INTERNAL', `${f.topic}-${f.partition}: ${(e as Error).message}`);
        f.log.off('append', f.onAppend);
        this.follows.splice(this.follows.indexOf(f), 1);
        return null;
      }
      const started = performance.now();
      let after = f.next;
      this.filter.topic = f.topic;
      this.filter.partition = f.partition;
      this.filter.lo = f.next;
      for (const c of chunks) {
        scanBatches(c, this.filter, this.stats, (r) => into.push(recordJson(r)));
        after = Math.max(after, afterWholeBatches(c));
      }
      this.budget?.spend(performance.now() - started);
      if (after <= f.next) return null; // nothing whole to read yet
      const range = { topic: f.topic, partition: f.partition, from: f.next, to: after };
      f.next = after;
      return range;
    }
  }
}
