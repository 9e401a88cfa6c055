import type { PartitionLag } from '../../broker/groups/group-offsets.js';
import { compare, type GroupLagRule } from '../rule.js';
import type { Observation, Sample } from '../state-machine.js';
import { SAMPLES_PER_GROUP, type Evaluator } from './evaluator.js';

/** `name` or `prefix*`. */
export function groupMatches(patterns: readonly string[] | undefined, group: string): boolean {
  if (!patterns) return true;
  return patterns.some((p) => (p.endsWith('*') ? group.startsWith(p.slice(0, -1)) : group === p));
}

/**
 * Consumer-group lag (the log end offset minus the committed offset, summed over partitions with a committed offset)
 * per group, or per group and topic, above the bound. Reads the committed offsets and the end offsets in memory: no
 * log is read.
 */
export class GroupLagEvaluator implements Evaluator {
  constructor(
    private readonly rule: GroupLagRule,
    private readonly groupIds: () => string[],
    private readonly lag: (group: string) => PartitionLag[],
  ) {}

  async evaluate(): Promise<Observation[]> {
    const sums = new Map<string, { labels: Record<string, string>; lag: number; parts: PartitionLag[] }>();
    for (const group of this.groupIds()) {
      if (!groupMatches(this.rule.groups, group)) continue;
      for (const p of this.lag(group)) {
        if (p.lag === null) continue;
        if (this.rule.topic !== undefined && p.topic !== this.rule.topic) continue;
        const byTopic = this.rule.by === 'topic';
        const key = byTopic ? `${group}/${p.topic}` : group;
        let s = sums.get(key);
        if (!s) sums.set(key, (s = { labels: byTopic ? { group, topic: p.topic } : { group }, lag: 0, parts: [] }));
        s.lag += p.lag;
        s.parts.push(p);
      }
    }
    return [...sums].map(([key, s]) => {
      const samples: Sample[] = s.parts
        .sort((a, b) => (b.lag ?? 0) - (a.lag ?? 0))
        .slice(0, SAMPLES_PER_GROUP)
        .map((p) => ({ kind: 'note', text: `${p.topic}[${p.partition}]: committed ${p.committedOffset}, end ${p.logEndOffset}, lag ${p.lag}` }));
      return { key, labels: s.labels, active: compare(s.lag, '>', this.rule.threshold), value: s.lag, samples };
    });
  }
}
