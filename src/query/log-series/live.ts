import type { CompiledQuery } from '../language/index.js';
import { emptyStats, PartitionScan, SearchError, type SearchLogs } from '../search/index.js';
import { runLogSeries, type LogPosition } from './log-series.js';
import type { LogCounts } from './counts.js';
import type { LogSeriesInput, LogSeriesRequest } from './params.js';

/** Where live answers go (a WebSocket in the API). */
export interface LiveSink {
  send(text: string): void;
  /** Bytes queued and not yet written: above the bound, an update waits (and later covers more buckets). */
  readonly bufferedAmount: number;
}

export const LIVE_TICK_MS = 1000;
export const DEFAULT_LIVE_BUFFER_BYTES = 1024 * 1024;

/**
 * A log-derived series kept live: the first answer, then every tick the records appended since (read from the offset
 * each partition had reached: nothing is counted twice, blocks the index rules out are skipped as in a search), sent
 * as `{"type":"update","timestamps","series"}` of the buckets from the oldest one that changed to the current one.
 * The window slides with the clock (its length is to − from of the request). A congested client gets no update until
 * its socket drains; the next one then covers every bucket changed meanwhile. Topics created later are not followed.
 */
export class LogSeriesLive {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private busy = false;
  private counts!: LogCounts;
  private request!: LogSeriesRequest;
  private positions: LogPosition[] = [];
  /** Oldest bucket start changed since the last update sent (Infinity: none). */
  private changedFrom = Infinity;
  /** Bucket holding the clock at the last update: the next update starts there at the latest. */
  private lastBucket = 0;
  private span = 0;
  /** Buckets before this are forgotten (the window slid past them). */
  private droppedBefore = -Infinity;
  private query!: CompiledQuery;

  constructor(
    private readonly logs: SearchLogs,
    private readonly sink: LiveSink,
    private readonly opts: { tickMs?: number; maxBufferedBytes?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Sends the first answer and starts following. Throws SearchError for a bad request. */
  async start(input: LogSeriesInput): Promise<void> {
    if (input.to?.trim()) throw new SearchError('to: a live count follows the clock; leave to out', 'invalid');
    const run = await runLogSeries(this.logs, input, { now: this.now() });
    this.counts = run.counts;
    this.request = run.request;
    this.positions = run.positions;
    this.query = run.plan.query;
    this.span = run.request.to - run.request.from;
    this.lastBucket = run.answer.timestamps[run.answer.timestamps.length - 1]!;
    if (this.closed) return;
    this.sink.send(JSON.stringify({ type: 'answer', ...run.answer }));
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs ?? LIVE_TICK_MS);
    this.timer.unref?.();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads what was appended since the last tick, and sends the changed buckets when the client can take them. */
  async tick(): Promise<void> {
    if (this.closed || this.busy) return;
    this.busy = true;
    try {
      const step = this.counts.step;
      const now = this.now();
      const windowFirst = Math.floor((now - this.span) / step) * step;
      const stats = emptyStats();
      for (const p of this.positions) {
        const log = this.logs.partition(p.topic, p.partition);
        if (!log || log.logEndOffset <= p.next) continue;
        const end = log.logEndOffset;
        const scan = new PartitionScan(log, p.topic, p.partition, 'oldest', { lo: Math.max(p.next, log.logStartOffset), hi: end, from: windowFirst, to: Infinity }, this.query, stats);
        await scan.scanAll(undefined, (r) => {
          const s = this.counts.add(r);
          if (s < this.changedFrom) this.changedFrom = s;
        });
        p.next = end;
      }
      if (this.closed) return;
      if (windowFirst > this.droppedBefore) {
        this.counts.dropBefore(windowFirst);
        this.droppedBefore = windowFirst;
      }
      const current = Math.floor(now / step) * step;
      if (this.changedFrom === Infinity && current === this.lastBucket) return;
      if (this.sink.bufferedAmount > (this.opts.maxBufferedBytes ?? DEFAULT_LIVE_BUFFER_BYTES)) return;
      const first = Math.max(windowFirst, Math.min(this.changedFrom, this.lastBucket));
      const count = Math.max(1, (current - first) / step + 1);
      const series = this.counts.columns(first, count, this.request.limit);
      this.sink.send(JSON.stringify({ type: 'update', timestamps: Array.from({ length: count }, (_, i) => first + i * step), series, stats: { ...stats, step } }));
      this.changedFrom = Infinity;
      this.lastBucket = current;
    } finally {
      this.busy = false;
    }
  }
}
