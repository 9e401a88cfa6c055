import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorName } from '../protocol/errors.js';
import { kafkaErrorOf } from '../broker/kafka-error.js';
import type { Logger } from '../common/logger.js';

/**
 * Every error the API answers has one shape, `{"error": {"code": "…", "message": "…"}}`: `code` is stable for
 * programs (NOT_FOUND, BAD_REQUEST, or the Kafka error name when the broker refused), `message` says what to do.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (message: string) => new ApiError(404, 'NOT_FOUND', message);
export const badRequest = (message: string) => new ApiError(400, 'BAD_REQUEST', message);
export const conflict = (message: string) => new ApiError(409, 'CONFLICT', message);

/** HTTP status for a Kafka error the broker's services threw (their messages are already written for people). */
const KAFKA_STATUS: Partial<Record<ErrorName, number>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 404,
  TOPIC_ALREADY_EXISTS: 409,
  INVALID_TOPIC_EXCEPTION: 400,
  INVALID_CONFIG: 400,
  INVALID_PARTITIONS: 400,
  INVALID_REPLICATION_FACTOR: 400,
  INVALID_REQUEST: 400,
  POLICY_VIOLATION: 409,
  MESSAGE_TOO_LARGE: 413,
  THROTTLING_QUOTA_EXCEEDED: 429,
  LEADER_NOT_AVAILABLE: 429,
  KAFKA_STORAGE_ERROR: 503,
};

/** A StorageError or KafkaProtocolError as an ApiError; anything else is left alone (a 500). */
export function fromBrokerError(e: unknown): unknown {
  if (e instanceof ApiError) return e;
  const k = kafkaErrorOf(e);
  if (k.unexpected) return e;
  const status = KAFKA_STATUS[k.name] ?? 400;
  return new ApiError(status, k.name, k.message, status === 429 ? { 'Retry-After': '1' } : {});
}

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error answer: a stable code and a message saying what to do.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

function send(reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

/** The path without its query string: logs never carry a token given as ?token=. */
export function pathOf(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q < 0 ? req.url : req.url.slice(0, q);
}

const STATUS_CODES: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 406: 'NOT_ACCEPTABLE', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'TOO_MANY_REQUESTS' };

/** One error handler and one not-found handler for the whole server, in the shared shape. */
export function registerErrorHandling(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = fromBrokerError(err);
    if (e instanceof ApiError) return send(reply, e.status, e.code, e.message, e.headers);
    if (err.validation) {
      const where = err.validationContext ?? 'request';
      return send(reply, 400, 'BAD_REQUEST', `invalid ${where}: ${err.message}; see /api/v1/openapi.json for what this endpoint takes`);
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return send(reply, status, STATUS_CODES[status] ?? 'BAD_REQUEST', err.message);
    log.error(`api: ${req.method} ${pathOf(req)} failed: ${err.stack ?? err.message}`);
    return send(reply, 500, 'INTERNAL', `internal error: ${err.message}; the server log has the details`);
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, 404, 'NOT_FOUND', `no endpoint ${req.method} ${pathOf(req)}; the API is described at /api/v1/openapi.json`),
  );
}
