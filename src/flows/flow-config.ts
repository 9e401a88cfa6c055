import { InvalidValueError } from '../common/invalid-value.js';
import { compileQuery, QuerySyntaxError } from '../query/language/index.js';
import { validateTopicName } from '../storage/index.js';

/*
 * `"flows": [{"name": …, "source": {"topic": …, "query": …}, "target": {…}}]`: a local topic, filtered by a query or
 * not, copied continuously somewhere else. Four kinds of target: another local topic (a derived topic, reshaped or
 * not), a remote cluster's topic (through a connection), a rotated NDJSON file, an HTTP endpoint.
 */

export interface Reshape {
  /** Fields kept, in this order; a field the record lacks is left out of its JSON. */
  fields: string[];
  /** How the value is read: a JSON object or logfmt pairs (headers and built-ins such as _time always answer too). */
  from: 'json' | 'logfmt';
}

export type TargetConfig =
  | { kind: 'topic'; topic: string; reshape?: Reshape }
  | { kind: 'remote'; connection: string; topic: string }
  | { kind: 'file'; path: string; maxBytes: number; keep: number }
  | { kind: 'http'; url: string; batchRecords: number; headers?: Record<string, string>; deadLetterTopic: string; attempts: number };

export interface FlowConfig {
  name: string;
  source: { topic: string; query?: string };
  target: TargetConfig;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_FLOWS = 64;
const MIN_FILE_BYTES = 4096;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function keys(o: Record<string, unknown>, known: string[], where: string): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new InvalidValueError(`${where}: unknown key "${k}" (known: ${known.join(', ')})`, k);
}

function topic(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new InvalidValueError(`${where} must be a topic name`, v);
  const problem = validateTopicName(v);
  if (problem) throw new InvalidValueError(`${where}: ${problem}`, v);
  return v;
}

function int(v: unknown, where: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new InvalidValueError(`${where} must be an integer from ${min} to ${max}`, v);
  return v;
}

function parseTarget(raw: unknown, where: string, sourceTopic: string): TargetConfig {
  if (!isObject(raw)) throw new InvalidValueError(`${where} must be an object with a "kind": "topic", "remote", "file" or "http"`, raw);
  switch (raw.kind) {
    case 'topic': {
      keys(raw, ['kind', 'topic', 'reshape'], where);
      const t = topic(raw.topic, `${where}.topic`);
      if (t === sourceTopic) throw new InvalidValueError(`${where}.topic must differ from the source topic (a flow into its own source would never end)`, t);
      if (raw.reshape === undefined) return { kind: 'topic', topic: t };
      const r = raw.reshape;
      if (!isObject(r)) throw new InvalidValueError(`${where}.reshape must be {"fields": ["level", "msg"], "from": "json" | "logfmt"}`, r);
      keys(r, ['fields', 'from'], `${where}.reshape`);
      if (!Array.isArray(r.fields) || r.fields.length === 0 || r.fields.length > 100 || !r.fields.every((f) => typeof f === 'string' && f !== '' && f.length <= 256)) {
        throw new InvalidValueError(`${where}.reshape.fields must be a list of 1 to 100 field names`, r.fields);
      }
      const from = r.from ?? 'json';
      if (from !== 'json' && from !== 'logfmt') throw new InvalidValueError(`${where}.reshape.from must be "json" or "logfmt"`, from);
      return { kind: 'topic', topic: t, reshape: { fields: r.fields as string[], from } };
    }
    case 'remote': {
      keys(raw, ['kind', 'connection', 'topic'], where);
      if (typeof raw.connection !== 'string' || !NAME.test(raw.connection)) throw new InvalidValueError(`${where}.connection must name a connection (see "connections")`, raw.connection);
      return { kind: 'remote', connection: raw.connection, topic: topic(raw.topic, `${where}.topic`) };
    }
    case 'file': {
      keys(raw, ['kind', 'path', 'maxBytes', 'keep'], where);
      if (typeof raw.path !== 'string' || raw.path === '' || !raw.path.endsWith('.ndjson')) throw new InvalidValueError(`${where}.path must be a file name ending in .ndjson (rotated files: name.1.ndjson, name.2.ndjson, …)`, raw.path);
      return { kind: 'file', path: raw.path, maxBytes: int(raw.maxBytes, `${where}.maxBytes`, MIN_FILE_BYTES, 2 ** 40, 100 * 1024 * 1024), keep: int(raw.keep, `${where}.keep`, 1, 1000, 5) };
    }
    case 'http': {
      keys(raw, ['kind', 'url', 'batchRecords', 'headers', 'deadLetterTopic', 'attempts'], where);
      let url: URL;
      try {
        url = new URL(String(raw.url));
      } catch {
        throw new InvalidValueError(`${where}.url must be an http:// or https:// URL`, raw.url);
      }
      if (typeof raw.url !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new InvalidValueError(`${where}.url must be an http:// or https:// URL`, raw.url);
      const headers = raw.headers;
      if (headers !== undefined && (!isObject(headers) || !Object.entries(headers).every(([k, v]) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k) && typeof v === 'string' && !/[\r\n]/.test(v)))) {
        throw new InvalidValueError(`${where}.headers must be an object of header names to string values`, headers);
      }
      const dlq = topic(raw.deadLetterTopic, `${where}.deadLetterTopic`);
      if (dlq === sourceTopic) throw new InvalidValueError(`${where}.deadLetterTopic must differ from the source topic`, dlq);
      return {
        kind: 'http',
        url: raw.url,
        batchRecords: int(raw.batchRecords, `${where}.batchRecords`, 1, 100_000, 500),
        ...(headers ? { headers: headers as Record<string, string> } : {}),
        deadLetterTopic: dlq,
        attempts: int(raw.attempts, `${where}.attempts`, 1, 20, 5),
      };
    }
    default:
      throw new InvalidValueError(`${where}.kind must be "topic", "remote", "file" or "http"`, raw.kind);
  }
}

