import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseDuration } from '../../common/duration.js';
import { renderRecord } from './messages.js';
import { VALUE_FORMATS, type ValueFormat } from '../../query/browse/index.js';
import {
  exportLines,
  facets,
  histogram,
  HISTOGRAM_LEVELS,
  MAX_FACET_SCAN,
  MAX_SEARCH_LIMIT,
  planSearch,
  searchPage,
  SearchCancelled,
  SearchError,
  type FoundRecord,
  type SearchLogs,
  type SearchRequest,
  type SearchStats,
} from '../../query/search/index.js';
import { badRequest, notFound } from '../errors.js';
import { ERROR_RESPONSES } from '../schemas.js';
import { clientGone } from '../client-gone.js';
import { sendDownload } from '../download.js';
import type { RouteContext } from './context.js';
import { DEFAULT_MAX_VALUE_BYTES } from './messages.js';

const STAT_NAMES = [
  'partitions',
  'segmentsScanned',
  'segmentsSkipped',
  'blocksScanned',
  'unindexedRangesScanned',
  'blocksSkippedByTime',
  'blocksSkippedByIndex',
  'blocksCountedFromIndex',
  'blocksCountedFromCache',
  'bytesScanned',
  'bytesSkipped',
  'batchesSkippedByBytes',
  'batchesUnreadable',
  'recordsDecoded',
  'recordsMatched',
  'elapsedMs',
] as const satisfies readonly (keyof SearchStats)[];

export const searchStatsSchema = {
  $id: 'SearchStats',
  type: 'object',
  description:
    'What the search read and skipped: segments and blocks (~1 MiB, each with a bloom filter of its words) passed over by time range or index, ' +
    'blocks a histogram counted without reading them (from the level counts in the index, or from an earlier histogram of the same query), ' +
    'bytes read and skipped, batches whose bytes lacked a needed word, records decoded and matched, and the time taken.',
  required: [...STAT_NAMES],
  properties: Object.fromEntries(STAT_NAMES.map((n) => [n, { type: n === 'elapsedMs' ? 'number' : 'integer' }])),
} as const;

const timeParam = { type: 'string', maxLength: 64 } as const;
/** Query parameters every search endpoint takes. */
const common = {
  q: { type: 'string', maxLength: 8192, default: '', description: 'the query (docs/query.md); empty: every record' },
  topics: { type: 'string', maxLength: 65536, description: 'comma-separated topics; default every topic not starting with __' },
  from: { ...timeParam, description: 'start (inclusive): ISO-8601, epoch ms, or that long ago (15m, 2h, 7d)' },
  to: { ...timeParam, description: 'end (exclusive): ISO-8601, epoch ms, or that long ago' },
} as const;

interface CommonQuery {
  q: string;
  topics?: string;
  from?: string;
  to?: string;
}

function requestOf(q: CommonQuery & { order?: 'newest' | 'oldest'; cursor?: string }): SearchRequest {
  const topics = q.topics?.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  return { query: q.q, topics, from: q.from, to: q.to, order: q.order, cursor: q.cursor };
}

function fromSearchError(e: unknown): unknown {
  if (!(e instanceof SearchError)) return e;
  return e.kind === 'not-found' ? notFound(e.message) : badRequest(e.message);
}

/** Runs one whole scan for a JSON answer: a client gone meanwhile gets 499 (nobody reads it), a bad request 400/404. */
async function answer<T>(reply: FastifyReply, scan: (signal: AbortSignal) => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await scan(clientGone(reply));
  } catch (e) {
    if (e instanceof SearchCancelled) return reply.code(499).send();
    throw fromSearchError(e);
  }
}

function plan(logs: SearchLogs, req: SearchRequest) {
  try {
    return planSearch(logs, req);
  } catch (e) {
    throw fromSearchError(e);
  }
}


function render(format: ValueFormat, maxValueBytes: number) {
  return (r: FoundRecord) => {
    let size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const [k, v] of r.headers) size += Buffer.byteLength(k) + (v?.length ?? 0);
    return renderRecord(r.topic, { ...r, size }, format, maxValueBytes);
  };
}

