import type { Logger } from '../../common/logger.js';
import { joinError, syncError, type Group, type Member } from './group.js';
import type { GroupRegistry } from './group-registry.js';

const EMPTY = Buffer.alloc(0);

/**
 * The timed half of the coordinator (Kafka's DelayedJoin, InitialDelayedJoin and DelayedHeartbeat): moving a group
 * through PreparingRebalance to the next generation, and dropping members whose session or rebalance time runs out.
 */
export class Rebalancer {
  constructor(
    private readonly initialRebalanceDelayMs: number,
    private readonly registry: GroupRegistry,
    private readonly log: Logger,
  ) {}

  prepare(group: Group, reason: string): void {
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
    if (initial && this.initialRebalanceDelayMs > 0) {
      group.initialDelay = true;
      this.scheduleInitialDelay(group, group.maxRebalanceTimeoutMs() - this.initialRebalanceDelayMs, group.members.size);
    } else {
      group.initialDelay = false;
      group.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(group), group.maxRebalanceTimeoutMs());
      this.tryCompleteJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: wait the delay again while members keep arriving, within the rebalance timeout. */
  private scheduleInitialDelay(group: Group, remainingMs: number, membersAtStart: number): void {
    group.rebalanceTimer = setTimeout(() => {
      const delay = Math.min(this.initialRebalanceDelayMs, remainingMs);
      if (group.members.size > membersAtStart && delay > 0) {
        this.scheduleInitialDelay(group, remainingMs - delay, group.members.size);
        return;
      }
      group.initialDelay = false;
      group.rebalanceTimer = null;
      if (group.allMembersJoined()) this.completeJoin(group);
      else group.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(group), group.maxRebalanceTimeoutMs());
    }, this.initialRebalanceDelayMs);
  }

  tryCompleteJoin(group: Group): void {
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
      if (this.registry.forgetIfIdle(group)) this.log.info(`group ${group.groupId} is empty and has no committed offsets: forgotten`);
      else this.log.info(`group ${group.groupId} is empty (generation ${group.generationId})`);
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

  removeMember(group: Group, member: Member, why: string): void {
    this.dropMember(group, member, why);
    if (group.is('Stable', 'CompletingRebalance')) this.prepare(group, `member ${member.memberId} ${why}`);
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

  /**
   * KIP-394: a member id handed out with MEMBER_ID_REQUIRED counts as a member (a rebalance waits for it) until the
   * member joins with it, leaves, or does not come back within its session timeout.
   */
  addPending(group: Group, memberId: string, timeoutMs: number): void {
    group.pendingMembers.set(memberId, setTimeout(() => this.dropPending(group, memberId), timeoutMs));
  }

  dropPending(group: Group, memberId: string): void {
    const timer = group.pendingMembers.get(memberId);
    if (timer) clearTimeout(timer);
    group.pendingMembers.delete(memberId);
    this.tryCompleteJoin(group);
    this.registry.forgetIfIdle(group);
  }

  resetSession(group: Group, member: Member): void {
    this.clearSession(member);
    member.sessionTimer = setTimeout(() => this.onSessionExpired(group, member), member.sessionTimeoutMs);
  }

  clearSession(member: Member): void {
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
}
