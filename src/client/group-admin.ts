// Consumer groups from the outside, as Kafka's kafka-consumer-groups tool sees them: find a group's coordinator,
// list, describe and delete groups, read committed offsets, and commit offsets without joining (generation -1, no
// member id), which a coordinator accepts only while the group has no members.
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/schemas/delete-groups.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/schemas/describe-groups.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/schemas/find-coordinator.js';
import { ListGroupsRequest, ListGroupsResponse } from '../protocol/schemas/list-groups.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/schemas/offset-commit.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/schemas/offset-fetch.js';
import type { BrokerConnection } from './broker-connection.js';
import type { Cluster } from './cluster.js';
import { check, kafkaError } from './errors.js';
import { retryIfMoved } from './retry.js';

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  /** Empty, PreparingRebalance, CompletingRebalance, Stable, or Dead (Kafka's answer for an unknown group). */
  state: string;
  protocolType: string;
  /** The assignor the members agreed on (e.g. "range"); empty unless the group is Stable. */
  protocol: string;
  members: GroupMemberDescription[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
}

/** Committed offsets: topic → partition → offset. A partition the group never committed is absent. */
export type CommittedOffsets = Map<string, Map<number, number>>;

export interface CommitOptions {
  /** -1 with an empty member id commits from outside the group (only allowed while it has no members). */
  generationId?: number;
  memberId?: string;
}

const FIND_COORDINATOR_VERSIONS: [number, number] = [1, 4];
const LIST_GROUPS_VERSIONS: [number, number] = [0, 4];
const DESCRIBE_GROUPS_VERSIONS: [number, number] = [0, 5];
const DELETE_GROUPS_VERSIONS: [number, number] = [0, 2];
const OFFSET_FETCH_VERSIONS: [number, number] = [1, 7];
const OFFSET_COMMIT_VERSIONS: [number, number] = [2, 8];
const GROUP_KEY = 0;

export class GroupAdmin {
  constructor(private readonly cluster: Cluster) {}

  /** Where `groupId`'s coordinator is (FindCoordinator); the broker is remembered so leader(nodeId) reaches it. */
  async locateCoordinator(groupId: string): Promise<{ nodeId: number; host: string; port: number }> {
    const conn = await this.cluster.anyConnection();
    const version = conn.version(FindCoordinatorRequest, FIND_COORDINATOR_VERSIONS);
    const res = await conn.request(FindCoordinatorRequest, FindCoordinatorResponse, version, { key: groupId, keyType: GROUP_KEY, coordinatorKeys: [groupId] });
    const c = version >= 4 ? res.coordinators[0] : res;
    if (!c) throw kafkaError('COORDINATOR_NOT_AVAILABLE', { group: groupId });
    check(c.errorCode, { group: groupId }, c.errorMessage);
    this.cluster.addBroker(c.nodeId, c.host, c.port);
    return { nodeId: c.nodeId, host: c.host, port: c.port };
  }

  private async findCoordinator(groupId: string): Promise<BrokerConnection> {
    return this.cluster.leader((await this.locateCoordinator(groupId)).nodeId);
  }

