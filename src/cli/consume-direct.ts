// `consume` without --group: read assigned partitions directly (no group is created on the broker), stop at the end
// offsets captured when reading started, at --max-messages, or — with --follow — only when interrupted.
import type { KafkaClient } from '../client/client.js';
import { OffsetOutOfRangeError } from '../client/errors.js';
import type { PartitionFetch } from '../client/fetcher.js';
import { addRecordLine, type OutputFormat } from './message-format.js';
import { LineBatch, type LineWriter } from './output.js';
import { partitionRanges } from './start-offsets.js';

export interface DirectReadPlan {
  topic: string;
  start: Map<number, number>;
  /** Exclusive end offset per partition, or null to follow forever. */
  end: Map<number, number> | null;
  maxMessages?: number;
  format: OutputFormat;
  /** Only records this accepts are written and counted (export --query / --until). */
  keep?: (partition: number, record: PartitionFetch['records'][number]) => boolean;
  /** Called after each round with the count so far (progress). */
  onProgress?: (count: number) => void;
}

// Long enough to let the broker batch up new data, short enough that Ctrl-C is handled promptly.
export const FOLLOW_MAX_WAIT_MS = 500;

/** Returns how many messages were written. */
export async function consumeDirect(client: KafkaClient, plan: DirectReadPlan, writer: LineWriter, signal: AbortSignal): Promise<number> {
  const positions = new Map(plan.start);
  const done = new Set<number>();
  const isDone = (partition: number, next: number): boolean => {
    const stop = plan.end?.get(partition);
    return stop !== undefined && next >= stop;
  };
  for (const [partition, offset] of positions) if (isDone(partition, offset)) done.add(partition);

  let count = 0;
  const limitReached = (): boolean => plan.maxMessages !== undefined && count >= plan.maxMessages;
  if (done.size === positions.size || limitReached()) return 0;

  const fetcher = client.fetcher(plan.topic);
  const active = (): Map<number, number> => new Map([...positions].filter(([partition]) => !done.has(partition)));
  const more = (): boolean => !signal.aborted && done.size < positions.size && !limitReached();
  // The next fetch is sent before this round's lines are written, so the broker reads while stdout drains.
  let next: Promise<Settled<PartitionFetch[]>> | null = settle(fetcher.fetch(active(), FOLLOW_MAX_WAIT_MS));
  while (next !== null) {
    const result = await next;
    next = null;
    if (signal.aborted) break;
    if ('error' in result) {
      if (!(result.error instanceof OffsetOutOfRangeError)) throw result.error;
      await moveIntoRange(client, plan.topic, result.error.subject.partition!, positions);
      if (more()) next = settle(fetcher.fetch(active(), FOLLOW_MAX_WAIT_MS));
      continue;
    }

    const lines = new LineBatch();
    for (const f of result.value) {
      const stop = plan.end?.get(f.partition);
      for (const r of f.records) {
        if ((stop !== undefined && r.offset >= stop) || limitReached()) break;
        if (plan.keep && !plan.keep(f.partition, r)) continue;
        addRecordLine(lines, plan.topic, f.partition, r, plan.format);
        count++;
      }
      positions.set(f.partition, f.nextOffset);
      // Also done when the log shrank below the captured end (topic truncated or recreated meanwhile).
      const drained = f.records.length === 0 && f.nextOffset >= f.highWatermark;
      if (stop !== undefined && (isDone(f.partition, f.nextOffset) || drained)) done.add(f.partition);
    }
    if (more()) next = settle(fetcher.fetch(active(), FOLLOW_MAX_WAIT_MS));
    await writer.write(lines);
    plan.onProgress?.(count);
  }
  return count;
}

type Settled<T> = { value: T } | { error: unknown };

/** A promise that never rejects, so a fetch in flight while we write cannot become an unhandled rejection. */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** The requested offset no longer exists (retention deleted it) or not yet; continue from the nearest valid one. */
export async function moveIntoRange(client: KafkaClient, topic: string, partition: number, positions: Map<number, number>): Promise<void> {
  const range = (await partitionRanges(client, topic)).get(partition);
  const current = positions.get(partition)!;
  if (!range) throw new Error(`partition ${partition} of topic "${topic}" disappeared while reading`);
  const next = current < range.low ? range.low : range.high;
  if (current < range.low) {
    process.stderr.write(`note: partition ${partition}: offsets before ${range.low} were deleted; continuing there\n`);
  }
  positions.set(partition, next);
}
