import { InvalidValueError } from './invalid-value.js';

/**
 * Kafka's topic-name rule (its Topic.validate), in one place for every layer: the broker answers
 * INVALID_TOPIC_EXCEPTION with this text, config files and the command line refuse the name before any network
 * round trip, and storage never makes a directory for a name that breaks it.
 */

/** Kafka's limit: a partition directory name (topic + "-" + partition) must fit in 255 bytes. */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal Kafka topic name, or null if it is. */
export function validateTopicName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) {
    return 'topic name is empty; use 1 to 249 characters of a-z, A-Z, 0-9, ".", "_" or "-"';
  }
  if (name === '.' || name === '..') return `"${name}" is not a valid topic name: "." and ".." are not allowed; choose another name`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `"${name.slice(0, 40)}…" is not a valid topic name: it is ${name.length} characters long; shorten it to at most ${MAX_TOPIC_NAME_LENGTH}`;
  }
  if (!LEGAL.test(name)) {
    return `${JSON.stringify(name)} is not a valid topic name: it contains characters other than a-z, A-Z, 0-9, ".", "_" and "-"; rename it`;
  }
  return null;
}

/** The name itself if legal; otherwise throws InvalidValueError saying what to change. */
export function parseTopicName(name: unknown): string {
  const problem = validateTopicName(name);
  if (problem !== null) throw new InvalidValueError(problem, name);
  return name as string;
}
