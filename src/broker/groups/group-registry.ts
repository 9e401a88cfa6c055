import type { Logger } from '../../common/logger.js';
import { Group } from './group.js';

/** Refusals are logged at most this often, so a client looping on a refused request cannot flood the log. */
const WARN_EVERY_MS = 60_000;
/**
 * A group that accepted an offset commit this recently is not idle even if the store does not show the offsets yet
 * (the commit may still be on its way to disk).
 */
const COMMIT_GRACE_MS = 60_000;

/**
 * Every group the coordinator holds (Kafka's GroupMetadataManager group cache): creation within `maxGroups`, and
 * Kafka's group metadata cleanup, which forgets a group that is Empty and has no committed offsets. Kafka runs that
 * cleanup every offsets.retention.check.interval.ms; here a group is forgotten as soon as it becomes idle, and a
 * periodic sweep catches the ones that became idle some other way (offsets deleted or expired).
 */
export class GroupRegistry {
  readonly groups = new Map<string, Group>();
  private lastWarning = 0;
  private refusedSinceWarning = 0;

  constructor(
    private readonly maxGroups: number,
    /** Whether the offset store holds committed offsets for a group. */
    private readonly hasOffsets: (groupId: string) => boolean,
    private readonly log: Logger,
  ) {}

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  /** A group known from stored offsets at start-up: never refused, it existed before. */
  load(groupId: string): Group {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = new Group(groupId)));
    return g;
  }

  /** A new, Empty group; null when `maxGroups` groups exist already. */
  create(groupId: string, now = Date.now()): Group | null {
    if (this.groups.size >= this.maxGroups) {
      this.refusedSinceWarning++;
      if (now - this.lastWarning >= WARN_EVERY_MS) {
        this.log.warn(
          `refused to create consumer group ${JSON.stringify(groupId)} (and ${this.refusedSinceWarning - 1} more since the last warning): ` +
            `the broker holds ${this.groups.size} groups, its maxGroups limit. Delete unused groups (\`tributary groups delete\`) or raise maxGroups in the broker config.`,
        );
        this.lastWarning = now;
        this.refusedSinceWarning = 0;
      }
      return null;
    }
    const g = new Group(groupId, now);
    this.groups.set(groupId, g);
    return g;
  }

  /** Nothing left to coordinate or remember: no member, no member id handed out, no committed offset. */
  isIdle(group: Group, now = Date.now()): boolean {
    return (
      group.is('Empty') &&
      group.members.size === 0 &&
      group.pendingMembers.size === 0 &&
      now - group.lastCommitAt >= COMMIT_GRACE_MS &&
      !this.hasOffsets(group.groupId)
    );
  }

  /** Forgets the group if it is idle; true if it did. */
  forgetIfIdle(group: Group, now = Date.now()): boolean {
    if (this.groups.get(group.groupId) !== group || !this.isIdle(group, now)) return false;
    this.remove(group.groupId);
    return true;
  }

  /** Forgets every idle group; returns how many. */
  sweep(now = Date.now()): number {
    let forgotten = 0;
    for (const g of [...this.groups.values()]) if (this.forgetIfIdle(g, now)) forgotten++;
    return forgotten;
  }

  remove(groupId: string): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    g.clearTimers();
    g.state = 'Dead';
    this.groups.delete(groupId);
  }
}
