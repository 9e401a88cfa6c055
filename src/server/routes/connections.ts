import type { FastifyInstance } from 'fastify';
import type { KafkaClient } from '../../client/client.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { InvalidValueError } from '../../common/invalid-value.js';
import { describeRemoteGroup, describeRemoteTopic, listRemoteGroups, listRemoteTopics, MAX_REMOTE_RECORDS, remoteError, remoteRecords, resetRemoteGroup, type ResetTarget } from '../remote-cluster.js';
import { ERROR_RESPONSES, offset, partition, topicName } from '../schemas.js';
import type { ConnectionRegistry } from '../services.js';
import { parseTime } from './messages.js';
import type { RouteContext } from './context.js';
import { putEntry, removeEntry } from './saved-entries.js';

const connName = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: connName } } as const;
const topicParams = { type: 'object', required: ['name', 'topic'], properties: { name: connName, topic: topicName } } as const;
const groupParams = { type: 'object', required: ['name', 'group'], properties: { name: connName, group: { type: 'string', minLength: 1, maxLength: 255 } } } as const;

const partitionStatus = {
  type: 'object',
  properties: { partition: { type: 'integer' }, position: { type: 'integer' }, remoteEnd: { type: 'integer' }, lost: { type: 'integer' }, diverged: { type: ['string', 'null'] } },
} as const;
const connectionSchema = {
  $id: 'Connection',
  type: 'object',
  required: ['name', 'bootstrap', 'follow', 'group', 'state', 'error', 'lag', 'topics', 'source'],
  properties: {
    name: { type: 'string' },
    bootstrap: { type: 'array', items: { type: 'string' } },
    follow: { type: 'array', items: { type: 'string' } },
    group: { type: 'string' },
    state: { type: 'string', enum: ['connecting', 'following', 'unreachable', 'stopped'] },
    error: { type: ['string', 'null'] },
    lag: { type: 'integer', description: 'records the remote has that are not copied yet, over every followed partition' },
    source: { type: 'string', enum: ['config', 'api'], description: 'config: set in the config file (read-only here)' },
    topics: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          remote: { type: 'string' },
          local: { type: 'string', description: 'the local copy, <connection>.<topic>' },
          partitions: { type: 'array', items: partitionStatus },
          recordsCopied: { type: 'integer' },
          bytesCopied: { type: 'integer' },
          lastCopiedAt: { type: ['integer', 'null'] },
        },
      },
    },
    start: { type: 'string', enum: ['earliest', 'latest'] },
    security: {
      type: ['object', 'null'],
      description: 'TLS and SASL as set, never a password: sasl.password says where it comes from',
      properties: {
        protocol: { type: 'string', enum: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] },
        ca: { type: ['array', 'null'], items: { type: 'string' } },
        cert: { type: ['string', 'null'] },
        key: { type: ['string', 'null'] },
        servername: { type: ['string', 'null'] },
        rejectUnauthorized: { type: 'boolean' },
        sasl: {
          type: ['object', 'null'],
          properties: {
            mechanism: { type: ['string', 'null'] },
            username: { type: ['string', 'null'] },
            passwordFile: { type: ['string', 'null'], description: 'the password file the user named (null when stored here or from the environment)' },
            password: { type: 'string', enum: ['stored', 'file', 'environment'], description: 'stored: typed in the UI and kept by this app (DATA/__meta/secrets, this user only); file: passwordFile; environment: TRIBUTARY_SASL_PASSWORD' },
          },
        },
      },
    },
  },
} as const;

/** The settings a connection is made of, as PUT and the test take them. */
const connectionSettings = {
  bootstrap: { type: 'string', minLength: 1, maxLength: 4096, description: 'HOST:PORT[,HOST:PORT]' },
  follow: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 249 }, description: 'topic names or prefixes ending in *, copied into <connection>.<topic>' },
  start: { type: 'string', enum: ['earliest', 'latest'] },
  group: { type: 'string', minLength: 1, maxLength: 255 },
  security: {
    type: 'object',
    description:
      'TLS and SASL; files are paths on the machine running this server. Checked as a whole, with messages naming the setting. ' +
      'A password typed here is stored in DATA/__meta/secrets (readable by this user only) and never sent back; leave it out when editing to keep the stored one.',
    properties: {
      protocol: { type: 'string', enum: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] },
      ca: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'CA file(s) to verify the brokers with; the system store when absent' },
      cert: { type: 'string', description: 'client certificate file (mTLS), with key' },
      key: { type: 'string', description: 'client key file (mTLS), with cert' },
      servername: { type: 'string', description: 'the name to expect in the broker certificate when it differs from the bootstrap host' },
      rejectUnauthorized: { type: 'boolean', description: 'false: do not verify the broker certificate at all (insecure; for experiments)' },
      sasl: {
        type: 'object',
        properties: {
          mechanism: { type: 'string', enum: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] },
          username: { type: 'string' },
          password: { type: 'string', writeOnly: true, description: 'stored by this server, never returned' },
          passwordFile: { type: 'string', description: 'a file holding the password, instead of password' },
        },
      },
    },
  },
} as const;

