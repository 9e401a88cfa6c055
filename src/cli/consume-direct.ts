// `consume` without --group: read assigned partitions directly (no group is created on the broker), stop at the end
// offsets captured when reading started, at --max-messages, or — with --follow — only when interrupted.
import type { Admin } from 'kafkajs';
import { formatMessage, type OutputFormat } from './message-format.js';
import type { LineWriter } from './output.js';
import { offsetOutOfRangePartition, PartitionReader, type PartitionBatch } from './partition-reader.js';
import { partitionRanges } from './start-offsets.js';

export interface DirectReadPlan {
  brokers: string[];
  topic: string;
  start: Map<number, bigint>;
  /** Exclusive end offset per partition, or null to follow forever. */
  end: Map<number, bigint> | null;
  maxMessages?: number;
  format: OutputFormat;
}

// Long enough to let the broker batch up new data, short enough that Ctrl-C is handled promptly.
const FOLLOW_MAX_WAIT_MS = 500;

/** Returns how many messages were written. */
export async function consumeDirect(
  admin: Admin,
  plan: DirectReadPlan,
  writer: LineWriter,
  signal: AbortSignal,
): Promise<number> {
  const positions = new Map(plan.start);
  const done = new Set<number>();
  const isDone = (partition: number, next: bigint): boolean => {
    const stop = plan.end?.get(partition);
    return stop !== undefined && next >= stop;
  };
  for (const [partition, offset] of positions) if (isDone(partition, offset)) done.add(partition);

  let count = 0;
  const limitReached = (): boolean => plan.maxMessages !== undefined && count >= plan.maxMessages;
  if (done.size === positions.size || limitReached()) return 0;

  const reader = await PartitionReader.open(plan.brokers, plan.topic);
  try {
    while (!signal.aborted && done.size < positions.size && !limitReached()) {
      const active = new Map([...positions].filter(([partition]) => !done.has(partition)));
      let batches: PartitionBatch[];
      try {
        batches = await reader.fetch(active, FOLLOW_MAX_WAIT_MS);
      } catch (err) {
        const partition = offsetOutOfRangePartition(err);
        if (partition === undefined) throw err;
        await moveIntoRange(admin, plan.topic, partition, positions);
        continue;
      }

      const lines: string[] = [];
      for (const batch of batches) {
        const stop = plan.end?.get(batch.partition);
        let messages = stop === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) < stop);
        if (plan.maxMessages !== undefined) messages = messages.slice(0, plan.maxMessages - count);
        for (const m of messages) lines.push(formatMessage(m, plan.format));
        count += messages.length;
        positions.set(batch.partition, batch.nextOffset);
        // Also done when the log shrank below the captured end (topic truncated or recreated meanwhile).
        const drained = batch.messages.length === 0 && batch.nextOffset >= batch.highWatermark;
        if (stop !== undefined && (isDone(batch.partition, batch.nextOffset) || drained)) done.add(batch.partition);
      }
      await writer.writeLines(lines);
    }
  } finally {
    await reader.close();
  }
  return count;
}

/** The requested offset no longer exists (retention deleted it) or not yet; continue from the nearest valid one. */
async function moveIntoRange(admin: Admin, topic: string, partition: number, positions: Map<number, bigint>) {
  const range = (await partitionRanges(admin, topic)).get(partition);
  const current = positions.get(partition)!;
  if (!range) throw new Error(`partition ${partition} of topic "${topic}" disappeared while reading`);
  const next = current < range.low ? range.low : range.high;
  if (current < range.low) {
    process.stderr.write(`note: partition ${partition}: offsets before ${range.low} were deleted; continuing there\n`);
  }
  positions.set(partition, next);
}
