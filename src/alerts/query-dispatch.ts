import { LiteralPresence, type ByteRequirement, type Literal } from '../query/language/index.js';

/**
 * Which of many queries a decoded record is worth testing against, told from its raw bytes: each query is keyed by
 * one literal it requires (its byte requirement, the search prefilter's: when the query matches a record, the literal
 * occurs in the record's bytes), and a query is tested only when the record holds its key. The key chosen is the
 * required literal fewest queries share, so 20 queries `"timeout" service:svcN` are keyed by svcN, not by timeout: a
 * record from svc3 is tested against the queries of svc3 alone, after one byte search per distinct key, instead of
 * against all 20. A query that requires no single literal (a level alone, an OR, a negation) has no key: always
 * tested. Skipping only queries whose required literal is absent keeps every count exact.
 */
export class QueryDispatch {
  /** Per query (in the order given): index of its key in `presence`, or -1 when it has none. */
  private readonly keys: Int32Array;
  private readonly presence: LiteralPresence | null;

  constructor(reqs: readonly ByteRequirement[]) {
    const id = (l: Literal) => `${l.caseSensitive ? 'c' : 'i'}${l.caseSensitive ? l.text : l.needle}`;
    const required = reqs.map(requiredLiterals);
    const freq = new Map<string, number>();
    for (const ls of required) for (const k of new Set(ls.map(id))) freq.set(k, (freq.get(k) ?? 0) + 1);
    const chosen = new Map<string, { index: number; literal: Literal }>();
    this.keys = new Int32Array(reqs.length).fill(-1);
    required.forEach((ls, q) => {
      let best: Literal | null = null;
      for (const l of ls) {
        if (l.needle.length === 0) continue;
        // Fewest queries sharing it (most selective); then the longest (fewer chance hits).
        if (!best || freq.get(id(l))! < freq.get(id(best))! || (freq.get(id(l)) === freq.get(id(best)) && l.text.length > best.text.length)) best = l;
      }
      if (!best) return;
      let c = chosen.get(id(best));
      if (!c) chosen.set(id(best), (c = { index: chosen.size, literal: best }));
      this.keys[q] = c.index;
    });
    this.presence = chosen.size > 0 ? new LiteralPresence([...chosen.values()].map((c) => c.literal)) : null;
  }

  /** The record the next mayMatch() calls are about: its bytes data[start, end), as the batch scan saw them. */
  record(data: Buffer, start: number, end: number): void {
    this.presence?.reset(data, start, end);
  }

  /** False when query `q` (its index in the constructor's list) cannot match the current record. */
  mayMatch(q: number): boolean {
    const k = this.keys[q]!;
    return k < 0 || this.presence!.has(k);
  }

  /** How many queries have a key (tests look). */
  get keyed(): number {
    return this.keys.reduce((n, k) => n + (k >= 0 ? 1 : 0), 0);
  }
}

/** Literals every record a requirement admits holds (an AND's parts, not an OR's alternatives). */
function requiredLiterals(r: ByteRequirement): Literal[] {
  if (r === 'any') return [];
  if ('literal' in r) return [r.literal];
  if ('and' in r) return r.and.flatMap(requiredLiterals);
  return [];
}
