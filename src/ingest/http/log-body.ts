import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../common/json-depth.js';
import { detectLevel, jsonFields } from '../../collect/tail/index.js';
import type { AgentRecord } from '../../collect/record.js';
import { eachLine } from './lines.js';

/** text/plain: one record per line, value = the line, timestamp = receive time, `level` when the line states one. */
export function textRecords(text: string, maxLineBytes: number, nowMs: number, headers: Record<string, string>): AgentRecord[] {
  const out: AgentRecord[] = [];
  eachLine(text, maxLineBytes, (line) => {
    const level = detectLevel(line);
    out.push({ value: line, key: null, timestamp: nowMs, headers: level ? { ...headers, level } : headers });
  });
  return out;
}

/** One line of outside input as JSON: nesting is bounded first (deep nesting makes JSON.parse super-linear). */
export function parseJsonLine(line: string, what: string): unknown {
  if (jsonDeeperThan(line, MAX_JSON_DEPTH)) throw new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted (send ${what})`);
  try {
    return JSON.parse(line);
  } catch (e) {
    throw new Error(`invalid JSON: ${(e as Error).message} (send ${what})`);
  }
}

/**
 * NDJSON: each line one JSON object, stored as sent (value = the line). The timestamp and `level` header come from
 * the usual fields (@timestamp/timestamp/time/ts, level/severity/…) when present.
 */
export function ndjsonRecords(text: string, maxLineBytes: number, nowMs: number, headers: Record<string, string>): AgentRecord[] {
  const out: AgentRecord[] = [];
  eachLine(text, maxLineBytes, (line) => {
    const obj = parseJsonLine(line, 'one JSON object per line');
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`expected a JSON object, got ${Array.isArray(obj) ? 'an array' : JSON.stringify(obj)?.slice(0, 30)}`);
    const { timestamp, level } = jsonFields(obj as Record<string, unknown>, nowMs);
    out.push({ value: line, key: null, timestamp: timestamp ?? nowMs, headers: level ? { ...headers, level } : headers });
  });
  return out;
}
