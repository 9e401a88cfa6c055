import type { FastifyInstance } from 'fastify';
import { parseTimeArg } from '../../common/time-arg.js';
import { browseAll, browseTopic, BrowseError, MAX_BROWSE_LIMIT, readRecord, recordContext, renderBytes, VALUE_FORMATS, type BrowsedRecord, type Seek, type ValueFormat } from '../../query/browse/index.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { ERROR_RESPONSES, offset, partition, topicParams } from '../schemas.js';
import { recordLines } from '../../query/search/index.js';
import type { RouteContext } from './context.js';
import { clientGone } from '../client-gone.js';
import { sendDownload } from '../download.js';

/** Values longer than this are cut in pages (`truncated: true`); the single-record endpoint returns them whole. */
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;
/** The most of one value any answer carries (a decompressed record can be far larger than max.message.bytes). */
const FULL_VALUE_BYTES = 16 * 1024 * 1024;
/** Keys and header values are shown up to this much. */
const MAX_KEY_BYTES = 4096;
const MAX_CONTEXT = 100;

export const recordSchema = {
  $id: 'Record',
  type: 'object',
  required: ['topic', 'partition', 'offset', 'timestamp', 'key', 'headers', 'value', 'valueFormat', 'size', 'valueSize', 'truncated'],
  properties: {
    topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'integer' },
    timestamp: { type: 'integer', description: 'epoch ms (CreateTime or LogAppendTime, as the topic says)' },
    key: { type: ['string', 'null'], description: 'UTF-8 text (hex when format=hex, base64 when format=base64)' },
    headers: {
      type: 'array',
      items: { type: 'object', required: ['key', 'value'], properties: { key: { type: 'string' }, value: { type: ['string', 'null'] } } },
    },
    value: { type: ['string', 'null'] },
    valueFormat: { type: 'string', enum: VALUE_FORMATS, description: 'how `value` is written: json falls back to text when the value is not JSON or was truncated' },
    size: { type: 'integer', description: 'bytes of key, value and headers' },
    valueSize: { type: 'integer', description: 'bytes of the whole value' },
    truncated: { type: 'boolean', description: 'the value is longer than shown; GET …/messages/{partition}/{offset} has all of it' },
  },
} as const;

const formatParam = { type: 'string', enum: VALUE_FORMATS, default: 'text', description: 'text (UTF-8), json (pretty-printed when the value is JSON), hex or base64' } as const;
const timeParam = {
  type: 'string',
  maxLength: 64,
  description: 'ISO-8601 (2024-05-01T12:00:00Z), epoch ms, or that long ago: 30s, 15m, 2h, 7d, 1h30m',
} as const;

/** Where browsing starts and which way it goes: the same for pages and for an export. */
const seekParams = {
  partition: { ...partition, description: 'only this partition (default: all, merged by record time)' },
  seek: { type: 'string', enum: ['newest', 'oldest', 'offset', 'timestamp'], default: 'newest' },
  offset: { ...offset, description: 'with seek=offset: start at this offset in every partition browsed' },
  timestamp: { ...timeParam, description: `with seek=timestamp: ${timeParam.description}` },
  direction: { type: 'string', enum: ['forward', 'backward'], description: 'default: backward from newest, forward otherwise' },
} as const;

