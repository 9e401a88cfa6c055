import type { QueryNode } from './ast.js';
import { byteFilter } from './byte-filter.js';
import { levelsMatched, type LevelColumn } from './level-only.js';
import { compileNode } from './matcher.js';
import { parseQuery } from './parser.js';
import { byteRequirement, tokenRequirement, type TokenRequirement } from './prefilter.js';
import { RecordContext, type RecordView } from './record-fields.js';

export interface CompiledQuery {
  readonly text: string;
  /**
   * Token hashes (storage/token-index tokenHashes) a block must hold for any of its records to match: a block can
   * match only if this formula holds over its bloom filter. It is derived from clauses on the record value only, so
   * it holds over the tokens of each matching record's value (an index of more than values is fine). 'any' when
   * nothing can be required (e.g. only a regex, a NOT or field clauses).
   */
  readonly tokens: TokenRequirement;
  /**
   * Cheap check on raw bytes before a batch's records are decoded: false only if no record in buf[start, end) can
   * match (case-insensitive byte search of required literals; only for uncompressed record bytes).
   */
  mayMatchBytes(buf: Buffer, start: number, end: number): boolean;
  /** The full test on one decoded record. */
  matches(r: RecordView): boolean;
  /**
   * Time bounds implied by `_time` clauses (ms, `from` inclusive, `to` exclusive), so the engine can narrow the range;
   * a bound is absent when the query does not limit it. No record outside them matches.
   */
  readonly timeRange: { from?: number; to?: number };
  /**
   * When the query matches a record by its level alone: the levels it matches ('unknown': records without one), so a
   * histogram can count from per-level counts; null when anything else decides (words, fields, regexes, …).
   */
  readonly levels: ReadonlySet<LevelColumn> | null;
  /** Level of a record as the language sees it: 'fatal'|'error'|'warn'|'info'|'debug'|'trace', or null. */
  levelOf(r: RecordView): string | null;
  /** Value of a field for facets (same lookup as field:value), as a string, or null. Several values: the first. */
  fieldOf(r: RecordView, field: string): string | null;
}

/**
 * Parses and compiles a query (empty text: everything). Throws QuerySyntaxError. The returned object keeps one
 * scratch context for the record being tested: use it from one scan at a time (matches() is synchronous).
 */
export function compileQuery(text: string, options: { caseSensitive?: boolean; shared?: SharedRecordContext } = {}): CompiledQuery {
  const tree = parseQuery(text, options.caseSensitive ?? false);
  const test = compileNode(tree);
  const ctx = options.shared?.ctx ?? new RecordContext();
  // Queries sharing a context test the same record object one after another: what one parsed (level, logfmt
  // fields, JSON) the next reuses. Callers that share one never reuse a record object for another record.
  const prep = options.shared ? (r: RecordView) => (ctx.r === r ? ctx : ctx.reset(r)) : (r: RecordView) => ctx.reset(r);
  return {
    text,
    tokens: tokenRequirement(tree),
    mayMatchBytes: byteFilter(byteRequirement(tree)),
    matches: (r) => test(prep(r)),
    timeRange: timeRange(tree),
    levels: levelsMatched(tree),
    levelOf: (r) => prep(r).level(),
    fieldOf: (r, field) => {
      return prep(r).values(field)?.[0] ?? null;
    },
  };
}

/**
 * One record context for several compiled queries tested against the same records (many alert rules over one stream):
 * a record's level and fields are parsed once for all of them. A fresh record object must be passed for each record.
 */
export class SharedRecordContext {
  readonly ctx = new RecordContext();
  constructor() {
    this.ctx.literalHits = new Map();
  }
}

function timeRange(node: QueryNode): { from?: number; to?: number } {
  const { from, to } = bounds(node);
  return { ...(from > -Infinity ? { from } : {}), ...(to < Infinity ? { to } : {}) };
}

/** [from, to) outside which the clause cannot hold. */
function bounds(node: QueryNode): { from: number; to: number } {
  switch (node.kind) {
    case 'time':
      return { from: node.from, to: node.to };
    case 'and':
      return node.children.map(bounds).reduce((a, b) => ({ from: Math.max(a.from, b.from), to: Math.min(a.to, b.to) }));
    case 'or':
      return node.children.map(bounds).reduce((a, b) => ({ from: Math.min(a.from, b.from), to: Math.max(a.to, b.to) }));
    default:
      return { from: -Infinity, to: Infinity };
  }
}
