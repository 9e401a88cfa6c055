// A consumer group as kafka-consumer-groups.sh --describe shows it: state, members, and per partition the committed
// offset, log end offset, lag and owner. Only public admin requests (DescribeGroups, OffsetFetch, ListOffsets), so it
// describes groups on any Kafka cluster; the CLI prints it, the API serves it for remote clusters.
import type { KafkaClient } from './client.js';
import { decodeAssignment as decodeConsumerAssignment } from './consumer-protocol.js';
import type { GroupDescription, GroupMemberDescription } from './group-admin.js';

/** Kafka answers DescribeGroups for an unknown group with the state "Dead". */
export class GroupNotFoundError extends Error {
  constructor(readonly groupId: string) {
    super(`group "${groupId}" does not exist`);
    this.name = 'GroupNotFoundError';
  }
}

export interface MemberView {
  memberId: string;
  clientId: string;
  host: string;
  assignment: Array<{ topic: string; partitions: number[] }>;
}

export interface PartitionView {
  topic: string;
  partition: number;
  /** The group's committed offset: where it resumes. null when it never committed this partition. */
  currentOffset: number | null;
  /** null when the topic is gone (offsets can outlive their topic). */
  logEndOffset: number | null;
  /** Messages not yet consumed; null when either offset is unknown. */
  lag: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

export interface GroupView {
  groupId: string;
  state: string;
  protocolType: string;
  /** The partition assignor the members agreed on (e.g. "range"); empty unless the group is Stable. */
  protocol: string;
  members: MemberView[];
  partitions: PartitionView[];
}

/** DescribeGroups for one group; Kafka answers "Dead" for a group it does not know. */
export async function describeGroupState(client: KafkaClient, groupId: string): Promise<GroupDescription> {
  const [description] = await client.groups.describeGroups([groupId]);
  if (!description || description.state === 'Dead') {
    throw new GroupNotFoundError(groupId);
  }
  return description;
}

/** The partitions a member owns. Only the "consumer" protocol's assignment format is known; others show none. */
function decodeAssignment(member: GroupMemberDescription, protocolType: string): MemberView['assignment'] {
  if (protocolType !== 'consumer' || member.memberAssignment.length === 0) return [];
  try {
    return [...decodeConsumerAssignment(member.memberAssignment)]
      .map(([topic, partitions]) => ({ topic, partitions }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  } catch {
    return [];
  }
}

/** Log end offset per partition of each topic; a topic that no longer exists maps to an empty map. */
async function logEndOffsets(client: KafkaClient, topics: Iterable<string>): Promise<Map<string, Map<number, number>>> {
  const existing = new Set(await client.admin.listTopics());
  const entries = await Promise.all(
    [...topics].map(async (topic) => {
      if (!existing.has(topic)) return [topic, new Map<number, number>()] as const;
      return [topic, await client.offsets.list(topic, 'latest')] as const;
    }),
  );
  return new Map(entries);
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export async function describeGroup(client: KafkaClient, groupId: string): Promise<GroupView> {
  const description = await describeGroupState(client, groupId);
  const members: MemberView[] = description.members.map((m) => ({
    memberId: m.memberId,
    clientId: m.clientId,
    host: m.clientHost,
    assignment: decodeAssignment(m, description.protocolType),
  }));

  // Without a topic list OffsetFetch returns every partition the group has committed.
  const committed = new Map<string, { topic: string; partition: number; offset: number | null }>();
  for (const [topic, partitions] of await client.groups.fetchOffsets(groupId, null)) {
    for (const [partition, offset] of partitions) committed.set(key(topic, partition), { topic, partition, offset });
  }
  const owners = new Map<string, MemberView>();
  const rows = new Map(committed);
  for (const member of members) {
    for (const { topic, partitions } of member.assignment) {
      for (const partition of partitions) {
        owners.set(key(topic, partition), member);
        if (!rows.has(key(topic, partition))) rows.set(key(topic, partition), { topic, partition, offset: null });
      }
    }
  }

  const ends = await logEndOffsets(client, new Set([...rows.values()].map((r) => r.topic)));
  const partitions = [...rows.values()]
    .map(({ topic, partition, offset }): PartitionView => {
      const end = ends.get(topic)?.get(partition) ?? null;
      const owner = owners.get(key(topic, partition));
      return {
        topic,
        partition,
        currentOffset: offset,
        logEndOffset: end,
        lag: offset !== null && end !== null ? Math.max(0, end - offset) : null,
        consumerId: owner?.memberId ?? null,
        host: owner?.host ?? null,
        clientId: owner?.clientId ?? null,
      };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);

  return { groupId, state: description.state, protocolType: description.protocolType, protocol: description.protocol, members, partitions };
}

