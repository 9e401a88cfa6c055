// `groups reset-offsets`: move a consumer group's committed offsets on one topic. As in Kafka, only while the group has
// no members — a running consumer would overwrite the new offsets with its own next commit. The offsets are committed
// the way Kafka's own kafka-consumer-groups.sh does it: an OffsetCommit with generation -1 and no member id, which the
// coordinator accepts only for an empty group, so the group is never joined and never rebalanced.
import type { KafkaClient } from '../client/client.js';
import { KafkaError } from '../client/errors.js';
import { CliError } from './errors.js';
import { describeGroupState } from './groups-describe.js';
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
export async function assertGroupInactive(client: KafkaClient, groupId: string): Promise<void> {
  let state: string;
  let members: number;
  try {
    const description = await describeGroupState(client, groupId);
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
export async function planReset(client: KafkaClient, groupId: string, topic: string, target: StartPosition): Promise<ResetRow[]> {
  if (!(await client.admin.listTopics()).includes(topic)) {
    throw new CliError(`topic "${topic}" does not exist — list topics with \`tributary topics list\``);
  }
  const ranges = await partitionRanges(client, topic);
  const [targets, committed] = await Promise.all([
    startOffsets(client, topic, ranges, target),
    client.groups.fetchOffsets(groupId, [topic]),
  ]);
  const current = committed.get(topic) ?? new Map<number, number>();
  return [...targets]
    .map(([partition, offset]) => {
      const before = current.get(partition) ?? -1;
      return { topic, partition, currentOffset: before >= 0 ? before : null, newOffset: Number(offset) };
    })
    .sort((a, b) => a.partition - b.partition);
}

const BECAME_ACTIVE = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

/** Commits the planned offsets without joining the group. */
export async function commitReset(client: KafkaClient, groupId: string, rows: ResetRow[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await client.groups.commitOffsets(groupId, rows[0]!.topic, new Map(rows.map((r) => [r.partition, r.newOffset])));
  } catch (err) {
    // A consumer joined between the check and the commit; the coordinator refuses commits from outside the group.
    if (err instanceof KafkaError && BECAME_ACTIVE.has(err.type)) {
      throw new CliError(`group "${groupId}" became active while resetting; stop its consumers and try again`, { cause: err });
    }
    throw err;
  }
}

export function formatReset(groupId: string, rows: ResetRow[]): string {
  return formatTable(
    ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'],
    rows.map((r) => [groupId, r.topic, r.partition, r.currentOffset, r.newOffset]),
  );
}
