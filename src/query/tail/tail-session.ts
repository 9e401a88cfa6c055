import { BATCH_HEADER_SIZE, BATCH_OFFSET_LAST_OFFSET_DELTA, baseOffsetAt, batchSizeAt } from '../../protocol/record-batch.js';
import { StorageError, type PartitionLog } from '../../storage/index.js';
import { compileQuery, QuerySyntaxError, type CompiledQuery } from '../language/index.js';
import { emptyStats, planSearch, recordJson, scanBatches, SearchError, searchPage, type BatchFilter, type SearchLogs } from '../search/index.js';

/** Where a tail sends its messages: a WebSocket in the API, anything with the same two members in tests. */
export interface TailSink {
  /** Queues one text message; `written` is called once it has gone out to the network. */
  send(text: string, written: () => void): void;
  /** Bytes queued and not yet written to the network. */
  readonly bufferedAmount: number;
}

export interface TailOptions {
  topics: readonly string[];
  /** Only records matching this query are sent (docs/query.md); empty: all. */
  query?: string;
  /** Start with the last N matching records (newest N, sent oldest first); 0: from now. */
  last?: number;
  /** The client's buffer: while more than this many bytes wait to go out, nothing more is read for it. */
  maxBufferedBytes?: number;
  /** How far (records, per partition) a client may fall behind the log before the tail skips ahead. */
  maxLagRecords?: number;
}

export const DEFAULT_TAIL_BUFFER_BYTES = 4 * 1024 * 1024;
export const DEFAULT_TAIL_MAX_LAG = 20_000;
export const MAX_TAIL_LAST = 10_000;
/** Bytes read from a partition per step: one message carries at most this much of the log. */
const READ_BYTES = 256 * 1024;

interface Follow {
  log: PartitionLog;
  topic: string;
  partition: number;
  /** Next offset to read. */
  next: number;
  /** Records skipped and not yet reported (the notice goes out before the next records of this partition). */
  skipped: number;
  skippedFrom: number;
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
 * A live tail of some topics for one client: on every append to a followed partition the new batches are read from
 * the log (nothing is copied or kept for the client beyond what its socket holds), filtered, and sent as
 * `{"type":"records","records":[…]}`. A client that reads slowly never slows the broker or other clients: while its
 * socket holds more than `maxBufferedBytes` nothing more is read for it; once it is more than `maxLagRecords` behind
 * in a partition, the tail skips to the log end and tells it so, `{"type":"skipped","topic","partition","count",
 * "fromOffset","toOffset"}`, with the exact count of records (offsets) it will not see, before anything newer.
 */
export class TailSession {
  private readonly follows: Follow[] = [];
  private readonly query: CompiledQuery;
  private readonly filter: BatchFilter;
  private readonly stats = emptyStats();
  private readonly maxBuffered: number;
  private readonly maxLag: number;
  private pumping = false;
  private again = false;
  private scheduled = false;
  private closed = false;
  /** Records sent and skipped so far (for tests and the close log). */
  sent = 0;
  skipped = 0;

  private constructor(
    private readonly sink: TailSink,
    private readonly opts: TailOptions,
  ) {
    try {
      this.query = compileQuery(opts.query ?? '');
    } catch (e) {
      if (e instanceof QuerySyntaxError) throw new SearchError(`query: ${e.message}`, 'invalid');
      throw e;
    }
    this.filter = { topic: '', partition: 0, lo: 0, hi: Infinity, from: -Infinity, to: Infinity, query: this.query, prefilter: true };
    this.maxBuffered = opts.maxBufferedBytes ?? DEFAULT_TAIL_BUFFER_BYTES;
    this.maxLag = opts.maxLagRecords ?? DEFAULT_TAIL_MAX_LAG;
  }

