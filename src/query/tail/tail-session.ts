import { compileQuery, QuerySyntaxError, type CompiledQuery } from '../language/index.js';
import { planSearch, recordJson, SearchError, searchPage, type SearchLogs } from '../search/index.js';
import { CpuBudget } from './cpu-budget.js';
import { MachineLoad } from './machine-load.js';
import { TailFeed, type FeedMember, type Range } from './tail-feed.js';

/** Where a tail sends its messages: a WebSocket in the API, anything with the same two members in tests. */
export interface TailSink {
  /** Queues one text message; `written` is called once it has gone out to the network. */
  send(text: string | Buffer, written: () => void): void;
  /** Bytes queued and not yet written to the network. */
  readonly bufferedAmount: number;
}

export interface TailOptions {
  topics: readonly string[];
  /** Only records matching this query are sent (docs/query.md); empty: all. */
  query?: string;
  /** Start with the last N matching records (newest N, sent oldest first); 0: from now. */
  last?: number;
  /** The client's buffer: while more than this many bytes wait to go out, what is read meanwhile is skipped for it. */
  maxBufferedBytes?: number;
  /** How far (records, per partition) the log may run ahead of clients that all wait before their tail skips. */
  maxLagRecords?: number;
}

export const DEFAULT_TAIL_BUFFER_BYTES = 4 * 1024 * 1024;
export const DEFAULT_TAIL_MAX_LAG = 20_000;
export const MAX_TAIL_LAST = 10_000;
/** Live tails together spend at most this much of the event loop per second (10 %): producing keeps its speed. */
export const DEFAULT_TAIL_CPU_MS_PER_SECOND = 100;

function compile(text: string): CompiledQuery {
  try {
    return compileQuery(text);
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw new SearchError(`query: ${e.message}`, 'invalid');
    throw e;
  }
}

let machineLoad: MachineLoad | null = null;
function sharedMachineLoad(): () => number {
  machineLoad ??= new MachineLoad();
  const load = machineLoad;
  return () => load.busy();
}

/**
 * The feeds of one server: clients that tail the same topics with the same query (and no backlog) share one feed, so
 * twenty of them cost one read, one filter and one JSON encoding of each record, not twenty.
 */
export class TailHub {
  private readonly feeds = new Map<string, TailFeed>();

  constructor(
    private readonly logs: SearchLogs,
    private readonly maxLag = DEFAULT_TAIL_MAX_LAG,
    /** CPU time per second all tails of this hub may spend (see CpuBudget); 0: unlimited. */
    cpuMsPerSecond = DEFAULT_TAIL_CPU_MS_PER_SECOND,
    /** Share of the machine's cores busy (tails step aside when it is saturated); default: sampled from the OS. */
    machineBusy: () => number = sharedMachineLoad(),
  ) {
    this.budget = cpuMsPerSecond > 0 ? new CpuBudget(cpuMsPerSecond, undefined, machineBusy) : null;
  }

  private readonly budget: CpuBudget | null;

  get feedCount(): number {
    return this.feeds.size;
  }

  /** The shared feed for these topics and query (created on first use), or a private one (key null). */
  feed(topics: readonly string[], query: string, shared: boolean): { feed: TailFeed; release: (m: FeedMember) => void } {
    const key = shared ? JSON.stringify([[...new Set(topics)].sort(), query]) : null;
    let feed = key !== null ? this.feeds.get(key) : undefined;
    if (!feed) {
      feed = new TailFeed(this.logs, topics, compile(query), this.maxLag, this.budget);
      if (key !== null) this.feeds.set(key, feed);
    }
    const f = feed;
    return {
      feed: f,
      release: (m) => {
        if (!f.remove(m) && key !== null && this.feeds.get(key) === f) this.feeds.delete(key);
      },
    };
  }
}

interface Gap {
  count: number;
  from: number;
  to: number;
}

