// One timeline for metrics and logs: the Metrics view's links open the log views on its range (the router also carries
// the range on every switch; these links add what the charts know: their query, topic and host filter).
import { href } from './router.svelte';
import type { ChartSpec } from './metrics-query';
import { rangeParams, type Range } from './time-range';

/** The log query of a chart: a log chart's own query; for a metric chart, the host it is filtered to, if any. */
function logQuery(charts: ChartSpec[], hostFilter: string): string {
  const q = charts.find((c) => c.kind === 'logs' && c.q)?.q ?? '';
  const host = hostFilter ? `host:${/^[\w.-]+$/.test(hostFilter) ? hostFilter : JSON.stringify(hostFilter)}` : '';
  return [q, host].filter(Boolean).join(' ');
}

export function timelineLinks(range: Range, charts: ChartSpec[], hostFilter = ''): { search: string; messages: string | null; tail: string } {
  const p = rangeParams(range);
  const r: Record<string, string> = { ...(p.from ? { from: p.from } : {}), ...(p.to ? { to: p.to } : {}) };
  const q = logQuery(charts, hostFilter);
  const topic = charts.find((c) => c.kind === 'logs' && c.topic)?.topic?.split(',')[0]?.trim() ?? '';
  return {
    search: href('search', { q, ...r }),
    messages: topic ? href('messages', { topic, ...r }) : null,
    tail: href('tail', { topics: topic, q, ...r }),
  };
}
