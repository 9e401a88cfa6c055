import type {} from '@fastify/websocket'; // the websocket route option and handler types
import type { FastifyInstance } from 'fastify';
import { AGGREGATIONS, answerJson, COLUMNS_MEDIA_TYPE, encodeColumnsAnswer, MAX_POINTS, MetricsLive, MetricsQueryError, parseMetricsQuery, parseWhere, runMetricsColumns, type MetricsQueryInput } from '../../metrics/query/index.js';
import type { MetricsReader } from '../../metrics/types.js';
import { LogSeriesLive, logSeries, MAX_LOG_POINTS, MAX_LOG_SERIES, type LogSeriesInput } from '../../query/log-series/index.js';
import { SearchCancelled, SearchError } from '../../query/search/index.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { ERROR_RESPONSES, wsTokenQuery } from '../schemas.js';
import type { ApiServices } from '../services.js';
import type { RouteContext } from './context.js';
import { clientGone } from '../client-gone.js';
import { answerSchema, logAnswerSchema, metricsStatsSchema, seriesAnswerSchema } from './metrics-schemas.js';

/** Live metric and log-series subscriptions at once over all clients; one more is refused (close code 1013). */
export const MAX_METRICS_LIVE_CLIENTS = 100;
export const DEFAULT_TAG_VALUES = 100;
export const MAX_TAG_VALUES = 10_000;

function metricsOf(s: ApiServices): MetricsReader {
  if (!s.metrics) throw new ApiError(503, 'UNAVAILABLE', 'metrics are not available: the metrics store is not running in this server (it starts with `tributary serve`); retry once it runs');
  return s.metrics;
}

/** A query error as the API's 400 (bad parameter) or 404 (no such measurement, field or topic). */
function apiErrorOf(e: unknown): unknown {
  if (e instanceof MetricsQueryError) return e.kind === 'not-found' ? notFound(e.message) : badRequest(e.message);
  if (e instanceof SearchError) return e.kind === 'not-found' ? notFound(e.message) : badRequest(e.message);
  return e;
}

const str = (maxLength: number, description: string) => ({ type: 'string', maxLength, description }) as const;
const measurement = { type: 'string', minLength: 1, maxLength: 1024, description: 'a measurement name' } as const;
const timeDoc = 'ISO-8601, epoch ms, or that long ago (15m, 2h, 7d)';

/** Query parameters of /query (and of a live `query` message), as strings: parseMetricsQuery checks them with clear messages. */
const queryProps = {
  measurement: str(1024, 'the measurement (required)'),
  field: str(1024, 'a numeric field of it (required)'),
  where: str(8192, 'conditions on tags joined by commas, all must hold: key=value, key!=value, key=~regex, key!~regex (RE2, whole value); \\, is a comma in a value'),
  by: str(2048, 'comma-separated tag keys: one series per combination of their values; none: one series for everything selected'),
  agg: str(16, `the aggregation: ${AGGREGATIONS.join(', ')} (default avg)`),
  step: str(32, `bucket size: a duration (10s, 5m, 1h) or ms; default from points. At most ${MAX_POINTS} buckets (a smaller step is a 400); on rollup tiers rounded up to whole minutes or hours`),
  points: str(8, `buckets wanted when step is not given (default 1000, at most ${MAX_POINTS})`),
  from: str(64, `start (inclusive): ${timeDoc}; default 1 h before to`),
  to: str(64, `end (exclusive): ${timeDoc}; default now`),
} as const;

const logProps = {
  topic: str(65536, 'comma-separated topics; default every topic not starting with __'),
  q: str(8192, 'the search query (docs/query.md); empty: every record'),
  by: str(256, 'a field whose values split the counts: level, a header, a JSON path, a logfmt key, _topic…; none: one series'),
  step: str(32, `bucket size: a duration (10s, 5m, 1h) or ms; default from points (at most ${MAX_LOG_POINTS} buckets)`),
  points: str(8, `buckets wanted when step is not given (default 300, at most ${MAX_LOG_POINTS})`),
  limit: str(8, `series at most (the groups with most records; the rest are summed into one marked other), default 20, at most ${MAX_LOG_SERIES}`),
  from: str(64, `start (inclusive): ${timeDoc}; default 1 h before to`),
  to: str(64, `end (exclusive): ${timeDoc}; default now`),
} as const;

