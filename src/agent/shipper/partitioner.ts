// Which partition a record goes to — the same answer as Kafka's Java client (DefaultPartitioner / BuiltInPartitioner),
// so records of one key land in the same partition whichever producer wrote them.

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), seed 0x9747b28c. */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  const base = length & ~3;
  if (rest === 3) h ^= (data[base + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[base + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[base]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Partition of a keyed record: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

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
