// A member of a consumer group, Kafka's classic protocol: JoinGroup (the leader runs the assignor), SyncGroup,
// Heartbeat until the coordinator asks for a rebalance, OffsetCommit with this generation, LeaveGroup. It talks to
// the coordinator over a connection of its own, so heartbeats never wait behind a long-polling Fetch and a JoinGroup
// that waits for a whole rebalance blocks nothing else.
import { errorCode } from '../protocol/errors.js';
import { HeartbeatRequest, HeartbeatResponse } from '../protocol/schemas/heartbeat.js';
import { JoinGroupRequest, JoinGroupResponse } from '../protocol/schemas/join-group.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/schemas/leave-group.js';
import { SyncGroupRequest, SyncGroupResponse } from '../protocol/schemas/sync-group.js';
import { ASSIGNORS, type Assignor } from './assignors.js';
import { sleep } from './backoff.js';
import { BrokerConnection, ConnectionError, type ConnectionOptions } from './broker-connection.js';
import type { Cluster } from './cluster.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type Assignment } from './consumer-protocol.js';
import { KafkaError, kafkaError } from './errors.js';
import type { CommittedOffsets, GroupAdmin } from './group-admin.js';
import { isMoved } from './retry.js';

export interface GroupMemberOptions {
  groupId: string;
  topics: string[];
  /** The coordinator drops a member it has not heard from for this long. */
  sessionTimeoutMs?: number;
  /** How long the coordinator waits for every member to rejoin during a rebalance. */
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** In order of preference; the coordinator picks the first every member supports. */
  assignors?: readonly Assignor[];
}

const JOIN_GROUP_VERSIONS: [number, number] = [1, 9];
const SYNC_GROUP_VERSIONS: [number, number] = [0, 5];
const HEARTBEAT_VERSIONS: [number, number] = [0, 4];
const LEAVE_GROUP_VERSIONS: [number, number] = [0, 5];
const MAX_JOIN_ATTEMPTS = 20;
/** Errors that mean "join again": the group moved on without us or is rebalancing. */
const REJOIN = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

/** The group rebalanced (or forgot this member): call join() again before reading or committing. */
export class RebalanceError extends KafkaError {
  constructor(code: number, groupId: string) {
    super(code, `group "${groupId}" is rebalancing; rejoin it`, { group: groupId });
    this.name = 'RebalanceError';
  }
}

/** join() was stopped through its AbortSignal (the user pressed Ctrl-C while the group was rebalancing). */
export class JoinAbortedError extends Error {
  constructor(groupId: string) {
    super(`stopped while joining group "${groupId}"`);
    this.name = 'JoinAbortedError';
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (a JoinGroup may be held for a whole rebalance timeout). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, error: () => Error): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(error());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export class GroupMember {
  readonly groupId: string;
  private readonly topics: string[];
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly assignors: readonly Assignor[];
  private connection: BrokerConnection | null = null;
  memberId = '';
  generationId = -1;
  /** The assignor the group agreed on in the current generation. */
  protocol = '';
  /** Whether this member led the last rebalance (and so ran the assignor). */
  isLeader = false;
  private rebalance = false;
  private heartbeats: AbortController | null = null;
  /** Set when heartbeats failed for a reason a rejoin cannot fix; the reader should stop with it. */
  failure: Error | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly groups: GroupAdmin,
    private readonly connectionOptions: ConnectionOptions,
    options: GroupMemberOptions,
  ) {
    this.groupId = options.groupId;
    this.topics = options.topics;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 30_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.assignors = options.assignors ?? ASSIGNORS;
  }

  /** True once the coordinator asked for a rebalance: stop reading, commit, and join() again. */
  get rebalanceNeeded(): boolean {
    return this.rebalance || this.failure !== null;
  }

