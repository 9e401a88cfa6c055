import { errorCode, type ErrorName } from '../../protocol/errors.js';

/** Classic consumer-group states, named as Kafka's DescribeGroups reports them. */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface Protocol {
  name: string;
  metadata: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** A JoinGroup answer that admits no one (memberId: the id the client should use next, '' for none). */
export function joinError(name: ErrorName, memberId = ''): JoinResult {
  return { errorCode: errorCode(name), generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}

export function syncError(name: ErrorName): SyncResult {
  return { errorCode: errorCode(name), protocolType: null, protocolName: null, assignment: EMPTY };
}

export class Member {
  assignment: Buffer = EMPTY;
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  awaitingSync: ((r: SyncResult) => void) | null = null;
  sessionTimer: NodeJS.Timeout | null = null;
  /** Joined during the current rebalance (affects nothing but DescribeGroups today). */
  isNew = true;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocolType: string,
    public protocols: Protocol[],
  ) {}

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }

  sameProtocols(protocols: Protocol[]): boolean {
    return protocols.length === this.protocols.length && protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata));
  }
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, waiting for the second JoinGroup. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** group.instance.id → member id, for static members. */
  readonly staticMembers = new Map<string, string>();
  rebalanceTimer: NodeJS.Timeout | null = null;
  /** True while the initial rebalance delay runs (group.initial.rebalance.delay.ms). */
  initialDelay = false;
  /** When the group last became Empty (offset retention counts from here). */
  emptySince: number;
  /** When the group last accepted an offset commit (0: never); see GroupRegistry.isIdle. */
  lastCommitAt = 0;

  constructor(readonly groupId: string, now = Date.now()) {
    this.emptySince = now;
  }

  is(...states: GroupState[]): boolean {
    return states.includes(this.state);
  }

  /** Kafka's rule: an empty group takes any protocol; otherwise type must match and one protocol must be common to all. */
  supportsProtocols(protocolType: string, names: string[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && names.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = this.candidateProtocols();
    return names.some((n) => candidates.has(n));
  }

  private candidateProtocols(): Set<string> {
    let common: Set<string> | null = null;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      const previous: Set<string> | null = common;
      common = previous === null ? names : new Set([...previous].filter((n: string) => names.has(n)));
    }
    return common ?? new Set<string>();
  }

  /** Each member votes for its most preferred protocol that every member supports; most votes wins. */
  selectProtocol(): string | null {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [name, n] of votes) if (best === null || n > votes.get(best)!) best = name;
    return best;
  }

  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (!m.awaitingJoin) return false;
    return true;
  }

  /** members + member ids handed out with MEMBER_ID_REQUIRED: what group.max.size counts. */
  size(): number {
    return this.members.size + this.pendingMembers.size;
  }

  /** Stops every timer the group owns (rebalance, pending members, sessions), when it is forgotten or the broker stops. */
  clearTimers(): void {
    if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = null;
    for (const t of this.pendingMembers.values()) clearTimeout(t);
    for (const m of this.members.values()) {
      if (m.sessionTimer) clearTimeout(m.sessionTimer);
      m.sessionTimer = null;
    }
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** The JoinGroup answer for one member of the current generation; only the leader sees the member list. */
  joinResult(member: Member): JoinResult {
    const isLeader = member.memberId === this.leaderId;
    return {
      errorCode: 0,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader
        ? [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(this.protocolName ?? '') }))
        : [],
    };
  }
}
