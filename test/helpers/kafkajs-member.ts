// kafkajs consumer-group members for compatibility tests: each records every message it is handed (eachBatch), its
// latest assignment and member id (GROUP_JOIN), and the offsets the coordinator acknowledged (COMMIT_OFFSETS).
import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import { sleep } from './wait-until.js';

export interface Delivery {
  member: string;
  partition: number;
  offset: number;
  value: string;
  /** Date.now() when eachBatch saw it. */
  at: number;
}

export interface GroupMember {
  name: string;
  consumer: Consumer;
  memberId: string | null;
  /** Partitions of the topic in the latest assignment. */
  assignment: number[];
  /** How many times this member has (re)joined. */
  joins: number;
  /** Per partition, the latest offset the coordinator acknowledged as committed (the next offset to read). */
  committed: Map<number, number>;
  stop(): Promise<void>;
}

export interface MemberOptions {
  groupId: string;
  topic: string;
  names: string[];
  /** Every member appends here, so a test sees one interleaved history. */
  deliveries: Delivery[];
  /** Pause after each batch, to keep consumption in progress for a while. */
  batchDelayMs?: number;
  consumer?: Partial<ConsumerConfig>;
}

/** Creates, subscribes and runs the members together, so they all join the group's first generation. */
export async function startMembers(kafka: Kafka, options: MemberOptions): Promise<GroupMember[]> {
  const members = options.names.map((name): GroupMember => {
    const consumer = kafka.consumer({
      groupId: options.groupId,
      // kafkajs's default: a test process stalled for a few seconds on a loaded machine keeps its members.
      sessionTimeout: 30_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
      ...options.consumer,
    });
    const member: GroupMember = {
      name,
      consumer,
      memberId: null,
      assignment: [],
      joins: 0,
      committed: new Map(),
      stop: () => consumer.disconnect(),
    };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      member.memberId = payload.memberId;
      member.assignment = [...(payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b);
      member.joins++;
    });
    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      for (const t of payload.topics) {
        if (t.topic !== options.topic) continue;
        for (const p of t.partitions) member.committed.set(Number(p.partition), Number(p.offset));
      }
    });
    return member;
  });
  for (const m of members) {
    await m.consumer.connect();
    await m.consumer.subscribe({ topic: options.topic, fromBeginning: true });
  }
  await Promise.all(
    members.map((m) =>
      m.consumer.run({
        eachBatch: async ({ batch }) => {
          const at = Date.now();
          for (const message of batch.messages) {
            options.deliveries.push({ member: m.name, partition: batch.partition, offset: Number(message.offset), value: message.value!.toString(), at });
          }
          if (options.batchDelayMs) await sleep(options.batchDelayMs);
        },
      }),
    ),
  );
  return members;
}

/**
 * Waits until the members' latest assignments cover `partitions` exactly once between them, each member holding some:
 * the group has settled. Produce after this when a test counts deliveries exactly, or a member that joins late takes
 * over partitions another has started on and at-least-once redelivers.
 */
export async function settled(members: readonly GroupMember[], partitions: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const covered = () => {
    const all = members.flatMap((m) => m.assignment).sort((a, b) => a - b);
    return members.every((m) => m.assignment.length > 0) && all.length === partitions && all.every((p, i) => p === i);
  };
  while (!covered()) {
    if (Date.now() > deadline) throw new Error(`members did not settle within ${timeoutMs} ms: ${members.map((m) => `${m.name}=${JSON.stringify(m.assignment)}`).join(' ')}`);
    await sleep(100);
  }
}

/** How often each value was delivered. */
export function deliveryCounts(deliveries: readonly Delivery[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deliveries) counts.set(d.value, (counts.get(d.value) ?? 0) + 1);
  return counts;
}