/**
 * One client's live tail: a member of a feed, with its own buffer bound and its own record of what it missed. While
 * its socket holds more than `maxBufferedBytes`, what the feed reads is not sent to it but counted; before anything
 * newer of that partition (or as soon as its socket drains) it is told, `{"type":"skipped","topic","partition","count",
 * "fromOffset","toOffset"}`, with the exact count of records (offsets) it will not see. Nothing is dropped silently.
 */
export class TailSession implements FeedMember {
  private readonly gaps = new Map<string, Gap>();
  private readonly maxBuffered: number;
  private closed = false;
  private release: ((m: FeedMember) => void) | null = null;
  private feed: TailFeed | null = null;
  /** Records sent and skipped so far. */
  sent = 0;
  skipped = 0;

  private constructor(
    private readonly sink: TailSink,
    opts: TailOptions,
  ) {
    this.maxBuffered = opts.maxBufferedBytes ?? DEFAULT_TAIL_BUFFER_BYTES;
  }

  /** Starts following: the backlog of `last` records first (if asked), then every append. */
  static async start(logs: SearchLogs, hub: TailHub, sink: TailSink, opts: TailOptions): Promise<TailSession> {
    const t = new TailSession(sink, opts);
    const query = opts.query ?? '';
    const last = Math.min(MAX_TAIL_LAST, Math.max(0, Math.floor(opts.last ?? 0)));
    const { feed, release } = hub.feed(opts.topics, query, last === 0);
    // A private feed starts at the log ends, pinned in the same tick as the backlog's search: no gap, no repeat.
    const plan = last > 0 ? planSearch(logs, { query, topics: opts.topics, order: 'newest' }) : null;
    t.feed = feed;
    t.release = release;
    feed.add(t);
    t.send({ type: 'subscribed', topics: [...new Set(opts.topics)], partitions: feed.positions() });
    try {
      if (plan) {
        const page = await searchPage(plan, { limit: last, render: recordJson });
        if (page.records.length) t.send({ type: 'records', records: page.records.reverse() });
        t.sent += page.records.length;
      }
    } catch (e) {
      t.close();
      throw e;
    }
    feed.schedule();
    return t;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release?.(this);
  }

  get congested(): boolean {
    return this.sink.bufferedAmount > this.maxBuffered;
  }

  deliver(ranges: readonly Range[], message: Buffer | null, count: number): void {
    if (this.closed) return;
    if (this.congested) {
      for (const r of ranges) this.skip(r.topic, r.partition, r.from, r.to);
      return;
    }
    for (const r of ranges) this.flushGap(r.topic, r.partition);
    if (message) {
      this.sent += count;
      this.sink.send(message, this.onWritten);
    }
  }

  skip(topic: string, partition: number, from: number, to: number): void {
    if (this.closed || to <= from) return;
    const key = `${topic}\u0000${partition}`;
    const g = this.gaps.get(key) ?? { count: 0, from, to };
    g.count += to - from;
    g.to = to;
    this.gaps.set(key, g);
    this.skipped += to - from;
  }

  fail(code: string, message: string): void {
    this.send({ type: 'error', error: { code, message } });
  }

  private flushGap(topic: string, partition: number): void {
    const key = `${topic}\u0000${partition}`;
    const g = this.gaps.get(key);
    if (!g) return;
    this.gaps.delete(key);
    this.send({ type: 'skipped', topic, partition, count: g.count, fromOffset: g.from, toOffset: g.to, reason: 'the client read too slowly: its buffer was full while these records arrived' });
  }

  private readonly onWritten = () => {
    if (this.closed || this.congested) return;
    // Drained: tell about gaps at once (do not wait for the next records), and let the feed read again.
    for (const key of [...this.gaps.keys()]) {
      const [topic, p] = key.split('\u0000');
      this.flushGap(topic!, Number(p));
    }
    this.feed?.schedule();
  };

  private send(msg: unknown): void {
    this.sink.send(JSON.stringify(msg), this.onWritten);
  }
}
