// Where partitions start and end, and which offset a timestamp falls on: ListOffsets to each partition's leader.
import { ListOffsetsRequest, ListOffsetsResponse } from '../protocol/schemas/list-offsets.js';
import type { Cluster } from './cluster.js';
import { check, kafkaError } from './errors.js';
import { retryIfMoved } from './retry.js';

/** earliest: the log start offset; latest: the log end (the offset the next record gets); or the first offset at/after a time. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface PartitionRange {
  partition: number;
  /** Log start offset: the oldest offset still stored. */
  low: number;
  /** Log end offset (high watermark): the offset the next record will get. */
  high: number;
}

const LIST_OFFSETS_VERSIONS: [number, number] = [1, 7];
const EARLIEST = -2;
const LATEST = -1;

export class Offsets {
  constructor(private readonly cluster: Cluster) {}

  /**
   * One offset per partition of `topic` (every partition when `partitions` is omitted). For a timestamp later than
   * every record, Kafka answers "none"; this returns the log end instead, where a reader would wait for new records.
   */
  async list(topic: string, spec: OffsetSpec, partitions?: number[]): Promise<Map<number, number>> {
    return retryIfMoved(() => this.listOnce(topic, spec, partitions), () => this.cluster.metadata([topic]));
  }

  /** Log start and end of every partition of `topic`. */
  async ranges(topic: string): Promise<Map<number, PartitionRange>> {
    const [low, high] = await Promise.all([this.list(topic, 'earliest'), this.list(topic, 'latest')]);
    const out = new Map<number, PartitionRange>();
    for (const [partition, l] of [...low].sort((a, b) => a[0] - b[0])) out.set(partition, { partition, low: l, high: high.get(partition) ?? l });
    return out;
  }

  private async listOnce(topic: string, spec: OffsetSpec, partitions?: number[]): Promise<Map<number, number>> {
    const meta = await this.cluster.metadata([topic]);
    const t = meta.topics.find((x) => x.name === topic);
    if (!t) throw kafkaError('UNKNOWN_TOPIC_OR_PARTITION', { topic });
    check(t.errorCode, { topic });
    const wanted = partitions ?? t.partitions.map((p) => p.partitionIndex);
    const byLeader = new Map<number, number[]>();
    for (const partition of wanted) {
      const p = t.partitions.find((x) => x.partitionIndex === partition);
      if (!p) throw kafkaError('UNKNOWN_TOPIC_OR_PARTITION', { topic, partition });
      if (p.leaderId < 0) throw kafkaError('LEADER_NOT_AVAILABLE', { topic, partition });
      let list = byLeader.get(p.leaderId);
      if (!list) byLeader.set(p.leaderId, (list = []));
      list.push(partition);
    }
    const timestamp = spec === 'earliest' ? EARLIEST : spec === 'latest' ? LATEST : spec.timestamp;
    const answers = await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const conn = await this.cluster.leader(leader);
        const version = conn.version(ListOffsetsRequest, LIST_OFFSETS_VERSIONS);
        return conn.request(ListOffsetsRequest, ListOffsetsResponse, version, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [{ name: topic, partitions: list.map((partitionIndex) => ({ partitionIndex, timestamp, currentLeaderEpoch: -1 })) }],
        });
      }),
    );
    const out = new Map<number, number>();
    const notFound: number[] = [];
    for (const res of answers) {
      for (const rt of res.topics) {
        for (const p of rt.partitions) {
          check(p.errorCode, { topic, partition: p.partitionIndex });
          if (p.offset < 0) notFound.push(p.partitionIndex);
          else out.set(p.partitionIndex, p.offset);
        }
      }
    }
    if (notFound.length > 0) for (const [p, end] of await this.listOnce(topic, 'latest', notFound)) out.set(p, end);
    return out;
  }
}
