import { InvalidValueError } from '../../common/invalid-value.js';
import { parseTimeArg } from '../../common/time-arg.js';
import { bucketsOf, formatStep, parseStep, stepForPoints } from '../../common/time-buckets.js';
import { SearchError } from '../search/index.js';

/** Buckets by default, and at most (as the metrics queries). */
export const DEFAULT_LOG_POINTS = 300;
export const MAX_LOG_POINTS = 11_000;
export const DEFAULT_LOG_RANGE_MS = 3_600_000;
/** Series in an answer by default and at most; the rest are summed into one series marked `other`. */
export const DEFAULT_LOG_SERIES = 20;
export const MAX_LOG_SERIES = 1000;
/** Values in one answer at most (series × buckets), as for metrics queries. */
export const MAX_LOG_VALUES = 2_000_000;

/** The request as the API receives it (strings). */
export interface LogSeriesInput {
  /** Comma-separated topics; default every topic not starting with __. */
  topic?: string;
  /** The search query (docs/query.md); empty: every record. */
  q?: string;
  /** A field whose values split the counts: level, a header, a JSON path, a logfmt key, _topic… (as facets see it). */
  by?: string;
  step?: string;
  points?: string | number;
  from?: string;
  to?: string;
  limit?: string | number;
}

export interface LogSeriesRequest {
  topics: string[] | undefined;
  query: string;
  by: string | null;
  from: number;
  to: number;
  step: number;
  limit: number;
}

const invalid = (param: string, message: string) => new SearchError(`${param}: ${message}`, 'invalid');

function wholeNumber(param: string, v: string | number | undefined, dflt: number, max: number): number {
  if (v === undefined || String(v).trim() === '') return dflt;
  const t = String(v).trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max) throw invalid(param, `${JSON.stringify(t)} is not valid; use a whole number from 1 to ${max}`);
  return Number(t);
}

function time(param: string, text: string, now: number): number {
  try {
    return parseTimeArg(text, now);
  } catch (e) {
    if (e instanceof InvalidValueError) throw invalid(param, e.message);
    throw e;
  }
}

/** Parses and checks the parameters; throws SearchError('invalid') whose message starts with the parameter's name. */
export function parseLogSeriesRequest(input: LogSeriesInput, now = Date.now()): LogSeriesRequest {
  const topics = input.topic?.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const by = input.by?.trim() ? input.by.trim() : null;
  if (by !== null && by.length > 256) throw invalid('by', 'a field name of at most 256 characters');
  const to = input.to?.trim() ? time('to', input.to, now) : now;
  const from = input.from?.trim() ? time('from', input.from, now) : to - DEFAULT_LOG_RANGE_MS;
  if (from >= to) throw invalid('from', `${new Date(from).toISOString()} is not before to (${new Date(to).toISOString()}); from must be earlier than to`);
  const points = wholeNumber('points', input.points, DEFAULT_LOG_POINTS, MAX_LOG_POINTS);
  let step: number;
  if (input.step?.trim()) {
    try {
      step = parseStep(input.step);
    } catch (e) {
      if (e instanceof InvalidValueError) throw invalid('step', e.message);
      throw e;
    }
    const n = bucketsOf(from, to, step).count;
    if (n > MAX_LOG_POINTS) throw invalid('step', `${formatStep(step)} over ${formatStep(to - from)} gives ${n} buckets, more than ${MAX_LOG_POINTS}; use a step of at least ${formatStep(stepForPoints(from, to, MAX_LOG_POINTS))}, or a shorter range`);
  } else step = stepForPoints(from, to, points);
  const limit = wholeNumber('limit', input.limit, DEFAULT_LOG_SERIES, MAX_LOG_SERIES);
  const buckets = bucketsOf(from, to, step).count;
  if ((limit + 1) * buckets > MAX_LOG_VALUES) throw invalid('limit', `${limit} series of ${buckets} buckets is more than ${MAX_LOG_VALUES} values; ask for fewer series or fewer points`);
  return { topics: topics?.length ? topics : undefined, query: input.q ?? '', by, from, to, step, limit };
}
