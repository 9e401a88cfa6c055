/** The metrics store: series from the metric topics of the local log, in memory and in tiers on disk. */
export { MetricsStore, type MetricsStoreOptions } from './metrics-store.js';
export type { MetricLogs } from './topic-follower.js';
