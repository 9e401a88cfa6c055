import type { FastifyInstance } from 'fastify';
import { topicConfigToStrings } from '../../storage/index.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { RouteContext } from './context.js';

const settingsSchema = {
  type: 'object',
  required: ['dataDir', 'topicDefaults', 'listeners', 'ingest', 'security'],
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
    security: {
      type: 'object',
      description: 'how Kafka clients connect and log in: listeners with their protocols, the CA, the agent user (with its generated password until changed) and ready-made commands',
      required: ['listeners', 'caFile', 'clientAuth', 'agent', 'connect'],
      properties: {
        listeners: {
          type: 'array',
          items: {
            type: 'object',
            required: ['protocol', 'address', 'advertised', 'tls', 'sasl'],
            properties: { protocol: { type: 'string' }, address: { type: 'string' }, advertised: { type: 'string' }, tls: { type: 'boolean' }, sasl: { type: 'boolean' } },
          },
        },
        caFile: { type: ['string', 'null'] },
        clientAuth: { type: 'string', enum: ['none', 'requested', 'required'] },
        agent: {
          type: ['object', 'null'],
          required: ['user', 'password', 'passwordFile'],
          properties: { user: { type: 'string' }, password: { type: ['string', 'null'] }, passwordFile: { type: ['string', 'null'] } },
        },
        connect: {
          type: ['object', 'null'],
          required: ['bootstrap', 'mechanism', 'kcat', 'kafkaPython', 'agent'],
          properties: { bootstrap: { type: 'string' }, mechanism: { type: 'string' }, kcat: { type: 'string' }, kafkaPython: { type: 'string' }, agent: { type: 'string' } },
        },
      },
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
        summary: 'Data directory, topic defaults (retention), Kafka listeners, how clients log in (agent user, CA, commands) and direct-ingest endpoints with their tokens',
        response: { 200: settingsSchema, ...ERROR_RESPONSES },
      },
    },
    async () => ({
      dataDir: s.logs.dataDir,
      topicDefaults: topicConfigToStrings(s.logs.defaults),
      listeners: s.listeners(),
      ingest: s.ingestEndpoints(),
      security: await s.security(),
    }),
  );
}
