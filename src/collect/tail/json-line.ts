import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../common/json-depth.js';
import { levelWord } from '../../common/level/index.js';
import { epochToMs, parseTimestampString } from './timestamp.js';

/*
 * A line that is a JSON object (structured logging: pino, bunyan, zap, logstash, ECS) keeps its text as-is; only the
 * timestamp and level are read from the usual fields. Numbers are epoch seconds, milliseconds, micro- or nanoseconds.
 */

const TIME_FIELDS = ['@timestamp', 'timestamp', 'time', 'ts', 'datetime', 'date', 't', '@t'];
const LEVEL_FIELDS = ['level', 'severity', 'lvl', 'loglevel', 'log.level', 'levelname', 'severity_text', 'LEVEL', 'Level', 'Severity', '@l'];
/** pino and bunyan write numeric levels. */
const NUMERIC_LEVELS: [number, string][] = [[60, 'FATAL'], [50, 'ERROR'], [40, 'WARN'], [30, 'INFO'], [20, 'DEBUG'], [10, 'TRACE']];

export interface JsonFields {
  timestamp?: number;
  level?: string;
}

/** The timestamp and level of a JSON-object line, or undefined when the line is not a JSON object. */
export function parseJsonLine(text: string, now: number): JsonFields | undefined {
  const last = lastNonSpace(text);
  if (text.charCodeAt(0) !== 123 || text.charCodeAt(last) !== 125) return undefined;
  if (jsonDeeperThan(text, MAX_JSON_DEPTH)) return undefined; // kept as plain text: deep nesting makes JSON.parse super-linear
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  return jsonFields(obj as Record<string, unknown>, now);
}

/** The timestamp and level of an already-parsed JSON log object (the HTTP NDJSON ingest shares this). */
export function jsonFields(o: Record<string, unknown>, now: number): JsonFields {
  const out: JsonFields = {};
  for (const f of TIME_FIELDS) {
    const t = timeValue(o[f], now);
    if (t !== undefined) {
      out.timestamp = t;
      break;
    }
  }
  const nested = o['log'];
  const levelSources = typeof nested === 'object' && nested !== null ? [o, nested as Record<string, unknown>] : [o];
  for (const src of levelSources) {
    for (const f of LEVEL_FIELDS) {
      const l = levelValue(src[f]);
      if (l !== undefined) {
        out.level = l;
        return out;
      }
    }
  }
  return out;
}

function timeValue(v: unknown, now: number): number | undefined {
  if (typeof v === 'number') return epochToMs(v);
  if (typeof v === 'string' && v.length > 0 && v.length < 64) return parseTimestampString(v, now);
  return undefined;
}

function levelValue(v: unknown): string | undefined {
  if (typeof v === 'string') return levelWord(v.trim());
  if (typeof v === 'number') {
    for (const [min, name] of NUMERIC_LEVELS) if (v >= min) return name;
  }
  return undefined;
}

function lastNonSpace(s: string): number {
  let i = s.length - 1;
  while (i > 0 && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i--;
  return i;
}
