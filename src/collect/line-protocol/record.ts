import type { AgentRecord } from '../record.js';
import { encodeLine, seriesKey } from './encode.js';
import { msToNs, nsToMs, type Point } from './types.js';

/** Header that marks a record value as one line of InfluxDB line protocol. */
export const FORMAT_HEADER = 'format';
export const INFLUX_FORMAT = 'influx';

/**
 * A point as a topic record: value = the canonical line (timestamp filled in from `nowMs` when the point has none, so
 * every stored line says when it was measured), key = measurement + sorted tags, header `format: influx`.
 */
export function pointToRecord(p: Point, nowMs: number, headers: Record<string, string> = {}): AgentRecord {
  const ns = p.timestampNs ?? msToNs(nowMs);
  return {
    value: encodeLine({ ...p, timestampNs: ns }),
    key: seriesKey(p.measurement, p.tags),
    timestamp: nsToMs(ns),
    headers: { ...headers, [FORMAT_HEADER]: INFLUX_FORMAT },
  };
}
