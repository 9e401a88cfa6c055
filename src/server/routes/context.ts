import type { DashboardStore } from '../dashboard-store.js';
import type { EventLoopHealth } from '../event-loop-health.js';
import type { ConcurrencyLimiter } from '../limiter.js';
import type { RateSampler } from '../rates.js';
import type { ApiServices } from '../services.js';

/** What every route module receives. */
export interface RouteContext {
  services: ApiServices;
  rates: RateSampler;
  eventLoop: EventLoopHealth;
  /** Shared by every expensive read (browsing, and searches when they come): at most N at once, then 429. */
  readLimiter: ConcurrencyLimiter;
  /** The GUI's saved dashboards; null without a data directory (the OpenAPI build): those routes answer 503. */
  dashboards: DashboardStore | null;
}