export async function searchRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { services: s } = ctx;
  app.addSchema(searchStatsSchema);
  const limited = ctx.readLimiter.hook();

  app.get(
    '/api/v1/search',
    {
      preHandler: limited,
      schema: {
        tags: ['search'],
        summary: 'Search records over topics and a time range, newest (or oldest) first, paged by a stable cursor; stream=true streams NDJSON with progress',
        description:
          'Skips by time (block timestamps), then by the token index, reads only the blocks left. Pages are stable while records arrive: the first page ' +
          'pins each partition\'s end, the cursor carries per-partition positions. With stream=true the answer is NDJSON (application/x-ndjson), one ' +
          'object per line: {"type":"record","record":{…}} as each match is found, {"type":"progress","stats":{…}} every 250 ms of scanning, and last ' +
          '{"type":"done","cursor":…,"stats":{…}} or {"type":"error","error":{"code","message"}}. Closing the connection cancels the scan.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...common,
            limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 100 },
            order: { type: 'string', enum: ['newest', 'oldest'], default: 'newest' },
            cursor: { type: 'string', maxLength: 262144, description: 'the previous page\'s cursor (its query, range and order are used; q may be repeated or left out)' },
            stream: { type: 'boolean', default: false },
            format: { type: 'string', enum: VALUE_FORMATS, default: 'text' },
            maxValueBytes: { type: 'integer', minimum: 0, maximum: 1048576, default: DEFAULT_MAX_VALUE_BYTES },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['records', 'cursor', 'stats'],
            properties: {
              records: { type: 'array', items: { $ref: 'Record#' } },
              cursor: { type: ['string', 'null'], description: 'the next page; null when everything in range was searched' },
              stats: { $ref: 'SearchStats#' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const q = req.query as CommonQuery & { limit: number; order: 'newest' | 'oldest'; cursor?: string; stream: boolean; format: ValueFormat; maxValueBytes: number };
      const p = plan(s.logs, requestOf(q));
      const opts = { limit: q.limit, render: render(q.format, q.maxValueBytes) };
      if (!q.stream) return answer(reply, (signal) => searchPage(p, { ...opts, signal }));
      const signal = clientGone(reply);
      const out = new PassThrough();
      const line = (o: unknown) => out.write(`${JSON.stringify(o)}\n`);
      searchPage(p, { ...opts, signal, onRecord: (record) => line({ type: 'record', record }), onProgress: (stats) => line({ type: 'progress', stats }) })
        .then((page) => line({ type: 'done', cursor: page.cursor, stats: page.stats }))
        .catch((e: unknown) => {
          if (!(e instanceof SearchCancelled)) {
            const err = fromSearchError(e) as Error & { code?: string };
            line({ type: 'error', error: { code: err.code ?? 'INTERNAL', message: err.message } });
          }
        })
        .finally(() => out.end());
      return reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(out);
    },
  );

  app.get(
    '/api/v1/search/histogram',
    {
      preHandler: limited,
      schema: {
        tags: ['search'],
        summary: 'Counts of matches per time bucket, split by level, in one pass (blocks that cannot match are not read)',
        description: 'Columnar for charts: bucket i is [times[i], times[i] + step). Without step, about 60–120 buckets of a round size. Without from, the range starts at the oldest record.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...common, step: { type: 'string', maxLength: 32, description: 'bucket size: a duration (30s, 5m, 1h) or ms; default automatic' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'step', 'times', 'counts', 'levels', 'total', 'stats'],
            properties: {
              from: { type: 'integer' },
              to: { type: 'integer' },
              step: { type: 'integer', description: 'ms' },
              times: { type: 'array', items: { type: 'integer' } },
              counts: { type: 'array', items: { type: 'integer' } },
              levels: {
                type: 'object',
                required: [...HISTOGRAM_LEVELS],
                properties: Object.fromEntries(HISTOGRAM_LEVELS.map((l) => [l, { type: 'array', items: { type: 'integer' } }])),
                description: 'per level (as level: sees it: headers, JSON, logfmt), matches per bucket; unknown: no level found',
              },
              total: { type: 'integer' },
              stats: { $ref: 'SearchStats#' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const q = req.query as CommonQuery & { step?: string };
      let step: number | undefined;
      if (q.step !== undefined) {
        try {
          step = parseDuration(/^\d+$/.test(q.step) ? Number(q.step) : q.step);
        } catch (e) {
          throw badRequest(`step: ${(e as Error).message}`);
        }
        if (step < 1) throw badRequest('step must be at least 1 ms');
      }
      const p = plan(s.logs, requestOf({ ...q, order: 'oldest' }));
      return answer(reply, (signal) => histogram(p, { step, signal }));
    },
  );

  app.get(
    '/api/v1/search/facets',
    {
      preHandler: limited,
      schema: {
        tags: ['search'],
        summary: 'The most frequent values of a field among the newest matches (header, JSON path, logfmt key, level, or a built-in like _topic)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['field'],
          properties: {
            ...common,
            field: { type: 'string', minLength: 1, maxLength: 256 },
            top: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
            maxMatches: { type: 'integer', minimum: 1, maximum: MAX_FACET_SCAN, default: 10000, description: 'look at no more than this many matches (newest first); complete says whether that was all of them' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['field', 'values', 'matchesScanned', 'withField', 'other', 'complete', 'stats'],
            properties: {
              field: { type: 'string' },
              values: { type: 'array', items: { type: 'object', required: ['value', 'count'], properties: { value: { type: 'string' }, count: { type: 'integer' } } } },
              matchesScanned: { type: 'integer' },
              withField: { type: 'integer', description: 'matches that have the field' },
              other: { type: 'integer', description: 'matches with a value not listed' },
              complete: { type: 'boolean', description: 'false when the scan stopped at maxMatches: the counts are of the newest matches only' },
              stats: { $ref: 'SearchStats#' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const q = req.query as CommonQuery & { field: string; top: number; maxMatches: number };
      const p = plan(s.logs, requestOf(q));
      return answer(reply, (signal) => facets(p, q.field, { top: q.top, maxMatches: q.maxMatches, signal }));
    },
  );

  app.get(
    '/api/v1/search/export',
    {
      preHandler: limited,
      schema: {
        tags: ['search'],
        summary: 'Every match as NDJSON or CSV, streamed with backpressure (no page limit)',
        description: 'NDJSON: one record per line, fields as in search. CSV: time,topic,partition,offset,timestamp,key,value,headers (headers as a JSON object). Values as UTF-8 text.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...common, format: { type: 'string', enum: ['ndjson', 'csv'], default: 'ndjson' }, order: { type: 'string', enum: ['newest', 'oldest'], default: 'newest' } },
        },
        response: { 200: { type: 'string', description: 'the records, streamed' }, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const q = req.query as CommonQuery & { format: 'ndjson' | 'csv'; order: 'newest' | 'oldest' };
      const p = plan(s.logs, requestOf(q));
      return sendDownload(reply, exportLines(p, q.format, clientGone(reply)), 'search', q.format);
    },
  );
}