  /** Starts following: the backlog of `last` records first (if asked), then every append. */
  static async start(logs: SearchLogs, sink: TailSink, opts: TailOptions): Promise<TailSession> {
    if (opts.topics.length === 0) throw new SearchError('name at least one topic to tail (topics=a,b)', 'invalid');
    const t = new TailSession(sink, opts);
    for (const name of new Set(opts.topics)) {
      const topic = logs.getTopic(name);
      if (!topic) throw new SearchError(`topic ${name} does not exist`, 'not-found');
      for (let p = 0; p < topic.partitions; p++) {
        const log = logs.partition(name, p);
        if (!log) continue;
        const f: Follow = { log, topic: name, partition: p, next: log.logEndOffset, skipped: 0, skippedFrom: 0, onAppend: () => t.schedule() };
        t.follows.push(f);
      }
    }
    const last = Math.min(MAX_TAIL_LAST, Math.max(0, Math.floor(opts.last ?? 0)));
    // Positions are taken in the same tick as the backlog's plan pins its ends: nothing is sent twice or missed.
    const plan = last > 0 ? planSearch(logs, { query: opts.query ?? '', topics: opts.topics, order: 'newest' }) : null;
    for (const f of t.follows) {
      f.next = f.log.logEndOffset;
      f.log.on('append', f.onAppend);
    }
    try {
      await t.begin(plan, last);
    } catch (e) {
      t.close();
      throw e;
    }
    return t;
  }

  private async begin(plan: ReturnType<typeof planSearch> | null, last: number): Promise<void> {
    this.send({ type: 'subscribed', topics: [...new Set(this.opts.topics)], partitions: this.follows.map((f) => ({ topic: f.topic, partition: f.partition, offset: f.next })) });
    if (plan) {
      const page = await searchPage(plan, { limit: last, render: recordJson });
      if (page.records.length) this.send({ type: 'records', records: page.records.reverse() });
      this.sent += page.records.length;
    }
    this.schedule();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.follows) f.log.off('append', f.onAppend);
  }

  private send(msg: unknown): void {
    this.sink.send(JSON.stringify(msg), () => {
      // Written out: if reading was held back for this client, go on.
      if (this.sink.bufferedAmount <= this.maxBuffered) this.schedule();
    });
  }

  private get congested(): boolean {
    return this.sink.bufferedAmount > this.maxBuffered;
  }

  /** Coalesces appends in one turn of the event loop into one pump. */
  schedule(): void {
    if (this.closed || this.scheduled) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        for (const f of this.follows) {
          if (this.closed) return;
          await this.drainPartition(f);
        }
      } while (this.again && !this.closed);
    } finally {
      this.pumping = false;
    }
  }

  /** Sends what is new in one partition, as far as the client's buffer allows; skips ahead when it fell too far behind. */
  private async drainPartition(f: Follow): Promise<void> {
    for (;;) {
      const end = f.log.logEndOffset;
      if (f.next >= end) return;
      if (this.congested) {
        // Held back: the log keeps what the client has not read, up to maxLag records; beyond, skip to the end.
        if (end - f.next > this.maxLag) {
          if (f.skipped === 0) f.skippedFrom = f.next;
          f.skipped += end - f.next;
          this.skipped += end - f.next;
          f.next = end;
        }
        return;
      }
      if (f.skipped > 0) {
        this.send({ type: 'skipped', topic: f.topic, partition: f.partition, count: f.skipped, fromOffset: f.skippedFrom, toOffset: f.next, reason: `the client read too slowly: it fell more than ${this.maxLag} records behind` });
        f.skipped = 0;
        if (f.next >= end) return;
      }
      let chunks: Buffer[];
      try {
        chunks = (await f.log.read(f.next, READ_BYTES)).chunks;
      } catch (e) {
        if (e instanceof StorageError && e.code === 'OFFSET_OUT_OF_RANGE' && f.next < f.log.logStartOffset) {
          // Retention removed what this client had not read yet: report it like any other skip.
          f.skippedFrom = f.next;
          f.skipped += f.log.logStartOffset - f.next;
          this.skipped += f.log.logStartOffset - f.next;
          f.next = f.log.logStartOffset;
          continue;
        }
        this.send({ type: 'error', error: { code: e instanceof StorageError ? e.code : 'INTERNAL', message: `${f.topic}-${f.partition}: ${(e as Error).message}` } });
        f.log.off('append', f.onAppend);
        this.follows.splice(this.follows.indexOf(f), 1);
        return;
      }
      const records: ReturnType<typeof recordJson>[] = [];
      let after = f.next;
      for (const c of chunks) {
        this.filter.topic = f.topic;
        this.filter.partition = f.partition;
        this.filter.lo = f.next;
        scanBatches(c, this.filter, this.stats, (r) => records.push(recordJson(r)));
        after = Math.max(after, afterWholeBatches(c));
      }
      if (after <= f.next) return; // nothing whole to read yet
      f.next = after;
      if (records.length) {
        this.sent += records.length;
        this.send({ type: 'records', records });
      }
    }
  }
}
