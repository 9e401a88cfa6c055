import { compileQuery, type CompiledQuery } from '../../query/language/index.js';
import { emptyStats, PartitionScan, type FoundRecord, type SearchLogs } from '../../query/search/index.js';
import { compare, type LogCountRule } from '../rule.js';
import type { Observation, Sample } from '../state-machine.js';
import { sampleText, SAMPLES_PER_GROUP, type Evaluator } from './evaluator.js';

/** Groups counted at most per rule; records of further values are counted under `(other)`. */
const MAX_GROUPS = 10_000;
const MAX_VALUE_CHARS = 200;
/** Buckets per window: the window slides in steps of window/BUCKETS. */
const BUCKETS = 10;

/**
 * Records matching a query within a sliding window, per value of a field. Incremental: each partition is read from the
 * offset the previous evaluation stopped at (the first one, after a start, reads only the window: blocks older than
 * it are passed over on their timestamps, blocks the token index rules out unread), so an evaluation costs what was
 * appended since, never a rescan of the topic. Counts are kept per bucket of window/10 and dropped as the window slides.
 */
export class LogCountEvaluator implements Evaluator {
  private readonly query: CompiledQuery;
  private readonly step: number;
  private readonly positions = new Map<string, number>();
  private readonly counts = new Map<string, Map<number, number>>();
  private readonly samples = new Map<string, Sample[]>();

  constructor(
    private readonly rule: LogCountRule,
    private readonly windowMs: number,
    private readonly logs: SearchLogs,
    /** Topics never counted when the rule names none (the alerts topic: alerts must not count themselves). */
    private readonly skipTopics: ReadonlySet<string>,
  ) {
    this.query = compileQuery(rule.query);
    this.step = Math.max(1, Math.floor(windowMs / BUCKETS));
  }

  private partitions(): { topic: string; partition: number }[] {
    const names = this.rule.topics ?? this.logs.listTopics().map((t) => t.name).filter((n) => !n.startsWith('__') && !this.skipTopics.has(n));
    const out: { topic: string; partition: number }[] = [];
    for (const name of names) {
      const t = this.logs.getTopic(name);
      if (t) for (let p = 0; p < t.partitions; p++) out.push({ topic: name, partition: p });
    }
    return out;
  }

  private groupOf(r: FoundRecord): string {
    const by = this.rule.by;
    if (by === undefined) return '';
    const v = by === 'level' ? this.query.levelOf(r) : this.query.fieldOf(r, by);
    if (v === null) return '';
    return v.length > MAX_VALUE_CHARS ? `${v.slice(0, MAX_VALUE_CHARS)}…` : v;
  }

  async evaluate(now: number): Promise<Observation[]> {
    const first = Math.floor((now - this.windowMs) / this.step) * this.step;
    const stats = emptyStats();
    const seen = new Set<string>();
    for (const { topic, partition } of this.partitions()) {
      const id = `${topic}\u0000${partition}`;
      seen.add(id);
      const log = this.logs.partition(topic, partition);
      if (!log) continue;
      let next = this.positions.get(id) ?? log.logStartOffset;
      if (next > log.logEndOffset) next = log.logStartOffset; // the topic was deleted and created again
      const end = log.logEndOffset;
      if (end > next) {
        const scan = new PartitionScan(log, topic, partition, 'oldest', { lo: Math.max(next, log.logStartOffset), hi: end, from: first, to: Infinity }, this.query, stats);
        await scan.scanAll(undefined, (r) => this.add(r));
      }
      this.positions.set(id, end);
    }
    for (const id of this.positions.keys()) if (!seen.has(id)) this.positions.delete(id);
    const out: Observation[] = [];
    for (const [g, buckets] of this.counts) {
      let n = 0;
      for (const [s, c] of buckets) {
        if (s < first) buckets.delete(s);
        else n += c;
      }
      const samples = (this.samples.get(g) ?? []).filter((x) => x.kind === 'record' && x.timestamp >= first);
      if (buckets.size === 0) {
        this.counts.delete(g);
        this.samples.delete(g);
        continue;
      }
      this.samples.set(g, samples);
      out.push({ key: g, labels: this.rule.by === undefined ? {} : { [this.rule.by]: g }, active: compare(n, this.rule.op, this.rule.threshold), value: n, samples });
    }
    return out;
  }

  private add(r: FoundRecord): void {
    const start = Math.floor(r.timestamp / this.step) * this.step;
    let g = this.groupOf(r);
    if (!this.counts.has(g) && this.counts.size >= MAX_GROUPS) g = '(other)';
    let m = this.counts.get(g);
    if (!m) this.counts.set(g, (m = new Map()));
    m.set(start, (m.get(start) ?? 0) + 1);
    let s = this.samples.get(g);
    if (!s) this.samples.set(g, (s = []));
    s.push({ kind: 'record', topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: sampleText(r.key), value: sampleText(r.value) });
    if (s.length > SAMPLES_PER_GROUP) s.shift();
  }
}
