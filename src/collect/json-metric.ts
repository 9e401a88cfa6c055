import { INT64_MAX, INT64_MIN } from './line-protocol/types.js';
import { LineProtocolError, nsPerUnit, type FieldInput, type Point, type Precision } from './line-protocol/index.js';

/**
 * A JSON metric as a line-protocol point:
 *   {"name": "cpu", "tags": {"host": "a"}, "fields": {"usage": 0.5, "ok": true, "state": "idle"}, "timestamp": 1700000000000}
 * Numbers are floats (as in JSON), strings and booleans keep their types; tag values may be strings, numbers or
 * booleans. timestamp: a number in `precision` units (milliseconds unless the request says otherwise), an RFC 3339
 * string, or absent (receive time). Throws LineProtocolError saying which member is wrong.
 */
/** A JSON value in an error message: primitives as JSON (cut short), containers by kind, never a whole hostile body. */
function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

export function jsonMetricToPoint(v: unknown, precision: Precision): Point {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new LineProtocolError('expected a JSON object {"name", "tags", "fields", "timestamp"}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['name', 'tags', 'fields', 'timestamp'].includes(k)) throw new LineProtocolError(`unknown member "${clip(k)}" (a metric has name, tags, fields and timestamp)`);
  }
  if (typeof o.name !== 'string' || o.name === '') throw new LineProtocolError('"name" must be a non-empty string');
  const tags: Record<string, string> = Object.create(null); // a tag may be called __proto__
  if (o.tags !== undefined) {
    if (typeof o.tags !== 'object' || o.tags === null || Array.isArray(o.tags)) throw new LineProtocolError('"tags" must be an object of strings');
    for (const [k, t] of Object.entries(o.tags)) {
      if (typeof t !== 'string' && typeof t !== 'number' && typeof t !== 'boolean') throw new LineProtocolError(`tag "${clip(k)}" must be a string, got ${describe(t)}`);
      tags[k] = String(t);
    }
  }
  if (typeof o.fields !== 'object' || o.fields === null || Array.isArray(o.fields)) throw new LineProtocolError('"fields" must be an object, e.g. {"value": 1.5}');
  const fields: Record<string, FieldInput> = Object.create(null);
  for (const [k, f] of Object.entries(o.fields)) {
    if (typeof f === 'number' && !Number.isFinite(f)) throw new LineProtocolError(`field "${clip(k)}" must be finite`);
    if (typeof f !== 'number' && typeof f !== 'string' && typeof f !== 'boolean') {
      throw new LineProtocolError(`field "${clip(k)}" must be a number, a string or a boolean, got ${describe(f)}`);
    }
    fields[k] = f;
  }
  if (Object.keys(fields).length === 0) throw new LineProtocolError('"fields" is empty; a metric needs at least one field');
  let timestampNs: bigint | null = null;
  if (typeof o.timestamp === 'number') {
    if (!Number.isInteger(o.timestamp)) throw new LineProtocolError(`"timestamp" must be an integer number of ${precision}`);
    timestampNs = BigInt(o.timestamp) * nsPerUnit(precision);
    if (timestampNs < INT64_MIN || timestampNs > INT64_MAX) throw new LineProtocolError(`"timestamp" ${o.timestamp} (${precision}) is outside the 64-bit nanosecond range`);
  } else if (typeof o.timestamp === 'string') {
    const t = Date.parse(o.timestamp);
    if (Number.isNaN(t)) throw new LineProtocolError(`"timestamp" ${describe(o.timestamp)} is not an RFC 3339 date`);
    timestampNs = BigInt(t) * 1_000_000n;
  } else if (o.timestamp !== undefined && o.timestamp !== null) throw new LineProtocolError('"timestamp" must be a number or an RFC 3339 string');
  return { measurement: o.name, tags, fields, timestampNs };
}
