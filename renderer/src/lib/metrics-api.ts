// The metrics and dashboard routes of the API (docs/metrics-queries.md, docs/openapi.json), beside api.ts so the
// Metrics view's calls live in one file.
import { request } from './api';
import { readColumnsAnswer } from './metrics-columns';
import type { ChartSpec } from './metrics-query';
import type { SeriesAnswer } from './series-window';

export interface Dashboard {
  id: string;
  title: string;
  from?: string;
  to?: string;
  charts: ChartSpec[];
  updatedAt: number;
}

export interface MetricsAnswer extends SeriesAnswer {
  stats: { step: number; tier?: string; elapsedMs?: number };
}

function qs(p: Record<string, string | number | undefined>): string {
  const e = Object.entries(p).filter(([, v]) => v !== undefined && v !== '') as [string, string | number][];
  return e.length ? `?${new URLSearchParams(e.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

async function json<T>(method: string, path: string, opts: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  return (await (await request(method, path, opts)).json()) as T;
}

const enc = encodeURIComponent;

export const metricsApi = {
  measurements: (prefix = '', signal?: AbortSignal) =>
    json<{ measurements: { name: string; series: number }[] }>('GET', `/api/v1/metrics/measurements${qs({ prefix })}`, { signal }).then((r) => r.measurements),
  fields: (measurement: string, signal?: AbortSignal) => json<{ fields: string[] }>('GET', `/api/v1/metrics/fields${qs({ measurement })}`, { signal }).then((r) => r.fields),
  tagKeys: (measurement: string, signal?: AbortSignal) => json<{ tagKeys: string[] }>('GET', `/api/v1/metrics/tag-keys${qs({ measurement })}`, { signal }).then((r) => r.tagKeys),
  tagValues: (measurement: string, key: string, prefix = '', signal?: AbortSignal) =>
    json<{ values: string[] }>('GET', `/api/v1/metrics/tag-values${qs({ measurement, key, prefix, limit: 200 })}`, { signal }).then((r) => r.values),
  // The binary columns form: the server copies its columns instead of formatting 100,000s of numbers, and none is parsed here.
  query: async (p: Record<string, string>, signal?: AbortSignal): Promise<MetricsAnswer> =>
    readColumnsAnswer(await (await request('GET', `/api/v1/metrics/query${qs({ ...p, format: 'columns' })}`, { signal })).arrayBuffer()),
  logs: (p: Record<string, string>, signal?: AbortSignal) => json<MetricsAnswer>('GET', `/api/v1/metrics/logs${qs(p)}`, { signal }),
  dashboards: () => json<{ dashboards: Dashboard[] }>('GET', '/api/v1/dashboards').then((r) => r.dashboards),
  dashboard: (id: string) => json<Dashboard>('GET', `/api/v1/dashboards/${enc(id)}`),
  saveDashboard: (id: string, body: { title: string; from?: string; to?: string; charts: ChartSpec[] }) => json<Dashboard>('PUT', `/api/v1/dashboards/${enc(id)}`, { body }),
  deleteDashboard: (id: string) => json<{ id: string; deleted: boolean }>('DELETE', `/api/v1/dashboards/${enc(id)}`),
};

/** A dashboard id from its title: `Web hosts` → `web-hosts`. */
export function slug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64) || 'dashboard'
  );
}