/** One flow as written (config file or API body); throws InvalidValueError naming the flow and key. */
export function parseFlow(raw: unknown, nameFromPath?: string): FlowConfig {
  if (!isObject(raw)) throw new InvalidValueError('a flow must be an object: {"name", "source": {"topic", "query"}, "target": {"kind", …}}', raw);
  const name = raw.name ?? nameFromPath;
  if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidValueError(`flow name ${JSON.stringify(name)} must be 1-64 letters, digits, _ or -`, name);
  if (nameFromPath !== undefined && name !== nameFromPath) throw new InvalidValueError(`the body names the flow "${name}" but the path "${nameFromPath}"`, name);
  const where = `flows.${name}`;
  keys(raw, ['name', 'source', 'target'], where);
  const s = raw.source;
  if (!isObject(s)) throw new InvalidValueError(`${where}.source must be {"topic": "app-logs", "query": "level:error"}`, s);
  keys(s, ['topic', 'query'], `${where}.source`);
  const sourceTopic = topic(s.topic, `${where}.source.topic`);
  let query: string | undefined;
  if (s.query !== undefined && s.query !== '') {
    if (typeof s.query !== 'string' || s.query.length > 10_000) throw new InvalidValueError(`${where}.source.query must be a search query (text)`, s.query);
    try {
      compileQuery(s.query);
    } catch (e) {
      if (e instanceof QuerySyntaxError) throw new InvalidValueError(`${where}.source.query: ${e.message}`, s.query);
      throw e;
    }
    query = s.query;
  }
  return { name, source: query === undefined ? { topic: sourceTopic } : { topic: sourceTopic, query }, target: parseTarget(raw.target, `${where}.target`, sourceTopic) };
}

/** The config file's `flows` list. */
export function parseFlows(raw: unknown): FlowConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InvalidValueError('flows must be a list: [{"name", "source", "target"}]', raw);
  if (raw.length > MAX_FLOWS) throw new InvalidValueError(`at most ${MAX_FLOWS} flows`, raw.length);
  const out = raw.map((f) => parseFlow(f));
  const seen = new Set<string>();
  for (const f of out) {
    if (seen.has(f.name)) throw new InvalidValueError(`two flows are named ${f.name}`, f.name);
    seen.add(f.name);
  }
  return out;
}
