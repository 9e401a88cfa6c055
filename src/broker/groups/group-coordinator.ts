import { randomUUID } from 'node:crypto';
import { errorCode } from '../../protocol/errors.js';
import type { Logger } from '../../common/logger.js';
import { Group, Member, joinError, syncError, type JoinResult, type Protocol, type SyncResult } from './group.js';
import { GroupRegistry } from './group-registry.js';
import { Rebalancer } from './rebalance.js';

export interface CoordinatorConfig {
  /** group.min.session.timeout.ms / group.max.session.timeout.ms */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: let more members arrive before the first assignment. */
  initialRebalanceDelayMs: number;
  /** group.max.size: members of one group, counting member ids handed out with MEMBER_ID_REQUIRED. */
  groupMaxSize: number;
  /** Groups held at once (Kafka has no such limit); more are refused with POLICY_VIOLATION. */
  maxGroups: number;
}

/** Who an OffsetCommit comes from (generation -1 and no member id: a simple consumer, outside group management). */
export interface Committer {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface JoinRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Protocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+ clients understand MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
}

const EMPTY = Buffer.alloc(0);
const code = errorCode;

/**
 * The classic group coordinator (Kafka's GroupCoordinator): membership, generations and
 * rebalances. One broker, so it coordinates every group. Offsets live in GroupOffsets.
 */
export class GroupCoordinator {
  private readonly registry: GroupRegistry;
  private readonly rebalance: Rebalancer;

  /** `hasOffsets` tells whether committed offsets exist for a group: a group with none is forgotten once Empty. */
  constructor(private readonly config: CoordinatorConfig, private readonly log: Logger, hasOffsets: (groupId: string) => boolean = () => false) {
    this.registry = new GroupRegistry(config.maxGroups, hasOffsets, log);
    this.rebalance = new Rebalancer(config.initialRebalanceDelayMs, this.registry, log);
  }

  get groups(): ReadonlyMap<string, Group> {
    return this.registry.groups;
  }

  group(groupId: string): Group | undefined {
    return this.registry.get(groupId);
  }

  /** A group that has committed offsets in the store (at start-up): always held, whatever maxGroups says. */
  getOrCreate(groupId: string): Group {
    return this.registry.load(groupId);
  }

