import type { FastifyInstance } from 'fastify';
import { describeTopicConfig, topicConfigToStrings, uuidToString, type TopicInfo } from '../../storage/index.js';
import { ApiError, notFound } from '../errors.js';
import { configValues, ERROR_RESPONSES, topicName, topicParams } from '../schemas.js';
import type { RouteContext } from './context.js';

export const topicSchema = {
  $id: 'Topic',
  type: 'object',
  required: ['name', 'id', 'partitions', 'size', 'records', 'rates', 'configs'],
  properties: {
    name: { type: 'string' },
    id: { type: 'string', description: 'Kafka topic id' },
    size: { type: 'integer', description: 'bytes on disk over all partitions' },
    records: { type: 'integer', description: 'records held (end minus start offsets)' },
    rates: {
      type: 'object',
      required: ['recordsInPerSec', 'bytesInPerSec'],
      properties: { recordsInPerSec: { type: 'number' }, bytesInPerSec: { type: 'number' } },
    },
    configs: { type: 'object', description: 'the configs set for this topic (the others have their defaults)', additionalProperties: { type: 'string' } },
    partitions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['partition', 'startOffset', 'endOffset', 'size', 'segments'],
        properties: {
          partition: { type: 'integer' },
          startOffset: { type: 'integer', description: 'log start offset: the oldest record still held' },
          endOffset: { type: 'integer', description: 'log end offset: the offset the next record gets' },
          size: { type: 'integer' },
          segments: { type: 'integer' },
        },
      },
    },
  },
} as const;

const configsSchema = {
  type: 'object',
  required: ['name', 'configs'],
  properties: {
    name: { type: 'string' },
    configs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'value', 'source', 'isDefault', 'documentation'],
        properties: {
          name: { type: 'string' },
          value: { type: 'string' },
          source: { type: 'string', enum: ['TOPIC', 'BROKER', 'DEFAULT'], description: 'TOPIC: set for this topic; BROKER: the broker\'s topicDefaults; DEFAULT: Kafka\'s default' },
          isDefault: { type: 'boolean' },
          documentation: { type: 'string' },
        },
      },
    },
  },
} as const;

function strings(values: Record<string, string | number | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(values)) out[k] = v === null ? null : String(v);
  return out;
}

export async function topicRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { services: s } = ctx;
  app.addSchema(topicSchema);

  const describe = (info: TopicInfo) => {
    const stats = s.logs.stats().find((t) => t.name === info.name);
    const partitions = (stats?.partitions ?? []).map((p) => ({ partition: p.partition, startOffset: p.logStartOffset, endOffset: p.logEndOffset, size: p.size, segments: p.segments }));
    return {
      name: info.name,
      id: uuidToString(info.id),
      size: stats?.size ?? 0,
      records: partitions.reduce((n, p) => n + p.endOffset - p.startOffset, 0),
      rates: ctx.rates.topic(info.name),
      configs: topicConfigToStrings(info.overrides),
      partitions,
    };
  };
  const topicOr404 = (name: string) => {
    const t = s.logs.getTopic(name);
    if (!t) throw notFound(`topic ${name} does not exist; GET /api/v1/topics lists them`);
    return t;
  };

  app.get(
    '/api/v1/topics',
    { schema: { tags: ['topics'], summary: 'Every topic with its partitions, offsets, size and rates', response: { 200: { type: 'object', required: ['topics'], properties: { topics: { type: 'array', items: { $ref: 'Topic#' } } } }, ...ERROR_RESPONSES } } },
    async () => ({ topics: s.logs.listTopics().map(describe).sort((a, b) => (a.name < b.name ? -1 : 1)) }),
  );

  app.get(
    '/api/v1/topics/:name',
    { schema: { tags: ['topics'], summary: 'One topic', params: topicParams, response: { 200: { $ref: 'Topic#' }, ...ERROR_RESPONSES } } },
    async (req) => describe(topicOr404((req.params as { name: string }).name)),
  );

  app.post(
    '/api/v1/topics',
    {
      schema: {
        tags: ['topics'],
        summary: 'Create a topic (the checks and limits of Kafka CreateTopics)',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: topicName,
            partitions: { type: 'integer', minimum: 1, maximum: 100000, description: 'default: the broker\'s defaultPartitions' },
            replicationFactor: { type: 'integer', minimum: 1, maximum: 1, description: 'a single broker keeps one replica' },
            configs: configValues,
            validateOnly: { type: 'boolean', default: false, description: 'check everything, create nothing' },
          },
        },
        response: { 201: { $ref: 'Topic#' }, 200: { $ref: 'Topic#' }, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const b = req.body as { name: string; partitions?: number; configs?: Record<string, string | number>; validateOnly: boolean };
      const configs = strings(b.configs ?? {}) as Record<string, string>;
      const partitions = b.partitions ?? s.topics.defaultPartitions;
      // Partitions are created synchronously, so one request is bounded as CreateTopics bounds it.
      const max = s.limits.maxPartitionsPerRequest;
      if (partitions > max) throw new ApiError(409, 'POLICY_VIOLATION', `${partitions} partitions requested, at most ${max} per request (maxPartitionsPerRequest); create fewer, or raise maxPartitionsPerRequest in the broker config`);
      const info = s.topics.createTopic(b.name, partitions, configs, b.validateOnly);
      if (b.validateOnly) {
        return reply.code(200).send({ name: info.name, id: uuidToString(info.id), size: 0, records: 0, rates: { recordsInPerSec: 0, bytesInPerSec: 0 }, configs: topicConfigToStrings(info.overrides), partitions: Array.from({ length: info.partitions }, (_, p) => ({ partition: p, startOffset: 0, endOffset: 0, size: 0, segments: 0 })) });
      }
      return reply.code(201).send(describe(info));
    },
  );

  app.delete(
    '/api/v1/topics/:name',
    {
      schema: {
        tags: ['topics'],
        summary: 'Delete a topic, its data and every group\'s committed offsets for it',
        params: topicParams,
        response: { 200: { type: 'object', required: ['name', 'deleted'], properties: { name: { type: 'string' }, deleted: { type: 'boolean' } } }, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      topicOr404(name);
      await s.topics.deleteTopic(name);
      return { name, deleted: true };
    },
  );

  app.get(
    '/api/v1/topics/:name/configs',
    { schema: { tags: ['topics'], summary: 'Every config of a topic with its value and where it comes from', params: topicParams, response: { 200: configsSchema, ...ERROR_RESPONSES } } },
    async (req) => {
      const { name } = req.params as { name: string };
      topicOr404(name);
      return { name, configs: s.logs.describeTopicConfig(name) };
    },
  );

  app.patch(
    '/api/v1/topics/:name/configs',
    {
      schema: {
        tags: ['topics'],
        summary: 'Change some configs of a topic (Kafka IncrementalAlterConfigs: a null value reverts a key to its default)',
        params: topicParams,
        body: {
          type: 'object',
          required: ['configs'],
          additionalProperties: false,
          properties: {
            configs: { ...configValues, minProperties: 1, additionalProperties: { type: ['string', 'number', 'null'] } },
            validateOnly: { type: 'boolean', default: false },
          },
        },
        response: { 200: configsSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const b = req.body as { configs: Record<string, string | number | null>; validateOnly: boolean };
      topicOr404(name);
      const info = s.topics.alterTopicConfig(name, strings(b.configs), b.validateOnly);
      // validateOnly: what the configs would be, from the checked overrides that were not stored.
      return { name, configs: describeTopicConfig(info.overrides, s.logs.defaults) };
    },
  );
}
