// How a consumed message is printed. Both formats are one line per message so output can be piped to grep, jq, wc.
export type OutputFormat = 'text' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

type HeaderValue = Buffer | string | Array<Buffer | string> | undefined;

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, HeaderValue>;
}

function toText(bytes: Buffer | string | null | undefined): string | null {
  if (bytes === null || bytes === undefined) return null;
  return typeof bytes === 'string' ? bytes : bytes.toString('utf8');
}

/** Kafka allows a header key more than once; the format promises an object of strings, so the last value wins. */
function headersToStrings(headers: Record<string, HeaderValue> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    out[key] = toText(value) ?? '';
  }
  return out;
}

/** Returns the line without its trailing newline. A null value (a tombstone) prints as `null`, as Kafka's console consumer does. */
export function formatMessage(message: ConsumedMessage, format: OutputFormat): string {
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
