import { captureJson } from '../common/record-capture.js';
import { ensureLocalTopic, type LocalTopics } from './derived-topic-target.js';
import { appendLocal } from './local-append.js';
import { markedInput } from './markers.js';
import { pause } from './pause.js';
import type { FlowRecord, FlowTarget } from './target.js';

const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
export const ERROR_HEADER = 'tributary.error';

export interface HttpTargetOptions {
  url: string;
  batchRecords: number;
  headers?: Record<string, string>;
  deadLetterTopic: string;
  attempts: number;
  /** First retry delay (doubled per attempt); tests shorten it. */
  backoffMs?: number;
}

/**
 * POSTs records as NDJSON in the capture format, `batchRecords` per request. A refused request (an error status or no
 * answer) is retried with exponential backoff; after `attempts` tries its records go to the dead-letter topic (local,
 * each with the last error in a `tributary.error` header) and the flow moves on. The endpoint cannot be read back, so
 * this target is at-least-once: the flow checkpoints its position after each acknowledged batch, and a crash between
 * the endpoint's answer and the checkpoint sends that batch again.
 */
export class HttpTarget implements FlowTarget {
  deadLettered = 0;
  retries = 0;
  private sourcePartitions = 1;

  constructor(
    private readonly options: HttpTargetOptions,
    private readonly local: LocalTopics,
    private readonly signal: AbortSignal,
  ) {}

  async open(sourcePartitions: number): Promise<Map<number, number>> {
    this.sourcePartitions = sourcePartitions;
    return new Map();
  }

  async write(partition: number, records: FlowRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += this.options.batchRecords) {
      const batch = records.slice(i, i + this.options.batchRecords);
      const error = await this.post(batch);
      if (error !== null) await this.deadLetter(partition, batch, error);
    }
  }

  /** Null once the endpoint accepted the batch; the last error after every attempt failed. */
  private async post(records: FlowRecord[]): Promise<string | null> {
    const body = records.map((r) => `${JSON.stringify(captureJson(r))}\n`).join('');
    let delay = this.options.backoffMs ?? BACKOFF_FIRST_MS;
    let last = '';
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      if (this.signal.aborted) throw new Error('the flow stopped');
      try {
        const res = await fetch(this.options.url, {
          method: 'POST',
          headers: { ...this.options.headers, 'content-type': 'application/x-ndjson' },
          body,
          signal: AbortSignal.any([this.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return null;
        last = `${this.options.url} answered ${res.status} ${res.statusText}`;
      } catch (e) {
        if (this.signal.aborted) throw new Error('the flow stopped');
        last = `${this.options.url}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`;
      }
      if (attempt < this.options.attempts) {
        this.retries++;
        await pause(delay, this.signal);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
    }
    return last;
  }

  private async deadLetter(partition: number, records: FlowRecord[], error: string): Promise<void> {
    const topic = this.options.deadLetterTopic;
    if (!this.local.logs.getTopic(topic)) ensureLocalTopic(this.local, topic, this.sourcePartitions, 'dead-letter topic');
    const info = this.local.logs.getTopic(topic)!;
    const log = this.local.logs.partition(topic, partition % info.partitions)!;
    await appendLocal(
      log,
      records.map((r) => {
        const m = markedInput(r);
        return { ...m, headers: [...m.headers!, [ERROR_HEADER, error]] };
      }),
    );
    this.deadLettered += records.length;
  }

  async close(): Promise<void> {}
}
