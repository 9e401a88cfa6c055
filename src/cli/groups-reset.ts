// `groups reset-offsets`: move a consumer group's committed offsets on one topic. As in Kafka, only while the group has
// no members — a running consumer would overwrite the new offsets with its own next commit. The offsets are committed
// the way Kafka's own kafka-consumer-groups.sh does it: an OffsetCommit with generation -1 and no member id, which the
// coordinator accepts only for an empty group, so the group is never joined and never rebalanced.
import type { Admin } from 'kafkajs';
import { CliError } from './errors.js';
import { describeGroupState } from './groups-describe.js';
import { CLIENT_SETTINGS } from './kafka-client.js';
import { createCluster } from './kafkajs-internals.js';
import { partitionRanges, startOffsets, type StartPosition } from './start-offsets.js';
import { formatTable } from './table.js';

export interface ResetRow {
  topic: string;
  partition: number;
  /** Committed before the reset; null if the group never committed this partition. */
  currentOffset: number | null;
  newOffset: number;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Refuses unless the group is Empty (or unknown: resetting then creates its offsets, as Kafka allows). */
export async function assertGroupInactive(admin: Admin, groupId: string): Promise<void> {
  let state: string;
  let members: number;
  try {
    const description = await describeGroupState(admin, groupId);
    state = description.state;
    members = description.members.length;
  } catch (err) {
    if (err instanceof CliError) return; // the group does not exist yet
    throw err;
  }
  if (members > 0) throw new CliError(`group "${groupId}" has ${plural(members, 'active member')}; stop them first`);
  if (state !== 'Empty') throw new CliError(`group "${groupId}" is ${state}, not Empty; wait for its consumers to leave and try again`);
}

/** Where each partition of `topic` would move to; offsets outside a partition's stored range go to its nearest end. */
export async function planReset(admin: Admin, groupId: string, topic: string, target: StartPosition): Promise<ResetRow[]> {
  if (!(await admin.listTopics()).includes(topic)) {
    throw new CliError(`topic "${topic}" does not exist — list topics with \`tributary topics list\``);
  }
  const ranges = await partitionRanges(admin, topic);
  const [targets, committed] = await Promise.all([
    startOffsets(admin, topic, ranges, target),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const current = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return [...targets]
    .map(([partition, offset]) => {
      const before = current.get(partition) ?? -1;
      return { topic, partition, currentOffset: before >= 0 ? before : null, newOffset: Number(offset) };
    })
    .sort((a, b) => a.partition - b.partition);
}

const BECAME_ACTIVE = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

/** Commits the planned offsets without joining the group. */
export async function commitReset(brokers: string[], groupId: string, rows: ResetRow[]): Promise<void> {
  if (rows.length === 0) return;
  const cluster = createCluster({ ...CLIENT_SETTINGS, brokers });
  await cluster.connect();
  try {
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    await coordinator.offsetCommit({
      groupId,
      groupGenerationId: -1,
      memberId: '',
      topics: [{ topic: rows[0]!.topic, partitions: rows.map((r) => ({ partition: r.partition, offset: String(r.newOffset) })) }],
    });
  } catch (err) {
    // A consumer joined between the check and the commit; the coordinator refuses commits from outside the group.
    if (BECAME_ACTIVE.has((err as { type?: string } | null)?.type ?? '')) {
      throw new CliError(`group "${groupId}" became active while resetting; stop its consumers and try again`, { cause: err });
    }
    throw err;
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}

export function formatReset(groupId: string, rows: ResetRow[]): string {
  return formatTable(
    ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'],
    rows.map((r) => [groupId, r.topic, r.partition, r.currentOffset, r.newOffset]),
  );
}
