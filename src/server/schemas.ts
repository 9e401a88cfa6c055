import { errorSchema } from './errors.js';

/** Every route answers errors in the shared shape (see errors.ts). */
export const ERROR_RESPONSES = { '4xx': { $ref: 'Error#' }, '5xx': { $ref: 'Error#' } } as const;

export { errorSchema };

/** Kafka's topic name rule (storage/topic-name.ts); the name collision check happens in the broker. */
export const topicName = { type: 'string', minLength: 1, maxLength: 249, pattern: '^[a-zA-Z0-9._-]+$' } as const;

export const topicParams = { type: 'object', required: ['name'], properties: { name: topicName } } as const;

export const offset = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
export const partition = { type: 'integer', minimum: 0, maximum: 2147483647 } as const;

/** Topic configs as Kafka strings; numbers are accepted and written as strings. */
export const configValues = {
  type: 'object',
  maxProperties: 64,
  additionalProperties: { type: ['string', 'number'] },
} as const;

/**
 * The `token` query parameter a WebSocket upgrade may carry (browsers cannot set headers on one): every WebSocket
 * route's querystring schema includes it, or validation refuses upgrades that authenticate this way.
 */
export const wsTokenQuery = { token: { type: 'string', maxLength: 256, description: 'the API token (WebSocket upgrades only)' } } as const;
