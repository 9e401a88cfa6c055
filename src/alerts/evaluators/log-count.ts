import { compileQuery, type CompiledQuery } from '../../query/language/index.js';
import { emptyStats, PartitionScan, type FoundRecord, type SearchLogs } from '../../query/search/index.js';
import type { LogTap, TapSubscriber } from '../log-tap.js';
import { compare, type LogCountRule } from '../rule.js';
import type { Observation, Sample } from '../state-machine.js';
import { sampleText, SAMPLES_PER_GROUP, type Evaluator } from './evaluator.js';

/** Groups counted at most per rule; records of further values are counted under `(other)`. */
const MAX_GROUPS = 10_000;
const MAX_VALUE_CHARS = 200;
/** Buckets per window: the window slides in steps of window/BUCKETS. */
const BUCKETS = 10;

/**
 * Records matching a query within a sliding window, per value of a field. Incremental: the shared LogTap reads what
 * was appended since the previous evaluation, once for every log-count rule, and feeds this rule the records its
 * query matches; only its first evaluation reads on its own, and only its window (blocks older than it are passed
 * over on their timestamps, blocks the token index rules out unread). Counts are kept per bucket of window/10 and
 * dropped as the window slides.
 */
/** The record as a sample; made once per record for every rule it is fed to (kept in the memo, never changed). */
function sampleOf(r: FoundRecord, memo?: Map<string, unknown>): Sample {
  const cached = memo?.get(SAMPLE_MEMO) as Sample | undefined;
  if (cached) return cached;
  const s: Sample = { kind: 'record', topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: sampleText(r.key), value: sampleText(r.value) };
  memo?.set(SAMPLE_MEMO, s);
  return s;
}
const SAMPLE_MEMO = '\u0000sample';

export class LogCountEvaluator implements Evaluator {
  private readonly query: CompiledQuery;
  private readonly step: number;
  private readonly counts = new Map<string, Map<number, number>>();
  private readonly samples = new Map<string, Sample[]>();
  readonly subscriber: TapSubscriber;

  constructor(
    private readonly rule: LogCountRule,
    readonly windowMs: number,
    private readonly logs: SearchLogs,
    private readonly tap: LogTap,
  ) {
    this.query = compileQuery(rule.query);
    this.step = Math.max(1, Math.floor(windowMs / BUCKETS));
    this.subscriber = { query: rule.query, topics: rule.topics ?? null, ready: false, add: (r, memo) => this.add(r, memo) };
    tap.subscribe(this.subscriber);
  }

  close(): void {
    this.tap.unsubscribe(this.subscriber);
  }

  private groupOf(r: FoundRecord, memo?: Map<string, unknown>): string {
    const by = this.rule.by;
    if (by === undefined) return '';
    let v = memo?.get(by) as string | null | undefined;
    if (v === undefined) {
      // Fed by the tap (memo given): its shared context has parsed this record already.
      v = memo ? this.tap.fieldOf(r, by) : by === 'level' ? this.query.levelOf(r) : this.query.fieldOf(r, by);
      memo?.set(by, v);
    }
    if (v === null) return '';
    return v.length > MAX_VALUE_CHARS ? `${v.slice(0, MAX_VALUE_CHARS)}…` : v;
  }

  /** The rule's first evaluation: its window of what the tap has already passed, read with its own query. */
  private async backfill(first: number): Promise<void> {
    const stats = emptyStats();
    for (const topic of this.tap.topicsOf(this.subscriber)) {
      const t = this.logs.getTopic(topic);
      if (!t) continue;
      for (let p = 0; p < t.partitions; p++) {
        const log = this.logs.partition(topic, p);
        if (!log) continue;
        const hi = Math.min(this.tap.position(topic, p), log.logEndOffset);
        if (hi <= log.logStartOffset) continue;
        const scan = new PartitionScan(log, topic, p, 'oldest', { lo: log.logStartOffset, hi, from: first, to: Infinity }, this.query, stats);
        await scan.scanAll(undefined, (r) => this.add(r));
      }
    }
    this.subscriber.ready = true;
  }

  async evaluate(now: number): Promise<Observation[]> {
    const first = Math.floor((now - this.windowMs) / this.step) * this.step;
    if (!this.subscriber.ready) await this.backfill(first);
    const out: Observation[] = [];
    for (const [g, buckets] of this.counts) {
      let n = 0;
      for (const [s, c] of buckets) {
        if (s < first) buckets.delete(s);
        else n += c;
      }
      if (buckets.size === 0) {
        this.counts.delete(g);
        this.samples.delete(g);
        continue;
      }
      const samples = (this.samples.get(g) ?? []).filter((x) => x.kind === 'record' && x.timestamp >= first);
      this.samples.set(g, samples);
      out.push({ key: g, labels: this.rule.by === undefined ? {} : { [this.rule.by]: g }, active: compare(n, this.rule.op, this.rule.threshold), value: n, samples });
    }
    return out;
  }

  private add(r: FoundRecord, memo?: Map<string, unknown>): void {
    const start = Math.floor(r.timestamp / this.step) * this.step;
    let g = this.groupOf(r, memo);
    if (!this.counts.has(g) && this.counts.size >= MAX_GROUPS) g = '(other)';
    let m = this.counts.get(g);
    if (!m) this.counts.set(g, (m = new Map()));
    m.set(start, (m.get(start) ?? 0) + 1);
    let s = this.samples.get(g);
    if (!s) this.samples.set(g, (s = []));
    s.push(sampleOf(r, memo));
    if (s.length > SAMPLES_PER_GROUP) s.shift();
  }
}
