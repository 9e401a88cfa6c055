// `consume --group G`: read as a member of consumer group G (Tributary's own group member: join, sync, heartbeat,
// rebalance), committing what was printed, so a later run with the same group continues where this one stopped.
import { sleep } from '../client/backoff.js';
import type { KafkaClient } from '../client/client.js';
import { OffsetOutOfRangeError } from '../client/errors.js';
import type { PartitionFetch } from '../client/fetcher.js';
import type { Assignment } from '../client/consumer-protocol.js';
import { JoinAbortedError, RebalanceError, type GroupMember } from '../client/group-member.js';
import { FOLLOW_MAX_WAIT_MS, moveIntoRange } from './consume-direct.js';
import { addRecordLine, type OutputFormat } from './message-format.js';
import { LineBatch, type LineWriter } from './output.js';
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
export async function consumeWithGroup(client: KafkaClient, plan: GroupReadPlan, writer: LineWriter, signal: AbortSignal): Promise<number> {
  const member = client.groupMember({ groupId: plan.groupId, topics: [plan.topic] });
  const fetcher = client.fetcher(plan.topic);
  const end = new Map([...plan.ranges].map(([partition, range]) => [partition, range.high]));
  // Where an explicit start puts each partition; applied when a partition is first assigned, then committed offsets rule.
  const seekTargets = plan.explicitStart ? await startOffsets(client, plan.topic, plan.ranges, plan.explicitStart) : null;
  let count = 0;
  const limitReached = (): boolean => plan.maxMessages !== undefined && count >= plan.maxMessages;

  try {
    while (!signal.aborted && !limitReached()) {
      let assignment: Assignment;
      try {
        assignment = await member.join(signal);
      } catch (err) {
        if (err instanceof JoinAbortedError) return count; // Ctrl-C while the group was rebalancing
        throw err;
      }
      const assigned = assignment.get(plan.topic) ?? [];
      let positions: Map<number, number>;
      try {
        positions = await startingPositions(member, plan, assigned, seekTargets);
      } catch (err) {
        if (err instanceof RebalanceError) continue;
        throw err;
      }
      const caughtUp = (): boolean => !plan.follow && assigned.every((p) => (positions.get(p) ?? -1) >= (end.get(p) ?? 0));
      if (caughtUp()) return count;

      while (!signal.aborted && !limitReached() && !member.rebalanceNeeded) {
        const active = new Map([...positions].filter(([p, offset]) => plan.follow || offset < (end.get(p) ?? 0)));
        if (active.size === 0) {
          await sleep(FOLLOW_MAX_WAIT_MS, signal); // following with nothing assigned: wait for a rebalance
          continue;
        }
        let fetched: PartitionFetch[];
        try {
          fetched = await fetcher.fetch(active, FOLLOW_MAX_WAIT_MS);
        } catch (err) {
          if (!(err instanceof OffsetOutOfRangeError)) throw err;
          await moveIntoRange(client, plan.topic, err.subject.partition!, positions);
          continue;
        }
        const printed = new Map<number, number>();
        const lines = new LineBatch();
        for (const f of fetched) {
          const stop = plan.follow ? Infinity : (end.get(f.partition) ?? 0);
          let next = f.nextOffset;
          for (const r of f.records) {
            if (r.offset >= stop) {
              next = stop; // the rest arrived after we started; nothing below the end is left
              break;
            }
            if (limitReached()) {
              next = r.offset;
              break;
            }
            addRecordLine(lines, plan.topic, f.partition, r, plan.format);
            count++;
          }
          if (next > (positions.get(f.partition) ?? -1)) {
            positions.set(f.partition, next);
            printed.set(f.partition, next);
          }
        }
        await writer.write(lines);
        try {
          await member.commit(plan.topic, printed); // only what was printed counts as consumed
        } catch (err) {
          if (err instanceof RebalanceError) break; // printed but not committed: read again after the rebalance
          throw err;
        }
        if (caughtUp()) return count;
      }
      if (member.failure) throw member.failure;
    }
    return count;
  } finally {
    await member.leave();
  }
}

/**
 * Each assigned partition's position: on first assignment an explicit start (committed at once, so the group's
 * position moves even before anything is printed), else the committed offset, else the fallback end.
 */
async function startingPositions(
  member: GroupMember,
  plan: GroupReadPlan,
  assigned: number[],
  seekTargets: Map<number, number> | null,
): Promise<Map<number, number>> {
  const positions = new Map<number, number>();
  const committed = (await member.committed()).get(plan.topic) ?? new Map<number, number>();
  const seeks = new Map<number, number>();
  for (const p of assigned) {
    const target = seekTargets?.get(p);
    if (target !== undefined) {
      seeks.set(p, target);
      positions.set(p, target);
      continue;
    }
    const range = plan.ranges.get(p);
    const fallback = plan.fallbackStart === 'beginning' ? (range?.low ?? 0) : (range?.high ?? 0);
    positions.set(p, committed.get(p) ?? fallback);
  }
  await member.commit(plan.topic, seeks);
  for (const p of seeks.keys()) seekTargets!.delete(p);
  return positions;
}
