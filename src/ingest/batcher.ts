import { EventEmitter } from 'node:events';
import type { AgentRecord, RecordSink } from '../collect/record.js';
import type { Logger } from '../common/logger.js';

export interface BatcherOptions {
  /** Longest a record waits before its batch is written. */
  flushMs: number;
  /** A batch is written as soon as it has this many records. */
  maxBatchRecords: number;
  /** Records buffered or being written above which the batcher is saturated (add() then refuses). */
  maxBufferedRecords: number;
}

export const BATCHER_DEFAULTS: BatcherOptions = { flushMs: 5, maxBatchRecords: 4096, maxBufferedRecords: 200_000 };

/**
 * Groups records for one topic into few sink writes: a write when maxBatchRecords are waiting or flushMs after the
 * first one arrived, whichever comes first. Writes are started in order. Listeners with their own flow control (TCP)
 * pause while `saturated` and resume on 'drain'; a datagram listener has none, so add() returns false and the record
 * is counted in `dropped` (the socket's receive buffer would have overflowed anyway).
 */
export class RecordBatcher extends EventEmitter {
  private buffer: AgentRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private writes = new Set<Promise<void>>();
  private failing = false;
  dropped = 0;
  failed = 0;

  constructor(
    private readonly sink: RecordSink,
    readonly topic: string,
    private readonly log: Logger,
    private readonly opts: BatcherOptions = BATCHER_DEFAULTS,
  ) {
    super();
  }

  get saturated(): boolean {
    return this.buffer.length + this.inFlight >= this.opts.maxBufferedRecords || this.sink.saturated;
  }

  /** For sources without flow control: refuses (and counts in `dropped`) while saturated. */
  add(r: AgentRecord): boolean {
    if (this.saturated) {
      this.dropped++;
      return false;
    }
    this.push(r);
    return true;
  }

  /** For sources that pause themselves while `saturated`: always buffers. */
  push(r: AgentRecord): void {
    this.buffer.push(r);
    if (this.buffer.length >= this.opts.maxBatchRecords) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.opts.flushMs);
  }

  /** Starts writing what is buffered; resolves when that write is done (never rejects: failures are logged). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return Promise.resolve();
    const records = this.buffer;
    this.buffer = [];
    this.inFlight += records.length;
    const w = this.sink.write(this.topic, records).then(
      () => {
        if (this.failing) this.log.info(`writing to topic ${this.topic} works again`);
        this.failing = false;
      },
      (e: Error) => {
        this.failed += records.length;
        if (!this.failing) this.log.error(`could not write ${records.length} record(s) to topic ${this.topic}: ${e.message} (logged once until writes succeed again)`);
        this.failing = true;
      },
    );
    const done = w.finally(() => {
      const was = this.saturated;
      this.inFlight -= records.length;
      this.writes.delete(done);
      if (was && !this.saturated) this.emit('drain');
    });
    this.writes.add(done);
    return done;
  }

  /** Writes everything still buffered and waits for every write in progress. */
  async close(): Promise<void> {
    this.flush();
    await Promise.all([...this.writes]);
  }
}
