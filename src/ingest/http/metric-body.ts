import type { AgentRecord } from '../../collect/record.js';
import { jsonMetricToPoint } from '../../collect/json-metric.js';
import { parseLine, pointToRecord, type Point, type Precision } from '../../collect/line-protocol/index.js';
import { ExpositionError, parseExposition } from '../../collect/prometheus/parse.js';
import { samplesToPoints } from '../../collect/prometheus/points.js';
import { HttpError } from './http-error.js';
import { eachLine, lineTooLong } from './lines.js';
import { parseJsonLine } from './log-body.js';

/** Metric formats a body can be in; all are stored as canonical line protocol. */
export type MetricFormat = 'influx' | 'json' | 'prometheus';

const toRecords = (points: Point[], nowMs: number, headers: Record<string, string>): AgentRecord[] => points.map((p) => pointToRecord(p, nowMs, headers));

/** Line protocol, validated line by line (comments and blank lines skipped), re-encoded canonically. */
export function lineProtocolRecords(text: string, maxLineBytes: number, precision: Precision, nowMs: number, headers: Record<string, string>): AgentRecord[] {
  const points: Point[] = [];
  eachLine(text, maxLineBytes, (line) => {
    if (line.trimStart().startsWith('#')) return;
    points.push(parseLine(line, precision));
  });
  return toRecords(points, nowMs, headers);
}

/** One JSON metric object per line. */
export function jsonMetricRecords(text: string, maxLineBytes: number, precision: Precision, nowMs: number, headers: Record<string, string>): AgentRecord[] {
  const points: Point[] = [];
  eachLine(text, maxLineBytes, (line) => {
    points.push(jsonMetricToPoint(parseJsonLine(line, 'one metric object per line'), precision));
  });
  return toRecords(points, nowMs, headers);
}

/** Prometheus text: each sample a point with field `value`; NaN/±Inf samples are left out and counted. */
export function prometheusRecords(text: string, maxLineBytes: number, nowMs: number, headers: Record<string, string>): { records: AgentRecord[]; skipped: number } {
  let samples;
  try {
    samples = parseExposition(text, { maxLineBytes });
  } catch (e) {
    if (e instanceof ExpositionError && e.lineBytes !== undefined) throw lineTooLong(e.line, e.lineBytes, maxLineBytes);
    if (e instanceof ExpositionError) throw new HttpError(400, e.message);
    throw e;
  }
  const { points, skippedNonFinite } = samplesToPoints(samples, {}, nowMs);
  return {
    records: points.map(({ point, type }) => pointToRecord(point, nowMs, type === 'untyped' ? headers : { ...headers, metric_type: type })),
    skipped: skippedNonFinite,
  };
}
