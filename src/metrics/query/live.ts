import type { MetricsReader, Tier } from '../types.js';
import { MetricsQueryError } from './errors.js';
import { parseMetricsQuery, type MetricsQuery, type MetricsQueryInput } from './params.js';
import { answerJson } from './answer-json.js';
import { runMetricsColumns } from './run.js';

/** Where live answers go (a WebSocket in the API). */
export interface LiveSink {
  send(text: string): void;
  /** Bytes queued and not yet written: above the bound, an update waits (and later covers more buckets). */
  readonly bufferedAmount: number;
}

export const METRICS_LIVE_TICK_MS = 1000;
/** Points may arrive this late (agents batch, the store applies with a lag): updates recompute buckets this far back. */
export const METRICS_LIVE_LATE_MS = 60_000;
export const DEFAULT_METRICS_LIVE_BUFFER_BYTES = 1024 * 1024;

/**
 * A metrics query kept live: the first answer, then, each tick after the store applied points (onAppend), the
 * buckets from max(step, 60 s) before the previous update through now, recomputed on the tier and step of the first
 * answer, as `{"type":"update","timestamps","series","stats"}`: the client replaces its buckets from timestamps[0]
 * on, matching series by tags. The window slides with the clock (its length is to − from). A congested client gets no
 * update until its socket drains; the next then reaches back to the last update it got, so nothing is lost.
 */
export class MetricsLive {
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private dirty = false;
  private closed = false;
  private query!: MetricsQuery;
  private tier!: Tier;
  private span = 0;
  /** Clock of the last answer or update sent. */
  private lastSent = 0;

  constructor(
    private readonly reader: MetricsReader,
    private readonly sink: LiveSink,
    private readonly opts: { tickMs?: number; maxBufferedBytes?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Sends the first answer and starts following. Throws MetricsQueryError for a bad query. */
  start(input: MetricsQueryInput): void {
    if (input.to?.trim()) throw new MetricsQueryError('to', 'a live query follows the clock; leave to out');
    const now = this.now();
    const q = parseMetricsQuery(input, now);
    const answer = runMetricsColumns(this.reader, q);
    this.query = { ...q, step: answer.stats.step };
    this.tier = answer.stats.tier;
    this.span = q.to - q.from;
    this.lastSent = now;
    this.sink.send(answerJson(answer, '"type":"answer",').toString('utf8'));
    this.unsubscribe = this.reader.onAppend(() => {
      this.dirty = true;
    });
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? METRICS_LIVE_TICK_MS);
    this.timer.unref?.();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Sends the recomputed trailing buckets if points were applied since the last update and the client can take them. */
  tick(): void {
    if (this.closed || !this.dirty) return;
    if (this.sink.bufferedAmount > (this.opts.maxBufferedBytes ?? DEFAULT_METRICS_LIVE_BUFFER_BYTES)) return;
    const now = this.now();
    const q = this.query;
    const from = Math.max(now - this.span, this.lastSent - Math.max(q.step, METRICS_LIVE_LATE_MS));
    this.dirty = false;
    try {
      const update = runMetricsColumns(this.reader, { ...q, from, to: now + 1 }, { tier: this.tier });
      this.sink.send(answerJson(update, '"type":"update",').toString('utf8'));
      this.lastSent = now;
    } catch (e) {
      const code = e instanceof MetricsQueryError ? (e.kind === 'not-found' ? 'NOT_FOUND' : 'BAD_REQUEST') : 'INTERNAL';
      this.sink.send(JSON.stringify({ type: 'error', error: { code, message: (e as Error).message } }));
      this.close();
    }
  }
}