const probeSchema = {
  type: 'object',
  required: ['ok', 'steps', 'tookMs'],
  properties: {
    ok: { type: 'boolean' },
    stage: { type: 'string', enum: ['tcp', 'tls', 'sasl', 'kafka'], description: 'the step that failed' },
    address: { type: ['string', 'null'] },
    error: { type: 'string' },
    clusterId: { type: ['string', 'null'] },
    controllerId: { type: 'integer' },
    brokers: {
      type: 'array',
      description: 'every broker the cluster advertises, each connected to (TLS and login included)',
      items: { type: 'object', properties: { nodeId: { type: 'integer' }, address: { type: 'string' }, reachable: { type: 'boolean' }, error: { type: ['string', 'null'] } } },
    },
    topics: { type: 'integer' },
    warnings: { type: 'array', items: { type: 'string' }, description: 'brokers that cannot be reached from here (advertised listeners)' },
    steps: { type: 'array', items: { type: 'string' }, description: 'the steps that passed' },
    tookMs: { type: 'integer' },
  },
} as const;

function registry(ctx: RouteContext): ConnectionRegistry {
  const r = ctx.services.connections;
  if (!r) throw new ApiError(503, 'UNAVAILABLE', 'connections are not available on this server');
  return r;
}

function clientOf(ctx: RouteContext, name: string): KafkaClient {
  const c = registry(ctx).client(name);
  if (!c) throw notFound(`no connection ${name}; add one with PUT /api/v1/connections/${name} or in the config file's "connections"`);
  return c;
}

/** Runs a request against the remote cluster, its failures as answers (502 unreachable, its Kafka error otherwise). */
async function remote<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    throw remoteError(e, name);
  }
}

/**
 * Other Kafka clusters: the connections and what each follows (copied into `<connection>.<topic>` here), and a view
 * onto each cluster itself (topics, partitions, configs, records, produce, consumer groups and their reset).
 */
