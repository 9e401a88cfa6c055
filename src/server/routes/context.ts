import type { ConcurrencyLimiter } from '../limiter.js';
import type { RateSampler } from '../rates.js';
import type { ApiServices } from '../services.js';

/** What every route module receives. */
export interface RouteContext {
  services: ApiServices;
  rates: RateSampler;
  /** Shared by every expensive read (browsing, and searches when they come): at most N at once, then 429. */
  readLimiter: ConcurrencyLimiter;
}
