// Which partition a record goes to — the same answer as Kafka's Java client (DefaultPartitioner / BuiltInPartitioner),
// so records of one key land in the same partition whichever producer wrote them.
import { murmur2, partitionForKey as keyPartition } from '../protocol/murmur2.js';

/** Partition of a keyed record: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(key: string, partitions: number): number {
  return keyPartition(Buffer.from(key, 'utf8'), partitions);
}

export { murmur2 };

/**
 * Keyed records follow their key; unkeyed records stick to one partition per write call (Kafka's sticky
 * partitioner), so a batch of unkeyed records becomes one batch on the wire. Caches the last key: a file
 * source sends thousands of records with the same key (its path) in a row.
 */
export class Partitioner {
  private lastKey: string | null = null;
  private lastCount = 0;
  private lastPartition = 0;
  private sticky = -1;

  constructor(private readonly random: () => number = Math.random) {}

  /** Start of a write call: unkeyed records get a new sticky partition. */
  nextCall(): void {
    this.sticky = -1;
  }

  partition(key: string | null, partitions: number): number {
    if (partitions <= 1) return 0;
    if (key === null) {
      if (this.sticky < 0 || this.sticky >= partitions) this.sticky = Math.floor(this.random() * partitions);
      return this.sticky;
    }
    if (key !== this.lastKey || partitions !== this.lastCount) {
      this.lastKey = key;
      this.lastCount = partitions;
      this.lastPartition = partitionForKey(key, partitions);
    }
    return this.lastPartition;
  }
}