export async function connectionRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addSchema(connectionSchema);
  const tags = ['connections'];

  app.get('/api/v1/connections', { schema: { tags, summary: 'Connections to other Kafka clusters and their follow (state, lag, copies)', response: { 200: { type: 'array', items: { $ref: 'Connection#' } }, ...ERROR_RESPONSES } } }, async () => registry(ctx).list());

  app.get<{ Params: { name: string } }>('/api/v1/connections/:name', { schema: { tags, summary: 'One connection', params: nameParams, response: { 200: { $ref: 'Connection#' }, ...ERROR_RESPONSES } } }, async (req) => {
    const c = registry(ctx).get(req.params.name);
    if (!c) throw notFound(`no connection ${req.params.name}`);
    return c;
  });

  app.put<{ Params: { name: string }; Body: Record<string, unknown> }>(
    '/api/v1/connections/:name',
    {
      schema: {
        tags,
        summary: 'Add or change a connection saved through the API (those of the config file are read-only)',
        params: nameParams,
        body: { type: 'object', additionalProperties: false, required: ['bootstrap'], properties: connectionSettings },
        response: { 200: { $ref: 'Connection#' }, ...ERROR_RESPONSES },
      },
    },
    async (req) => putEntry(registry(ctx), req.params.name, req.body),
  );

  app.post<{ Body: Record<string, unknown> & { name?: string } }>(
    '/api/v1/connections/test',
    {
      schema: {
        tags,
        summary: 'Try connection settings without saving them: TCP, TLS handshake, SASL login and a Metadata request',
        description:
          'Answers 200 either way: ok with the cluster id, brokers and topic count, or the step that failed (tcp, tls, sasl, kafka) and why. ' +
          'Settings that cannot work (a missing file, a SASL protocol without a user) are a 400. `name`: the connection being edited, whose stored password is used unless a new one is given.',
        body: { type: 'object', additionalProperties: false, required: ['bootstrap'], properties: { ...connectionSettings, name: connName } },
        response: { 200: probeSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const { name, ...settings } = req.body;
      try {
        return await registry(ctx).test(settings, name);
      } catch (e) {
        if (e instanceof InvalidValueError) throw badRequest(e.message);
        throw e;
      }
    },
  );

  app.delete<{ Params: { name: string } }>('/api/v1/connections/:name', { schema: { tags, summary: 'Remove a connection saved through the API and stop its follow (local copies stay)', params: nameParams, response: { 204: { type: 'null' }, ...ERROR_RESPONSES } } }, async (req, reply) => removeEntry(registry(ctx), 'connection', req.params.name, reply));

  app.get<{ Params: { name: string } }>('/api/v1/connections/:name/topics', { schema: { tags, summary: "The remote cluster's topics with partitions and records kept", params: nameParams } }, async (req) =>
    remote(req.params.name, () => listRemoteTopics(clientOf(ctx, req.params.name))),
  );

  app.get<{ Params: { name: string; topic: string } }>('/api/v1/connections/:name/topics/:topic', { schema: { tags, summary: 'A remote topic: partitions (leader, replicas, ISR, start/end offsets) and configs', params: topicParams } }, async (req) =>
    remote(req.params.name, () => describeRemoteTopic(clientOf(ctx, req.params.name), req.params.topic)),
  );

  app.get<{ Params: { name: string; topic: string }; Querystring: { partition?: number; offset?: number; limit: number } }>(
    '/api/v1/connections/:name/topics/:topic/messages',
    {
      schema: {
        tags,
        summary: 'Records of a remote topic: the newest (all partitions merged by time, or one), or one partition from an offset on',
        params: topicParams,
        querystring: { type: 'object', properties: { partition, offset: { ...offset, description: 'with partition: read forward from here' }, limit: { type: 'integer', minimum: 1, maximum: MAX_REMOTE_RECORDS, default: 100 } } },
      },
    },
    async (req) => {
      const { partition: p, offset: o, limit } = req.query;
      if (o !== undefined && p === undefined) throw badRequest('offset needs a partition');
      return remote(req.params.name, async () => ({ records: await remoteRecords(clientOf(ctx, req.params.name), req.params.topic, { partition: p, offset: o, limit }) }));
    },
  );

  app.post<{ Params: { name: string; topic: string }; Body: { key?: string | null; value: string | null; headers?: Record<string, string>; partition?: number } }>(
    '/api/v1/connections/:name/topics/:topic/messages',
    {
      schema: {
        tags,
        summary: 'Produce one record to a remote topic (acks=all)',
        params: topicParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['value'],
          properties: { key: { type: ['string', 'null'], maxLength: 1_000_000 }, value: { type: ['string', 'null'], maxLength: 10_000_000 }, headers: { type: 'object', additionalProperties: { type: 'string' } }, partition },
        },
      },
    },
    async (req, reply) => {
      const { key, value, headers, partition: p } = req.body;
      await remote(req.params.name, () => clientOf(ctx, req.params.name).producer().send(req.params.topic, [{ key: key ?? null, value, headers: Object.entries(headers ?? {}), partition: p }]));
      return reply.code(201).send({ topic: req.params.topic, produced: 1 });
    },
  );

  app.get<{ Params: { name: string } }>('/api/v1/connections/:name/groups', { schema: { tags, summary: "The remote cluster's consumer groups with state and member count", params: nameParams } }, async (req) =>
    remote(req.params.name, async () => ({ groups: await listRemoteGroups(clientOf(ctx, req.params.name)) })),
  );

  app.get<{ Params: { name: string; group: string } }>('/api/v1/connections/:name/groups/:group', { schema: { tags, summary: 'A remote group: members and per partition committed offset, end offset and lag', params: groupParams } }, async (req) =>
    remote(req.params.name, () => describeRemoteGroup(clientOf(ctx, req.params.name), req.params.group)),
  );

  app.post<{ Params: { name: string; group: string }; Body: { topic: string; to: ResetTarget['to']; offset?: number; timestamp?: string; dryRun?: boolean } }>(
    '/api/v1/connections/:name/groups/:group/reset-offsets',
    {
      schema: {
        tags,
        summary: "Reset a remote group's offsets of a topic (only while it has no members); dryRun shows the plan",
        params: groupParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['topic', 'to'],
          properties: { topic: topicName, to: { type: 'string', enum: ['earliest', 'latest', 'offset', 'timestamp'] }, offset, timestamp: { type: 'string', maxLength: 64 }, dryRun: { type: 'boolean', default: true } },
        },
      },
    },
    async (req) => {
      const b = req.body;
      if (b.to === 'offset' && b.offset === undefined) throw badRequest('to=offset needs offset');
      if (b.to === 'timestamp' && b.timestamp === undefined) throw badRequest('to=timestamp needs timestamp');
      const target: ResetTarget = { to: b.to, offset: b.offset, timestamp: b.timestamp === undefined ? undefined : parseTime(b.timestamp) };
      return remote(req.params.name, () => resetRemoteGroup(clientOf(ctx, req.params.name), req.params.group, b.topic, target, b.dryRun ?? true));
    },
  );
}