  /** Every group on every broker, sorted by id. */
  async listGroups(): Promise<ListedGroup[]> {
    const { brokers } = await this.cluster.metadata([]);
    const lists = await Promise.all(
      brokers.map(async (b) => {
        const conn = await this.cluster.leader(b.nodeId);
        const version = conn.version(ListGroupsRequest, LIST_GROUPS_VERSIONS);
        const res = await conn.request(ListGroupsRequest, ListGroupsResponse, version, { statesFilter: [] });
        check(res.errorCode);
        return res.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType }));
      }),
    );
    const byId = new Map(lists.flat().map((g) => [g.groupId, g]));
    return [...byId.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /** State, protocol and members of each group; an unknown group comes back with state "Dead", as Kafka answers. */
  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    return Promise.all(
      groupIds.map((groupId) =>
        retryIfMoved(
          async () => {
            const conn = await this.findCoordinator(groupId);
            const version = conn.version(DescribeGroupsRequest, DESCRIBE_GROUPS_VERSIONS);
            const res = await conn.request(DescribeGroupsRequest, DescribeGroupsResponse, version, { groups: [groupId], includeAuthorizedOperations: false });
            const g = res.groups.find((x) => x.groupId === groupId);
            if (!g) throw kafkaError('UNKNOWN_SERVER_ERROR', { group: groupId }, 'the coordinator did not describe this group');
            check(g.errorCode, { group: groupId });
            return {
              groupId,
              state: g.groupState,
              protocolType: g.protocolType,
              protocol: g.protocolData,
              members: g.members.map((m) => ({
                memberId: m.memberId,
                clientId: m.clientId,
                clientHost: m.clientHost,
                memberMetadata: m.memberMetadata,
                memberAssignment: m.memberAssignment,
              })),
            };
          },
          async () => undefined,
        ),
      ),
    );
  }

  /** Deletes a group and its committed offsets. Throws KafkaError: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, … */
  async deleteGroup(groupId: string): Promise<void> {
    await retryIfMoved(
      async () => {
        const conn = await this.findCoordinator(groupId);
        const version = conn.version(DeleteGroupsRequest, DELETE_GROUPS_VERSIONS);
        const res = await conn.request(DeleteGroupsRequest, DeleteGroupsResponse, version, { groupsNames: [groupId] });
        const r = res.results.find((x) => x.groupId === groupId);
        if (!r) throw kafkaError('UNKNOWN_SERVER_ERROR', { group: groupId }, 'the coordinator did not answer for this group');
        check(r.errorCode, { group: groupId });
      },
      async () => undefined,
    );
  }

  /** The group's committed offsets, for `topics` or (null) every topic it committed. */
  async fetchOffsets(groupId: string, topics: string[] | null): Promise<CommittedOffsets> {
    return retryIfMoved(
      async () => {
        const conn = await this.findCoordinator(groupId);
        const version = conn.version(OffsetFetchRequest, OFFSET_FETCH_VERSIONS);
        let request = topics?.map((name) => ({ name, partitionIndexes: [] as number[] })) ?? null;
        if (request !== null) {
          // Older versions need the partitions named; ask for every partition the topic has.
          const meta = await this.cluster.metadata(topics);
          request = meta.topics.map((t) => ({ name: t.name, partitionIndexes: t.partitions.map((p) => p.partitionIndex) }));
        } else if (version < 2) {
          throw kafkaError('UNSUPPORTED_VERSION', { group: groupId }, 'this broker cannot list every committed topic (OffsetFetch v2+ needed)');
        }
        const res = await conn.request(OffsetFetchRequest, OffsetFetchResponse, version, { groupId, topics: request, requireStable: false });
        check(res.errorCode, { group: groupId });
        const out: CommittedOffsets = new Map();
        for (const t of res.topics) {
          const partitions = new Map<number, number>();
          for (const p of t.partitions) {
            check(p.errorCode, { group: groupId, topic: t.name, partition: p.partitionIndex });
            if (p.committedOffset >= 0) partitions.set(p.partitionIndex, p.committedOffset);
          }
          if (partitions.size > 0) out.set(t.name, partitions);
        }
        return out;
      },
      async () => undefined,
    );
  }

  /**
   * Commits `offsets` (partition → next offset to read) of `topic` for `groupId`. By default from outside the group,
   * as kafka-consumer-groups --reset-offsets does. Throws KafkaError (UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION /
   * REBALANCE_IN_PROGRESS when the group has members, …).
   */
  async commitOffsets(groupId: string, topic: string, offsets: ReadonlyMap<number, number>, options: CommitOptions = {}): Promise<void> {
    if (offsets.size === 0) return;
    await retryIfMoved(
      async () => {
        const conn = await this.findCoordinator(groupId);
        const version = conn.version(OffsetCommitRequest, OFFSET_COMMIT_VERSIONS);
        const res = await conn.request(OffsetCommitRequest, OffsetCommitResponse, version, {
          groupId,
          generationIdOrMemberEpoch: options.generationId ?? -1,
          memberId: options.memberId ?? '',
          groupInstanceId: null,
          retentionTimeMs: -1,
          topics: [{ name: topic, partitions: [...offsets].map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedMetadata: null })) }],
        });
        for (const t of res.topics) for (const p of t.partitions) check(p.errorCode, { group: groupId, topic: t.name, partition: p.partitionIndex });
      },
      async () => undefined,
    );
  }
}
