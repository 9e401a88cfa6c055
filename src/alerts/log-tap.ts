import { byteFilter, compileQuery, queryByteRequirement, SharedRecordContext, type ByteRequirement, type CompiledQuery, type Literal, type TokenRequirement } from '../query/language/index.js';
import { emptyStats, PartitionScan, type FoundRecord, type SearchLogs } from '../query/search/index.js';

/** A log-count rule as the tap feeds it. */
export interface TapSubscriber {
  /** The rule's query, compiled (one per distinct query text, shared by the rules that use it). */
  readonly query: string;
  /** Topics it counts; null: every topic not starting with `__` and not skipped. */
  readonly topics: readonly string[] | null;
  /** False until the rule has read its window of what was there before (its backfill); the tap skips it till then. */
  ready: boolean;
  /** `memo` is shared by every rule fed the same record (cleared per record): a field's value is looked up once. */
  add(r: FoundRecord, memo: Map<string, unknown>): void;
}

interface QueryGroup {
  query: CompiledQuery;
  subscribers: TapSubscriber[];
}

/**
 * One incremental reader of the log for every log-count rule. Each evaluation reads what was appended to each
 * partition since the previous one, once, whatever the number of rules: the records are first tested against the
 * union of the rules' required literals (a record that holds none of them is passed over without being decoded — with
 * 70 rules on `level:error …` and `"timeout" …`, two byte searches per record), then decoded once and tested against
 * each distinct query. Without it, N rules read and test every appended record N times.
 */
export class LogTap {
  private readonly subscribers = new Set<TapSubscriber>();
  /** Next offset to read per `topic\0partition`. */
  private readonly positions = new Map<string, number>();
  private readonly groups = new Map<string, QueryGroup>();
  /** Union query per topic, rebuilt when subscriptions change. */
  private unions = new Map<string, { query: CompiledQuery; groups: QueryGroup[] } | null>();
  /** Every rule's query parses a record's level and fields once, together. */
  private readonly shared = new SharedRecordContext();

  constructor(
    private readonly logs: SearchLogs,
    private readonly skipTopics: ReadonlySet<string>,
  ) {}

  subscribe(s: TapSubscriber): void {
    this.subscribers.add(s);
    let g = this.groups.get(s.query);
    if (!g) this.groups.set(s.query, (g = { query: compileQuery(s.query, { shared: this.shared }), subscribers: [] }));
    g.subscribers.push(s);
    this.unions.clear();
  }

  unsubscribe(s: TapSubscriber): void {
    if (!this.subscribers.delete(s)) return;
    const g = this.groups.get(s.query);
    if (g) {
      g.subscribers = g.subscribers.filter((x) => x !== s);
      if (g.subscribers.length === 0) this.groups.delete(s.query);
    }
    this.unions.clear();
  }

  /** A field of the record being fed (the shared context has parsed it already): how rules group it. */
  fieldOf(r: FoundRecord, field: string): string | null {
    const q = this.groups.values().next().value?.query;
    if (!q) return null;
    return field === 'level' ? q.levelOf(r) : q.fieldOf(r, field);
  }

  /** Topics a subscriber counts, as they exist now. */
  topicsOf(s: { topics: readonly string[] | null }): string[] {
    return s.topics ? [...s.topics] : this.logs.listTopics().map((t) => t.name).filter((n) => !n.startsWith('__') && !this.skipTopics.has(n));
  }

  /**
   * Where the shared read of a partition stands (set to the log end when the tap had not read it yet): a new
   * subscriber's backfill reads up to here, the tap goes on from here.
   */
  position(topic: string, partition: number): number {
    const id = `${topic}\u0000${partition}`;
    let p = this.positions.get(id);
    if (p === undefined) {
      p = this.logs.partition(topic, partition)?.logEndOffset ?? 0;
      this.positions.set(id, p);
    }
    return p;
  }

