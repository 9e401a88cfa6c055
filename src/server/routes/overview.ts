import type {} from '@fastify/websocket'; // the websocket route option and handler types
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES, wsTokenQuery } from '../schemas.js';
import type { RouteContext } from './context.js';

const rates = {
  type: 'object',
  description: 'Per second, averaged over the last 5 seconds.',
  required: ['recordsInPerSec', 'bytesInPerSec', 'recordsOutPerSec', 'bytesOutPerSec'],
  properties: { recordsInPerSec: { type: 'number' }, bytesInPerSec: { type: 'number' }, recordsOutPerSec: { type: 'number' }, bytesOutPerSec: { type: 'number' } },
} as const;

const rateColumn = (what: string) => ({ type: 'array', items: { type: 'number' }, description: `${what} per second at each timestamp` }) as const;

export const overviewHistorySchema = {
  $id: 'OverviewHistory',
  type: 'object',
  description:
    'The broker-wide rates of the last 5 minutes, one point a second (at most 300), oldest first, in columns aligned with `timestamps`. Each point is the 5-second average the overview reported at that time (its `rates` and `ratesAt`), so a chart can start with this and go on with GET /api/v1/overview/live, appending only points whose `ratesAt` is after the last timestamp.',
  required: ['timestamps', 'recordsInPerSec', 'recordsOutPerSec', 'bytesInPerSec', 'bytesOutPerSec'],
  properties: {
    timestamps: { type: 'array', items: { type: 'integer' }, description: 'epoch ms of each point (the server\'s clock), strictly ascending' },
    recordsInPerSec: rateColumn('records written into the log'),
    recordsOutPerSec: rateColumn('records fetched by consumers'),
    bytesInPerSec: rateColumn('bytes written into the log'),
    bytesOutPerSec: rateColumn('bytes fetched by consumers'),
  },
} as const;

export const overviewSchema = {
  $id: 'Overview',
  type: 'object',
  required: ['version', 'startedAt', 'uptimeMs', 'rates', 'ratesAt', 'totals', 'clients', 'listeners', 'disk', 'eventLoop'],
  properties: {
    version: { type: 'string' },
    startedAt: { type: 'integer', description: 'epoch ms' },
    uptimeMs: { type: 'integer' },
    rates,
    ratesAt: { type: 'integer', description: 'epoch ms (the server\'s clock) of the sample the rates end at: the timestamp of this point in GET /api/v1/overview/history' },
    totals: {
      type: 'object',
      description: 'Since start: records and bytes written into the log (Kafka produce, direct ingest, the API) and fetched by consumers.',
      required: ['recordsIn', 'bytesIn', 'recordsOut', 'bytesOut'],
      properties: { recordsIn: { type: 'integer' }, bytesIn: { type: 'integer' }, recordsOut: { type: 'integer' }, bytesOut: { type: 'integer' } },
    },
    clients: { type: 'object', required: ['connected'], properties: { connected: { type: 'integer', description: 'Kafka client connections open now' } } },
    listeners: {
      type: 'array',
      items: { type: 'object', required: ['name', 'host', 'port'], properties: { name: { type: 'string' }, host: { type: 'string' }, port: { type: 'integer' } } },
    },
    disk: {
      type: 'object',
      required: ['totalBytes', 'topics'],
      properties: {
        totalBytes: { type: 'integer', description: 'bytes of every topic\'s segments' },
        topics: { type: 'array', items: { type: 'object', required: ['name', 'bytes'], properties: { name: { type: 'string' }, bytes: { type: 'integer' } } } },
      },
    },
    eventLoop: {
      type: 'object',
      description: 'The last 5 s of the process\'s event loop (one loop serves Kafka, the API and live tails): how late it ran timers, and the share of the time it was busy.',
      required: ['delayP50Ms', 'delayP99Ms', 'delayMaxMs', 'utilization', 'windowMs'],
      properties: { delayP50Ms: { type: 'number' }, delayP99Ms: { type: 'number' }, delayMaxMs: { type: 'number' }, utilization: { type: 'number' }, windowMs: { type: 'integer' } },
    },
    metrics: {
      type: 'object',
      nullable: true,
      description: 'The metrics store (null when it is off): series against the caps, series refused by a cap, lines that could not be read, how far behind the log it is, bytes of its tiers and of its open hours in memory. Details: GET /api/v1/metrics/stats.',
      required: ['series', 'maxSeries', 'seriesRefused', 'nearCap', 'badLines', 'lagRecords', 'bytesOnDisk'],
      properties: {
        series: { type: 'integer' },
        maxSeries: { type: 'integer' },
        seriesRefused: { type: 'integer' },
        nearCap: { type: 'array', items: { type: 'string' }, description: 'measurements at 80 % or more of their cap' },
        badLines: { type: 'integer' },
        lagRecords: { type: 'integer' },
        bytesOnDisk: { type: 'integer', description: 'all tiers' },
        memoryBytes: { type: 'integer', description: 'the open hours\' point streams in memory' },
      },
    },
  },
} as const;

