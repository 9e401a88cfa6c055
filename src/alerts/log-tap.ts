import { byteFilter, compileQuery, queryByteRequirement, queryRequiredLevels, SharedRecordContext, type CompiledQuery, type TokenRequirement } from '../query/language/index.js';
import { anchorRequirement } from './anchor-literals.js';
import { emptyStats, scanBatches, workItems, yieldToLoop, type BatchFilter, type FoundRecord, type RecordGate, type SearchLogs, type SearchStats } from '../query/search/index.js';
import { BLOCK_BYTES, LEVEL_COLUMNS, type PartitionLog } from '../storage/index.js';
import type { LevelColumn } from '../query/language/index.js';
import { LevelGate, levelMask, type BlockGate } from './level-gate.js';
import { QueryDispatch } from './query-dispatch.js';

/**
 * New records not yet in the token index (its builder runs behind appends, at low priority) are left for a later
 * evaluation while there are at least this many bytes of them and for at most DEFER_MS: then the index has their
 * levels and most of them are passed over undecoded. Fewer bytes (a quiet topic, whose block fills slowly) are read
 * at once. Counts then lag by up to DEFER_MS plus one evaluation interval.
 */
const DEFER_MIN_BYTES = 256 * 1024;
export const DEFER_MS = 5_000;
/**
 * While more than a whole block is unindexed the builder has work queued for those bytes (it only lags, at low
 * priority, behind a burst on a busy machine): decoding them here would repeat on the broker's thread what it is about
 * to do anyway, so they wait up to this long.
 */
export const DEFER_BACKLOG_MS = 30_000;

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
  /** Levels its records must have (level-gate.ts levelMask), null when any may match. */
  levels: Uint8Array | null;
  subscribers: TapSubscriber[];
}

interface Union {
  query: CompiledQuery;
  groups: QueryGroup[];
  /** What can be passed over undecoded where the index knows records' levels; null when nothing can. */
  gate: LevelGate | null;
  /** Some group requires levels: worth knowing a record's level before testing the groups. */
  levelled: boolean;
  /** Which groups a decoded record's bytes let it match (by one required literal each), in `groups` order. */
  dispatch: QueryDispatch;
}

/**
 * One incremental reader of the log for every log-count rule. Each evaluation reads what was appended to each
 * partition since the previous one, once, whatever the number of rules. Where the token index holds the levels of a
 * block's records, a record is passed over undecoded unless its level is one a rule requires or its bytes hold a word
 * of a rule that requires no level (level-gate.ts); elsewhere unless it holds one of the rules' required literals (a
 * level-only rule requires none: then every record there is decoded). What is left is decoded once and tested against
 * each distinct query whose level it has and whose key literal its bytes hold (query-dispatch.ts). Without it, N rules
 * read and test every appended record N times.
 */
export class LogTap {
  private readonly subscribers = new Set<TapSubscriber>();
  /** Next offset to read per `topic\0partition`. */
  private readonly positions = new Map<string, number>();
  private readonly groups = new Map<string, QueryGroup>();
  /** Union query per topic, rebuilt when subscriptions change. */
  private unions = new Map<string, Union | null>();
  /** Since when the tap has left a partition's unindexed tail for later (DEFER_MS bounds it). */
  private readonly deferredSince = new Map<string, number>();
  /** Reads of this tap: records decoded, batches passed over (tests and benchmarks look). */
  readonly stats: SearchStats = emptyStats();
  /** Every rule's query parses a record's level and fields once, together. */
  private readonly shared = new SharedRecordContext();

  constructor(
    private readonly logs: SearchLogs,
    private readonly skipTopics: ReadonlySet<string>,
  ) {}

