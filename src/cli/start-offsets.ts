// Where reading starts in each partition, from the user's --from-beginning / --offset / --since choice, and where a
// non-follow read ends. Always answered through the Kafka protocol (ListOffsets), never by guessing.
import type { KafkaClient } from '../client/client.js';
import type { PartitionRange } from '../client/offsets.js';

export type { PartitionRange };

export type StartPosition =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; ms: number };

export function partitionRanges(client: KafkaClient, topic: string): Promise<Map<number, PartitionRange>> {
  return client.offsets.ranges(topic);
}

const clamp = (value: number, range: PartitionRange): number => (value < range.low ? range.low : value > range.high ? range.high : value);

/** Start offset per partition of `ranges`; offsets outside a partition's stored range are moved to its nearest end. */
export async function startOffsets(
  client: KafkaClient,
  topic: string,
  ranges: ReadonlyMap<number, PartitionRange>,
  start: StartPosition,
): Promise<Map<number, number>> {
  const result = new Map<number, number>();
  if (start.kind === 'timestamp') {
    // Kafka answers "first offset with timestamp >= ms"; the client gives the log end when every record is older.
    for (const [partition, offset] of await client.offsets.list(topic, { timestamp: start.ms }, [...ranges.keys()])) {
      const range = ranges.get(partition);
      if (range) result.set(partition, clamp(offset, range));
    }
    return result;
  }
  for (const range of ranges.values()) {
    const offset = start.kind === 'beginning' ? range.low : start.kind === 'end' ? range.high : start.offset;
    result.set(range.partition, clamp(offset, range));
  }
  return result;
}
