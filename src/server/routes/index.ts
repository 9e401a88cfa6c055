import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.js';
import { aclRoutes } from './acls.js';
import { connectionRoutes } from './connections.js';
import { alertRoutes } from './alerts.js';
import { flowRoutes } from './flows.js';
import { dashboardRoutes } from './dashboards.js';
import { groupRoutes } from './groups.js';
import { importRoutes } from './import.js';
import { messageRoutes } from './messages.js';
import { metricsRoutes } from './metrics.js';
import { overviewRoutes } from './overview.js';
import { searchRoutes } from './search.js';
import { settingsRoutes } from './settings.js';
import { sourceRoutes } from './sources.js';
import { tailRoutes } from './tail.js';
import { topicRoutes } from './topics.js';
import { userRoutes } from './users.js';

export type { RouteContext } from './context.js';

/** A route module: one area of the API, registered with the shared context. */
export type RouteModule = (app: FastifyInstance, ctx: RouteContext) => Promise<void>;

/** Every area of /api/v1, in one place. A new area (search, tail, export) is one more module here. */
export const ROUTE_MODULES: readonly RouteModule[] = [overviewRoutes, topicRoutes, messageRoutes, groupRoutes, sourceRoutes, searchRoutes, tailRoutes, metricsRoutes, dashboardRoutes, settingsRoutes, userRoutes, importRoutes, connectionRoutes, aclRoutes, alertRoutes, flowRoutes];

export async function registerRoutes(app: FastifyInstance, ctx: RouteContext, extra: readonly RouteModule[] = []): Promise<void> {
  for (const m of [...ROUTE_MODULES, ...extra]) await m(app, ctx);
}