  /**
   * Every check that needs no group comes first, so a request that will be refused never creates one (Kafka creates
   * a group only for a JoinGroup without a member id, or a simple consumer's commit).
   */
  join(req: JoinRequest): Promise<JoinResult> | JoinResult {
    if (req.groupId === '') return joinError('INVALID_GROUP_ID', req.memberId);
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return joinError('INVALID_SESSION_TIMEOUT', req.memberId);
    }
    let group = this.registry.get(req.groupId);
    if (!group) {
      if (req.memberId !== '') return joinError('UNKNOWN_MEMBER_ID', req.memberId);
      if (req.protocolType === '' || req.protocols.length === 0) return joinError('INCONSISTENT_GROUP_PROTOCOL');
      const created = this.registry.create(req.groupId);
      if (!created) return joinError('POLICY_VIOLATION');
      group = created;
    }
    if (group.is('Dead')) return joinError('COORDINATOR_NOT_AVAILABLE', req.memberId);
    if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) return joinError('INCONSISTENT_GROUP_PROTOCOL', req.memberId);
    if (req.memberId === '' && this.isFull(group, req.groupInstanceId)) {
      this.log.debug(`group ${group.groupId}: refused a new member, the group has ${group.size()} of group.max.size ${this.config.groupMaxSize}`);
      return joinError('GROUP_MAX_SIZE_REACHED');
    }
    return req.memberId === '' ? this.joinNewMember(group, req) : this.joinExistingMember(group, req);
  }

  /** group.max.size, for a member that would be new; a static member taking over its old place adds no one. */
  private isFull(group: Group, groupInstanceId: string | null): boolean {
    if (groupInstanceId !== null && group.members.has(group.staticMembers.get(groupInstanceId) ?? '')) return false;
    return group.size() >= this.config.groupMaxSize;
  }

  private joinNewMember(group: Group, req: JoinRequest): Promise<JoinResult> | JoinResult {
    const memberId = `${req.clientId || 'member'}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const previous = group.staticMembers.get(req.groupInstanceId);
      if (previous !== undefined && group.members.has(previous)) return this.replaceStaticMember(group, group.members.get(previous)!, memberId, req);
    } else if (req.requireKnownMemberId) {
      // KIP-394: hand out the id first so a client that times out does not leave a ghost member behind.
      this.rebalance.addPending(group, memberId, req.sessionTimeoutMs);
      return joinError('MEMBER_ID_REQUIRED', memberId);
    }
    return this.addMemberAndRebalance(group, memberId, req);
  }

  private joinExistingMember(group: Group, req: JoinRequest): Promise<JoinResult> | JoinResult {
    const pending = group.pendingMembers.get(req.memberId);
    if (pending) {
      clearTimeout(pending);
      group.pendingMembers.delete(req.memberId);
      return this.addMemberAndRebalance(group, req.memberId, req);
    }
    const member = group.members.get(req.memberId);
    if (req.groupInstanceId !== null && group.staticMembers.get(req.groupInstanceId) !== req.memberId && group.staticMembers.has(req.groupInstanceId)) {
      return joinError('FENCED_INSTANCE_ID', req.memberId);
    }
    if (!member || group.is('Empty', 'Dead')) return joinError('UNKNOWN_MEMBER_ID', req.memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndWait(group, member, req);
      case 'CompletingRebalance':
        // The member missed its JoinGroup answer; unchanged metadata gets the same answer again.
        if (member.sameProtocols(req.protocols)) return group.joinResult(member);
        return this.updateMemberAndWait(group, member, req, 'member metadata changed');
      default:
        if (member.memberId === group.leaderId || !member.sameProtocols(req.protocols)) {
          return this.updateMemberAndWait(group, member, req, member.memberId === group.leaderId ? 'leader rejoined' : 'member metadata changed');
        }
        return group.joinResult(member);
    }
  }

  private replaceStaticMember(group: Group, old: Member, memberId: string, req: JoinRequest): Promise<JoinResult> | JoinResult {
    const replacement = new Member(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.sessionTimeoutMs, req.rebalanceTimeoutMs, req.protocolType, req.protocols);
    replacement.assignment = old.assignment;
    replacement.isNew = false;
    this.rebalance.clearSession(old);
    old.awaitingJoin?.(joinError('FENCED_INSTANCE_ID', old.memberId));
    old.awaitingSync?.(syncError('FENCED_INSTANCE_ID'));
    group.members.delete(old.memberId);
    group.members.set(memberId, replacement);
    group.staticMembers.set(req.groupInstanceId!, memberId);
    const wasLeader = group.leaderId === old.memberId;
    if (wasLeader) group.leaderId = memberId;
    this.rebalance.resetSession(group, replacement);
    // A restarted static member with unchanged subscription takes over its old assignment without a rebalance.
    if (group.is('Stable') && !wasLeader && old.sameProtocols(req.protocols)) return group.joinResult(replacement);
    return this.waitForJoin(group, replacement, 'static member restarted');
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinRequest): Promise<JoinResult> {
    const member = new Member(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.sessionTimeoutMs, req.rebalanceTimeoutMs, req.protocolType, req.protocols);
    if (group.members.size === 0) group.protocolType = req.protocolType;
    group.members.set(memberId, member);
    if (req.groupInstanceId !== null) group.staticMembers.set(req.groupInstanceId, memberId);
    group.leaderId ??= memberId;
    return this.waitForJoin(group, member, `member ${memberId} joined`);
  }

  private updateMemberAndWait(group: Group, member: Member, req: JoinRequest, reason?: string): Promise<JoinResult> {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    return this.waitForJoin(group, member, reason ?? `member ${member.memberId} rejoined`);
  }

  private waitForJoin(group: Group, member: Member, reason: string): Promise<JoinResult> {
    const p = new Promise<JoinResult>((resolve) => {
      const earlier = member.awaitingJoin;
      member.awaitingJoin = earlier ? supersede(earlier, resolve) : resolve;
    });
    if (!group.is('PreparingRebalance')) this.rebalance.prepare(group, reason);
    else this.rebalance.tryCompleteJoin(group);
    return p;
  }

  sync(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null, protocolType: string | null, protocolName: string | null, assignments: { memberId: string; assignment: Buffer }[]): Promise<SyncResult> | SyncResult {
    const group = this.registry.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member || group.is('Empty', 'Dead')) return syncError('UNKNOWN_MEMBER_ID');
    if (groupInstanceId !== null && group.staticMembers.get(groupInstanceId) !== memberId) return syncError('FENCED_INSTANCE_ID');
    if (generationId !== group.generationId) return syncError('ILLEGAL_GENERATION');
    if ((protocolType !== null && protocolType !== group.protocolType) || (protocolName !== null && protocolName !== group.protocolName)) return syncError('INCONSISTENT_GROUP_PROTOCOL');
    if (group.is('PreparingRebalance')) return syncError('REBALANCE_IN_PROGRESS');
    this.rebalance.resetSession(group, member);
    if (group.is('Stable')) return { errorCode: 0, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
    const p = new Promise<SyncResult>((resolve) => {
      const earlier = member.awaitingSync;
      member.awaitingSync = earlier ? supersede(earlier, resolve) : resolve;
    });
    if (memberId === group.leaderId) {
      const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of group.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY;
      group.state = 'Stable';
      this.log.info(`group ${group.groupId} is stable at generation ${group.generationId} with ${group.members.size} member(s)`);
      for (const m of group.members.values()) {
        const answer = m.awaitingSync;
        m.awaitingSync = null;
        answer?.({ errorCode: 0, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
      }
    }
    return p;
  }

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    const group = this.registry.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || group.is('Dead')) return code('UNKNOWN_MEMBER_ID');
    if (groupInstanceId !== null && group.staticMembers.has(groupInstanceId) && group.staticMembers.get(groupInstanceId) !== memberId) return code('FENCED_INSTANCE_ID');
    if (!member || group.is('Empty')) return code('UNKNOWN_MEMBER_ID');
    if (generationId !== group.generationId) return code('ILLEGAL_GENERATION');
    this.rebalance.resetSession(group, member);
    return group.is('PreparingRebalance') ? code('REBALANCE_IN_PROGRESS') : 0;
  }

  /** LeaveGroup for one member, found by member id or (static members) by instance id. */
  leave(groupId: string, memberId: string, groupInstanceId: string | null): number {
    const group = this.registry.get(groupId);
    if (!group) return code('UNKNOWN_MEMBER_ID');
    let id = memberId;
    if (groupInstanceId !== null) {
      const mapped = group.staticMembers.get(groupInstanceId);
      if (mapped === undefined) return code('UNKNOWN_MEMBER_ID');
      if (id !== '' && mapped !== id) return code('FENCED_INSTANCE_ID');
      id = mapped;
    }
    if (group.pendingMembers.has(id)) {
      this.rebalance.dropPending(group, id);
      return 0;
    }
    const member = group.members.get(id);
    if (!member) return code('UNKNOWN_MEMBER_ID');
    this.rebalance.removeMember(group, member, 'left the group');
    return 0;
  }

  /**
   * Kafka's rules for who may commit offsets to a group now: 0 if the commit may go ahead, else the error for every
   * partition. Only a simple consumer's commit creates a group.
   */
  commitError(req: Committer, now = Date.now()): number {
    if (req.groupId === '') return code('INVALID_GROUP_ID');
    let group = this.registry.get(req.groupId);
    if (!group) {
      // A member of a group that no longer exists is from an old generation (Kafka's answer before OffsetCommit v9).
      if (req.generationId >= 0) return code('ILLEGAL_GENERATION');
      const created = this.registry.create(req.groupId, now);
      if (!created) return code('POLICY_VIOLATION');
      group = created;
    }
    const error = commitErrorFor(group, req);
    if (error === 0) group.lastCommitAt = now;
    return error;
  }

  /** Forgets groups that are Empty and have no committed offsets left (their offsets were deleted or expired). */
  forgetIdleGroups(): void {
    const n = this.registry.sweep();
    if (n > 0) this.log.info(`forgot ${n} empty group(s) without committed offsets`);
  }

  /** Forget a group entirely (DeleteGroups); only Empty groups may be deleted. */
  remove(groupId: string): void {
    this.registry.remove(groupId);
  }

  shutdown(): void {
    for (const g of this.groups.values()) {
      g.clearTimers();
      for (const m of g.members.values()) {
        m.awaitingJoin?.(joinError('NOT_COORDINATOR', m.memberId));
        m.awaitingSync?.(syncError('NOT_COORDINATOR'));
      }
    }
  }
}

/**
 * A repeated JoinGroup or SyncGroup from a member whose earlier one is still parked gets the same answer, and so does
 * the earlier one. Kafka keeps only the latest callback; its network layer handles one request per connection at a
 * time, but ours answers pipelined requests in order, so an earlier request left unanswered would hold back every
 * later response on its connection.
 */
function supersede<T>(earlier: (r: T) => void, later: (r: T) => void): (r: T) => void {
  return (r) => {
    earlier(r);
    later(r);
  };
}

function commitErrorFor(group: Group, req: Committer): number {
  if (group.is('Dead')) return code('COORDINATOR_NOT_AVAILABLE');
  // A simple consumer (no membership) may commit only while nobody is a member of the group.
  if (req.generationId < 0 && group.is('Empty')) return 0;
  if (group.is('CompletingRebalance')) return code('REBALANCE_IN_PROGRESS');
  if (!group.members.has(req.memberId)) return code('UNKNOWN_MEMBER_ID');
  if (req.groupInstanceId !== null && group.staticMembers.get(req.groupInstanceId) !== req.memberId) return code('FENCED_INSTANCE_ID');
  if (req.generationId !== group.generationId) return code('ILLEGAL_GENERATION');
  return 0;
}