/** ISO-8601, epoch ms, or a duration ago (the CLI's --since syntax, common/time-arg.ts). */
export function parseTime(text: string, now = Date.now()): number {
  try {
    return parseTimeArg(text, now);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

export function renderRecord(topic: string, r: BrowsedRecord, format: ValueFormat, maxValueBytes: number) {
  const keyFormat: ValueFormat = format === 'hex' || format === 'base64' ? format : 'text';
  const value = renderBytes(r.value, format, maxValueBytes);
  return {
    topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: renderBytes(r.key, keyFormat, MAX_KEY_BYTES).text,
    headers: r.headers.map(([key, v]) => ({ key, value: renderBytes(v, 'text', MAX_KEY_BYTES).text })),
    value: value.text,
    valueFormat: value.format,
    size: r.size,
    valueSize: r.value?.length ?? 0,
    truncated: value.truncated,
  };
}

function fromBrowseError(e: unknown): unknown {
  if (!(e instanceof BrowseError)) return e;
  return e.kind === 'not-found' ? notFound(e.message) : badRequest(e.message);
}

interface BrowseQuery {
  partition?: number;
  seek: 'newest' | 'oldest' | 'offset' | 'timestamp';
  offset?: number;
  timestamp?: string;
  direction?: 'forward' | 'backward';
  limit: number;
  cursor?: string;
  format: ValueFormat;
  maxValueBytes: number;
}

function seekOf(q: Pick<BrowseQuery, 'seek' | 'offset' | 'timestamp'>): Seek {
  switch (q.seek) {
    case 'offset':
      if (q.offset === undefined) throw badRequest('seek=offset needs offset=N');
      return { from: 'offset', offset: q.offset };
    case 'timestamp':
      if (q.timestamp === undefined) throw badRequest('seek=timestamp needs timestamp=TIME (ISO-8601, epoch ms, or 15m for 15 minutes ago)');
      return { from: 'timestamp', timestamp: parseTime(q.timestamp) };
    default:
      return { from: q.seek };
  }
}

export async function messageRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { services: s } = ctx;
  app.addSchema(recordSchema);
  const limited = ctx.readLimiter.hook();

  app.get(
    '/api/v1/topics/:name/messages',
    {
      preHandler: limited,
      schema: {
        tags: ['messages'],
        summary: 'Browse records: all partitions merged by time, or one; from newest, oldest, an offset or a time; either direction; paged by cursor',
        params: topicParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...seekParams,
            limit: { type: 'integer', minimum: 1, maximum: MAX_BROWSE_LIMIT, default: 100 },
            cursor: { type: 'string', maxLength: 65536, description: 'the previous page\'s cursor: the next page in the same direction (seek and direction are then ignored)' },
            format: formatParam,
            maxValueBytes: { type: 'integer', minimum: 0, maximum: 1048576, default: DEFAULT_MAX_VALUE_BYTES, description: 'values are cut to this many bytes (truncated: true)' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['topic', 'direction', 'records', 'cursor', 'atEnd'],
            properties: {
              topic: { type: 'string' },
              direction: { type: 'string', enum: ['forward', 'backward'] },
              records: { type: 'array', items: { $ref: 'Record#' } },
              cursor: { type: ['string', 'null'], description: 'the next page; null when browsing backward reached the oldest record' },
              atEnd: { type: 'boolean', description: 'nothing more right now in this direction (forward: new records may still arrive)' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const q = req.query as BrowseQuery;
      try {
        const page = await browseTopic(s.logs, { topic: name, partition: q.partition, seek: seekOf(q), direction: q.direction, limit: q.limit, cursor: q.cursor });
        return { topic: name, direction: page.direction, records: page.records.map((r) => renderRecord(name, r, q.format, q.maxValueBytes)), cursor: page.cursor, atEnd: page.atEnd };
      } catch (e) {
        throw fromBrowseError(e);
      }
    },
  );

  app.get(
    '/api/v1/topics/:name/messages/export',
    {
      preHandler: limited,
      schema: {
        tags: ['messages'],
        summary: "The browser's result set as NDJSON or CSV, streamed: every record from the seek point in the browse's order, up to max or a time range's edge",
        description:
          'The same seek, partition and direction as browsing; no page limit. Forward it ends at the end of the log as it was when reached (it does not follow new records). ' +
          'NDJSON: one record per line (topic, partition, offset, timestamp, key, headers, value as UTF-8 text). CSV: time,topic,partition,offset,timestamp,key,value,headers.',
        params: topicParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...seekParams,
            format: { type: 'string', enum: ['ndjson', 'csv'], default: 'ndjson' },
            max: { type: 'integer', minimum: 1, maximum: 1_000_000_000, default: 1_000_000_000, description: 'stop after this many records' },
            stopBefore: { type: 'integer', description: 'epoch ms: end at the first record older than this (backward to a time range\'s start)' },
            stopAfter: { type: 'integer', description: 'epoch ms: end at the first record at or after this (forward to a time range\'s end)' },
          },
        },
        response: { 200: { type: 'string', description: 'the records, streamed' }, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const q = req.query as Omit<BrowseQuery, 'format'> & { format: 'ndjson' | 'csv'; max: number; stopBefore?: number; stopAfter?: number };
      const request = { topic: name, partition: q.partition, seek: seekOf(q), direction: q.direction };
      const records = browseAll(s.logs, request, q.max, clientGone(reply), { before: q.stopBefore, atOrAfter: q.stopAfter });
      // The first page is read before answering, so a bad topic, partition or seek is a 4xx, not a cut-off stream.
      let first: IteratorResult<Awaited<ReturnType<typeof records.next>>['value']>;
      try {
        first = await records.next();
      } catch (e) {
        throw fromBrowseError(e);
      }
      async function* all() {
        if (first.done) return;
        yield first.value;
        yield* records;
      }
      return sendDownload(reply, recordLines(all(), q.format), name, q.format);
    },
  );

  const recordParams = {
    type: 'object',
    required: ['name', 'partition', 'offset'],
    properties: { name: topicParams.properties.name, partition, offset },
  } as const;

  app.get(
    '/api/v1/topics/:name/messages/:partition/:offset',
    {
      preHandler: limited,
      schema: {
        tags: ['messages'],
        summary: 'One record with its whole value (up to 16 MiB)',
        params: recordParams,
        querystring: { type: 'object', additionalProperties: false, properties: { format: formatParam } },
        response: { 200: { $ref: 'Record#' }, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const p = req.params as { name: string; partition: number; offset: number };
      const { format } = req.query as { format: ValueFormat };
      try {
        return renderRecord(p.name, await readRecord(s.logs, p.name, p.partition, p.offset), format, FULL_VALUE_BYTES);
      } catch (e) {
        throw fromBrowseError(e);
      }
    },
  );

  app.get(
    '/api/v1/topics/:name/messages/:partition/:offset/context',
    {
      preHandler: limited,
      schema: {
        tags: ['messages'],
        summary: 'A record with up to N records before and after it in its partition (like grep -C N)',
        params: recordParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { n: { type: 'integer', minimum: 0, maximum: MAX_CONTEXT, default: 10 }, format: formatParam, maxValueBytes: { type: 'integer', minimum: 0, maximum: 1048576, default: DEFAULT_MAX_VALUE_BYTES } },
        },
        response: {
          200: {
            type: 'object',
            required: ['records', 'index'],
            properties: { records: { type: 'array', items: { $ref: 'Record#' } }, index: { type: 'integer', description: 'position of the record asked for in `records`' } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const p = req.params as { name: string; partition: number; offset: number };
      const q = req.query as { n: number; format: ValueFormat; maxValueBytes: number };
      try {
        const c = await recordContext(s.logs, p.name, p.partition, p.offset, q.n);
        return { records: c.records.map((r) => renderRecord(p.name, r, q.format, q.maxValueBytes)), index: c.index };
      } catch (e) {
        throw fromBrowseError(e);
      }
    },
  );

  app.post(
    '/api/v1/topics/:name/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Produce one record (through the same in-process producer direct ingest uses)',
        params: topicParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['value'],
          properties: {
            value: { type: ['string', 'null'], maxLength: 16 * 1024 * 1024 },
            key: { type: ['string', 'null'], maxLength: 1024 * 1024 },
            headers: { type: 'object', maxProperties: 100, additionalProperties: { type: 'string', maxLength: 65536 } },
            partition: { ...partition, description: 'default: by key hash like Kafka\'s producers, or round-robin without a key' },
            encoding: { type: 'string', enum: ['text', 'base64'], default: 'text', description: 'how key and value are written in this body' },
            timestamp: { type: 'integer', minimum: 0, description: 'epoch ms; default now' },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['topic', 'partition', 'offset', 'timestamp'],
            properties: { topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'integer' }, timestamp: { type: 'integer' } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const b = req.body as { value: string | null; key?: string | null; headers?: Record<string, string>; partition?: number; encoding: 'text' | 'base64'; timestamp?: number };
      const bytes = (v: string | null | undefined) => (v === null || v === undefined ? null : b.encoding === 'base64' ? Buffer.from(v, 'base64') : Buffer.from(v, 'utf8'));
      const timestamp = b.timestamp ?? Date.now();
      if (!s.logs.getTopic(name)) throw notFound(`topic ${name} does not exist; create it first (POST /api/v1/topics)`);
      try {
        const at = await s.producer.produce(name, { key: bytes(b.key), value: bytes(b.value), timestamp, headers: b.headers ?? {} }, b.partition);
        return reply.code(201).send({ topic: name, ...at, timestamp });
      } catch (e) {
        const status = (e as { status?: number }).status;
        if (typeof status === 'number' && status >= 400 && status < 500) throw new ApiError(status, status === 404 ? 'NOT_FOUND' : status === 413 ? 'MESSAGE_TOO_LARGE' : 'BAD_REQUEST', (e as Error).message);
        throw e;
      }
    },
  );
}
