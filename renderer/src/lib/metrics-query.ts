// What one chart of the Metrics view draws, as the metrics routes take it (docs/metrics-queries.md), and how a set of
// charts travels in the URL. Pure: no Svelte, no fetch, so the unit tests and the bench can use it.

export const AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'increase', 'p50', 'p90', 'p95', 'p99'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** One chart: a metrics query (`metric`) or log records counted per step (`logs`), parameters as the API names them. */
export interface ChartSpec {
  title?: string;
  kind: 'metric' | 'logs';
  measurement?: string;
  field?: string;
  where?: string;
  agg?: string;
  by?: string;
  step?: string;
  topic?: string;
  q?: string;
}

const KEYS = ['title', 'kind', 'measurement', 'field', 'where', 'agg', 'by', 'step', 'topic', 'q'] as const;

/** Only the keys a chart has, trimmed, without empties: what is saved and put in the URL. */
export function cleanChart(c: ChartSpec): ChartSpec {
  const out: Record<string, string> = {};
  for (const k of KEYS) {
    const v = c[k]?.trim();
    if (v) out[k] = v;
  }
  out.kind = c.kind === 'logs' ? 'logs' : 'metric';
  return out as unknown as ChartSpec;
}

/** A metric chart needs its measurement and field; a log chart can count every record. */
export function isComplete(c: ChartSpec): boolean {
  return c.kind === 'logs' || (!!c.measurement && !!c.field);
}

/** What the chart shows, when it has no title: `avg(cpu.usage_active) by host`, `count(level:error) by host`. */
export function chartLabel(c: ChartSpec): string {
  if (c.title) return c.title;
  if (c.kind === 'logs') return `log records${c.q ? ` matching ${c.q}` : ''}${c.topic ? ` in ${c.topic}` : ''}${c.by ? ` by ${c.by}` : ''}`;
  if (!c.measurement || !c.field) return 'new chart';
  return `${c.agg || 'avg'}(${c.measurement}.${c.field})${c.where ? ` where ${c.where}` : ''}${c.by ? ` by ${c.by}` : ''}`;
}

/**
 * Query parameters for /metrics/query or /metrics/logs over a range (`from`/`to` as the API takes them), or, with
 * `live`, the body of a live subscription (no `to`: it follows the clock).
 */
export function queryOf(c: ChartSpec, range: { from: string; to: string }, extraWhere = '', live = false): Record<string, string> {
  const p: Record<string, string> = {};
  const set = (k: string, v: string | undefined) => {
    if (v) p[k] = v;
  };
  if (c.kind === 'logs') {
    set('topic', c.topic);
    set('q', c.q);
    set('by', c.by);
  } else {
    set('measurement', c.measurement);
    set('field', c.field);
    set('where', [c.where, extraWhere].filter(Boolean).join(','));
    set('by', c.by);
    set('agg', c.agg);
  }
  set('step', c.step);
  set('from', range.from);
  if (!live) set('to', range.to);
  return p;
}

/** Charts as URL text: compact JSON. */
export function encodeCharts(charts: ChartSpec[]): string {
  return JSON.stringify(charts.map(cleanChart));
}

/** The charts a URL holds; null when the text is not a list of charts. */
export function decodeCharts(text: string | undefined): ChartSpec[] | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) return null;
    return v.filter((c): c is ChartSpec => !!c && typeof c === 'object').map(cleanChart);
  } catch {
    return null;
  }
}

/** The label of one series of an answer: its tag values (`web-1 · /var`), or the chart's field when ungrouped. */
export function seriesLabel(tags: Record<string, string>, c: ChartSpec, other = false): string {
  if (other) return 'other';
  const vals = Object.values(tags);
  if (vals.length === 0) return c.kind === 'logs' ? 'records' : c.field || 'value';
  return vals.map((v) => v || '(none)').join(' · ');
}
