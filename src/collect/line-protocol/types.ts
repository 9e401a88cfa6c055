/**
 * InfluxDB line protocol: the canonical metric format in Tributary's topics (one point per record value).
 *
 * Line => measurement[,tagKey=tagValue...] SP fieldKey=fieldValue[,fieldKey=fieldValue...] [SP timestamp]
 * fieldValue => float (1.5, -2, 1e3) | integer (12i) | unsigned (12u) | "string" | boolean (t, true, F, FALSE…)
 */

/** A typed field value, as parsed. */
export type FieldValue =
  | { type: 'float'; value: number }
  | { type: 'integer'; value: bigint }
  | { type: 'unsigned'; value: bigint }
  | { type: 'string'; value: string }
  | { type: 'boolean'; value: boolean };

/** What the encoder takes: a JS number is a float; use integer()/unsigned() for the `i`/`u` types. */
export type FieldInput = number | boolean | string | FieldValue;

export interface Point {
  measurement: string;
  tags?: Record<string, string>;
  fields: Record<string, FieldInput>;
  /** Nanoseconds since the epoch (bigint: ns timestamps exceed 2^53); omitted = the receiver's clock. */
  timestampNs?: bigint | null;
}

/** A point as the parser returns it: every field typed, tags always present. */
export interface ParsedPoint extends Point {
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  timestampNs: bigint | null;
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

/** A signed 64-bit integer field (`12i`). */
export function integer(v: number | bigint): FieldValue {
  const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  if (b < INT64_MIN || b > INT64_MAX) throw new LineProtocolError(`integer ${b} is outside the signed 64-bit range`);
  return { type: 'integer', value: b };
}

/** An unsigned 64-bit integer field (`12u`). */
export function unsigned(v: number | bigint): FieldValue {
  const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  if (b < 0n || b > UINT64_MAX) throw new LineProtocolError(`unsigned ${b} is outside the unsigned 64-bit range`);
  return { type: 'unsigned', value: b };
}

/** Milliseconds since the epoch (Date.now()) as line-protocol nanoseconds. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1_000_000n;
}

/** Nanoseconds to whole milliseconds (floor), for record timestamps. */
export function nsToMs(ns: bigint): number {
  const ms = ns / 1_000_000n;
  return Number(ns < 0n && ms * 1_000_000n !== ns ? ms - 1n : ms);
}

export class LineProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineProtocolError';
  }
}
