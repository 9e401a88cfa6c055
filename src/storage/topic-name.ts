import { StorageError } from './types.js';

/** Kafka's limit: a partition directory name (topic + "-" + partition) must fit in 255 bytes. */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal Kafka topic name (Kafka's Topic.validate), or null if it is. */
export function validateTopicName(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) {
    return 'Topic name is empty; use 1 to 249 characters of a-z, A-Z, 0-9, ".", "_" or "-"';
  }
  if (name === '.' || name === '..') return `Topic name "${name}" is not allowed; choose a name other than "." or ".."`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is ${name.length} characters long; shorten it to at most ${MAX_TOPIC_NAME_LENGTH}`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" contains characters other than a-z, A-Z, 0-9, ".", "_" and "-"; rename it`;
  }
  return null;
}

export function assertValidTopicName(name: string): void {
  const problem = validateTopicName(name);
  if (problem) throw new StorageError(problem, 'INVALID_TOPIC_EXCEPTION');
}

/**
 * Two names that map to the same key must not coexist. Kafka forbids "a.b" next to "a_b"
 * (they collide in metric names); we also fold case because macOS and Windows file systems
 * are case-insensitive, so "Orders-0" and "orders-0" would be the same directory.
 */
export function topicCollisionKey(name: string): string {
  return name.replace(/\./g, '_').toLowerCase();
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Inverse of partitionDirName; null for anything partitionDirName cannot have produced (so
 * "agent-web-01", with its leading zero, is no partition directory).
 */
export function parsePartitionDirName(dirName: string): { topic: string; partition: number } | null {
  const dash = dirName.lastIndexOf('-');
  if (dash <= 0) return null;
  const digits = dirName.slice(dash + 1);
  if (!/^(0|[1-9]\d{0,9})$/.test(digits)) return null;
  const topic = dirName.slice(0, dash);
  if (validateTopicName(topic) !== null) return null;
  return { topic, partition: Number(digits) };
}
