import { validateTopicName } from '../common/topic-name.js';
import { StorageError } from './types.js';

// The rule itself lives in common/ so every layer (config files, the CLI, the broker) applies the same one.
export { MAX_TOPIC_NAME_LENGTH, validateTopicName } from '../common/topic-name.js';

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
