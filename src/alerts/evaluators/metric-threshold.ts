import { parseWhere } from '../../metrics/query/index.js';
import type { MetricsReader, TagMatcher } from '../../metrics/types.js';
import { compare, type MetricThresholdRule } from '../rule.js';
import type { Observation, Sample } from '../state-machine.js';
import { SAMPLES_PER_GROUP, type Evaluator } from './evaluator.js';

/** How far back the latest point of a series is looked for: a series silent longer has no current value. */
export const METRIC_LOOKBACK_MS = 120_000;

/**
 * A metric's current value per group (the series sharing the rule's `by` tags): the latest raw point of each series
 * within the lookback, reduced (avg, max, min, sum), compared with the threshold. "Sustained for 5 minutes" is the
 * rule's `for`: the state machine keeps the alert pending until the condition has held that long. Each evaluation
 * reads only the lookback window of the matching series.
 */
export class MetricThresholdEvaluator implements Evaluator {
  private readonly matchers: TagMatcher[];

  constructor(
    private readonly rule: MetricThresholdRule,
    private readonly metrics: MetricsReader | null,
    private readonly lookbackMs = METRIC_LOOKBACK_MS,
  ) {
    this.matchers = rule.where ? parseWhere(rule.where) : [];
  }

  async evaluate(now: number): Promise<Observation[]> {
    if (!this.metrics) throw new Error('the metrics store is off ("metrics": {"enabled": false}); metric rules cannot be evaluated');
    const series = this.metrics.select(this.rule.measurement, this.rule.field, this.matchers);
    if (series.length === 0) return [];
    const points = this.metrics.readRawMany(series.map((s) => s.id), now - this.lookbackMs, now + 1);
    const by = this.rule.by ?? [];
    const groups = new Map<string, { labels: Record<string, string>; values: number[]; samples: Sample[] }>();
    series.forEach((s, i) => {
      const p = points[i]!;
      const n = p.timestamps.length;
      if (n === 0) return;
      const labels = Object.fromEntries(by.map((k) => [k, s.tags[k] ?? '']));
      const key = by.map((k) => `${k}=${labels[k]}`).join(',');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels, values: [], samples: [] }));
      g.values.push(p.values[n - 1]!);
      // The last few points of the series: what the value was made of.
      for (let j = Math.max(0, n - SAMPLES_PER_GROUP); j < n && g.samples.length < SAMPLES_PER_GROUP * 2; j++) g.samples.push({ kind: 'point', tags: { ...s.tags }, timestamp: p.timestamps[j]!, value: p.values[j]! });
    });
    const out: Observation[] = [];
    for (const [key, g] of groups) {
      const v = reduce(g.values, this.rule.reduce);
      out.push({ key, labels: g.labels, active: compare(v, this.rule.op, this.rule.threshold), value: v, samples: g.samples });
    }
    return out;
  }
}

function reduce(values: number[], how: MetricThresholdRule['reduce']): number {
  switch (how) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}
