import type { FastifyInstance } from 'fastify';
import { errorByCode } from '../../protocol/errors.js';
import { ApiError, badRequest, conflict, notFound } from '../errors.js';
import { ERROR_RESPONSES, offset, partition, topicName } from '../schemas.js';
import type { RouteContext } from './context.js';
import { parseTime } from './messages.js';

const groupParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 255 } } } as const;
const STATES = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

const groupDetail = {
  type: 'object',
  required: ['id', 'state', 'protocolType', 'protocol', 'members', 'partitions', 'totalLag'],
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: STATES },
    protocolType: { type: ['string', 'null'] },
    protocol: { type: ['string', 'null'], description: 'the assignor the members agreed on' },
    members: {
      type: 'array',
      items: {
        type: 'object',
        required: ['memberId', 'groupInstanceId', 'clientId', 'clientHost'],
        properties: { memberId: { type: 'string' }, groupInstanceId: { type: ['string', 'null'] }, clientId: { type: 'string' }, clientHost: { type: 'string' } },
      },
    },
    partitions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['topic', 'partition', 'committedOffset', 'endOffset', 'lag', 'memberId', 'clientId', 'host'],
        properties: {
          topic: { type: 'string' },
          partition: { type: 'integer' },
          committedOffset: { type: ['integer', 'null'] },
          endOffset: { type: 'integer' },
          lag: { type: ['integer', 'null'], description: 'records not yet consumed; null when nothing was committed' },
          memberId: { type: ['string', 'null'] },
          clientId: { type: ['string', 'null'] },
          host: { type: ['string', 'null'] },
        },
      },
    },
    totalLag: { type: 'integer' },
  },
} as const;

interface ResetBody {
  to: 'earliest' | 'latest' | 'offset' | 'timestamp';
  offset?: number;
  timestamp?: string;
  topic?: string;
  partitions?: number[];
  dryRun: boolean;
}

