// Turning failures into one line that says what went wrong and what to try next.
import kafkajs from 'kafkajs';

/** An error whose message is already written for the user. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  type?: string;
  broker?: string;
  cause?: unknown;
}

/** kafkajs wraps the real failure in retry errors; the innermost cause is the one worth reporting. */
function causeChain(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = err;
  while (current !== null && typeof current === 'object' && chain.length < 10) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

const CONNECTION_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused — is `tributary serve` running?',
  ECONNRESET: 'connection reset by the broker — is it a Kafka broker, and is it still running?',
  ENOTFOUND: 'host not found — check --bootstrap',
  EAI_AGAIN: 'host name lookup failed — check --bootstrap and your network',
  EHOSTUNREACH: 'host unreachable — check --bootstrap and your network',
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

function explain(err: unknown, context: ErrorContext): string {
  if (err instanceof CliError) return err.message;
  const chain = causeChain(err);
  const where = (e: ErrorLike): string => e.broker ?? context.bootstrap.join(',');
  // After bootstrap, clients connect to the address each broker advertises; when that one fails, say where it came from.
  const hint = (e: ErrorLike, problem: string): string =>
    e.broker !== undefined && context.bootstrap.length > 0 && !context.bootstrap.includes(e.broker)
      ? `${problem} (this address was advertised by the broker; change it with \`tributary serve --advertised-host\`)`
      : problem;

  for (const e of chain) {
    if (e.code !== undefined && CONNECTION_PROBLEMS[e.code] !== undefined) {
      return `cannot reach broker at ${where(e)}: ${hint(e, CONNECTION_PROBLEMS[e.code]!)}`;
    }
    if (e.name === 'KafkaJSConnectionError' && /timeout/i.test(e.message ?? '')) {
      return `cannot reach broker at ${where(e)}: ${hint(e, CONNECTION_PROBLEMS.ETIMEDOUT!)}`;
    }
    if (e.name === 'KafkaJSConnectionClosedError' || /closed by the server/i.test(e.message ?? '')) {
      return `broker at ${where(e)} closed the connection — check that it is running and speaks Kafka on that port`;
    }
    if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION' && context.topic !== undefined) {
      return `topic "${context.topic}" does not exist — create it with \`tributary topics create ${context.topic}\``;
    }
    if (e.type === 'GROUP_ID_NOT_FOUND' && context.group !== undefined) {
      return `group "${context.group}" does not exist — list groups with \`tributary groups list\``;
    }
    if (e.type === 'NON_EMPTY_GROUP' && context.group !== undefined) {
      return `group "${context.group}" still has active members; stop its consumers first`;
    }
    if (e.name === 'KafkaJSGroupCoordinatorNotFound' && context.group !== undefined) {
      return `the broker named no coordinator for consumer group "${context.group}" — it may not support consumer groups`;
    }
    if (e.name === 'KafkaJSGroupCoordinatorNotFound') {
      return `the broker named no coordinator for consumer groups — it may not support them; try again without --group`;
    }
    if (e.name === 'KafkaJSRequestTimeoutError') {
      return `request to broker at ${where(e)} timed out — the broker may be overloaded or stuck`;
    }
  }
  const innermost = chain[chain.length - 1];
  const message = innermost?.message ?? String(err);
  return innermost?.type ? `${message} (${innermost.type})` : message;
}

/** Whether kafkajs says trying again may help (leader moved, broker restarting, …). */
export function isRetriable(err: unknown): boolean {
  return err instanceof kafkajs.KafkaJSError && err.retriable;
}
