import type { FastifyInstance } from 'fastify';
import { topicConfigToStrings } from '../../storage/index.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { RouteContext } from './context.js';

const settingsSchema = {
  type: 'object',
  required: ['dataDir', 'topicDefaults', 'listeners', 'ingest'],
  properties: {
    dataDir: { type: 'string', description: 'where topics, indexes, metrics and this API\'s token live' },
    topicDefaults: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'what a new topic gets unless it says otherwise (Kafka names: retention.ms, retention.bytes, segment.bytes, …)',
    },
    listeners: {
      type: 'array',
      items: { type: 'object', required: ['name', 'host', 'port'], properties: { name: { type: 'string' }, host: { type: 'string' }, port: { type: 'integer' } } },
    },
    ingest: {
      type: 'array',
      description: 'direct-ingest endpoints as configured (each off until configured)',
      items: {
        type: 'object',
        required: ['kind', 'address', 'topics', 'token', 'tls', 'detail'],
        properties: {
          kind: { type: 'string' },
          address: { type: ['string', 'null'] },
          topics: { type: 'array', items: { type: 'string' } },
          token: { type: ['string', 'null'], description: 'the bearer token senders present; null: none needed' },
          tls: { type: 'boolean', description: 'senders connect with TLS (HTTPS, syslog over TLS)' },
          detail: { type: 'string' },
        },
      },
    },
  },
} as const;

/** What the Settings view shows: where data lives, what new topics get, and where senders point. Read-only. */
export async function settingsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const s = ctx.services;
  app.get(
    '/api/v1/settings',
    {
      schema: {
        tags: ['overview'],
        summary: 'Data directory, topic defaults (retention), Kafka listeners and direct-ingest endpoints with their tokens',
        response: { 200: settingsSchema, ...ERROR_RESPONSES },
      },
    },
    async () => ({
      dataDir: s.logs.dataDir,
      topicDefaults: topicConfigToStrings(s.logs.defaults),
      listeners: s.listeners(),
      ingest: s.ingestEndpoints(),
    }),
  );
}
