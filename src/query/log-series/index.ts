/** Log-derived series: matching records counted per time bucket and split by a field, as one-off answers and live. */
export { logSeries, runLogSeries, type LogSeriesAnswer, type LogPosition, type LogSeriesRun } from './log-series.js';
export { LogSeriesLive, LIVE_TICK_MS, DEFAULT_LIVE_BUFFER_BYTES, type LiveSink } from './live.js';
export { parseLogSeriesRequest, DEFAULT_LOG_POINTS, MAX_LOG_POINTS, DEFAULT_LOG_SERIES, MAX_LOG_SERIES, type LogSeriesInput, type LogSeriesRequest } from './params.js';
export { LogCounts, MAX_LOG_GROUPS, type LogSeries } from './counts.js';
