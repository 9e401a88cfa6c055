import type { LogTap } from '../log-tap.js';
import type { CompiledRule } from '../rule.js';
import type { AlertInputs, Evaluator } from './evaluator.js';
import { GroupLagEvaluator } from './group-lag.js';
import { LogCountEvaluator } from './log-count.js';
import { MetricThresholdEvaluator } from './metric-threshold.js';
import { SourceSilentEvaluator } from './source-silent.js';

export type { AlertInputs, Evaluator } from './evaluator.js';

/** The evaluator of a rule's kind. `startedAt`: when silent sources named by a rule start being watched. */
export function evaluatorFor(c: CompiledRule, i: AlertInputs, tap: LogTap, startedAt: number): Evaluator {
  const r = c.rule;
  switch (r.kind) {
    case 'log-count':
      return new LogCountEvaluator(r, c.windowMs, i.logs, tap);
    case 'metric-threshold':
      return new MetricThresholdEvaluator(r, i.metrics);
    case 'source-silent':
      return new SourceSilentEvaluator(r, c.silentForMs, () => i.clients(), startedAt, () => i.senders?.() ?? []);
    case 'group-lag':
      return new GroupLagEvaluator(r, () => i.groupIds(), (g) => i.lag(g));
  }
}