  subscribe(s: TapSubscriber): void {
    this.subscribers.add(s);
    let g = this.groups.get(s.query);
    if (!g) this.groups.set(s.query, (g = { query: compileQuery(s.query, { shared: this.shared }), levels: levelMask(queryRequiredLevels(s.query)), subscribers: [] }));
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
  async advance(from: number, now = Date.now()): Promise<void> {
    const topics = new Set<string>();
    for (const s of this.subscribers) if (s.ready) for (const t of this.topicsOf(s)) topics.add(t);
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
        let reached = end;
        if (union && end > next) reached = await this.read(log, topic, p, Math.max(next, log.logStartOffset), end, from, union, now);
        this.positions.set(id, reached);
      }
    }
  }

  /**
   * Feeds the records of [lo, hi) to the subscribers; returns the offset read up to (below `hi` when an unindexed tail
   * is left for later). Blocks whose records' levels the index holds go through the union's gate (most records passed
   * over undecoded); the rest is decoded wherever the union's literals allow.
   */
  private async read(log: PartitionLog, topic: string, partition: number, lo: number, hi: number, from: number, union: Union, now: number): Promise<number> {
    const id = `${topic}\u0000${partition}`;
    // Only the spans from `lo` on: the list of every block of the partition is not rebuilt on each evaluation.
    let items = workItems(log, lo).filter((it) => it.lastOffset >= lo && it.firstOffset < hi);
    if (union.gate && log.indexed) {
      const firstUnindexed = items.findIndex((it) => it.block === null);
      let waiting = 0;
      if (firstUnindexed >= 0) for (let i = firstUnindexed; i < items.length; i++) waiting += items[i]!.end - items[i]!.start;
      const since = this.deferredSince.get(id) ?? now;
      if (waiting >= DEFER_MIN_BYTES && now - since < (waiting > BLOCK_BYTES ? DEFER_BACKLOG_MS : DEFER_MS)) {
        this.deferredSince.set(id, since);
        hi = Math.max(lo, items[firstUnindexed]!.firstOffset);
        items = items.slice(0, firstUnindexed);
      } else this.deferredSince.delete(id);
    }
    const filter: BatchFilter = { topic, partition, lo, hi, from, to: Infinity, query: union.query, prefilter: true };
    let gate: BlockGate | null = null;
    const dispatch = union.dispatch;
    // The level gate where the index has levels, else the union's byte prefilter (as the scan would apply it); either
    // way the bytes of each record let through are handed to the dispatch before the record is decoded and emitted.
    const through: RecordGate = {
      batch: (base, last) => (gate ? gate.batch(base, last) : true),
      batchBytes: (data) => (gate ? gate.batchBytes(data) : union.query.mayMatchBytes(data, 0, data.length)),
      record: (offset, data, start, end) => {
        const ok = gate ? gate.record(offset, data, start, end) : union.query.mayMatchBytes(data, start, end);
        if (ok) dispatch.record(data, start, end);
        return ok;
      },
    };
    filter.gate = through;
    const memo = new Map<string, unknown>();
    const emit = (r: FoundRecord): void => {
      memo.clear();
      // The level the index gave the record rules out the groups that require another; without one, the record's own
      // (parsed once for every query: the shared context keeps it) does.
      let level = gate ? gate.level : 255;
      if (level === 255 && union.levelled) level = LEVEL_COLUMNS.indexOf((union.groups[0]!.query.levelOf(r) ?? 'unknown') as LevelColumn);
      const groups = union.groups;
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i]!;
        if (g.levels && g.levels[level] === 0) continue;
        if (!dispatch.mayMatch(i) || !g.query.matches(r)) continue;
        for (const s of g.subscribers) if (s.ready && (s.topics === null || s.topics.includes(topic))) s.add(r, memo);
      }
    };
    for (const it of items) {
      if (it.maxTimestamp < from) continue;
      const levels = union.gate && it.block ? (it.block.recordLevels?.() ?? null) : null;
      gate = levels ? union.gate!.over(it.block!.firstOffset, levels) : null;
      const buf = await log.readRange(it.segmentBase, it.start, it.end);
      this.stats.bytesScanned += buf.length;
      scanBatches(buf, filter, this.stats, emit);
      await yieldToLoop(); // appends and requests run between pieces
    }
    return hi;
  }

  /** The union of the queries of the ready subscribers reading `topic`, or null when none does. */
  private unionFor(topic: string): Union | null {
    const cached = this.unions.get(topic);
    if (cached !== undefined) return cached;
    const groups = [...this.groups.values()].filter((g) => g.subscribers.some((s) => s.topics === null ? !topic.startsWith('__') && !this.skipTopics.has(topic) : s.topics.includes(topic)));
    const u = groups.length ? { query: unionQuery(groups.map((g) => g.query)), groups, gate: LevelGate.build(groups.map((g) => g.query.text)), levelled: groups.some((g) => g.levels !== null), dispatch: new QueryDispatch(groups.map((g) => queryByteRequirement(g.query.text))) } : null;
    // Readiness changes the groups only in which subscriber is fed, not in what is read: the union can be cached.
    this.unions.set(topic, u);
    return u;
  }
}

/**
 * A query that passes every record any of `queries` could match: its byte prefilter is one required literal per
 * query (anchor-literals.ts), and its token requirement the OR of theirs. The real per-query test happens after, on
 * the decoded record.
 */
function unionQuery(queries: CompiledQuery[]): CompiledQuery {
  const base = compileQuery('');
  const anchors = anchorRequirement(queries.map((q) => queryByteRequirement(q.text)));
  const tokens: TokenRequirement = queries.some((q) => q.tokens === 'any') ? 'any' : { anyOf: queries.map((q) => q.tokens) };
  return { ...base, text: queries.map((q) => `(${q.text})`).join(' OR '), tokens, mayMatchBytes: byteFilter(anchors), matches: () => true, levels: null };
}
