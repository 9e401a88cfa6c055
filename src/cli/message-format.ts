// How a consumed message is printed. Both formats are one line per message so output can be piped to grep, jq, wc.
import { isUtf8 } from 'node:buffer';
import type { LineBatch } from './output.js';
import { captureJson } from '../common/record-capture.js';
/** text: the value; json: one object of text fields; capture: json with exact base64 for bytes that are not UTF-8 (what `import` reads). */
export type OutputFormat = 'text' | 'json' | 'capture';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'capture'];

type HeaderValue = Buffer | string | Array<Buffer | string> | undefined;

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string | number;
  timestamp: string | number;
  key: Buffer | null;
  value: Buffer | null;
  /** As an object (one value or a list per name) or as the record's own list of pairs. */
  headers?: Record<string, HeaderValue> | ReadonlyArray<readonly [string, Buffer | null]>;
}

function toText(bytes: Buffer | string | null | undefined): string | null {
  if (bytes === null || bytes === undefined) return null;
  return typeof bytes === 'string' ? bytes : bytes.toString('utf8');
}

/** Kafka allows a header key more than once; the format promises an object of strings, so the last value wins. */
function headersToStrings(headers: ConsumedMessage['headers']): Record<string, string> {
  // A Map, then fromEntries: a header named "__proto__" becomes an ordinary key instead of touching the prototype.
  const out = new Map<string, string>();
  if (Array.isArray(headers)) {
    for (const [key, value] of headers as ReadonlyArray<readonly [string, Buffer | null]>) out.set(key, toText(value) ?? '');
  } else {
    for (const [key, raw] of Object.entries((headers ?? {}) as Record<string, HeaderValue>)) {
      out.set(key, toText(Array.isArray(raw) ? raw[raw.length - 1] : raw) ?? '');
    }
  }
  return Object.fromEntries(out);
}

/** Returns the line without its trailing newline. A null value (a tombstone) prints as `null`, as Kafka's console consumer does. */
export function formatMessage(message: ConsumedMessage, format: Exclude<OutputFormat, 'capture'>): string {
  if (format === 'text') return toText(message.value) ?? 'null';
  return JSON.stringify({
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: toText(message.key),
    headers: headersToStrings(message.headers),
    value: toText(message.value),
  });
}

/** A fetched record, as the client decodes it. */
export interface RecordToPrint {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyArray<readonly [string, Buffer | null]>;
}

/**
 * Adds one record's line to `out`, exactly as formatMessage would print it. In text format a valid UTF-8 value is
 * copied as bytes (the same bytes its string would encode to); anything else goes through formatMessage.
 */
export function addRecordLine(out: LineBatch, topic: string, partition: number, record: RecordToPrint, format: OutputFormat): void {
  if (format === 'capture') out.addText(JSON.stringify(captureJson({ topic, partition, ...record })));
  else if (format === 'text' && record.value !== null && isUtf8(record.value)) out.addBytes(record.value);
  else out.addText(formatMessage({ topic, partition, ...record }, format as Exclude<OutputFormat, 'capture'>));
}
