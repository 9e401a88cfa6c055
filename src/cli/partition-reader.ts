// Reads chosen partitions of one topic from given offsets without joining a consumer group — Kafka's "assign" mode,
// which kafkajs's public Consumer lacks. Built on kafkajs's Cluster and Broker#fetch (see kafkajs-internals.ts), so
// metadata, connections and record-batch decoding (incl. compression) stay kafkajs's.
import { isRetriable } from './errors.js';
import { CLIENT_SETTINGS } from './kafka-client.js';
import { createCluster, READ_UNCOMMITTED, type DecodedRecord, type InternalCluster } from './kafkajs-internals.js';
import type { ConsumedMessage } from './message-format.js';

export interface PartitionBatch {
  partition: number;
  /** Records at or after the requested offset, in offset order, transaction markers removed. */
  messages: ConsumedMessage[];
  /** Where the next fetch for this partition should start. */
  nextOffset: bigint;
  highWatermark: bigint;
}

const MAX_ATTEMPTS = 8;
const PARTITION_MAX_BYTES = 1024 * 1024;
const RESPONSE_MAX_BYTES = 16 * 1024 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The partition an OFFSET_OUT_OF_RANGE fetch error is about, so the caller can move to a valid offset. */
export function offsetOutOfRangePartition(err: unknown): number | undefined {
  const e = err as { name?: string; partition?: number } | null;
  return e?.name === 'KafkaJSOffsetOutOfRange' ? e.partition : undefined;
}

/**
 * A batch's records can start before the offset asked for (the broker returns whole batches) and can have gaps
 * (compaction, transaction markers); the batch header's last offset says where the next batch starts.
 */
function nextOffsetAfter(record: DecodedRecord): bigint {
  const own = BigInt(record.offset) + 1n;
  if (!record.batchContext) return own;
  const batchEnd = BigInt(record.batchContext.firstOffset) + BigInt(record.batchContext.lastOffsetDelta) + 1n;
  return batchEnd > own ? batchEnd : own;
}

export class PartitionReader {
  private constructor(
    private readonly cluster: InternalCluster,
    private readonly topic: string,
  ) {}

  static async open(brokers: string[], topic: string): Promise<PartitionReader> {
    const cluster = createCluster({ ...CLIENT_SETTINGS, brokers });
    await cluster.connect();
    await cluster.addTargetTopic(topic);
    return new PartitionReader(cluster, topic);
  }

  /**
   * One fetch round for the given partition → offset positions, sent to each partition's leader.
   * Retries what kafkajs deems retriable (leader moved, broker restarting) after refreshing metadata.
   */
  async fetch(positions: ReadonlyMap<number, bigint>, maxWaitMs: number): Promise<PartitionBatch[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetchOnce(positions, maxWaitMs);
      } catch (err) {
        if (!isRetriable(err) || offsetOutOfRangePartition(err) !== undefined || attempt >= MAX_ATTEMPTS) throw err;
        await sleep(Math.min(100 * 2 ** attempt, 2_000));
        await this.cluster.refreshMetadata().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await this.cluster.disconnect().catch(() => undefined);
  }

  private async fetchOnce(positions: ReadonlyMap<number, bigint>, maxWaitMs: number): Promise<PartitionBatch[]> {
    const byLeader = this.cluster.findLeaderForPartitions(this.topic, [...positions.keys()]);
    const requests = Object.entries(byLeader).map(async ([nodeId, partitions]) => {
      const broker = await this.cluster.findBroker({ nodeId });
      return broker.fetch({
        // kafkajs encodes a missing replicaId as 0, which real Kafka takes for a follower broker: -1 is a consumer.
        replicaId: -1,
        isolationLevel: READ_UNCOMMITTED,
        maxWaitTime: maxWaitMs,
        minBytes: 1,
        maxBytes: RESPONSE_MAX_BYTES,
        topics: [
          {
            topic: this.topic,
            partitions: partitions.map((partition) => ({
              partition,
              fetchOffset: positions.get(partition)!.toString(),
              maxBytes: PARTITION_MAX_BYTES,
            })),
          },
        ],
      });
    });

    const batches: PartitionBatch[] = [];
    for (const response of await Promise.all(requests)) {
      for (const topicResponse of response.responses) {
        for (const p of topicResponse.partitions) {
          const requested = positions.get(p.partition);
          if (requested === undefined) continue;
          batches.push(this.toBatch(p.partition, requested, BigInt(p.highWatermark), p.messages));
        }
      }
    }
    return batches;
  }

  private toBatch(partition: number, requested: bigint, highWatermark: bigint, records: DecodedRecord[]): PartitionBatch {
    let nextOffset = requested;
    const messages: ConsumedMessage[] = [];
    for (const record of records) {
      const after = nextOffsetAfter(record);
      if (after > nextOffset) nextOffset = after;
      if (BigInt(record.offset) < requested || record.isControlRecord) continue;
      messages.push({
        topic: this.topic,
        partition,
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.key,
        value: record.value,
        headers: record.headers,
      });
    }
    return { partition, messages, nextOffset, highWatermark };
  }
}
