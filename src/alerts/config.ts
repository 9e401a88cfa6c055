import { parseDuration } from '../common/duration.js';
import { InvalidValueError } from '../common/invalid-value.js';
import { validateTopicName } from '../common/topic-name.js';
import { AlertRuleError, MAX_RULES, parseRule, type AlertRule } from './rule.js';

/**
 * The `alerts` section of the serve config:
 *
 * {
 *   "alerts": {
 *     "interval": "15s",          // how often every rule is evaluated
 *     "topic": "alerts",          // where each notification is also written as a JSON record ("" or false: nowhere)
 *     "rules": [ { "id": "errors", "kind": "log-count", "query": "level:error", "by": "host", "window": "1m", "threshold": 10 } ],
 *     "webhooks": [ { "url": "https://hooks.example/alerts" } ]
 *   }
 * }
 *
 * Rules and webhooks from the file are read-only in the API and the UI; the ones made there live in __meta/alerts.json.
 */

/** A URL notifications are POSTed to as JSON. Only URLs set here or through the API are ever called. */
export interface Webhook {
  url: string;
  /** Extra request headers (an Authorization header for the receiver). */
  headers?: Record<string, string>;
}

export interface AlertsConfig {
  intervalMs: number;
  /** Topic of the notification records; null: none written. */
  topic: string | null;
  rules: AlertRule[];
  webhooks: Webhook[];
}

export const ALERTS_DEFAULTS: AlertsConfig = { intervalMs: 15_000, topic: 'alerts', rules: [], webhooks: [] };
export const MAX_WEBHOOKS = 20;

/** Checks one webhook; throws AlertRuleError naming `where`. */
export function parseWebhook(input: unknown, where: string): Webhook {
  if (typeof input === 'string') input = { url: input };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AlertRuleError(`${where}: must be an object {"url": "https://…"} or a URL string`);
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'url' && k !== 'headers') throw new AlertRuleError(`${where}.${k}: is not a key of a webhook; known keys: url, headers`);
  let url: URL;
  try {
    url = new URL(String(o.url));
  } catch {
    throw new AlertRuleError(`${where}.url: ${JSON.stringify(o.url)} is not a URL; write http://HOST:PORT/PATH or https://…`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AlertRuleError(`${where}.url: only http and https webhooks are supported, not ${url.protocol}`);
  const headers = o.headers;
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
      throw new AlertRuleError(`${where}.headers: must be an object of header names to string values`);
    }
  }
  return { url: url.toString(), ...(headers ? { headers: headers as Record<string, string> } : {}) };
}

/** Rules and webhooks as a list; ids must be unique. */
export function parseRulesAndWebhooks(o: { rules?: unknown; webhooks?: unknown }, where: string): { rules: AlertRule[]; webhooks: Webhook[] } {
  if (o.rules !== undefined && !Array.isArray(o.rules)) throw new AlertRuleError(`${where}.rules: must be a list of rules`);
  if (o.webhooks !== undefined && !Array.isArray(o.webhooks)) throw new AlertRuleError(`${where}.webhooks: must be a list of webhooks`);
  const rawRules = (o.rules as unknown[] | undefined) ?? [];
  const rawHooks = (o.webhooks as unknown[] | undefined) ?? [];
  if (rawRules.length > MAX_RULES) throw new AlertRuleError(`${where}.rules: at most ${MAX_RULES} rules`);
  if (rawHooks.length > MAX_WEBHOOKS) throw new AlertRuleError(`${where}.webhooks: at most ${MAX_WEBHOOKS} webhooks`);
  const rules = rawRules.map((r, i) => parseRule(r, `${where}.rules[${i}]`));
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.id)) throw new AlertRuleError(`${where}.rules: the id ${JSON.stringify(r.id)} is used twice; every rule needs its own id`);
    seen.add(r.id);
  }
  return { rules, webhooks: rawHooks.map((w, i) => parseWebhook(w, `${where}.webhooks[${i}]`)) };
}

/** Parses the section (undefined: the defaults); throws AlertRuleError with the key path. */
export function parseAlertsConfig(input: unknown, where = 'alerts'): AlertsConfig {
  if (input === undefined) return { ...ALERTS_DEFAULTS };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AlertRuleError(`${where}: must be an object with rules, webhooks, interval, topic`);
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['rules', 'webhooks', 'interval', 'topic'].includes(k)) throw new AlertRuleError(`${where}.${k}: unknown key; known keys: rules, webhooks, interval, topic`);
  let intervalMs = ALERTS_DEFAULTS.intervalMs;
  if (o.interval !== undefined) {
    try {
      intervalMs = parseDuration(o.interval);
    } catch (e) {
      if (e instanceof InvalidValueError) throw new AlertRuleError(`${where}.interval: ${e.message}`);
      throw e;
    }
    if (intervalMs < 100) throw new AlertRuleError(`${where}.interval: must be at least 100ms`);
  }
  let topic: string | null = ALERTS_DEFAULTS.topic;
  if (o.topic === false || o.topic === '') topic = null;
  else if (o.topic !== undefined) {
    const err = typeof o.topic === 'string' ? validateTopicName(o.topic) : 'it must be a string';
    if (err) throw new AlertRuleError(`${where}.topic: ${JSON.stringify(o.topic)} is not a valid topic name (${err}); or false for none`);
    topic = o.topic as string;
  }
  return { intervalMs, topic, ...parseRulesAndWebhooks(o, where) };
}