export async function groupRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { services: s } = ctx;
  const groupOr404 = (id: string) => {
    const g = s.coordinator.group(id);
    if (!g) throw notFound(`consumer group ${id} does not exist (or was forgotten: no members and no committed offsets); GET /api/v1/groups lists them`);
    return g;
  };

  app.get(
    '/api/v1/groups',
    {
      schema: {
        tags: ['groups'],
        summary: 'Every consumer group with its state, member count and total lag',
        response: {
          200: {
            type: 'object',
            required: ['groups'],
            properties: {
              groups: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'state', 'protocolType', 'members', 'totalLag'],
                  properties: { id: { type: 'string' }, state: { type: 'string', enum: STATES }, protocolType: { type: ['string', 'null'] }, members: { type: 'integer' }, totalLag: { type: 'integer' } },
                },
              },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => ({
      groups: [...s.coordinator.groups.values()]
        .map((g) => ({ id: g.groupId, state: g.state, protocolType: g.protocolType, members: g.members.size, totalLag: s.offsets.lag(g.groupId).reduce((n, p) => n + (p.lag ?? 0), 0) }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
    }),
  );

  app.get(
    '/api/v1/groups/:id',
    { schema: { tags: ['groups'], summary: 'A group: state, members, and per partition the committed offset, end offset and lag', params: groupParams, response: { 200: groupDetail, ...ERROR_RESPONSES } } },
    async (req) => {
      const g = groupOr404((req.params as { id: string }).id);
      const partitions = s.offsets.lag(g.groupId).map((p) => ({ topic: p.topic, partition: p.partition, committedOffset: p.committedOffset, endOffset: p.logEndOffset, lag: p.lag, memberId: p.memberId, clientId: p.clientId, host: p.host }));
      return {
        id: g.groupId,
        state: g.state,
        protocolType: g.protocolType,
        protocol: g.is('Stable') ? g.protocolName : null,
        members: [...g.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost })),
        partitions,
        totalLag: partitions.reduce((n, p) => n + (p.lag ?? 0), 0),
      };
    },
  );

  app.post(
    '/api/v1/groups/:id/reset-offsets',
    {
      schema: {
        tags: ['groups'],
        summary: 'Move a group\'s committed offsets (only while it has no members, as Kafka requires); dryRun previews',
        params: groupParams,
        body: {
          type: 'object',
          required: ['to'],
          additionalProperties: false,
          properties: {
            to: { type: 'string', enum: ['earliest', 'latest', 'offset', 'timestamp'] },
            offset: { ...offset, description: 'with to=offset (clamped to each partition\'s start and end)' },
            timestamp: { type: 'string', maxLength: 64, description: 'with to=timestamp: ISO-8601, epoch ms, or a duration ago (15m); the first offset at or after it' },
            topic: { ...topicName, description: 'only this topic (default: every topic the group has offsets for)' },
            partitions: { type: 'array', items: partition, maxItems: 10000, uniqueItems: true, description: 'only these partitions of `topic` (default: all)' },
            dryRun: { type: 'boolean', default: false },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['group', 'dryRun', 'partitions'],
            properties: {
              group: { type: 'string' },
              dryRun: { type: 'boolean' },
              partitions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['topic', 'partition', 'previousOffset', 'newOffset'],
                  properties: { topic: { type: 'string' }, partition: { type: 'integer' }, previousOffset: { type: ['integer', 'null'] }, newOffset: { type: 'integer' } },
                },
              },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const b = req.body as ResetBody;
      const g = groupOr404(id);
      if (!g.is('Empty')) throw conflict(`group ${id} is ${g.state} with ${g.members.size} member(s); stop its consumers first (offsets can only be reset while a group is Empty)`);
      if (b.to === 'offset' && b.offset === undefined) throw badRequest('to=offset needs offset');
      if (b.to === 'timestamp' && b.timestamp === undefined) throw badRequest('to=timestamp needs timestamp');
      if (b.partitions && !b.topic) throw badRequest('partitions needs topic');
      const time = b.to === 'timestamp' ? parseTime(b.timestamp!) : 0;

      let targets: { topic: string; partition: number }[];
      if (b.topic) {
        const t = s.logs.getTopic(b.topic);
        if (!t) throw notFound(`topic ${b.topic} does not exist`);
        const ps = b.partitions ?? Array.from({ length: t.partitions }, (_, i) => i);
        for (const p of ps) if (p >= t.partitions) throw notFound(`topic ${b.topic} has no partition ${p} (it has ${t.partitions})`);
        targets = ps.map((partition) => ({ topic: b.topic!, partition }));
      } else {
        targets = s.offsets.lag(id).map((p) => ({ topic: p.topic, partition: p.partition }));
        if (targets.length === 0) throw badRequest(`group ${id} has no committed offsets; name the topic to reset`);
      }
      const committed = new Map(s.offsets.lag(id).map((p) => [`${p.topic}\u0000${p.partition}`, p.committedOffset]));
      const plan: { topic: string; partition: number; previousOffset: number | null; newOffset: number }[] = [];
      for (const { topic, partition } of targets) {
        const log = s.logs.partition(topic, partition);
        if (!log) throw notFound(`${topic}-${partition} does not exist`);
        const { logStartOffset: start, logEndOffset: end } = log;
        let to: number;
        if (b.to === 'earliest') to = start;
        else if (b.to === 'latest') to = end;
        else if (b.to === 'offset') to = Math.min(end, Math.max(start, b.offset!));
        else to = (await log.offsetForTimestamp(time))?.offset ?? end;
        plan.push({ topic, partition, previousOffset: committed.get(`${topic}\u0000${partition}`) ?? null, newOffset: to });
      }
      if (!b.dryRun) {
        // The commit of an admin client (generation -1, no member): refused if a consumer joined in the meantime.
        const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
        for (const p of plan) {
          const list = byTopic.get(p.topic) ?? [];
          list.push({ partitionIndex: p.partition, committedOffset: p.newOffset, committedLeaderEpoch: -1, committedMetadata: null });
          byTopic.set(p.topic, list);
        }
        const result = await s.offsets.commit({ groupId: id, generationId: -1, memberId: '', groupInstanceId: null, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) });
        const failed = result.flatMap((t) => t.partitions.filter((p) => p.errorCode !== 0).map((p) => ({ topic: t.name, ...p })));
        if (failed.length > 0) {
          const err = errorByCode(failed[0]!.errorCode);
          const why = `${err?.type ?? failed[0]!.errorCode}${err ? `: ${err.message}` : ''}`;
          if (!g.is('Empty')) throw conflict(`group ${id} got members while resetting (${why}); stop its consumers and try again`);
          throw new ApiError(503, err?.type ?? 'COMMIT_FAILED', `the new offsets of ${failed.length} partition(s) could not be committed (${why}); nothing may have changed for them, try again`);
        }
      }
      return { group: id, dryRun: b.dryRun, partitions: plan };
    },
  );
}
