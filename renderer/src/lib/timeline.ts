// One timeline for metrics and logs: a range picked on a chart opens the log views on the same range. Search takes
// `from`/`to` (epoch ms) as its own range; Messages seeks to the range's start in a topic; Live tail only follows now
// (the tail API has no start time), so it gets the chart's topics and query, not the range.
import { href } from './router.svelte';
import type { ChartSpec } from './metrics-query';
import { resolveTime, type Range } from './time-range';

/** The log query of a chart: a log chart's own query; for a metric chart, the host it is filtered to, if any. */
function logQuery(charts: ChartSpec[], hostFilter: string): string {
  const q = charts.find((c) => c.kind === 'logs' && c.q)?.q ?? '';
  const host = hostFilter ? `host:${/^[\w.-]+$/.test(hostFilter) ? hostFilter : JSON.stringify(hostFilter)}` : '';
  return [q, host].filter(Boolean).join(' ');
}

export function timelineLinks(range: Range, charts: ChartSpec[], hostFilter = '', now = Date.now()): { search: string; messages: string | null; tail: string } {
  const from = String(resolveTime(range.from, now));
  const to = range.to ? String(resolveTime(range.to, now)) : '';
  const q = logQuery(charts, hostFilter);
  const topic = charts.find((c) => c.kind === 'logs' && c.topic)?.topic?.split(',')[0]?.trim() ?? '';
  return {
    search: href('search', { q, from: range.to ? from : range.from, to }),
    messages: topic ? href('messages', { topic, seek: 'timestamp', ts: from }) : null,
    tail: href('tail', { topics: topic, q }),
  };
}
