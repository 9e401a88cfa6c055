import { errorCode } from '../../protocol/errors.js';
import type { LogManager } from '../../storage/index.js';
import type { Logger } from '../../common/logger.js';
import { assignedPartitions } from './consumer-protocol.js';
import type { GroupCoordinator } from './group-coordinator.js';
import type { Group } from './group.js';
import { OffsetStoreUnavailable, type CommittedOffset, type OffsetStore } from './offset-store.js';

/** offset.metadata.max.bytes */
const MAX_METADATA_BYTES = 4096;

export interface CommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[] }[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logEndOffset: number;
  /** Messages not yet consumed; null when nothing was committed. */
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

/** Committed offsets for every group, with Kafka's rules for who may commit when. */
export class GroupOffsets {
  constructor(
    private readonly coordinator: GroupCoordinator,
    readonly store: OffsetStore,
    private readonly logs: LogManager,
    private readonly log: Logger,
  ) {
    this.reconcile();
    // Groups that only store offsets (simple consumers, or members gone before a restart) are listed as Empty.
    for (const g of store.groups()) coordinator.getOrCreate(g);
  }

  /**
   * At start, square the stored offsets with the logs, durably, before any request is served:
   * - offsets of a topic that is gone, or that was deleted and created again (another topic id),
   *   are dropped (a crash between a topic deletion and forgetting its offsets leaves them);
   * - an offset past its partition's log end is moved back to the log end. Offsets are fsynced
   *   per commit, the log only every flush.ms, so after a power loss a group can be ahead of
   *   what the log kept. Left there, the group would skip the records produced next under the
   *   offsets that were lost;
   * - entries written before topic ids were recorded get the topic's id.
   */
  private reconcile(): void {
    const changes: { group: string; topic: string; partition: number; offset: CommittedOffset | null }[] = [];
    for (const group of this.store.groups()) {
      for (const { topic, partition, offset } of this.store.list(group)) {
        const info = this.logs.getTopic(topic);
        const id = info?.id.toString('base64url');
        if (!info || (offset.topicId !== undefined && offset.topicId !== id)) {
          this.log.info(`group ${group}: dropping the committed offset of ${topic}-${partition}: that topic ${info ? 'was deleted and created again' : 'no longer exists'}`);
          changes.push({ group, topic, partition, offset: null });
          continue;
        }
        const end = this.logs.partition(topic, partition)?.logEndOffset;
        let moved = offset.offset;
        if (end !== undefined && offset.offset > end) {
          this.log.warn(
            `group ${group}: committed offset ${offset.offset} of ${topic}-${partition} is past the log end ${end} (records lost in a power cut, or removed by hand); moved it back to ${end} so the group reads what is produced next`,
          );
          moved = end;
        }
        if (moved !== offset.offset || offset.topicId === undefined) changes.push({ group, topic, partition, offset: { ...offset, offset: moved, topicId: id } });
      }
    }
    try {
      this.store.rewriteSync(changes);
    } catch (err) {
      // The store refuses commits from now on (and said why); fetches go on serving what it has.
      this.log.error(`group offsets could not be reconciled with the logs: ${(err as Error).message}`);
    }
  }

  /** The stored offset, if it belongs to the topic of that name as it exists now. */
  private current(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    const c = this.store.get(groupId, topic, partition);
    if (!c || c.topicId === undefined) return c;
    const info = this.logs.getTopic(topic);
    return info && info.id.toString('base64url') === c.topicId ? c : undefined;
  }

  /** After a topic deletion: forget every group's offsets of it (a topic created again under the name keeps its own). */
  async forgetTopic(name: string): Promise<void> {
    try {
      await this.store.forgetTopic(name, this.logs.getTopic(name)?.id.toString('base64url'));
    } catch (err) {
      // Harmless to leave: offsets of another topic id are ignored, and dropped at the next start.
      this.log.warn(`could not forget the committed offsets of deleted topic ${name}: ${(err as Error).message}`);
    }
  }

  /** Per-partition error codes for an OffsetCommit, in request order. */
  async commit(req: CommitRequest, now = Date.now()): Promise<{ name: string; partitions: { partitionIndex: number; errorCode: number }[] }[]> {
    const groupError = this.commitGroupError(req);
    const commits: { topic: string; partition: number; offset: CommittedOffset }[] = [];
    const result = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let err = groupError;
        if (err === 0 && !this.logs.partition(t.name, p.partitionIndex)) err = errorCode('UNKNOWN_TOPIC_OR_PARTITION');
        if (err === 0 && p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > MAX_METADATA_BYTES) err = errorCode('OFFSET_METADATA_TOO_LARGE');
        if (err === 0) {
          const topicId = this.logs.getTopic(t.name)!.id.toString('base64url');
          commits.push({ topic: t.name, partition: p.partitionIndex, offset: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata, commitTimestamp: now, topicId } });
        }
        return { partitionIndex: p.partitionIndex, errorCode: err };
      }),
    }));
    if (commits.length > 0) {
      try {
        await this.store.commit(req.groupId, commits);
      } catch (e) {
        if (!(e instanceof OffsetStoreUnavailable)) throw e;
        // Kafka answers a coordinator that cannot write its offsets log this way: retriable, and the client keeps its
        // position. (The store logged a fatal cause once; a write that failed for now only fails this commit.)
        if (!e.fatal) this.log.warn(`group ${req.groupId}: ${e.message}`);
        for (const t of result) for (const p of t.partitions) if (p.errorCode === 0) p.errorCode = errorCode('COORDINATOR_NOT_AVAILABLE');
      }
    }
    return result;
  }

  private commitGroupError(req: CommitRequest): number {
    return this.coordinator.commitError(req);
  }

  /** Committed offsets for some partitions, or all of the group's when topics is null. */
  fetch(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null) {
    const wanted = topics ?? this.byTopic(groupId);
    return wanted.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => {
        const c = this.current(groupId, t.name, p);
        return { partitionIndex: p, committedOffset: c?.offset ?? -1, committedLeaderEpoch: c?.leaderEpoch ?? -1, metadata: c ? c.metadata : '', errorCode: 0 };
      }),
    }));
  }

  private byTopic(groupId: string): { name: string; partitionIndexes: number[] }[] {
    const m = new Map<string, number[]>();
    for (const o of this.store.list(groupId)) {
      if (!this.current(groupId, o.topic, o.partition)) continue;
      const list = m.get(o.topic) ?? [];
      list.push(o.partition);
      m.set(o.topic, list);
    }
    return [...m.entries()].map(([name, partitionIndexes]) => ({ name, partitionIndexes: partitionIndexes.sort((a, b) => a - b) }));
  }

  /**
   * Lag per partition the group has committed or is assigned: committed offset, log end
   * offset and the difference. This is the core API the UI reads.
   */
  lag(groupId: string): PartitionLag[] {
    const group = this.coordinator.group(groupId);
    const owners = new Map<string, { memberId: string; clientId: string; host: string }>();
    const partitions = new Map<string, { topic: string; partition: number }>();
    if (group?.is('Stable')) {
      for (const m of group.members.values()) {
        for (const a of assignedPartitions(m.assignment)) {
          for (const p of a.partitions) {
            owners.set(`${a.topic}\u0000${p}`, { memberId: m.memberId, clientId: m.clientId, host: m.clientHost });
            partitions.set(`${a.topic}\u0000${p}`, { topic: a.topic, partition: p });
          }
        }
      }
    }
    for (const o of this.store.list(groupId)) {
      if (this.current(groupId, o.topic, o.partition)) partitions.set(`${o.topic}\u0000${o.partition}`, { topic: o.topic, partition: o.partition });
    }
    return [...partitions.entries()]
      .map(([key, { topic, partition }]) => {
        const committed = this.current(groupId, topic, partition)?.offset ?? null;
        const end = this.logs.partition(topic, partition)?.logEndOffset ?? 0;
        const owner = owners.get(key);
        return { topic, partition, committedOffset: committed, logEndOffset: end, lag: committed === null ? null : Math.max(0, end - committed), memberId: owner?.memberId ?? null, clientId: owner?.clientId ?? null, host: owner?.host ?? null };
      })
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /**
   * offsets.retention.ms: once a group is Empty, its offsets expire this long after the later
   * of their commit and the moment the group emptied; a group left with nothing is forgotten.
   */
  async expire(retentionMs: number, now = Date.now()): Promise<void> {
    if (this.store.failed) return; // it said why once; nothing can be recorded until a restart
    for (const groupId of this.store.groups()) {
      const group = this.coordinator.group(groupId);
      if (group && !group.is('Empty')) continue;
      const since = group?.emptySince ?? 0;
      const expired = this.store.list(groupId).filter((o) => Math.max(o.offset.commitTimestamp, since) + retentionMs < now);
      if (expired.length === 0) continue;
      await this.store.delete(groupId, expired);
      this.log.info(`group ${groupId}: expired ${expired.length} committed offset(s) older than ${retentionMs} ms`);
      if (this.store.list(groupId).length === 0 && group?.members.size === 0) this.coordinator.remove(groupId);
    }
    this.store.maybeCompact();
  }

  isSubscribed(group: Group, topic: string, subscribed: (metadata: Buffer) => string[]): boolean {
    for (const m of group.members.values()) if (subscribed(m.metadataFor(group.protocolName ?? '')).includes(topic)) return true;
    return false;
  }
}
