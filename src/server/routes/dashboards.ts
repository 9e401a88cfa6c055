import type { FastifyInstance } from 'fastify';
import { MAX_DASHBOARDS, type DashboardInput, type DashboardStore } from '../dashboard-store.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Charts per dashboard at most: each one is a live query when the dashboard is open. */
export const MAX_CHARTS = 48;

const text = (maxLength: number, description: string) => ({ type: 'string', maxLength, description }) as const;

const chartSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    title: text(200, 'shown above the chart; default: what it queries'),
    kind: { type: 'string', enum: ['metric', 'logs'], description: 'metric: /metrics/query; logs: /metrics/logs (log records counted per step)' },
    measurement: text(1024, 'metric: the measurement'),
    field: text(1024, 'metric: a numeric field of it'),
    where: text(8192, 'metric: tag conditions, as /metrics/query takes them'),
    agg: text(16, 'metric: the aggregation (avg, min, max, sum, count, last, rate, increase, p50, p90, p95, p99)'),
    by: text(2048, 'metric: comma-separated tag keys; logs: one field'),
    step: text(32, 'bucket size; default from the range'),
    topic: text(65536, 'logs: comma-separated topics; default every topic'),
    q: text(8192, 'logs: the search query'),
  },
} as const;

const idSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'lower-case letters, digits, - and _' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: idSchema } } as const;

const inputProps = {
  title: { type: 'string', minLength: 1, maxLength: 200 },
  from: text(64, 'the time range it opens with: ISO-8601, epoch ms, or that long ago (15m, 2h, 7d)'),
  to: text(64, 'end of that range; empty: now'),
  charts: { type: 'array', maxItems: MAX_CHARTS, items: chartSchema },
} as const;

const dashboardSchema = {
  $id: 'Dashboard',
  type: 'object',
  required: ['id', 'title', 'charts', 'updatedAt'],
  properties: { id: { type: 'string' }, ...inputProps, updatedAt: { type: 'integer', description: 'last saved (epoch ms)' } },
} as const;

function storeOf(ctx: RouteContext): DashboardStore {
  if (!ctx.dashboards) throw new ApiError(503, 'UNAVAILABLE', 'dashboards are not available: this server has no data directory to keep them in');
  return ctx.dashboards;
}

/** The GUI's saved dashboards, kept in the data directory so every window on this server sees the same ones. */
export async function dashboardRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addSchema(dashboardSchema);
  const tags = ['dashboards'];
  app.get(
    '/api/v1/dashboards',
    {
      schema: {
        tags,
        summary: 'Saved dashboards, by title',
        response: { 200: { type: 'object', required: ['dashboards'], properties: { dashboards: { type: 'array', items: { $ref: 'Dashboard#' } } } }, ...ERROR_RESPONSES },
      },
    },
    async () => ({ dashboards: storeOf(ctx).list() }),
  );
  app.get<{ Params: { id: string } }>(
    '/api/v1/dashboards/:id',
    { schema: { tags, summary: 'One saved dashboard', params: idParams, response: { 200: { $ref: 'Dashboard#' }, ...ERROR_RESPONSES } } },
    async (req) => {
      const d = storeOf(ctx).get(req.params.id);
      if (!d) throw notFound(`no dashboard "${req.params.id}"; GET /api/v1/dashboards lists them`);
      return d;
    },
  );
  app.put<{ Params: { id: string }; Body: DashboardInput }>(
    '/api/v1/dashboards/:id',
    {
      schema: {
        tags,
        summary: 'Creates or replaces a dashboard (written to the data directory before answering)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['title', 'charts'], properties: inputProps },
        response: { 200: { $ref: 'Dashboard#' }, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const d = await storeOf(ctx).put(req.params.id, req.body);
      if (!d) throw conflict(`${MAX_DASHBOARDS} dashboards are saved already; delete one first`);
      return d;
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/api/v1/dashboards/:id',
    {
      schema: {
        tags,
        summary: 'Deletes a dashboard',
        params: idParams,
        response: { 200: { type: 'object', required: ['id', 'deleted'], properties: { id: { type: 'string' }, deleted: { type: 'boolean' } } }, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      if (!(await storeOf(ctx).delete(req.params.id))) throw notFound(`no dashboard "${req.params.id}"`);
      return { id: req.params.id, deleted: true };
    },
  );
}
