import { parseDuration } from '../common/duration.js';
import { InvalidValueError } from '../common/invalid-value.js';
import { compileQuery, QuerySyntaxError } from '../query/language/index.js';
import { parseWhere } from '../metrics/query/index.js';

/**
 * Alert rules: what a rule says (as the config file, the API and the UI write it) and its validation. Durations are
 * kept as written ("5m", or a number of ms) so the UI shows them back the same way; `compileRule` turns them into ms.
 */

export type RuleKind = 'log-count' | 'metric-threshold' | 'source-silent' | 'group-lag';
export const RULE_KINDS: readonly RuleKind[] = ['log-count', 'metric-threshold', 'source-silent', 'group-lag'];
export type Comparison = '>' | '>=' | '<' | '<=';
export type Reduce = 'avg' | 'max' | 'min' | 'sum';
export type SourceKey = 'agent' | 'host' | 'client';
export type Duration = string | number;

interface RuleCommon {
  id: string;
  name: string;
  enabled: boolean;
  /** The condition must hold this long (pending) before the alert fires. */
  for: Duration;
  /** A firing alert resolves only after its condition has been false this long (flap damping). */
  keepFiring: Duration;
  /** A firing alert notifies again after this long, not at every evaluation. */
  repeatInterval: Duration;
  description?: string;
}

/** More than `threshold` records matching `query` within `window`, per value of `by` (none: one count). */
export interface LogCountRule extends RuleCommon {
  kind: 'log-count';
  query: string;
  topics?: string[];
  by?: string;
  window: Duration;
  op: '>' | '>=';
  threshold: number;
}

/** The latest value of a metric, reduced over the series sharing the `by` tags, compared with `threshold`. */
export interface MetricThresholdRule extends RuleCommon {
  kind: 'metric-threshold';
  measurement: string;
  field: string;
  where?: string;
  by?: string[];
  reduce: Reduce;
  op: Comparison;
  threshold: number;
}

/** No records from a source (agent, `host` header, or client) for `silentFor`. */
export interface SourceSilentRule extends RuleCommon {
  kind: 'source-silent';
  by: SourceKey;
  silentFor: Duration;
  /** The sources expected (names); absent: every source seen producing. */
  sources?: string[];
}

/** A consumer group's lag (records not yet consumed, summed per group or per group and topic) above `threshold`. */
export interface GroupLagRule extends RuleCommon {
  kind: 'group-lag';
  /** Group names, or prefixes ending in `*`; absent: every group. */
  groups?: string[];
  topic?: string;
  by: 'group' | 'topic';
  threshold: number;
}

export type AlertRule = LogCountRule | MetricThresholdRule | SourceSilentRule | GroupLagRule;

/** A rule with its durations in ms, as the engine uses it. */
export interface CompiledRule {
  rule: AlertRule;
  /** From the config file: shown, never changed by the API. */
  readOnly: boolean;
  forMs: number;
  keepFiringMs: number;
  repeatMs: number;
  windowMs: number;
  silentForMs: number;
}

export class AlertRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertRuleError';
  }
}

export const MAX_RULES = 1000;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_TEXT = 4096;
const MAX_LIST = 100;

const bad = (where: string, message: string) => new AlertRuleError(`${where}: ${message}`);

function str(o: Record<string, unknown>, key: string, where: string, opts: { optional?: boolean; max?: number } = {}): string | undefined {
  const v = o[key];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw bad(`${where}.${key}`, opts.optional ? 'must be a non-empty string when given' : 'is required (a non-empty string)');
  if (v.length > (opts.max ?? MAX_TEXT)) throw bad(`${where}.${key}`, `is longer than ${opts.max ?? MAX_TEXT} characters`);
  return v;
}

