// The "consumer" protocol type's opaque bytes inside JoinGroup, SyncGroup and DescribeGroups: what a member
// subscribes to and which partitions it was given. Kafka's ConsumerProtocolSubscription / ConsumerProtocolAssignment.
//
// Subscription => version:int16 [topics:string] userData:nullable_bytes (v1+: [ownedPartitions] v2+: generationId, v3+: rackId)
// Assignment   => version:int16 [assignedPartitions => topic:string [partitions:int32]] userData:nullable_bytes
// We write version 0 (every client reads it) and read any version, ignoring the fields added after v0.
import { DecodeError, Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** Topic → partitions, sorted. */
export type Assignment = Map<string, number[]>;

export function encodeSubscription(topics: readonly string[]): Buffer {
  const w = new Writer(64).int16(0).int32(topics.length);
  for (const t of topics) w.string(t);
  return w.int32(-1).toBuffer();
}

/** The topics a member subscribes to. Throws DecodeError for bytes that are not a subscription. */
export function decodeSubscription(bytes: Buffer): string[] {
  const r = new Reader(bytes);
  r.int16();
  const n = r.int32();
  if (n < 0 || n > r.remaining) throw new DecodeError(`subscription claims ${n} topics`);
  const topics: string[] = [];
  for (let i = 0; i < n; i++) topics.push(r.string());
  return topics;
}

export function encodeAssignment(assignment: Assignment): Buffer {
  const w = new Writer(64).int16(0).int32(assignment.size);
  for (const [topic, partitions] of assignment) {
    w.string(topic).int32(partitions.length);
    for (const p of partitions) w.int32(p);
  }
  return w.int32(-1).toBuffer();
}

/** An empty buffer (a member that got nothing, or a group that is not Stable) decodes to no partitions. */
export function decodeAssignment(bytes: Buffer): Assignment {
  const out: Assignment = new Map();
  if (bytes.length === 0) return out;
  const r = new Reader(bytes);
  r.int16();
  const topics = r.int32();
  if (topics < 0 || topics > r.remaining) throw new DecodeError(`assignment claims ${topics} topics`);
  for (let i = 0; i < topics; i++) {
    const topic = r.string();
    const n = r.int32();
    if (n < 0 || n * 4 > r.remaining) throw new DecodeError(`assignment claims ${n} partitions of ${topic}`);
    const partitions: number[] = [];
    for (let j = 0; j < n; j++) partitions.push(r.int32());
    out.set(topic, [...(out.get(topic) ?? []), ...partitions].sort((a, b) => a - b));
  }
  return out;
}
