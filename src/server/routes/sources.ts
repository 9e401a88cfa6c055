import type { FastifyInstance } from 'fastify';
import type { ClientInfo } from '../../broker/client-info.js';
import { peerAddress } from '../../common/listen.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { RouteContext } from './context.js';

/** client.id prefix of Tributary's own agent (`tributary-agent-<name>`, src/agent/agent.ts). */
const AGENT_CLIENT_ID = /^tributary-agent-(.+)$/;

const sourceSchema = {
  type: 'object',
  required: ['id', 'clientId', 'address', 'port', 'software', 'agent', 'host', 'connected', 'connectedAt', 'disconnectedAt', 'lastSeenAt', 'requests', 'recordsProduced', 'bytesProduced', 'recordsPerSec'],
  properties: {
    id: { type: 'integer', description: 'connection number since start' },
    clientId: { type: ['string', 'null'], description: 'Kafka client.id' },
    address: { type: 'string' },
    port: { type: 'integer' },
    software: { type: ['string', 'null'], description: 'client software name and version (ApiVersions v3+)' },
    agent: { type: ['string', 'null'], description: 'agent name: the `agent` record header, or the name in a tributary-agent-<name> client.id' },
    host: { type: ['string', 'null'], description: 'the `host` record header of its records' },
    connected: { type: 'boolean' },
    connectedAt: { type: 'integer' },
    disconnectedAt: { type: ['integer', 'null'] },
    lastSeenAt: { type: 'integer', description: 'its latest request (epoch ms)' },
    requests: { type: 'integer' },
    recordsProduced: { type: 'integer' },
    bytesProduced: { type: 'integer' },
    recordsPerSec: { type: 'number', description: 'records produced per second, over the last 5 seconds' },
  },
} as const;

export async function sourceRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { services: s } = ctx;
  const describe = (c: ClientInfo, connected: boolean) => ({
    id: c.id,
    clientId: c.clientId,
    address: peerAddress(c.remoteAddress),
    port: c.remotePort,
    software: c.softwareName ? `${c.softwareName}${c.softwareVersion ? ` ${c.softwareVersion}` : ''}` : null,
    agent: c.sourceAgent ?? AGENT_CLIENT_ID.exec(c.clientId ?? '')?.[1] ?? null,
    host: c.sourceHost,
    connected,
    connectedAt: c.connectedAt,
    disconnectedAt: c.disconnectedAt,
    lastSeenAt: c.lastSeenAt,
    requests: c.requests,
    recordsProduced: c.producedRecords,
    bytesProduced: c.producedBytes,
    recordsPerSec: connected ? ctx.rates.client(c.id) : 0,
  });
  app.get(
    '/api/v1/sources',
    {
      schema: {
        tags: ['sources'],
        summary: 'Kafka clients connected now and those that disconnected in the last hour (at most 200), most recently seen first',
        response: { 200: { type: 'object', required: ['sources'], properties: { sources: { type: 'array', items: sourceSchema } } }, ...ERROR_RESPONSES },
      },
    },
    async () => ({
      sources: [...s.clients().map((c) => describe(c, true)), ...s.recentClients().map((c) => describe(c, false))].sort((a, b) => b.lastSeenAt - a.lastSeenAt || b.id - a.id),
    }),
  );
}
