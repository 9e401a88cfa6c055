// `consume` without --group: read assigned partitions directly (no group is created on the broker), stop at the end
// offsets captured when reading started, at --max-messages, or — with --follow — only when interrupted.
import type { KafkaClient } from '../client/client.js';
import { OffsetOutOfRangeError } from '../client/errors.js';
import type { PartitionFetch } from '../client/fetcher.js';
import { formatMessage, type OutputFormat } from './message-format.js';
import type { LineWriter } from './output.js';
import { partitionRanges } from './start-offsets.js';

export interface DirectReadPlan {
  topic: string;
  start: Map<number, number>;
  /** Exclusive end offset per partition, or null to follow forever. */
  end: Map<number, number> | null;
  maxMessages?: number;
  format: OutputFormat;
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
  while (!signal.aborted && done.size < positions.size && !limitReached()) {
    const active = new Map([...positions].filter(([partition]) => !done.has(partition)));
    let fetched: PartitionFetch[];
    try {
      fetched = await fetcher.fetch(active, FOLLOW_MAX_WAIT_MS);
    } catch (err) {
      if (!(err instanceof OffsetOutOfRangeError)) throw err;
      await moveIntoRange(client, plan.topic, err.subject.partition!, positions);
      continue;
    }

    const lines: string[] = [];
    for (const f of fetched) {
      const stop = plan.end?.get(f.partition);
      for (const r of f.records) {
        if ((stop !== undefined && r.offset >= stop) || limitReached()) break;
        lines.push(formatMessage({ topic: plan.topic, partition: f.partition, ...r }, plan.format));
        count++;
      }
      positions.set(f.partition, f.nextOffset);
      // Also done when the log shrank below the captured end (topic truncated or recreated meanwhile).
      const drained = f.records.length === 0 && f.nextOffset >= f.highWatermark;
      if (stop !== undefined && (isDone(f.partition, f.nextOffset) || drained)) done.add(f.partition);
    }
    await writer.writeLines(lines);
  }
  return count;
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