  /** Joins (or rejoins) the group and returns this member's partitions. Heartbeats run until the next rebalance. */
  async join(signal?: AbortSignal): Promise<Assignment> {
    this.stopHeartbeats();
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new JoinAbortedError(this.groupId);
      try {
        const assignment = await untilAborted(this.joinOnce(), signal, () => new JoinAbortedError(this.groupId));
        this.rebalance = false;
        this.startHeartbeats();
        return assignment;
      } catch (err) {
        if (err instanceof JoinAbortedError) throw err;
        const retry = err instanceof RebalanceError || err instanceof ConnectionError || isMoved(err);
        if (!retry || attempt >= MAX_JOIN_ATTEMPTS) throw err;
        if (err instanceof ConnectionError || isMoved(err)) this.dropConnection();
        await sleep(Math.min(100 * attempt, 1_000), signal);
      }
    }
  }

  /** The group's committed offsets for this member's topics. */
  committed(): Promise<CommittedOffsets> {
    return this.groups.fetchOffsets(this.groupId, this.topics);
  }

  /** Commits as this generation's member. Throws RebalanceError if the group moved on (those offsets are not saved). */
  async commit(topic: string, offsets: ReadonlyMap<number, number>): Promise<void> {
    try {
      await this.groups.commitOffsets(this.groupId, topic, offsets, { generationId: this.generationId, memberId: this.memberId });
    } catch (err) {
      if (err instanceof KafkaError && REJOIN.has(err.type)) {
        this.rebalance = true;
        throw new RebalanceError(err.code, this.groupId);
      }
      throw err;
    }
  }

  /** Leaves the group so the others rebalance at once instead of after the session timeout. Never throws. */
  async leave(): Promise<void> {
    this.stopHeartbeats();
    const conn = this.connection;
    if (conn && !conn.isClosed && this.memberId !== '') {
      try {
        const version = conn.version(LeaveGroupRequest, LEAVE_GROUP_VERSIONS);
        await conn.request(LeaveGroupRequest, LeaveGroupResponse, version, {
          groupId: this.groupId,
          memberId: this.memberId,
          members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is stopping' }],
        });
      } catch {
        // the session timeout removes us instead
      }
    }
    this.memberId = '';
    this.generationId = -1;
    this.dropConnection();
  }

  private async coordinator(): Promise<BrokerConnection> {
    if (this.connection && !this.connection.isClosed) return this.connection;
    const { host, port } = await this.groups.locateCoordinator(this.groupId);
    this.connection = await BrokerConnection.open(host, port, this.connectionOptions);
    return this.connection;
  }

  private dropConnection(): void {
    this.connection?.close('leaving the group coordinator');
    this.connection = null;
  }

  private async joinOnce(): Promise<Assignment> {
    const conn = await this.coordinator();
    const version = conn.version(JoinGroupRequest, JOIN_GROUP_VERSIONS);
    const subscription = encodeSubscription(this.topics);
    const joined = await conn.request(
      JoinGroupRequest,
      JoinGroupResponse,
      version,
      {
        groupId: this.groupId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: this.assignors.map((a) => ({ name: a.name, metadata: subscription })),
        reason: null,
      },
      // The coordinator answers once every member rejoined, or the rebalance timeout passed.
      { timeoutMs: this.rebalanceTimeoutMs + 5_000 },
    );
    if (joined.errorCode === errorCode('MEMBER_ID_REQUIRED')) {
      // MEMBER_ID_REQUIRED (KIP-394): the coordinator gave us an id to join with.
      this.memberId = joined.memberId;
      throw new RebalanceError(joined.errorCode, this.groupId);
    }
    if (joined.errorCode === errorCode('UNKNOWN_MEMBER_ID')) this.memberId = ''; // UNKNOWN_MEMBER_ID: join as new
    this.rethrow(joined.errorCode);
    this.memberId = joined.memberId;
    this.generationId = joined.generationId;
    this.protocol = joined.protocolName ?? '';

    this.isLeader = joined.leader === joined.memberId;
    const assignments = this.isLeader && !joined.skipAssignment ? await this.assign(joined.members) : [];
    const syncVersion = conn.version(SyncGroupRequest, SYNC_GROUP_VERSIONS);
    const synced = await conn.request(
      SyncGroupRequest,
      SyncGroupResponse,
      syncVersion,
      {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: this.protocol,
        assignments,
      },
      { timeoutMs: this.rebalanceTimeoutMs + 5_000 },
    );
    if (synced.errorCode === errorCode('UNKNOWN_MEMBER_ID')) this.memberId = '';
    this.rethrow(synced.errorCode);
    return decodeAssignment(synced.assignment);
  }

  /** As the leader: every member's subscription in, each member's partitions out. */
  private async assign(members: Array<{ memberId: string; metadata: Buffer }>): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const assignor = this.assignors.find((a) => a.name === this.protocol);
    if (!assignor) throw kafkaError('INCONSISTENT_GROUP_PROTOCOL', { group: this.groupId }, `the group chose assignor "${this.protocol}", which this client does not have`);
    const subscriptions = members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata) }));
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))];
    const meta = await this.cluster.metadata(topics);
    const counts = new Map(meta.topics.filter((t) => t.errorCode === 0).map((t) => [t.name, t.partitions.length]));
    const plan = assignor.assign(subscriptions, counts);
    return [...plan].map(([memberId, assignment]) => ({ memberId, assignment: encodeAssignment(assignment) }));
  }

  /** Rejoin errors become RebalanceError; the rest are thrown as they are. */
  private rethrow(code: number): void {
    if (code === 0) return;
    const err = kafkaError(code, { group: this.groupId });
    if (REJOIN.has(err.type)) throw new RebalanceError(code, this.groupId);
    throw err;
  }

  private startHeartbeats(): void {
    const controller = new AbortController();
    this.heartbeats = controller;
    void this.heartbeatLoop(controller.signal);
  }

  private stopHeartbeats(): void {
    this.heartbeats?.abort();
    this.heartbeats = null;
  }

  private async heartbeatLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.heartbeatIntervalMs, signal);
      if (signal.aborted) return;
      try {
        const conn = await this.coordinator();
        const version = conn.version(HeartbeatRequest, HEARTBEAT_VERSIONS);
        const res = await conn.request(HeartbeatRequest, HeartbeatResponse, version, {
          groupId: this.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: null,
        });
        if (signal.aborted) return;
        if (res.errorCode !== 0) {
          if (res.errorCode === errorCode('UNKNOWN_MEMBER_ID')) this.memberId = '';
          this.rethrow(res.errorCode);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof RebalanceError) {
          this.rebalance = true;
          return;
        }
        if (err instanceof ConnectionError || isMoved(err)) {
          // The coordinator moved or restarted: find it again and rejoin.
          this.dropConnection();
          this.rebalance = true;
          return;
        }
        this.failure = err as Error;
        return;
      }
    }
  }
}
