import { Reader, REQUEST_ARRAY_ELEMENTS_LIMIT } from '../../protocol/reader.js';

/**
 * The "consumer" protocol's embedded payloads, opaque to the coordinator except for
 * reporting (who owns which partition) and OffsetDelete's subscription check.
 *
 * ConsumerProtocolSubscription => version:int16 [topics:string] user_data:bytes ...
 * ConsumerProtocolAssignment => version:int16 [topic:string [partitions:int32]] user_data:bytes
 */
export function subscribedTopics(metadata: Buffer): string[] {
  try {
    const r = new Reader(metadata, 0, metadata.length, REQUEST_ARRAY_ELEMENTS_LIMIT);
    r.int16();
    const n = r.arrayLength(false);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(r.string());
    return out;
  } catch {
    return [];
  }
}

export function assignedPartitions(assignment: Buffer): { topic: string; partitions: number[] }[] {
  if (assignment.length === 0) return [];
  try {
    const r = new Reader(assignment, 0, assignment.length, REQUEST_ARRAY_ELEMENTS_LIMIT);
    r.int16();
    const n = r.arrayLength(false);
    const out: { topic: string; partitions: number[] }[] = [];
    for (let i = 0; i < n; i++) {
      const topic = r.string();
      const count = r.arrayLength(false);
      const partitions: number[] = [];
      for (let j = 0; j < count; j++) partitions.push(r.int32());
      out.push({ topic, partitions });
    }
    return out;
  } catch {
    return [];
  }
}
