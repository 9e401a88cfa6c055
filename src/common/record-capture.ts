import { isUtf8 } from 'node:buffer';

/*
 * The capture format: one Kafka record per NDJSON line, as the exports write it and `tributary import` reads it back.
 * Text stays readable (`"value": "GET /index.html 200"`); bytes that are not UTF-8 (protobuf, Avro, compressed) would
 * be damaged by a JSON string, so such a key, value or header value is carried exactly in a `…Base64` sibling (the
 * readable field then holds the same bytes decoded with replacement characters, for eyes and jq only). A reader that
 * prefers the sibling gets back the very bytes that were written.
 */

export interface CaptureHeader {
  key: string;
  value: string | null;
  valueBase64?: string;
}

export interface CaptureJson {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  keyBase64?: string;
  headers: CaptureHeader[];
  value: string | null;
  valueBase64?: string;
}

/** What a capture line gives back: the record's bytes, and where it came from when the line says so. */
export interface CapturedRecord {
  topic?: string;
  partition?: number;
  offset?: number;
  timestamp?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

export interface RecordBytes {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyArray<readonly [string, Buffer | null]>;
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));
const exact = (b: Buffer | null): string | undefined => (b === null || isUtf8(b) ? undefined : b.toString('base64'));

/** One record as the capture format's object (key order fixed: topic, partition, offset, timestamp, key, headers, value). */
export function captureJson(r: RecordBytes): CaptureJson {
  const out: CaptureJson = { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: text(r.key), headers: [], value: null };
  const keyB64 = exact(r.key);
  if (keyB64 !== undefined) out.keyBase64 = keyB64;
  out.headers = r.headers.map(([key, v]) => {
    const b64 = exact(v);
    return b64 === undefined ? { key, value: text(v) } : { key, value: text(v), valueBase64: b64 };
  });
  out.value = text(r.value);
  const valueB64 = exact(r.value);
  if (valueB64 !== undefined) out.valueBase64 = valueB64;
  return out;
}

export class CaptureLineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CaptureLineError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bytesOf(obj: Record<string, unknown>, field: string, b64Field: string, line: number): Buffer | null {
  const b64 = obj[b64Field];
  if (b64 !== undefined) {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new CaptureLineError(line, `${b64Field} must be base64 text`);
    return Buffer.from(b64, 'base64');
  }
  const v = obj[field];
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  // A JSON value written as JSON (an object, a number): its text is the bytes.
  return Buffer.from(JSON.stringify(v), 'utf8');
}

function headersOf(raw: unknown, line: number): Array<[string, Buffer | null]> {
  if (raw === undefined || raw === null) return [];
  const one = (v: unknown): Buffer | null => (v === null || v === undefined ? null : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8'));
  if (Array.isArray(raw)) {
    // Ours: [{key, value, valueBase64?}]. kcat -J: a flat list [k1, v1, k2, v2, …].
    if (raw.every((h) => isObject(h))) {
      return raw.map((h) => {
        const o = h as Record<string, unknown>;
        if (typeof o.key !== 'string') throw new CaptureLineError(line, 'each header needs a string "key"');
        return [o.key, bytesOf(o, 'value', 'valueBase64', line)];
      });
    }
    if (raw.length % 2 !== 0) throw new CaptureLineError(line, 'headers as a flat list need pairs of name and value');
    const out: Array<[string, Buffer | null]> = [];
    for (let i = 0; i < raw.length; i += 2) {
      if (typeof raw[i] !== 'string') throw new CaptureLineError(line, 'a header name must be a string');
      out.push([raw[i] as string, one(raw[i + 1])]);
    }
    return out;
  }
  // `tributary consume --format json`: {name: value}.
  if (isObject(raw)) return Object.entries(raw).map(([k, v]) => [k, one(v)]);
  throw new CaptureLineError(line, 'headers must be a list or an object');
}

function intField(obj: Record<string, unknown>, name: string, line: number): number | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (name === 'timestamp' ? -1 : 0)) throw new CaptureLineError(line, `"${name}" must be a non-negative integer`);
  return v;
}

/**
 * Reads one line of a capture: this format, `tributary consume --format json` output, or kcat's `-J` output
 * (`payload` for the value, `ts` for the timestamp, headers as a flat list). Throws CaptureLineError naming the line.
 */
export function parseCaptureLine(textLine: string, line: number): CapturedRecord {
  let obj: unknown;
  try {
    obj = JSON.parse(textLine);
  } catch (e) {
    throw new CaptureLineError(line, `not JSON (${(e as Error).message})`);
  }
  if (!isObject(obj)) throw new CaptureLineError(line, 'each line must be a JSON object, one record');
  const kcat = !('value' in obj) && !('valueBase64' in obj) && 'payload' in obj;
  const topic = obj.topic;
  if (topic !== undefined && typeof topic !== 'string') throw new CaptureLineError(line, '"topic" must be a string');
  return {
    topic: topic as string | undefined,
    partition: intField(obj, 'partition', line),
    offset: intField(obj, 'offset', line),
    timestamp: intField(obj, kcat ? 'ts' : 'timestamp', line),
    key: bytesOf(obj, 'key', 'keyBase64', line),
    value: bytesOf(obj, kcat ? 'payload' : 'value', 'valueBase64', line),
    headers: headersOf(obj.headers, line),
  };
}