function num(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${where}.${key}`, `is required (a number), got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function oneOf<T extends string>(o: Record<string, unknown>, key: string, where: string, allowed: readonly T[], dflt: T): T {
  const v = o[key] ?? dflt;
  if (!allowed.includes(v as T)) throw bad(`${where}.${key}`, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function duration(o: Record<string, unknown>, key: string, where: string, dflt: Duration, min = 0): Duration {
  const v = (o[key] ?? dflt) as unknown;
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch (e) {
    if (e instanceof InvalidValueError) throw bad(`${where}.${key}`, e.message);
    throw e;
  }
  if (ms < min) throw bad(`${where}.${key}`, `must be at least ${min} ms`);
  return v as Duration;
}

function strings(o: Record<string, unknown>, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > MAX_LIST || v.some((s) => typeof s !== 'string' || s.trim() === '' || s.length > 256)) {
    throw bad(`${where}.${key}`, `must be a list of at most ${MAX_LIST} non-empty strings`);
  }
  return v.length ? (v as string[]) : undefined;
}

const KNOWN_KEYS: Record<RuleKind, string[]> = {
  'log-count': ['query', 'topics', 'by', 'window', 'op', 'threshold'],
  'metric-threshold': ['measurement', 'field', 'where', 'by', 'reduce', 'op', 'threshold'],
  'source-silent': ['by', 'silentFor', 'sources'],
  'group-lag': ['groups', 'topic', 'by', 'threshold'],
};
const COMMON_KEYS = ['id', 'name', 'kind', 'enabled', 'for', 'keepFiring', 'repeatInterval', 'description'];

/**
 * Checks one rule as the user wrote it and returns it normalised (defaults filled in). `where` prefixes every message
 * (`alerts.rules[2]`, `body`). Throws AlertRuleError naming the key and saying what to write instead.
 */
export function parseRule(input: unknown, where: string): AlertRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad(where, 'must be an object');
  const o = input as Record<string, unknown>;
  const kind = oneOf(o, 'kind', where, RULE_KINDS, undefined as unknown as RuleKind);
  for (const k of Object.keys(o)) {
    if (!COMMON_KEYS.includes(k) && !KNOWN_KEYS[kind].includes(k)) throw bad(`${where}.${k}`, `is not a key of a ${kind} rule; known keys: ${[...COMMON_KEYS, ...KNOWN_KEYS[kind]].join(', ')}`);
  }
  const id = str(o, 'id', where, { max: 64 })!;
  if (!ID.test(id)) throw bad(`${where}.id`, 'must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit');
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') throw bad(`${where}.enabled`, 'must be true or false');
  const common = {
    id,
    name: str(o, 'name', where, { optional: true, max: 200 }) ?? id,
    enabled: o.enabled !== false,
    for: duration(o, 'for', where, 0),
    keepFiring: duration(o, 'keepFiring', where, 0),
    repeatInterval: duration(o, 'repeatInterval', where, '4h', 1000),
    ...(o.description !== undefined ? { description: str(o, 'description', where, { optional: true }) } : {}),
  };
  switch (kind) {
    case 'log-count': {
      const query = typeof o.query === 'string' ? o.query : '';
      if (query.length > MAX_TEXT) throw bad(`${where}.query`, `is longer than ${MAX_TEXT} characters`);
      try {
        compileQuery(query);
      } catch (e) {
        if (e instanceof QuerySyntaxError) throw bad(`${where}.query`, e.message);
        throw e;
      }
      const by = str(o, 'by', where, { optional: true, max: 256 });
      const threshold = num(o, 'threshold', where);
      if (threshold < 0) throw bad(`${where}.threshold`, 'must be 0 or more (a count of records)');
      return { ...common, kind, query, ...opt('topics', strings(o, 'topics', where)), ...opt('by', by), window: duration(o, 'window', where, '1m', 100), op: oneOf(o, 'op', where, ['>', '>='] as const, '>'), threshold };
    }
    case 'metric-threshold': {
      const whereText = str(o, 'where', where, { optional: true });
      if (whereText !== undefined) {
        try {
          parseWhere(whereText);
        } catch (e) {
          throw bad(`${where}.where`, (e as Error).message);
        }
      }
      return {
        ...common,
        kind,
        measurement: str(o, 'measurement', where, { max: 256 })!,
        field: str(o, 'field', where, { optional: true, max: 256 }) ?? 'value',
        ...opt('where', whereText),
        ...opt('by', strings(o, 'by', where)),
        reduce: oneOf(o, 'reduce', where, ['avg', 'max', 'min', 'sum'] as const, 'avg'),
        op: oneOf(o, 'op', where, ['>', '>=', '<', '<='] as const, '>'),
        threshold: num(o, 'threshold', where),
      };
    }
    case 'source-silent':
      return { ...common, kind, by: oneOf(o, 'by', where, ['agent', 'host', 'client'] as const, 'agent'), silentFor: duration(o, 'silentFor', where, '5m', 100), ...opt('sources', strings(o, 'sources', where)) };
    case 'group-lag': {
      const threshold = num(o, 'threshold', where);
      if (threshold < 0) throw bad(`${where}.threshold`, 'must be 0 or more (a number of records)');
      return { ...common, kind, ...opt('groups', strings(o, 'groups', where)), ...opt('topic', str(o, 'topic', where, { optional: true, max: 249 })), by: oneOf(o, 'by', where, ['group', 'topic'] as const, 'group'), threshold };
    }
  }
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

export function compileRule(rule: AlertRule, readOnly: boolean): CompiledRule {
  return {
    rule,
    readOnly,
    forMs: parseDuration(rule.for),
    keepFiringMs: parseDuration(rule.keepFiring),
    repeatMs: parseDuration(rule.repeatInterval),
    windowMs: rule.kind === 'log-count' ? parseDuration(rule.window) : 0,
    silentForMs: rule.kind === 'source-silent' ? parseDuration(rule.silentFor) : 0,
  };
}

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}
