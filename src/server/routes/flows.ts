import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../errors.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { FlowRegistry } from '../services.js';
import type { RouteContext } from './context.js';
import { putEntry, removeEntry } from './saved-entries.js';

const flowName = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: flowName } } as const;

const flowSchema = {
  $id: 'Flow',
  type: 'object',
  required: ['name', 'source', 'target', 'origin', 'state', 'partitions', 'lag', 'recordsOut', 'errors', 'retries', 'deadLettered', 'skipped', 'lastError'],
  properties: {
    name: { type: 'string' },
    source: { type: 'object', properties: { topic: { type: 'string' }, query: { type: 'string' } } },
    target: { type: 'object', additionalProperties: true, description: 'kind topic {topic, reshape?}, remote {connection, topic}, file {path, maxBytes, keep} or http {url, batchRecords, headers?, deadLetterTopic, attempts}' },
    origin: { type: 'string', enum: ['config', 'api'], description: 'config: set in the config file (read-only here)' },
    state: { type: 'string', enum: ['starting', 'running', 'retrying', 'stopped'] },
    partitions: {
      type: 'array',
      items: { type: 'object', properties: { partition: { type: 'integer' }, position: { type: 'integer', description: 'next source offset to read' }, end: { type: 'integer' }, lag: { type: 'integer' } } },
    },
    lag: { type: 'integer', description: 'source records not read yet, over every partition' },
    recordsOut: { type: 'integer' },
    errors: { type: 'integer', description: 'failures, each followed by a backoff and a resume from what the target holds' },
    retries: { type: 'integer', description: 'HTTP requests retried' },
    deadLettered: { type: 'integer', description: 'records sent to the dead-letter topic (HTTP)' },
    skipped: { type: 'integer', description: 'source records deleted by retention before the flow read them' },
    lastError: { type: ['string', 'null'] },
  },
} as const;

function registry(ctx: RouteContext): FlowRegistry {
  const r = ctx.services.flows;
  if (!r) throw new ApiError(503, 'UNAVAILABLE', 'flows are not available on this server');
  return r;
}

/** Flows: local topics forwarded continuously to a derived topic, a remote cluster, a rotated file or an HTTP endpoint. */
export async function flowRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addSchema(flowSchema);
  const tags = ['flows'];

  app.get('/api/v1/flows', { schema: { tags, summary: 'Flows and their status (state, position and lag per partition, records out, errors)', response: { 200: { type: 'array', items: { $ref: 'Flow#' } }, ...ERROR_RESPONSES } } }, async () => registry(ctx).list());

  app.get<{ Params: { name: string } }>('/api/v1/flows/:name', { schema: { tags, summary: 'One flow', params: nameParams, response: { 200: { $ref: 'Flow#' }, ...ERROR_RESPONSES } } }, async (req) => {
    const f = registry(ctx).get(req.params.name);
    if (!f) throw notFound(`no flow ${req.params.name}`);
    return f;
  });

  app.put<{ Params: { name: string }; Body: Record<string, unknown> }>(
    '/api/v1/flows/:name',
    {
      schema: {
        tags,
        summary: 'Add or change a flow saved through the API (those of the config file are read-only)',
        params: nameParams,
        body: {
          type: 'object',
          required: ['source', 'target'],
          properties: {
            name: flowName,
            source: { type: 'object', description: '{"topic": "app-logs", "query": "level:error"} (query optional)' },
            target: { type: 'object', description: '{"kind": "topic"|"remote"|"file"|"http", …} — see the README, "Forwarding and derived topics"' },
          },
        },
        response: { 200: { $ref: 'Flow#' }, ...ERROR_RESPONSES },
      },
    },
    async (req) => putEntry(registry(ctx), req.params.name, req.body),
  );

  app.delete<{ Params: { name: string } }>('/api/v1/flows/:name', { schema: { tags, summary: 'Remove a flow saved through the API (what it wrote stays)', params: nameParams, response: { 204: { type: 'null' }, ...ERROR_RESPONSES } } }, async (req, reply) => removeEntry(registry(ctx), 'flow', req.params.name, reply));
}