export async function metricsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { services: s } = ctx;
  const limited = ctx.readLimiter.hook();
  app.addSchema(metricsStatsSchema);
  const tags = ['metrics'];
  const get = (url: string, summary: string, querystring: object, response: object, handler: (q: any) => unknown, expensive = false) =>
    app.get(
      url,
      {
        ...(expensive ? { preHandler: limited } : {}),
        // Answers of numbers by the hundred thousand: JSON.stringify writes them 4× faster than the schema-compiled
        // serializer, which checks each `number | null` (130 vs 32 ms for 1,000 series × 360). The schema still documents them.
        ...(expensive ? { serializerCompiler: () => (data: unknown) => JSON.stringify(data) } : {}),
        schema: { tags, summary, querystring, response: { 200: response, ...ERROR_RESPONSES } },
      },
      async (req) => {
        try {
          return await handler(req.query);
        } catch (e) {
          throw apiErrorOf(e);
        }
      },
    );
  const obj = (properties: object, required: string[] = []) => ({ type: 'object', additionalProperties: false, required, properties });

  get(
    '/api/v1/metrics/measurements',
    'Measurements with their number of series, sorted by name',
    obj({ prefix: str(1024, 'only names starting with this') }),
    { type: 'object', required: ['measurements'], properties: { measurements: { type: 'array', items: { type: 'object', required: ['name', 'series'], properties: { name: { type: 'string' }, series: { type: 'integer' } } } } } },
    (q: { prefix?: string }) => ({ measurements: metricsOf(s).measurements(q.prefix || undefined) }),
  );
  get(
    '/api/v1/metrics/fields',
    'Numeric fields of a measurement, sorted',
    obj({ measurement }, ['measurement']),
    { type: 'object', required: ['measurement', 'fields'], properties: { measurement: { type: 'string' }, fields: { type: 'array', items: { type: 'string' } } } },
    (q: { measurement: string }) => ({ measurement: q.measurement, fields: metricsOf(s).fields(q.measurement) }),
  );
  get(
    '/api/v1/metrics/tag-keys',
    'Tag keys of a measurement, sorted',
    obj({ measurement }, ['measurement']),
    { type: 'object', required: ['measurement', 'tagKeys'], properties: { measurement: { type: 'string' }, tagKeys: { type: 'array', items: { type: 'string' } } } },
    (q: { measurement: string }) => ({ measurement: q.measurement, tagKeys: metricsOf(s).tagKeys(q.measurement) }),
  );
  get(
    '/api/v1/metrics/tag-values',
    'Distinct values of a tag within a measurement, sorted, optionally by prefix',
    obj(
      {
        measurement,
        key: { type: 'string', minLength: 1, maxLength: 1024, description: 'the tag key' },
        prefix: str(1024, 'only values starting with this'),
        limit: { type: 'integer', minimum: 1, maximum: MAX_TAG_VALUES, default: DEFAULT_TAG_VALUES },
      },
      ['measurement', 'key'],
    ),
    { type: 'object', required: ['measurement', 'key', 'values'], properties: { measurement: { type: 'string' }, key: { type: 'string' }, values: { type: 'array', items: { type: 'string' } } } },
    (q: { measurement: string; key: string; prefix?: string; limit: number }) => ({ measurement: q.measurement, key: q.key, values: metricsOf(s).tagValues(q.measurement, q.key, q.prefix || undefined, q.limit) }),
  );
  get(
    '/api/v1/metrics/series',
    'How many series a measurement (and field) has that satisfy where, and a sample of them',
    obj(
      {
        measurement,
        field: str(1024, 'a numeric field; none: the series of every field'),
        where: queryProps.where,
        limit: { type: 'integer', minimum: 0, maximum: 1000, default: 20, description: 'series in the sample' },
      },
      ['measurement'],
    ),
    seriesAnswerSchema,
    (q: { measurement: string; field?: string; where?: string; limit: number }) => {
      const reader = metricsOf(s);
      const where = parseWhere(q.where ?? '');
      const fields = q.field ? [q.field] : reader.fields(q.measurement);
      let count = 0;
      const sample: { id: number; field: string; tags: Record<string, string> }[] = [];
      for (const f of fields) {
        const found = reader.select(q.measurement, f, where);
        count += found.length;
        for (const x of found) {
          if (sample.length >= q.limit) break;
          sample.push({ id: x.id, field: x.field, tags: { ...x.tags } });
        }
      }
      return { measurement: q.measurement, count, sample };
    },
  );
  get('/api/v1/metrics/stats', 'The metrics store: series and caps, refused series, points applied, bad lines, lag, bytes per tier', obj({}), { $ref: 'MetricsStats#' }, () => metricsOf(s).stats());
  app.get(
    '/api/v1/metrics/query',
    {
      preHandler: limited,
      schema: {
        tags,
        summary: 'A metric aggregated per time bucket, grouped by tags, in columns (uPlot\'s form); the tier (raw, 1m, 1h) is chosen from the step',
        description:
          `JSON by default. With format=columns, or Accept: ${COLUMNS_MEDIA_TYPE}, the same answer in binary columns (docs/metrics-queries.md): ` +
          'a JSON header (buckets, series tags, stats) then float64 little-endian columns, NaN for an empty bucket; no number is formatted or parsed.',
        querystring: obj({ ...queryProps, format: { type: 'string', enum: ['json', 'columns'], description: `json (default) or columns (${COLUMNS_MEDIA_TYPE})` } }),
        response: { 200: answerSchema, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const { format, ...input } = req.query as MetricsQueryInput & { format?: string };
      let answer;
      try {
        answer = runMetricsColumns(metricsOf(s), parseMetricsQuery(input));
      } catch (e) {
        throw apiErrorOf(e);
      }
      // The answer is written from its typed columns into one buffer (answer-json.ts): no array per series, no
      // serializer pass over 360,000 numbers; a Buffer payload skips Fastify's serializer.
      const binary = format === 'columns' || (format === undefined && (req.headers.accept ?? '').includes(COLUMNS_MEDIA_TYPE));
      if (binary) return reply.type(COLUMNS_MEDIA_TYPE).send(encodeColumnsAnswer(answer));
      return reply.type('application/json; charset=utf-8').send(answerJson(answer));
    },
  );

  app.get(
    '/api/v1/metrics/logs',
    {
      preHandler: limited,
      schema: {
        tags,
        summary: 'Log records matching a search query counted per time bucket, split by a field (errors per minute per host), in the columns of /metrics/query',
        description: 'Blocks the time range or the token index rule out are not read (as in a search). Buckets are whole; empty buckets count 0.',
        querystring: obj(logProps),
        response: { 200: logAnswerSchema, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      try {
        return await logSeries(s.logs, req.query as LogSeriesInput, { signal: clientGone(reply) });
      } catch (e) {
        if (e instanceof SearchCancelled) return reply.code(499).send();
        throw apiErrorOf(e);
      }
    },
  );

  let clients = 0;
  app.get(
    '/api/v1/metrics/live',
    {
      websocket: true,
      schema: {
        tags,
        summary: 'WebSocket: a metrics query or a log-derived series kept live, updated each second',
        description:
          'Send one JSON message: {"type":"query","query":{measurement,field,where,by,agg,step,points,from}} (the parameters of /metrics/query, without to) or ' +
          '{"type":"logs","query":{topic,q,by,step,points,limit,from}} (those of /metrics/logs). Answers: first {"type":"answer",timestamps,series,stats}, then, each second ' +
          'something changed, {"type":"update",timestamps,series,stats}: replace the buckets from timestamps[0] on (series matched by tags). The window slides with the clock. ' +
          'A client that reads too slowly gets no update until its socket drains; the next one covers every bucket changed meanwhile. Sending another query replaces the first. ' +
          'Errors: {"type":"error","error":{"code","message"}} (a bad query keeps the socket open for a corrected one).',
        querystring: { type: 'object', properties: { ...wsTokenQuery } },
      },
    },
    (socket) => {
      const fail = (code: string, message: string) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'error', error: { code, message } }));
      };
      if (clients >= MAX_METRICS_LIVE_CLIENTS) {
        fail('TOO_MANY_REQUESTS', `${MAX_METRICS_LIVE_CLIENTS} live metric queries are open; close one or retry later`);
        socket.close(1013, 'too many live queries');
        return;
      }
      clients++;
      let live: MetricsLive | LogSeriesLive | null = null;
      let closed = false;
      const sink = {
        send: (text: string) => {
          if (socket.readyState === socket.OPEN) socket.send(text);
        },
        get bufferedAmount() {
          return socket.bufferedAmount;
        },
      };
      const done = () => {
        if (closed) return;
        closed = true;
        clients--;
        live?.close();
      };
      socket.on('close', done);
      socket.on('error', done);
      socket.on('message', (data) => {
        let msg: { type?: unknown; query?: unknown };
        try {
          msg = JSON.parse(data.toString());
        } catch {
          return fail('BAD_REQUEST', 'a message is JSON: {"type":"query","query":{…}} or {"type":"logs","query":{…}}');
        }
        const raw = msg.query && typeof msg.query === 'object' ? Object.entries(msg.query as Record<string, unknown>) : null;
        const scalars = raw?.every(([, v]) => typeof v === 'string' || typeof v === 'number');
        // Parameters as the query string has them: strings (a number like from: 1714564800000 is taken as written).
        const input = raw && scalars ? Object.fromEntries(raw.map(([k, v]) => [k, String(v)])) : null;
        if ((msg.type !== 'query' && msg.type !== 'logs') || !input) {
          return fail('BAD_REQUEST', 'send {"type":"query","query":{"measurement":…,"field":…}} or {"type":"logs","query":{"q":…}}, parameters as strings');
        }
        live?.close();
        live = null;
        try {
          if (msg.type === 'query') {
            const m = new MetricsLive(metricsOf(s), sink);
            m.start(input as MetricsQueryInput);
            live = m;
          } else {
            const l = new LogSeriesLive(s.logs, sink);
            live = l;
            l.start(input as LogSeriesInput).catch((e: unknown) => {
              l.close();
              const err = apiErrorOf(e);
              if (!(err instanceof ApiError)) s.logger.error(`api: live log series failed: ${(e as Error).message}`);
              fail(err instanceof ApiError ? err.code : 'INTERNAL', (e as Error).message);
            });
          }
          if (closed) live?.close();
        } catch (e) {
          const err = apiErrorOf(e);
          if (!(err instanceof ApiError)) s.logger.error(`api: live metrics query failed: ${(e as Error).message}`);
          fail(err instanceof ApiError ? err.code : 'INTERNAL', (e as Error).message);
        }
      });
    },
  );
}
