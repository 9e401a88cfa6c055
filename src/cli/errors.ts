// Turning failures into one line that says what went wrong and what to try next.
// The client's errors are recognised by name, not instanceof, so printing an error never loads the client.
import type { ConnectionError } from '../client/broker-connection.js';
import type { KafkaError } from '../client/errors.js';

/** An error whose message is already written for the user. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

const CONNECTION_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused — is `tributary serve` running?',
  ECONNRESET: 'connection reset by the broker — is it a Kafka broker, and is it still running?',
  EPIPE: 'connection reset by the broker — is it a Kafka broker, and is it still running?',
  ENOTFOUND: 'host not found — check --bootstrap',
  EAI_AGAIN: 'host name lookup failed — check --bootstrap and your network',
  EHOSTUNREACH: 'host unreachable — check --bootstrap and your network',
  ENETUNREACH: 'network unreachable — check --bootstrap and your network',
  ETIMEDOUT: 'connection timed out — check --bootstrap and that the broker is up',
};

export interface ErrorContext {
  bootstrap: string[];
  topic?: string;
  /** The consumer group a command works on, so group errors can name it. */
  group?: string;
}

/** One line (never a stack trace) saying what failed and, where we can tell, what to do about it. */
export function describeError(err: unknown, context: ErrorContext): string {
  return explain(err, context).replace(/\s*\n\s*/g, ' ').trim();
}

/** The error type behind an error: a Kafka error name (KafkaError, and the client's TopicError). */
function kafkaType(err: unknown): string | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

function explain(err: unknown, context: ErrorContext): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof Error && err.name === 'ConnectionError') return connectionProblem(err as ConnectionError, context);
  const type = kafkaType(err);
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION' && context.topic !== undefined && (err as KafkaError).subject?.partition === undefined) {
    return `topic "${context.topic}" does not exist — create it with \`tributary topics create ${context.topic}\``;
  }
  if (type === 'GROUP_ID_NOT_FOUND' && context.group !== undefined) {
    return `group "${context.group}" does not exist — list groups with \`tributary groups list\``;
  }
  if (type === 'NON_EMPTY_GROUP' && context.group !== undefined) {
    return `group "${context.group}" still has active members; stop its consumers first`;
  }
  if (type === 'COORDINATOR_NOT_AVAILABLE') {
    return context.group !== undefined
      ? `the broker named no coordinator for consumer group "${context.group}" — it may not support consumer groups`
      : 'the broker named no coordinator for consumer groups — it may not support them; try again without --group';
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * After bootstrap, clients connect to the address each broker advertises; when that one fails, say where it came
 * from, so a wrong --advertised-host is found quickly.
 */
function connectionProblem(err: ConnectionError, context: ErrorContext): string {
  const advertised = context.bootstrap.length > 0 && !context.bootstrap.includes(err.address);
  const withHint = (problem: string): string =>
    advertised ? `${problem} (this address was advertised by the broker; change it with \`tributary serve --advertised-host\`)` : problem;
  const known = err.code !== undefined ? CONNECTION_PROBLEMS[err.code] : undefined;
  if (known) return `cannot reach broker at ${err.address}: ${withHint(known)}`;
  if (/timed out/.test(err.reason) && /^connection/.test(err.reason)) return `cannot reach broker at ${err.address}: ${withHint(CONNECTION_PROBLEMS.ETIMEDOUT!)}`;
  if (/^request timed out/.test(err.reason)) return `request to broker at ${err.address} timed out — the broker may be overloaded or stuck`;
  // The client's own reasons for TLS and SASL failures already say what to change.
  if (/TLS|SASL|authentication|ApiVersions/.test(err.reason)) return `broker ${err.address}: ${err.reason}`;
  if (/closed by the broker/.test(err.reason)) {
    return `broker at ${err.address} closed the connection — check that it is running and speaks Kafka on that port`;
  }
  return `broker at ${err.address}: ${err.reason}`;
}
