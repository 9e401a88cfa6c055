import type { Logger } from '../common/logger.js';
import { compileQuery } from '../query/language/index.js';
import type { LogManager } from '../storage/index.js';
import type { FlowConfig } from './flow-config.js';
import type { FlowState } from './flow-state.js';
import { SourceReader } from './source-reader.js';
import type { FlowTarget } from './target.js';
import { pause } from './pause.js';

export interface FlowPartitionStatus {
  partition: number;
  /** Next source offset to read. */
  position: number;
  /** The source partition's end. */
  end: number;
  lag: number;
}

export interface FlowStatus {
  name: string;
  state: 'starting' | 'running' | 'retrying' | 'stopped';
  partitions: FlowPartitionStatus[];
  lag: number;
  recordsOut: number;
  /** Failures (each one reopened the target after a backoff). */
  errors: number;
  /** HTTP: requests retried, records sent to the dead-letter topic. */
  retries: number;
  deadLettered: number;
  /** Source records deleted by retention before the flow read them. */
  skipped: number;
  lastError: string | null;
}

const IDLE_WAIT_MS = 1_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
/** Topic and file targets save positions at most this often (they are only a floor for those). */
const CHECKPOINT_EVERY_MS = 1_000;

/**
 * Runs one flow: per source partition, read from the local log, write what matches to the target, move on. On any
 * failure every partition stops, and after a backoff the target is opened again and says where to resume (for topic
 * targets the last record written; for files the last line; for HTTP the checkpoint).
 */
export class Flow {
  private stopped = false;
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly positions = new Map<number, number>();
  private readonly ends = new Map<number, number>();
  private status: Omit<FlowStatus, 'partitions' | 'lag' | 'name' | 'deadLettered' | 'retries'> = { state: 'starting', recordsOut: 0, errors: 0, skipped: 0, lastError: null };
  private lastCheckpoint = 0;

  constructor(
    readonly config: FlowConfig,
    private readonly target: FlowTarget,
    private readonly logs: LogManager,
    private readonly state: FlowState,
    private readonly log: Logger,
    private readonly checkpointEachBatch: boolean,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    await this.target.close().catch(() => undefined);
    await this.state.save().catch(() => undefined);
    this.status.state = 'stopped';
  }

  view(): FlowStatus {
    const partitions = [...this.positions].sort((a, b) => a[0] - b[0]).map(([partition, position]) => {
      const end = this.logs.partition(this.config.source.topic, partition)?.logEndOffset ?? this.ends.get(partition) ?? position;
      return { partition, position, end, lag: Math.max(0, end - position) };
    });
    return { name: this.config.name, ...this.status, partitions, lag: partitions.reduce((n, p) => n + p.lag, 0), retries: this.target.retries, deadLettered: this.target.deadLettered };
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    while (!this.stopped) {
      try {
        await this.runOnce(() => (backoff = BACKOFF_MIN_MS));
      } catch (e) {
        if (this.stopped) break;
        const msg = (e as Error).message;
        if (this.status.lastError !== msg) this.log.warn(`flow ${this.config.name}: ${msg}; retrying in ${backoff} ms`);
        this.status = { ...this.status, state: 'retrying', errors: this.status.errors + 1, lastError: msg };
        await pause(backoff, this.abort.signal);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }

  private async runOnce(healthy: () => void): Promise<void> {
    const topic = this.config.source.topic;
    const info = this.logs.getTopic(topic);
    if (!info) throw new Error(`the source topic ${topic} does not exist (yet)`);
    const resume = await this.target.open(info.partitions);
    const query = compileQuery(this.config.source.query ?? '');
    const round = new AbortController();
    const stop = () => round.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    try {
      const readers: SourceReader[] = [];
      for (let p = 0; p < info.partitions; p++) {
        const log = this.logs.partition(topic, p)!;
        const at = Math.max(resume.get(p) ?? 0, this.state.get(this.config.name, p) ?? 0, log.logStartOffset);
        this.positions.set(p, at);
        readers.push(new SourceReader(log, topic, p, query));
      }
      this.status.state = 'running';
      healthy();
      await Promise.all(
        readers.map((r) =>
          this.copy(r, round.signal).catch((e) => {
            round.abort();
            throw e;
          }),
        ),
      );
    } finally {
      this.abort.signal.removeEventListener('abort', stop);
    }
  }

  private async copy(reader: SourceReader, signal: AbortSignal): Promise<void> {
    const p = reader.partition;
    while (!signal.aborted) {
      const position = this.positions.get(p)!;
      const step = await reader.step(position);
      this.ends.set(p, reader.end);
      this.status.skipped += step.skipped;
      if (step.records.length > 0) {
        if (signal.aborted) return;
        await this.target.write(p, step.records);
        this.status.recordsOut += step.records.length;
        this.status.lastError = null;
      }
      if (step.next > position || step.skipped > 0) {
        this.positions.set(p, step.next);
        this.state.set(this.config.name, p, step.next);
        if (this.checkpointEachBatch && step.records.length > 0) await this.state.save();
        else if (Date.now() - this.lastCheckpoint > CHECKPOINT_EVERY_MS) {
          this.lastCheckpoint = Date.now();
          this.state.save().catch((e: Error) => this.log.warn(`flow ${this.config.name}: saving positions failed: ${e.message}`));
        }
        continue;
      }
      await reader.waitForMore(position, IDLE_WAIT_MS, signal);
    }
  }
}
