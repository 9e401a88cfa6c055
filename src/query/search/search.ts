import { compileQuery, QuerySyntaxError, type CompiledQuery } from '../language/index.js';
import { decodeSearchCursor, encodeSearchCursor } from './cursor.js';
import { PartitionScan } from './partition-scan.js';
import { parseTimeBound } from './time-bound.js';
import { emptyStats, SearchError, type FoundRecord, type SearchLogs, type SearchOrder, type SearchStats } from './types.js';

/** Largest page. Longer result sets are paged by cursor, streamed, or exported. */
export const MAX_SEARCH_LIMIT = 10_000;
/** How often a streamed search reports progress. */
export const PROGRESS_INTERVAL_MS = 250;

export interface SearchRequest {
  /** The query (docs/query.md); empty: every record. Ignored with a cursor (which carries its own). */
  query: string;
  /** Topics to search; default: every topic whose name does not start with `__`. */
  topics?: readonly string[];
  /** ISO-8601, epoch ms, or a duration ago (`15m`); `to` is exclusive. */
  from?: string;
  to?: string;
  order?: SearchOrder;
  cursor?: string;
}

/** A search ready to run: the compiled query, the resolved range, one scan per partition, the stats they fill. */
export interface SearchPlan {
  query: CompiledQuery;
  order: SearchOrder;
  from: number;
  to: number;
  scans: PartitionScan[];
  stats: SearchStats;
  startedAt: number;
}

function compile(text: string): CompiledQuery {
  try {
    return compileQuery(text);
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw new SearchError(`query: ${e.message}`, 'invalid');
    throw e;
  }
}

function topicsOf(logs: SearchLogs, names: readonly string[] | undefined): { name: string; partitions: number }[] {
  if (!names || names.length === 0) return logs.listTopics().filter((t) => !t.name.startsWith('__')).map((t) => ({ name: t.name, partitions: t.partitions }));
  return [...new Set(names)].map((name) => {
    const t = logs.getTopic(name);
    if (!t) throw new SearchError(`topic ${name} does not exist`, 'not-found');
    return { name, partitions: t.partitions };
  });
}

/** Resolves a request (or its cursor) into scans. Throws SearchError for a bad query, time, cursor or topic. */
export function planSearch(logs: SearchLogs, req: SearchRequest, now = Date.now()): SearchPlan {
  const stats = emptyStats();
  const scans: PartitionScan[] = [];
  if (req.cursor !== undefined) {
    const c = decodeSearchCursor(req.cursor);
    if (req.query !== '' && req.query !== c.query) throw new SearchError('this cursor belongs to another query; pass the same q (or none) with it, or search again without a cursor', 'invalid');
    const query = compile(c.query);
    for (const p of c.positions) {
      const log = logs.partition(p.topic, p.partition);
      if (!log) continue; // deleted since the first page
      const lo = Math.max(p.lo, log.logStartOffset);
      scans.push(new PartitionScan(log, p.topic, p.partition, c.order, { lo, hi: Math.max(lo, p.hi), from: c.from, to: c.to }, query, stats));
    }
    return { query, order: c.order, from: c.from, to: c.to, scans, stats, startedAt: now };
  }
  const query = compile(req.query);
  let from = req.from !== undefined ? parseTimeBound(req.from, now) : -Infinity;
  let to = req.to !== undefined ? parseTimeBound(req.to, now) : Infinity;
  if (from >= to) throw new SearchError(`from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`, 'invalid');
  from = Math.max(from, query.timeRange.from ?? -Infinity);
  to = Math.min(to, query.timeRange.to ?? Infinity);
  const order = req.order ?? 'newest';
  for (const t of topicsOf(logs, req.topics)) {
    for (let p = 0; p < t.partitions; p++) {
      const log = logs.partition(t.name, p);
      if (!log) continue;
      scans.push(new PartitionScan(log, t.name, p, order, { lo: log.logStartOffset, hi: log.logEndOffset, from, to }, query, stats));
    }
  }
  return { query, order, from, to, scans, stats, startedAt: now };
}

/** Newest first: later time, then higher partition and offset; oldest first the reverse. Topics break ties by name. */
function before(a: FoundRecord, b: FoundRecord, order: SearchOrder): boolean {
  const c = a.timestamp - b.timestamp || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) || a.partition - b.partition || a.offset - b.offset;
  return order === 'newest' ? c > 0 : c < 0;
}

/**
 * Every match of the plan in order, merged over partitions by timestamp (each partition in offset order, as browsing
 * does). A partition is read only as far as needed: before taking the best buffered match, any partition whose
 * remaining blocks could hold a better one (by their timestamp bounds) is read until it has a match or cannot beat it.
 */
export async function* mergedMatches(plan: SearchPlan, signal?: AbortSignal, onProgress?: (stats: SearchStats) => void): AsyncGenerator<{ record: FoundRecord; scan: PartitionScan }> {
  const { scans, order } = plan;
  const newest = order === 'newest';
  let lastProgress = Date.now();
  for (;;) {
    let best: PartitionScan | undefined;
    for (const s of scans) {
      const h = s.peek();
      if (h && (!best || before(h, best.peek()!, order))) best = s;
    }
    const head = best?.peek();
    const cannotBeat = (bound: number) => head !== undefined && (newest ? bound < head.timestamp : bound > head.timestamp);
    const pending = scans.find((s) => !s.peek() && !s.done && !cannotBeat(s.bound()));
    if (pending) {
      await pending.fill(signal, cannotBeat);
      if (onProgress && Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        onProgress(finishStats(plan));
      }
      continue;
    }
    if (!best) return;
    yield { record: best.take(), scan: best };
  }
}

/** The stats so far, with the elapsed time filled in. */
export function finishStats(plan: SearchPlan): SearchStats {
  plan.stats.elapsedMs = Math.round((Date.now() - plan.startedAt) * 10) / 10;
  return { ...plan.stats };
}

export interface SearchPage<T> {
  records: T[];
  /** The next page; null when every partition was searched to its end. */
  cursor: string | null;
  stats: SearchStats;
}

export interface PageOptions<T> {
  limit: number;
  /** Turns a match into what the page keeps (it must not keep the match's buffers: they are views of a whole block). */
  render: (r: FoundRecord) => T;
  signal?: AbortSignal;
  /** Each record as it is found (streamed answers), in page order. */
  onRecord?: (r: T) => void;
  onProgress?: (stats: SearchStats) => void;
}

/** One page of a planned search, and the cursor for the next. */
export async function searchPage<T>(plan: SearchPlan, opts: PageOptions<T>): Promise<SearchPage<T>> {
  const limit = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(opts.limit)));
  const records: T[] = [];
  const it = mergedMatches(plan, opts.signal, opts.onProgress);
  try {
    for await (const { record } of it) {
      const r = opts.render(record);
      records.push(r);
      opts.onRecord?.(r);
      if (records.length >= limit) break;
    }
  } finally {
    await it.return(undefined);
  }
  // Whether anything is left is known without reading more: a scan is done once its offsets are used up.
  const left = plan.scans.filter((s) => !s.done);
  for (const s of plan.scans) s.settle();
  const cursor =
    left.length === 0
      ? null
      : encodeSearchCursor({
          query: plan.query.text,
          order: plan.order,
          from: plan.from,
          to: plan.to,
          positions: left.map((s) => ({ topic: s.topic, partition: s.partition, lo: s.range.lo, hi: s.range.hi })),
        });
  return { records, cursor, stats: finishStats(plan) };
}
