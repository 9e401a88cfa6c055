// The alerts routes of the API (README, Alerts): rules, their alerts and history, webhooks, and the live feed the nav
// badge and the Alerts view share.
import { request } from './api';

export type RuleKind = 'log-count' | 'metric-threshold' | 'source-silent' | 'group-lag';
export type AlertState = 'ok' | 'pending' | 'firing' | 'resolved';

/** A rule as the API stores it: the common keys and the kind's own (loosely typed: the form edits them as text). */
export interface AlertRule {
  id: string;
  name: string;
  kind: RuleKind;
  enabled: boolean;
  for: string | number;
  keepFiring: string | number;
  repeatInterval: string | number;
  [key: string]: unknown;
}

export interface RuleStatus {
  rule: AlertRule;
  readOnly: boolean;
  state: AlertState;
  firing: number;
  pending: number;
  lastEvaluatedAt: number | null;
  error: string | null;
}

export interface AlertItem {
  rule: { id: string; name: string; kind: RuleKind };
  key: string;
  labels: Record<string, string>;
  state: AlertState;
  since: number;
  value: number | null;
}

export type Sample =
  | { kind: 'record'; topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null }
  | { kind: 'point'; tags: Record<string, string>; timestamp: number; value: number }
  | { kind: 'note'; text: string };

export interface HistoryEntry {
  id: number;
  at: number;
  rule: { id: string; name: string; kind: RuleKind };
  key: string;
  labels: Record<string, string>;
  from: AlertState;
  to: AlertState;
  value: number | null;
  samples: Sample[];
}

export interface Webhook {
  url: string;
  headers?: Record<string, string>;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await (await request(method, path, body === undefined ? {} : { body })).json()) as T;
}

const enc = encodeURIComponent;

export const alertsApi = {
  rules: () => json<{ rules: RuleStatus[] }>('GET', '/api/v1/alerts/rules').then((r) => r.rules),
  putRule: (id: string, rule: Record<string, unknown>) => json<RuleStatus>('PUT', `/api/v1/alerts/rules/${enc(id)}`, rule),
  deleteRule: (id: string) => request('DELETE', `/api/v1/alerts/rules/${enc(id)}`).then(() => undefined),
  history: (rule?: string) => json<{ history: HistoryEntry[] }>('GET', `/api/v1/alerts/history?limit=200${rule ? `&rule=${enc(rule)}` : ''}`).then((r) => r.history),
  webhooks: () => json<{ config: Webhook[]; editable: Webhook[]; stats: { delivered: number; retries: number; failed: number; dropped: number; lastError: string | null } }>('GET', '/api/v1/alerts/webhooks'),
  setWebhooks: (webhooks: Webhook[]) => json<{ webhooks: Webhook[] }>('PUT', '/api/v1/alerts/webhooks', { webhooks }),
};
