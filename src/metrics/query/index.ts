/**
 * Metrics queries: parse and check the parameters, choose the tier from the step, aggregate the store's series into
 * the columnar answers charts draw, and keep a query live. Semantics: docs/metrics-queries.md.
 */
export { parseMetricsQuery, AGGREGATIONS, DEFAULT_POINTS, MAX_POINTS, DEFAULT_RANGE_MS, MAX_BY_KEYS, type Aggregation, type MetricsQuery, type MetricsQueryInput } from './params.js';
export { runMetricsQuery, runMetricsColumns, MAX_ANSWER_VALUES, PREDECESSOR_LOOKBACK_MS, type MetricsAnswer, type MetricsColumns, type MetricsSeries, type MetricsQueryStats, type RunOptions } from './run.js';
export { parseWhere, tagFilter, compileTagRegex, MAX_WHERE_CONDITIONS, MAX_WHERE_REGEX_CHARS } from './where.js';
export { chooseTier, stepTier, stepOnTier } from './tier.js';
export { quantile } from './percentile.js';
export { MetricsQueryError } from './errors.js';
export { MetricsLive, METRICS_LIVE_TICK_MS, METRICS_LIVE_LATE_MS, DEFAULT_METRICS_LIVE_BUFFER_BYTES, type LiveSink } from './live.js';
export { answerJson, writeJsonNumber } from './answer-json.js';
export { encodeColumnsAnswer, decodeColumnsAnswer, CorruptColumnsError, COLUMNS_MEDIA_TYPE } from './answer-binary.js';
