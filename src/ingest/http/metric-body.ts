import type { AgentRecord } from '../../collect/record.js';
import { jsonMetricToPoint } from '../json-metrics.js';
import { parseLine, pointToRecord, type Point, type Precision } from '../../collect/line-protocol/index.js';
import { ExpositionError, parseExposition } from '../prometheus/parse.js';
import { samplesToPoints } from '../prometheus/points.js';
import { HttpError } from './http-error.js';
import { eachLine } from './lines.js';

/** Metric formats a body can be in; all are stored as canonical line protocol. */
export type MetricFormat = 'influx' | 'json' | 'prometheus';

const toRecords = (points: Point[], nowMs: number, headers: Record<string, string>): AgentRecord[] => points.map((p) => pointToRecord(p, nowMs, headers));

/** Line protocol, validated line by line (comments and blank lines skipped), re-encoded canonically. */
export function lineProtocolRecords(text: string, precision: Precision, nowMs: number, headers: Record<string, string>): AgentRecord[] {
  const points: Point[] = [];
  eachLine(text, (line) => {
    if (line.trimStart().startsWith('#')) return;
    points.push(parseLine(line, precision));
  });
  return toRecords(points, nowMs, headers);
}

/** One JSON metric object per line. */
export function jsonMetricRecords(text: string, precision: Precision, nowMs: number, headers: Record<string, string>): AgentRecord[] {
  const points: Point[] = [];
  eachLine(text, (line) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`invalid JSON: ${(e as Error).message} (send one metric object per line)`);
    }
    points.push(jsonMetricToPoint(v, precision));
  });
  return toRecords(points, nowMs, headers);
}

/** Prometheus text: each sample a point with field `value`; NaN/±Inf samples are left out and counted. */
export function prometheusRecords(text: string, nowMs: number, headers: Record<string, string>): { records: AgentRecord[]; skipped: number } {
  let samples;
  try {
    samples = parseExposition(text);
  } catch (e) {
    if (e instanceof ExpositionError) throw new HttpError(400, e.message);
    throw e;
  }
  const { points, skippedNonFinite } = samplesToPoints(samples, {}, nowMs);
  return {
    records: points.map(({ point, type }) => pointToRecord(point, nowMs, type === 'untyped' ? headers : { ...headers, metric_type: type })),
    skipped: skippedNonFinite,
  };
}
