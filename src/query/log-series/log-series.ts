import { bucketsOf } from '../../common/time-buckets.js';
import { finishStats, planSearch, type SearchLogs, type SearchPlan, type SearchStats } from '../search/index.js';
import { LogCounts, type LogSeries } from './counts.js';
import { parseLogSeriesRequest, type LogSeriesInput, type LogSeriesRequest } from './params.js';

/** The columnar answer of the metrics queries: bucket starts, one column of counts per group. */
export interface LogSeriesAnswer {
  timestamps: number[];
  series: LogSeries[];
  stats: SearchStats & { step: number };
}

/** Where each partition's count stopped (its end offset when planned): a live count goes on from there. */
export interface LogPosition {
  topic: string;
  partition: number;
  next: number;
}

export interface LogSeriesRun {
  answer: LogSeriesAnswer;
  request: LogSeriesRequest;
  counts: LogCounts;
  plan: SearchPlan;
  positions: LogPosition[];
}

/**
 * Counts the log records matching a search query per time bucket, split by a field: the search plan's scans skip
 * blocks by time and by the token index as a search does and read only the rest. Buckets are whole (InfluxQL's
 * GROUP BY time()): every record in a bucket that holds part of [from, to) counts. Throws SearchError (400/404).
 */
export async function logSeries(logs: SearchLogs, input: LogSeriesInput, opts: { signal?: AbortSignal; now?: number } = {}): Promise<LogSeriesAnswer> {
  return (await runLogSeries(logs, input, opts)).answer;
}

/** logSeries with what a live count needs to go on (the counts, the plan, the offsets where each partition stopped). */
export async function runLogSeries(logs: SearchLogs, input: LogSeriesInput, opts: { signal?: AbortSignal; now?: number } = {}): Promise<LogSeriesRun> {
  const now = opts.now ?? Date.now();
  const request = parseLogSeriesRequest(input, now);
  const grid = bucketsOf(request.from, request.to, request.step);
  const end = grid.first + grid.count * grid.step;
  const plan = planSearch(logs, { query: request.query, topics: request.topics, from: String(grid.first), to: String(end), order: 'oldest' }, now);
  const positions = plan.scans.map((s) => ({ topic: s.topic, partition: s.partition, next: s.range.hi }));
  const counts = new LogCounts(plan.query, request.by, grid.step);
  for (const s of plan.scans) await s.scanAll(opts.signal, (r) => void counts.add(r));
  const answer = {
    timestamps: Array.from({ length: grid.count }, (_, i) => grid.first + i * grid.step),
    series: counts.columns(grid.first, grid.count, request.limit),
    stats: { ...finishStats(plan), step: grid.step },
  };
  return { answer, request, counts, plan, positions };
}