  /** Reads what every ready subscriber's topics got since the last call (records with timestamps from `from` on). */
  async advance(from: number): Promise<void> {
    const topics = new Set<string>();
    for (const s of this.subscribers) if (s.ready) for (const t of this.topicsOf(s)) topics.add(t);
    const stats = emptyStats();
    for (const topic of topics) {
      const info = this.logs.getTopic(topic);
      if (!info) continue;
      const union = this.unionFor(topic);
      for (let p = 0; p < info.partitions; p++) {
        const log = this.logs.partition(topic, p);
        if (!log) continue;
        const id = `${topic}\u0000${p}`;
        let next = this.positions.get(id) ?? log.logStartOffset;
        if (next > log.logEndOffset) next = log.logStartOffset; // deleted and created again
        const end = log.logEndOffset;
        if (union && end > next) {
          const scan = new PartitionScan(log, topic, p, 'oldest', { lo: Math.max(next, log.logStartOffset), hi: end, from, to: Infinity }, union.query, stats);
          const memo = new Map<string, unknown>();
          await scan.scanAll(undefined, (r) => {
            memo.clear();
            for (const g of union.groups) {
              if (!g.query.matches(r)) continue;
              for (const s of g.subscribers) if (s.ready && (s.topics === null || s.topics.includes(topic))) s.add(r, memo);
            }
          });
        }
        this.positions.set(id, end);
      }
    }
  }

  /** The union of the queries of the ready subscribers reading `topic`, or null when none does. */
  private unionFor(topic: string): { query: CompiledQuery; groups: QueryGroup[] } | null {
    const cached = this.unions.get(topic);
    if (cached !== undefined) return cached;
    const groups = [...this.groups.values()].filter((g) => g.subscribers.some((s) => s.topics === null ? !topic.startsWith('__') && !this.skipTopics.has(topic) : s.topics.includes(topic)));
    const u = groups.length ? { query: unionQuery(groups.map((g) => g.query)), groups } : null;
    // Readiness changes the groups only in which subscriber is fed, not in what is read: the union can be cached.
    this.unions.set(topic, u);
    return u;
  }
}

/**
 * A query that passes every record any of `queries` could match: its byte prefilter is one required literal (an
 * "anchor") per query, deduplicated — for an AND the literal most queries share — and its token requirement the OR
 * of theirs. The real per-query test happens after, on the decoded record.
 */
function unionQuery(queries: CompiledQuery[]): CompiledQuery {
  const base = compileQuery('');
  const reqs = queries.map((q) => queryByteRequirement(q.text));
  const freq = new Map<string, number>();
  const key = (l: Literal) => `${l.caseSensitive ? 'c' : 'i'}${l.caseSensitive ? l.text : l.needle}`;
  const count = (r: ByteRequirement): void => {
    if (r === 'any') return;
    if ('literal' in r) freq.set(key(r.literal), (freq.get(key(r.literal)) ?? 0) + 1);
    else for (const c of 'and' in r ? r.and : r.or) count(c);
  };
  reqs.forEach(count);
  const anchors = (r: ByteRequirement): Literal[] | null => {
    if (r === 'any') return null;
    if ('literal' in r) return [r.literal];
    if ('or' in r) {
      const all = r.or.map(anchors);
      return all.some((a) => a === null) ? null : all.flat() as Literal[];
    }
    let best: Literal[] | null = null;
    let bestScore = -1;
    for (const c of r.and) {
      const a = anchors(c);
      if (!a) continue;
      const score = Math.min(...a.map((l) => freq.get(key(l)) ?? 0)) - a.length / 1000;
      if (score > bestScore) [best, bestScore] = [a, score];
    }
    return best;
  };
  const chosen = new Map<string, Literal>();
  let any = false;
  for (const r of reqs) {
    const a = anchors(r);
    if (!a) any = true;
    else for (const l of a) chosen.set(key(l), l);
  }
  const tokens: TokenRequirement = queries.some((q) => q.tokens === 'any') ? 'any' : { anyOf: queries.map((q) => q.tokens) };
  const filter = any || chosen.size === 0 ? () => true : byteFilter({ or: [...chosen.values()].map((literal) => ({ literal })) });
  return { ...base, text: queries.map((q) => `(${q.text})`).join(' OR '), tokens, mayMatchBytes: filter, matches: () => true, levels: null };
}
