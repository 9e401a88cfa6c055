// Where reading starts in each partition, from the user's --from-beginning / --offset / --since choice, and where a
// non-follow read ends. Always answered through the Kafka protocol (ListOffsets), never by guessing.
import type { Admin } from 'kafkajs';

export type StartPosition =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: bigint }
  | { kind: 'timestamp'; ms: number };

export interface PartitionRange {
  partition: number;
  /** Log start offset: the oldest offset still stored. */
  low: bigint;
  /** Log end offset (high watermark): the offset the next message will get. */
  high: bigint;
}

export async function partitionRanges(admin: Admin, topic: string): Promise<Map<number, PartitionRange>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(
    offsets.map((o) => [o.partition, { partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }]),
  );
}

const clamp = (value: bigint, range: PartitionRange): bigint =>
  value < range.low ? range.low : value > range.high ? range.high : value;

/** Start offset per partition; offsets outside a partition's stored range are moved to its nearest end. */
export async function startOffsets(
  admin: Admin,
  topic: string,
  ranges: ReadonlyMap<number, PartitionRange>,
  start: StartPosition,
): Promise<Map<number, bigint>> {
  const result = new Map<number, bigint>();
  if (start.kind === 'timestamp') {
    // Kafka answers "first offset with timestamp >= ms", or the log end when every message is older.
    for (const { partition, offset } of await admin.fetchTopicOffsetsByTimestamp(topic, start.ms)) {
      const range = ranges.get(partition);
      if (range) result.set(partition, clamp(BigInt(offset), range));
    }
    return result;
  }
  for (const range of ranges.values()) {
    const offset = start.kind === 'beginning' ? range.low : start.kind === 'end' ? range.high : start.offset;
    result.set(range.partition, clamp(offset, range));
  }
  return result;
}
