// Every partition queue of the sender, found by topic and partition. Consecutive records usually go to the same
// partition (a file's lines share a key), so the last queue is remembered and the map is skipped.
import type { BackoffOptions } from '../../client/backoff.js';
import type { Cluster } from '../../client/cluster.js';
import { PartitionQueue } from './partition-queue.js';

export class PartitionQueues {
  private readonly byKey = new Map<string, PartitionQueue>();
  private last: PartitionQueue | null = null;

  constructor(private readonly backoff: BackoffOptions) {}

  get(topic: string, partition: number): PartitionQueue {
    const last = this.last;
    if (last !== null && last.partition === partition && last.topic === topic) return last;
    const key = `${partition}\u0000${topic}`;
    let q = this.byKey.get(key);
    if (!q) this.byKey.set(key, (q = new PartitionQueue(topic, partition, this.backoff)));
    this.last = q;
    return q;
  }

  values(): IterableIterator<PartitionQueue> {
    return this.byKey.values();
  }

  topics(): string[] {
    return [...new Set([...this.byKey.values()].map((q) => q.topic))];
  }

  /** Partition leaders for every queue: the connections a reconnect should open first. */
  leaders(cluster: Cluster): number[] {
    const ids = new Set<number>();
    for (const q of this.byKey.values()) {
      const leader = cluster.layout(q.topic)?.leaders[q.partition];
      if (leader !== undefined && leader >= 0) ids.add(leader);
    }
    return [...ids];
  }

  /** Records in memory that came from the spool. */
  get retainedRecords(): number {
    let n = 0;
    for (const q of this.byKey.values()) for (const b of q.queue) if (b.fromSpool) n += b.records;
    return n;
  }

  /** True when no batch is in memory (everything acknowledged). */
  get empty(): boolean {
    for (const q of this.byKey.values()) if (q.open || q.inflight || q.queue.length > 0) return false;
    return true;
  }
}
