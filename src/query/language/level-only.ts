import { LEVEL_NAMES, levelRank, type LevelName } from '../../common/level/index.js';
import type { QueryNode } from './ast.js';

/** A record's level as histograms split it: one of the six names, or `unknown` when it has none. */
export type LevelColumn = LevelName | 'unknown';
const ALL: readonly LevelColumn[] = [...LEVEL_NAMES, 'unknown'];

/**
 * The levels whose records the query matches, when whether a record matches depends on its level alone (the empty
 * query: every level; `level:error`; `level>=warn -level:fatal`); null when it depends on anything else. Lets a
 * histogram count blocks from the per-level counts stored in the index instead of reading them. `_time` clauses
 * directly under the top-level AND are passed over: the search's range is already narrowed to them (planSearch).
 */
export function levelsMatched(node: QueryNode): ReadonlySet<LevelColumn> | null {
  if (node.kind === 'time') return new Set(ALL);
  if (node.kind === 'and') return levelSet({ kind: 'and', children: node.children.filter((c) => c.kind !== 'time') });
  return levelSet(node);
}

function levelSet(node: QueryNode): Set<LevelColumn> | null {
  switch (node.kind) {
    case 'all':
      return new Set(ALL);
    case 'has-level':
      return new Set(LEVEL_NAMES);
    case 'level': {
      const want = levelRank(node.level);
      const op = node.op;
      return new Set(
        LEVEL_NAMES.filter((l) => {
          const r = levelRank(l);
          return op === ':' ? r === want : op === '>' ? r > want : op === '>=' ? r >= want : op === '<' ? r < want : r <= want;
        }),
      );
    }
    case 'not': {
      const inner = levelSet(node.child);
      return inner && new Set(ALL.filter((l) => !inner.has(l)));
    }
    case 'and':
    case 'or': {
      let acc: Set<LevelColumn> | null = node.kind === 'and' ? new Set(ALL) : new Set();
      for (const c of node.children) {
        const s = levelSet(c);
        if (!s) return null;
        acc = new Set(node.kind === 'and' ? [...acc].filter((l) => s.has(l)) : [...acc, ...s]);
      }
      return acc;
    }
    default:
      return null;
  }
}

/**
 * Levels a record must have for the query to match it, whatever else the query asks (`level:error service:api`:
 * error; `"timeout"`: null, any level); null when no level is required. Wider than levelsMatched: a record at one of
 * these levels may still fail the rest of the query, one at any other level never matches. Lets a reader that knows
 * each record's level (the alert tap, from the token index) pass over the others without decoding them.
 */
export function levelsRequired(node: QueryNode): ReadonlySet<LevelColumn> | null {
  const exact = levelSet(node);
  if (exact) return exact;
  switch (node.kind) {
    case 'and': {
      const required = node.children.map(levelsRequired).filter((s) => s !== null);
      if (required.length === 0) return null;
      return new Set(ALL.filter((l) => required.every((s) => s.has(l))));
    }
    case 'or': {
      const acc = new Set<LevelColumn>();
      for (const c of node.children) {
        const s = levelsRequired(c);
        if (!s) return null;
        for (const l of s) acc.add(l);
      }
      return acc;
    }
    default:
      return null; // a NOT of a mixed query, words, fields, regexes: any level may match
  }
}
