import { escapeKey, escapeMeasurement, quoteString } from './escape.js';
import { LineProtocolError, type FieldInput, type Point } from './types.js';

/**
 * Encodes points as InfluxDB line protocol. Canonical form: tags sorted by key (tags with an empty value dropped, as
 * InfluxDB cannot store them), fields in the order given, the timestamp in nanoseconds when present. Throws
 * LineProtocolError for what InfluxDB would reject: no fields, empty names, non-finite floats.
 */

function fieldText(key: string, v: FieldInput): string {
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw new LineProtocolError(`field '${key}' is ${v}; line protocol has no NaN or infinite floats`);
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return quoteString(v);
    default:
      switch (v.type) {
        case 'float':
          return fieldText(key, v.value);
        case 'integer':
          return `${v.value}i`;
        case 'unsigned':
          return `${v.value}u`;
        case 'string':
          return quoteString(v.value);
        case 'boolean':
          return v.value ? 'true' : 'false';
      }
  }
}

/** `measurement,tag=v,…`: the series identity, also used as the record key of a metric. */
export function seriesKey(measurement: string, tags: Record<string, string> = {}): string {
  if (measurement === '') throw new LineProtocolError('measurement name is empty');
  let out = escapeMeasurement(measurement);
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k]!;
    if (v === '') continue;
    if (k === '') throw new LineProtocolError(`measurement ${measurement} has a tag with an empty key`);
    out += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  return out;
}

/** One point as one line (no trailing newline). */
export function encodeLine(p: Point): string {
  let fields = '';
  for (const [k, v] of Object.entries(p.fields)) {
    if (k === '') throw new LineProtocolError(`measurement ${p.measurement} has a field with an empty key`);
    fields += `${fields ? ',' : ''}${escapeKey(k)}=${fieldText(k, v)}`;
  }
  if (!fields) throw new LineProtocolError(`measurement ${p.measurement} has no fields; a point needs at least one`);
  const ts = p.timestampNs === undefined || p.timestampNs === null ? '' : ` ${p.timestampNs}`;
  return `${seriesKey(p.measurement, p.tags)} ${fields}${ts}`;
}

/** Points as newline-terminated lines, ready for an HTTP write body. */
export function encodeLines(points: Iterable<Point>): string {
  let out = '';
  for (const p of points) out += `${encodeLine(p)}\n`;
  return out;
}
