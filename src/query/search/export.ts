import { mergedMatches, type SearchPlan } from './search.js';
import type { FoundRecord } from './types.js';
import { captureJson, type CaptureJson } from '../../common/record-capture.js';

export type ExportFormat = 'ndjson' | 'csv';

/** Output is handed on in pieces of about this size: few writes, and at most this much held beyond one block. */
const PIECE_CHARS = 64 * 1024;

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

/**
 * One record as an object for JSON: the same fields as a search page's records, values as UTF-8 text, and bytes that
 * are not UTF-8 also exactly as base64 (the capture format `tributary import` reads back).
 */
export function recordJson(r: FoundRecord): CaptureJson {
  return captureJson(r);
}

/** RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
function csvField(s: string | null): string {
  if (s === null) return '';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = 'time,topic,partition,offset,timestamp,key,value,headers\r\n';

function csvLine(r: FoundRecord): string {
  const headers = r.headers.length ? JSON.stringify(Object.fromEntries(r.headers.map(([k, v]) => [k, text(v)]))) : '';
  const time = r.timestamp >= 0 ? new Date(r.timestamp).toISOString() : '';
  return `${time},${csvField(r.topic)},${r.partition},${r.offset},${r.timestamp},${csvField(text(r.key))},${csvField(text(r.value))},${csvField(headers)}\r\n`;
}

/**
 * The whole result set of a plan as NDJSON lines or CSV rows, in pieces, with no page limit. Pulled: nothing is read
 * from the log until the consumer asks for the next piece, so a slow client holds the scan back (backpressure) and
 * memory stays at one block per partition plus one piece.
 */
export async function* exportLines(plan: SearchPlan, format: ExportFormat, signal?: AbortSignal): AsyncGenerator<string> {
  yield* recordLines(matchedRecords(plan, signal), format);
}

async function* matchedRecords(plan: SearchPlan, signal?: AbortSignal): AsyncGenerator<FoundRecord> {
  for await (const { record } of mergedMatches(plan, signal)) yield record;
}

/** Any stream of records (a search's matches, a browse from a seek point) as NDJSON lines or CSV rows, in pieces. */
export async function* recordLines(records: AsyncIterable<FoundRecord>, format: ExportFormat): AsyncGenerator<string> {
  let piece = format === 'csv' ? CSV_HEADER : '';
  for await (const record of records) {
    piece += format === 'csv' ? csvLine(record) : `${JSON.stringify(recordJson(record))}\n`;
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (piece.length) yield piece;
}
