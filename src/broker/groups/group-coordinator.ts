import { randomUUID } from 'node:crypto';
import { errorCode, type ErrorName } from '../../protocol/errors.js';
import type { Logger } from '../../common/logger.js';
import { Group, Member, type JoinResult, type Protocol, type SyncResult } from './group.js';

export interface CoordinatorConfig {
  /** group.min.session.timeout.ms / group.max.session.timeout.ms */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: let more members arrive before the first assignment. */
  initialRebalanceDelayMs: number;
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

function joinError(name: ErrorName, memberId = ''): JoinResult {
  return { errorCode: code(name), generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}
function syncError(name: ErrorName): SyncResult {
  return { errorCode: code(name), protocolType: null, protocolName: null, assignment: EMPTY };
}

/**
 * The classic group coordinator (Kafka's GroupCoordinator): membership, generations and
 * rebalances. One broker, so it coordinates every group. Offsets live in GroupOffsets.
 */
export class GroupCoordinator {
  readonly groups = new Map<string, Group>();

  constructor(private readonly config: CoordinatorConfig, private readonly log: Logger) {}

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  getOrCreate(groupId: string): Group {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = new Group(groupId)));
    return g;
  }

  join(req: JoinRequest): Promise<JoinResult> | JoinResult {
    if (req.groupId === '') return joinError('INVALID_GROUP_ID', req.memberId);
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return joinError('INVALID_SESSION_TIMEOUT', req.memberId);
    }
    const group = this.getOrCreate(req.groupId);
    if (group.is('Dead')) return joinError('COORDINATOR_NOT_AVAILABLE', req.memberId);
    if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) return joinError('INCONSISTENT_GROUP_PROTOCOL', req.memberId);
    return req.memberId === '' ? this.joinNewMember(group, req) : this.joinExistingMember(group, req);
  }

  private joinNewMember(group: Group, req: JoinRequest): Promise<JoinResult> | JoinResult {
    const memberId = `${req.clientId || 'member'}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const previous = group.staticMembers.get(req.groupInstanceId);
      if (previous !== undefined && group.members.has(previous)) return this.replaceStaticMember(group, group.members.get(previous)!, memberId, req);
    } else if (req.requireKnownMemberId) {
      // KIP-394: hand out the id first so a client that times out does not leave a ghost member behind.
      group.pendingMembers.set(memberId, setTimeout(() => this.expirePending(group, memberId), req.sessionTimeoutMs));
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
    this.clearSession(old);
    old.awaitingJoin?.(joinError('FENCED_INSTANCE_ID', old.memberId));
    old.awaitingSync?.(syncError('FENCED_INSTANCE_ID'));
    group.members.delete(old.memberId);
    group.members.set(memberId, replacement);
    group.staticMembers.set(req.groupInstanceId!, memberId);
    const wasLeader = group.leaderId === old.memberId;
    if (wasLeader) group.leaderId = memberId;
    this.resetSession(group, replacement);
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
      member.awaitingJoin?.(joinError('UNKNOWN_MEMBER_ID', member.memberId));
      member.awaitingJoin = resolve;
    });
    if (!group.is('PreparingRebalance')) this.prepareRebalance(group, reason);
    else this.tryCompleteJoin(group);
    return p;
  }

  sync(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null, protocolType: string | null, protocolName: string | null, assignments: { memberId: string; assignment: Buffer }[]): Promise<SyncResult> | SyncResult {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member || group.is('Empty', 'Dead')) return syncError('UNKNOWN_MEMBER_ID');
    if (groupInstanceId !== null && group.staticMembers.get(groupInstanceId) !== memberId) return syncError('FENCED_INSTANCE_ID');
    if (generationId !== group.generationId) return syncError('ILLEGAL_GENERATION');
    if ((protocolType !== null && protocolType !== group.protocolType) || (protocolName !== null && protocolName !== group.protocolName)) return syncError('INCONSISTENT_GROUP_PROTOCOL');
    if (group.is('PreparingRebalance')) return syncError('REBALANCE_IN_PROGRESS');
    this.resetSession(group, member);
    if (group.is('Stable')) return { errorCode: 0, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
    const p = new Promise<SyncResult>((resolve) => (member.awaitingSync = resolve));
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
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || group.is('Dead')) return code('UNKNOWN_MEMBER_ID');
    if (groupInstanceId !== null && group.staticMembers.has(groupInstanceId) && group.staticMembers.get(groupInstanceId) !== memberId) return code('FENCED_INSTANCE_ID');
    if (!member || group.is('Empty')) return code('UNKNOWN_MEMBER_ID');
    if (generationId !== group.generationId) return code('ILLEGAL_GENERATION');
    this.resetSession(group, member);
    return group.is('PreparingRebalance') ? code('REBALANCE_IN_PROGRESS') : 0;
  }

  /** LeaveGroup for one member, found by member id or (static members) by instance id. */
  leave(groupId: string, memberId: string, groupInstanceId: string | null): number {
    const group = this.groups.get(groupId);
    if (!group) return code('UNKNOWN_MEMBER_ID');
    let id = memberId;
    if (groupInstanceId !== null) {
      const mapped = group.staticMembers.get(groupInstanceId);
      if (mapped === undefined) return code('UNKNOWN_MEMBER_ID');
      if (id !== '' && mapped !== id) return code('FENCED_INSTANCE_ID');
      id = mapped;
    }
    const pending = group.pendingMembers.get(id);
    if (pending) {
      clearTimeout(pending);
      group.pendingMembers.delete(id);
      this.tryCompleteJoin(group);
      return 0;
    }
    const member = group.members.get(id);
    if (!member) return code('UNKNOWN_MEMBER_ID');
    this.removeMember(group, member, 'left the group');
    return 0;
  }

  // ---- rebalance machinery ----------------------------------------------------------------

  private prepareRebalance(group: Group, reason: string): void {
    if (group.is('CompletingRebalance')) {
      for (const m of group.members.values()) {
        m.assignment = EMPTY;
        const answer = m.awaitingSync;
        m.awaitingSync = null;
        answer?.(syncError('REBALANCE_IN_PROGRESS'));
      }
    }
    const initial = group.is('Empty');
    group.state = 'PreparingRebalance';
    this.log.info(`group ${group.groupId}: rebalancing (${reason})`);
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    if (initial && this.config.initialRebalanceDelayMs > 0) {
      group.initialDelay = true;
      this.scheduleInitialDelay(group, group.maxRebalanceTimeoutMs() - this.config.initialRebalanceDelayMs, group.members.size);
    } else {
      group.initialDelay = false;
      group.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(group), group.maxRebalanceTimeoutMs());
      this.tryCompleteJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: wait the delay again while members keep arriving, within the rebalance timeout. */
  private scheduleInitialDelay(group: Group, remainingMs: number, membersAtStart: number): void {
    group.rebalanceTimer = setTimeout(() => {
      const delay = Math.min(this.config.initialRebalanceDelayMs, remainingMs);
      if (group.members.size > membersAtStart && delay > 0) {
        this.scheduleInitialDelay(group, remainingMs - delay, group.members.size);
        return;
      }
      group.initialDelay = false;
      group.rebalanceTimer = null;
      if (group.allMembersJoined()) this.completeJoin(group);
      else group.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(group), group.maxRebalanceTimeoutMs());
    }, this.config.initialRebalanceDelayMs);
  }

  private tryCompleteJoin(group: Group): void {
    if (group.is('PreparingRebalance') && !group.initialDelay && group.allMembersJoined()) this.completeJoin(group);
  }

  private onRebalanceTimeout(group: Group): void {
    group.rebalanceTimer = null;
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin) this.dropMember(group, m, `did not rejoin within the rebalance timeout`);
    }
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (!group.is('PreparingRebalance')) return;
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = null;
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      group.emptySince = Date.now();
      this.log.info(`group ${group.groupId} is empty (generation ${group.generationId})`);
      return;
    }
    group.protocolName = group.selectProtocol();
    if (!group.leaderId || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!;
    group.state = 'CompletingRebalance';
    for (const m of group.members.values()) {
      const answer = m.awaitingJoin;
      m.awaitingJoin = null;
      m.isNew = false;
      this.resetSession(group, m);
      answer?.(group.joinResult(m));
    }
  }

  private removeMember(group: Group, member: Member, why: string): void {
    this.dropMember(group, member, why);
    if (group.is('Stable', 'CompletingRebalance')) this.prepareRebalance(group, `member ${member.memberId} ${why}`);
    else this.tryCompleteJoin(group);
  }

  private dropMember(group: Group, member: Member, why: string): void {
    this.clearSession(member);
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) group.staticMembers.delete(member.groupInstanceId);
    if (group.leaderId === member.memberId) group.leaderId = group.members.keys().next().value ?? null;
    member.awaitingJoin?.(joinError('UNKNOWN_MEMBER_ID', member.memberId));
    member.awaitingSync?.(syncError('UNKNOWN_MEMBER_ID'));
    member.awaitingJoin = member.awaitingSync = null;
    this.log.info(`group ${group.groupId}: member ${member.memberId} ${why}`);
  }

  private expirePending(group: Group, memberId: string): void {
    group.pendingMembers.delete(memberId);
    this.tryCompleteJoin(group);
  }

  private resetSession(group: Group, member: Member): void {
    this.clearSession(member);
    member.sessionTimer = setTimeout(() => this.onSessionExpired(group, member), member.sessionTimeoutMs);
  }

  private clearSession(member: Member): void {
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
  }

  private onSessionExpired(group: Group, member: Member): void {
    member.sessionTimer = null;
    if (group.members.get(member.memberId) !== member) return;
    // A member parked in JoinGroup or SyncGroup is alive: its request is the heartbeat.
    if (member.awaitingJoin || member.awaitingSync) {
      this.resetSession(group, member);
      return;
    }
    this.removeMember(group, member, `session timed out after ${member.sessionTimeoutMs} ms`);
  }

  /** Forget a group entirely (DeleteGroups); only Empty groups may be deleted. */
  remove(groupId: string): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
    g.state = 'Dead';
    this.groups.delete(groupId);
  }

  shutdown(): void {
    for (const g of this.groups.values()) {
      if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
      for (const t of g.pendingMembers.values()) clearTimeout(t);
      for (const m of g.members.values()) {
        this.clearSession(m);
        m.awaitingJoin?.(joinError('NOT_COORDINATOR', m.memberId));
        m.awaitingSync?.(syncError('NOT_COORDINATOR'));
      }
    }
  }
}
