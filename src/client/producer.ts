// Sending records: the default partitioner picks a partition, one record batch per partition (our batch builder,
// gzip optional) goes to that partition's leader. Not idempotent: a retry after a lost response may duplicate, as
// with any producer without enable.idempotence (the agent's shipper is the idempotent one).
import { errorCode } from '../protocol/errors.js';
import { buildRecordBatch, gzipBatch, type RecordInput } from '../protocol/record-batch-builder.js';
import type { Cluster, ProduceBody } from './cluster.js';
import { check, kafkaError } from './errors.js';
import { Partitioner } from './partitioner.js';
import { retryIfMoved } from './retry.js';
import { sleep } from './backoff.js';
import { partitionForKey as keyPartition } from '../protocol/murmur2.js';

export interface ProducerRecord {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  /** Repeated names are kept, in order, as Kafka allows; a null value is Kafka's null header value. */
  headers?: Array<[string, string | Buffer | null]>;
  /** Overrides the partitioner. */
  partition?: number;
  timestamp?: number;
}

export interface ProducerOptions {
  /** -1: all in-sync replicas (default), 1: the leader, 0: no acknowledgement at all. */
  acks?: -1 | 0 | 1;
  compression?: 'none' | 'gzip';
}

const NEW_TOPIC_ATTEMPTS = 10;
const LEADER_MOVED = new Set([errorCode('NOT_LEADER_OR_FOLLOWER'), errorCode('LEADER_NOT_AVAILABLE')]);

export class Producer {
  private readonly partitioner = new Partitioner();
  private readonly acks: -1 | 0 | 1;
  private readonly compression: 'none' | 'gzip';

  constructor(
    private readonly cluster: Cluster,
    options: ProducerOptions = {},
  ) {
    this.acks = options.acks ?? -1;
    this.compression = options.compression ?? 'none';
  }

  /**
   * Sends `records` to `topic` and resolves once every partition's leader acknowledged (acks ≠ 0). Whether an unknown
   * topic is created is the broker's decision (auto.create.topics.enable), as with any Kafka producer. Throws
   * KafkaError or ConnectionError.
   */
  async send(topic: string, records: readonly ProducerRecord[]): Promise<void> {
    if (records.length === 0) return;
    const partitions = await this.partitionCount(topic);
    this.partitioner.nextCall();
    const byPartition = new Map<number, RecordInput[]>();
    for (const r of records) {
      // A key in bytes (a replayed capture) is hashed as bytes: the same partition its original producer chose.
      const partition = r.partition ?? (Buffer.isBuffer(r.key) ? keyPartition(r.key, partitions) : this.partitioner.partition(r.key ?? null, partitions));
      if (partition >= partitions) throw kafkaError('UNKNOWN_TOPIC_OR_PARTITION', { topic, partition });
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, (list = []));
      list.push({ key: r.key ?? null, value: r.value, headers: r.headers, timestamp: r.timestamp });
    }
    const now = Date.now();
    let pending = new Map([...byPartition].map(([partition, list]) => [partition, this.batch(list, now)]));
    await retryIfMoved(
      async () => {
        pending = await this.sendOnce(topic, pending);
        if (pending.size > 0) throw kafkaError('NOT_LEADER_OR_FOLLOWER', { topic, partition: [...pending.keys()][0] });
      },
      () => this.cluster.metadata([topic]),
    );
  }

  private batch(records: RecordInput[], timestamp: number): Buffer {
    const batch = buildRecordBatch(records, { timestamp });
    return this.compression === 'gzip' ? gzipBatch(batch) : batch;
  }

  /** Sends each partition's batch to its leader; returns the batches to send again because the leader moved. */
  private async sendOnce(topic: string, batches: Map<number, Buffer>): Promise<Map<number, Buffer>> {
    const layout = this.cluster.layout(topic);
    const byLeader = new Map<number, number[]>();
    for (const partition of batches.keys()) {
      const leader = layout?.leaders[partition] ?? -1;
      if (leader < 0) throw kafkaError('LEADER_NOT_AVAILABLE', { topic, partition });
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(partition);
    }
    const retry = new Map<number, Buffer>();
    await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        const topicData: ProduceBody['topicData'] = [{ name: topic, partitionData: partitions.map((index) => ({ index, records: batches.get(index)! })) }];
        const res = await this.cluster.produce(leader, topicData, this.acks);
        for (const t of res?.responses ?? []) {
          for (const p of t.partitionResponses) {
            if (LEADER_MOVED.has(p.errorCode)) retry.set(p.index, batches.get(p.index)!);
            else check(p.errorCode, { topic, partition: p.index }, p.errorMessage);
          }
        }
      }),
    );
    return retry;
  }

  /** Partitions of `topic`, waiting briefly for a topic the broker is creating on our behalf. */
  private async partitionCount(topic: string): Promise<number> {
    const known = this.cluster.layout(topic);
    if (known && known.leaders.length > 0 && known.leaders.every((l) => l >= 0)) return known.leaders.length;
    for (let attempt = 1; ; attempt++) {
      const problem = (await this.cluster.refresh([topic])).get(topic);
      if (!problem) return this.cluster.layout(topic)!.leaders.length;
      if (!problem.retriable || problem.type === 'UNKNOWN_TOPIC_OR_PARTITION' || attempt >= NEW_TOPIC_ATTEMPTS) throw problem;
      await sleep(Math.min(50 * 2 ** attempt, 1_000));
    }
  }
}
