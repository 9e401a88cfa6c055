// `consume --group G`: read as a member of consumer group G through kafkajs's Consumer, committing what was printed,
// so a later run with the same group continues where this one stopped.
import type { Admin, EachBatchPayload, Kafka } from 'kafkajs';
import { formatMessage, type OutputFormat } from './message-format.js';
import type { LineWriter } from './output.js';
import { startOffsets, type PartitionRange, type StartPosition } from './start-offsets.js';

export interface GroupReadPlan {
  topic: string;
  groupId: string;
  ranges: Map<number, PartitionRange>;
  /** An explicit --from-beginning/--offset/--since moves the group's position; otherwise committed offsets are used. */
  explicitStart: StartPosition | null;
  /** Where to start in partitions the group has never committed. */
  fallbackStart: 'beginning' | 'end';
  follow: boolean;
  maxMessages?: number;
  format: OutputFormat;
}

/** Returns how many messages were written. */
export async function consumeWithGroup(
  kafka: Kafka,
  admin: Admin,
  plan: GroupReadPlan,
  writer: LineWriter,
  signal: AbortSignal,
): Promise<number> {
  // A short fetch wait (kafkajs's default is 5 s) so Ctrl-C leaves the group promptly.
  const consumer = kafka.consumer({ groupId: plan.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  const end = new Map([...plan.ranges].map(([partition, range]) => [partition, range.high]));
  let assigned: number[] = [];
  let positions = new Map<number, bigint>();
  let count = 0;
  let finished = false;
  let settle!: (err?: unknown) => void;
  const outcome = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  const finish = (err?: unknown): void => {
    if (finished) return;
    finished = true;
    settle(err);
  };
  const caughtUp = (): boolean =>
    !plan.follow && assigned.every((p) => (positions.get(p) ?? -1n) >= (end.get(p) ?? 0n));
  const limitReached = (): boolean => plan.maxMessages !== undefined && count >= plan.maxMessages;
  const advance = (partition: number, next: bigint): void => {
    if (next > (positions.get(partition) ?? -1n)) positions.set(partition, next);
  };

  // Computed before joining so the seek below happens synchronously on join, before kafkajs's first fetch.
  const seekTargets = plan.explicitStart ? await startOffsets(admin, plan.topic, plan.ranges, plan.explicitStart) : null;

  // On every (re)join: learn our partitions and where each one stands.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    assigned = payload.memberAssignment[plan.topic] ?? [];
    const generation = (positions = new Map<number, bigint>());
    if (seekTargets) {
      for (const partition of assigned) {
        const offset = seekTargets.get(partition) ?? 0n;
        consumer.seek({ topic: plan.topic, partition, offset: offset.toString() });
        generation.set(partition, offset);
      }
      if (caughtUp()) finish();
      return;
    }
    void committedPositions(admin, plan, assigned)
      .then((committed) => {
        // Messages printed meanwhile are newer than the committed offsets fetched here.
        for (const [partition, offset] of committed) if (!generation.has(partition)) generation.set(partition, offset);
        if (caughtUp()) finish();
      })
      .catch(finish);
  });
  // Batches holding only transaction markers never reach eachBatch, but still move the partition forward.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0 && payload.topic === plan.topic) advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    if (caughtUp()) finish();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => finish(payload.error));
  const onAbort = (): void => finish();
  signal.addEventListener('abort', onAbort);

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [plan.topic], fromBeginning: plan.fallbackStart === 'beginning' });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
        const lines: string[] = [];
        let stoppedEarly = false;
        for (const message of batch.messages) {
          if (finished || !isRunning() || isStale() || limitReached()) {
            stoppedEarly = true;
            break;
          }
          const offset = BigInt(message.offset);
          const stop = end.get(batch.partition) ?? 0n;
          if (!plan.follow && offset >= stop) {
            advance(batch.partition, stop); // the rest arrived after we started; nothing below the end is left
            stoppedEarly = true;
            break;
          }
          lines.push(formatMessage({ ...message, topic: batch.topic, partition: batch.partition }, plan.format));
          count++;
          resolveOffset(message.offset); // committed by kafkajs after this batch, so only printed messages count
          advance(batch.partition, offset + 1n);
        }
        // Past trailing transaction markers too, which kafkajs filters out of batch.messages.
        if (!stoppedEarly) advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
        await writer.writeLines(lines);
        await heartbeat();
        if (limitReached() || caughtUp()) finish();
      },
    });
    await outcome;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => undefined);
  }
  return count;
}

async function committedPositions(admin: Admin, plan: GroupReadPlan, partitions: number[]): Promise<Map<number, bigint>> {
  const [committed] = await admin.fetchOffsets({ groupId: plan.groupId, topics: [plan.topic] });
  const result = new Map<number, bigint>();
  for (const p of partitions) {
    const range = plan.ranges.get(p);
    const offset = BigInt(committed?.partitions.find((c) => c.partition === p)?.offset ?? '-1');
    const fallback = plan.fallbackStart === 'beginning' ? (range?.low ?? 0n) : (range?.high ?? 0n);
    result.set(p, offset >= 0n ? offset : fallback);
  }
  return result;
}
