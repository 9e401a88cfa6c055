// Errors the client raises for a Kafka error code in a response: the name from Kafka's error table
// (src/protocol/errors.ts), whether retrying may help, what it was about, and a message that says what to do.
import { errorByCode, errorCode, type ErrorName } from '../protocol/errors.js';

export interface ErrorSubject {
  topic?: string;
  partition?: number;
  group?: string;
}

/** A Kafka error code in a response, as an exception. `type` is the name in Kafka's table, e.g. NOT_COORDINATOR. */
export class KafkaError extends Error {
  readonly type: ErrorName | `UNKNOWN_ERROR_${number}`;
  readonly retriable: boolean;

  constructor(
    readonly code: number,
    message: string,
    readonly subject: ErrorSubject = {},
  ) {
    super(message);
    this.name = 'KafkaError';
    const def = errorByCode(code);
    this.type = (def?.type as ErrorName | undefined) ?? `UNKNOWN_ERROR_${code}`;
    this.retriable = def?.retriable ?? false;
  }

  is(name: ErrorName): boolean {
    return this.type === name;
  }
}

/** A fetch asked for an offset the partition no longer has (retention deleted it) or does not have yet. */
export class OffsetOutOfRangeError extends KafkaError {
  constructor(topic: string, partition: number, offset: number) {
    super(errorCode('OFFSET_OUT_OF_RANGE'), `partition ${partition} of topic "${topic}" has no offset ${offset}; start again from its earliest or latest offset`, { topic, partition });
    this.name = 'OffsetOutOfRangeError';
  }
}

function describeSubject(s: ErrorSubject): string {
  if (s.group !== undefined) return `group "${s.group}"`;
  if (s.topic !== undefined && s.partition !== undefined) return `partition ${s.partition} of topic "${s.topic}"`;
  if (s.topic !== undefined) return `topic "${s.topic}"`;
  return 'the request';
}

/** What to do about the common ones; the rest get Kafka's own description. */
const ADVICE: Partial<Record<ErrorName, (s: ErrorSubject) => string>> = {
  UNKNOWN_TOPIC_OR_PARTITION: (s) =>
    s.partition !== undefined && s.topic !== undefined
      ? `partition ${s.partition} of topic "${s.topic}" does not exist — see its partitions with \`tributary topics describe ${s.topic}\``
      : `topic "${s.topic ?? '?'}" does not exist — create it with \`tributary topics create ${s.topic ?? 'NAME'}\``,
  TOPIC_ALREADY_EXISTS: (s) => `topic "${s.topic}" already exists — see it with \`tributary topics describe ${s.topic}\``,
  GROUP_ID_NOT_FOUND: (s) => `group "${s.group}" does not exist — list groups with \`tributary groups list\``,
  NON_EMPTY_GROUP: (s) => `group "${s.group}" still has active members; stop its consumers first`,
  COORDINATOR_NOT_AVAILABLE: (s) => `no coordinator is available for ${describeSubject(s)} yet; try again in a moment`,
  NOT_COORDINATOR: (s) => `the coordinator of ${describeSubject(s)} moved; try again`,
  LEADER_NOT_AVAILABLE: (s) => `${describeSubject(s)} has no leader right now (it may be being created); try again in a moment`,
  NOT_LEADER_OR_FOLLOWER: (s) => `the leader of ${describeSubject(s)} moved; try again`,
  INVALID_TOPIC_EXCEPTION: (s) => `"${s.topic}" is not a valid topic name; use up to 249 of a-z A-Z 0-9 . _ -`,
};

/**
 * The exception for an error code in a response: our advice where we have some, else the response's own error
 * message (CreateTopics and a few others carry one, and it says more than the table does), else Kafka's description.
 */
export function kafkaError(error: number | ErrorName, subject: ErrorSubject = {}, brokerMessage?: string | null): KafkaError {
  const code = typeof error === 'number' ? error : errorCode(error);
  const def = errorByCode(code);
  const type = def?.type ?? `error code ${code}`;
  const advice = def ? ADVICE[def.type as ErrorName] : undefined;
  let message: string;
  if (advice) message = advice(subject);
  else if (brokerMessage) message = `${describeSubject(subject)}: ${brokerMessage} (${type})`;
  else message = `${describeSubject(subject)}: ${def?.message ?? 'the broker answered with an unknown error'} (${type})`;
  return new KafkaError(code, message, subject);
}

/** Throws for a non-zero code. */
export function check(code: number, subject: ErrorSubject = {}, brokerMessage?: string | null): void {
  if (code !== 0) throw kafkaError(code, subject, brokerMessage);
}
