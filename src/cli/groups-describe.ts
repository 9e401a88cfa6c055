// `groups describe`: a consumer group's state, its members, and per partition the committed offset, log end offset,
// lag and owner — the columns of Kafka's `kafka-consumer-groups.sh --describe`. Only public admin requests
// (DescribeGroups, OffsetFetch, ListOffsets), so it describes groups on any Kafka cluster.
import type { KafkaClient } from '../client/client.js';
import type { GroupDescription } from '../client/group-admin.js';
import { describeGroup as describeGroupView, describeGroupState as describeState, GroupNotFoundError, type GroupView } from '../client/group-view.js';
import { CliError } from './errors.js';
import { formatTable } from './table.js';

export type { GroupView, MemberView, PartitionView } from '../client/group-view.js';

const notFound = (e: unknown): never => {
  if (e instanceof GroupNotFoundError) throw new CliError(`group "${e.groupId}" does not exist — list groups with \`tributary groups list\``);
  throw e;
};

export function describeGroupState(client: KafkaClient, groupId: string): Promise<GroupDescription> {
  return describeState(client, groupId).catch(notFound);
}

export function describeGroup(client: KafkaClient, groupId: string): Promise<GroupView> {
  return describeGroupView(client, groupId).catch(notFound);
}

const PARTITION_HEADER = ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'];

/** A "Key: value" summary line (as `topics describe` prints), a blank line, then the partition table. */
export function formatGroup(view: GroupView): string {
  const summary = [
    `Group: ${view.groupId}`,
    `State: ${view.state}`,
    `ProtocolType: ${view.protocolType || '-'}`,
    `Protocol: ${view.protocol || '-'}`,
    `Members: ${view.members.length}`,
  ].join('\t');
  const rows = view.partitions.map((p) => [p.topic, p.partition, p.currentOffset, p.logEndOffset, p.lag, p.consumerId, p.host, p.clientId]);
  // Like kafka-consumer-groups.sh, a member that owns nothing still gets a row, so every member is listed.
  for (const m of view.members) {
    if (m.assignment.every((a) => a.partitions.length === 0)) rows.push([null, null, null, null, null, m.memberId, m.host, m.clientId]);
  }
  return `${summary}\n\n${formatTable(PARTITION_HEADER, rows)}`;
}
