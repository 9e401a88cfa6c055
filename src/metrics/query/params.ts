import { InvalidValueError } from '../../common/invalid-value.js';
import { parseTimeArg } from '../../common/time-arg.js';
import { bucketsOf, formatStep, parseStep, stepForPoints } from '../../common/time-buckets.js';
import type { TagMatcher } from '../types.js';
import { MetricsQueryError } from './errors.js';
import { parseWhere } from './where.js';

export const AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'increase', 'p50', 'p90', 'p95', 'p99'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Buckets per series by default, and never more (Prometheus's cap of 11,000 points per series). */
export const DEFAULT_POINTS = 1000;
export const MAX_POINTS = 11_000;
/** Without `from`, a query covers the last hour. */
export const DEFAULT_RANGE_MS = 3_600_000;
export const MAX_BY_KEYS = 16;

/** The query parameters as the API receives them (strings; points may be a number). */
export interface MetricsQueryInput {
  measurement?: string;
  field?: string;
  where?: string;
  by?: string;
  agg?: string;
  step?: string;
  points?: string | number;
  from?: string;
  to?: string;
}

/** A validated query: every time resolved to epoch ms. */
export interface MetricsQuery {
  measurement: string;
  field: string;
  where: TagMatcher[];
  /** Tag keys that split the answer into series; empty: one series for everything selected. */
  by: string[];
  agg: Aggregation;
  /** [from, to): the buckets holding these times are answered (whole buckets). */
  from: number;
  to: number;
  /** Bucket size (ms) asked for; a rollup tier may round it up to a multiple of its interval (see the answer's stats.step). */
  step: number;
  /** Whether the step was given (true) or derived from `points`. */
  stepGiven: boolean;
  points: number;
}

function required(name: string, v: string | undefined, hint: string): string {
  if (v === undefined || v.trim() === '') throw new MetricsQueryError(name, `is required; ${hint}`);
  return v.trim();
}

function time(name: 'from' | 'to', text: string, now: number): number {
  try {
    return parseTimeArg(text, now);
  } catch (e) {
    if (e instanceof InvalidValueError) throw new MetricsQueryError(name, e.message);
    throw e;
  }
}

/** Parses and checks query parameters; throws MetricsQueryError naming the parameter and what would be valid. */
export function parseMetricsQuery(input: MetricsQueryInput, now = Date.now()): MetricsQuery {
  const measurement = required('measurement', input.measurement, 'name one (GET /api/v1/metrics/measurements lists them)');
  const field = required('field', input.field, `name a numeric field of ${measurement} (GET /api/v1/metrics/fields?measurement=${encodeURIComponent(measurement)} lists them)`);
  const aggText = (input.agg ?? 'avg').trim();
  if (!(AGGREGATIONS as readonly string[]).includes(aggText)) throw new MetricsQueryError('agg', `${JSON.stringify(aggText)} is not an aggregation; use one of ${AGGREGATIONS.join(', ')}`);
  const agg = aggText as Aggregation;
  const where = parseWhere(input.where ?? '');
  const by = (input.by ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (by.length > MAX_BY_KEYS) throw new MetricsQueryError('by', `${by.length} tag keys; at most ${MAX_BY_KEYS}`);
  const dup = by.find((k, i) => by.indexOf(k) !== i);
  if (dup !== undefined) throw new MetricsQueryError('by', `tag key ${JSON.stringify(dup)} is named twice`);
  const to = input.to !== undefined && input.to.trim() !== '' ? time('to', input.to, now) : now;
  const from = input.from !== undefined && input.from.trim() !== '' ? time('from', input.from, now) : to - DEFAULT_RANGE_MS;
  if (from >= to) throw new MetricsQueryError('from', `${new Date(from).toISOString()} is not before to (${new Date(to).toISOString()}); from must be earlier than to`);
  let points = DEFAULT_POINTS;
  if (input.points !== undefined && String(input.points).trim() !== '') {
    const p = String(input.points).trim();
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > MAX_POINTS) throw new MetricsQueryError('points', `${JSON.stringify(p)} is not a point count; use a whole number from 1 to ${MAX_POINTS}`);
    points = Number(p);
  }
  let step: number;
  const stepGiven = input.step !== undefined && input.step.trim() !== '';
  if (stepGiven) {
    try {
      step = parseStep(input.step!);
    } catch (e) {
      if (e instanceof InvalidValueError) throw new MetricsQueryError('step', e.message);
      throw e;
    }
    const n = bucketsOf(from, to, step).count;
    if (n > MAX_POINTS) {
      const least = stepForPoints(from, to, MAX_POINTS);
      throw new MetricsQueryError('step', `${formatStep(step)} over ${formatStep(to - from)} gives ${n} points per series, more than ${MAX_POINTS}; use a step of at least ${formatStep(least)}, or a shorter range`);
    }
  } else step = stepForPoints(from, to, points);
  return { measurement, field, where, by, agg, from, to, step, stepGiven, points };
}