function metricsSummary(ctx: RouteContext) {
  const m = ctx.services.metrics?.stats();
  if (!m) return null;
  const { series, maxSeries, seriesRefused, nearCap, badLines, lagRecords } = m;
  return { series, maxSeries, seriesRefused, nearCap, badLines, lagRecords, bytesOnDisk: m.bytesOnDisk.raw + m.bytesOnDisk['1m'] + m.bytesOnDisk['1h'], memoryBytes: m.memoryBytes ?? 0 };
}

export function overview(ctx: RouteContext, now = Date.now()) {
  const s = ctx.services;
  const topics = s.logs.stats().map((t) => ({ name: t.name, bytes: t.size })).sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
  return {
    version: s.version,
    startedAt: s.startedAt,
    uptimeMs: now - s.startedAt,
    rates: ctx.rates.overall(),
    ratesAt: ctx.rates.newestAt() ?? now,
    totals: s.traffic(),
    clients: { connected: s.clients().length },
    listeners: s.listeners(),
    disk: { totalBytes: topics.reduce((n, t) => n + t.bytes, 0), topics },
    eventLoop: ctx.eventLoop.snapshot(),
    metrics: metricsSummary(ctx),
  };
}

/** Seconds between two overview messages on the WebSocket. */
const LIVE_INTERVAL_MS = 1000;

export async function overviewRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addSchema(overviewSchema);
  app.addSchema(overviewHistorySchema);
  app.get(
    '/api/v1/overview',
    {
      schema: {
        tags: ['overview'],
        summary: 'Uptime, version, rates in and out, connected clients, listeners, disk use per topic',
        response: { 200: { $ref: 'Overview#' }, ...ERROR_RESPONSES },
      },
    },
    async () => overview(ctx),
  );
  // Its own route, not a field of the overview: the overview goes out once a second on the WebSocket, and 300 points
  // of 5 columns in every message would add about 15 KB a second per open window for what a page needs once, on opening.
  app.get(
    '/api/v1/overview/history',
    {
      schema: {
        tags: ['overview'],
        summary: 'The broker-wide records and bytes per second of the last 5 minutes, one point a second, in columns',
        response: { 200: { $ref: 'OverviewHistory#' }, ...ERROR_RESPONSES },
      },
    },
    async () => ctx.rates.history(),
  );
  app.get(
    '/api/v1/overview/live',
    {
      websocket: true,
      schema: {
        tags: ['overview'],
        summary: 'WebSocket: the overview once a second (same shape as GET /api/v1/overview)',
        description: 'Upgrade with the token (cookie, Authorization header or ?token=) from a page of this server or from a program (no Origin).',
        querystring: { type: 'object', properties: { ...wsTokenQuery } },
      },
    },
    (socket) => {
      const send = () => {
        if (socket.readyState === socket.OPEN && socket.bufferedAmount < 1024 * 1024) socket.send(JSON.stringify(overview(ctx)));
      };
      send();
      const timer = setInterval(send, LIVE_INTERVAL_MS);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => clearInterval(timer));
    },
  );
}
