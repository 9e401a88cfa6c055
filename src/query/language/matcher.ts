import type { CompareOp, QueryNode } from './ast.js';
import { levelRank } from '../../common/level/index.js';
import { asciiLower, findLiteral } from './literal.js';
import type { RecordContext } from './record-fields.js';

/** A compiled clause: true when the record in the context matches it. */
export type Test = (ctx: RecordContext) => boolean;

/**
 * Turns the query tree into nested closures. Within AND and OR, cheap clauses run first (built-ins and headers before
 * text, text before JSON fields and regexes), so most records are decided before anything costly is computed; the
 * order does not change the answer.
 */
export function compileNode(node: QueryNode): Test {
  switch (node.kind) {
    case 'all':
      return () => true;
    case 'and': {
      const tests = byCost(node.children).map(compileNode);
      return (ctx) => {
        for (const t of tests) if (!t(ctx)) return false;
        return true;
      };
    }
    case 'or': {
      const tests = byCost(node.children).map(compileNode);
      return (ctx) => {
        for (const t of tests) if (t(ctx)) return true;
        return false;
      };
    }
    case 'not': {
      const t = compileNode(node.child);
      return (ctx) => !t(ctx);
    }
    case 'text': {
      const lit = node.lit;
      if (node.field === null) {
        const test: Test = lit.caseSensitive
          ? (ctx) => {
              const m = ctx.message();
              return m !== null && findLiteral(lit, m);
            }
          : (ctx) => {
              const m = ctx.foldedMessage();
              return m !== null && findLiteral(lit, m);
            };
        // Queries sharing a context (many alert rules) often look for the same words: each is searched once a record.
        const key = `${lit.caseSensitive ? 'c' : 'i'}${JSON.stringify(lit)}`;
        return (ctx) => {
          const cache = ctx.literalHits;
          if (cache === null) return test(ctx);
          let hit = cache.get(key);
          if (hit === undefined) cache.set(key, (hit = test(ctx)));
          return hit;
        };
      }
      return onValues(node.field, (v) => findLiteral(lit, lit.caseSensitive ? v : asciiLower(v)));
    }
    case 'equals':
      return onValues(node.field, (v) => v === node.value);
    case 'regex': {
      const re = node.re;
      return onValues(node.field, (v) => re.test(v));
    }
    case 'exists': {
      const f = node.field;
      return (ctx) => ctx.values(f) !== null;
    }
    case 'compare': {
      const { op, num, value } = node;
      if (num !== null) {
        return onValues(node.field, (v) => {
          const x = v.trim() === '' ? NaN : Number(v);
          return Number.isFinite(x) && compare(x, num, op);
        });
      }
      return onValues(node.field, (v) => compare(v, value, op));
    }
    case 'level': {
      const want = levelRank(node.level);
      const op = node.op;
      return (ctx) => {
        const l = ctx.level();
        if (l === null) return false;
        return op === ':' ? levelRank(l) === want : compare(levelRank(l), want, op);
      };
    }
    case 'has-level':
      return (ctx) => ctx.level() !== null;
    case 'time': {
      const { from, to } = node;
      return (ctx) => ctx.r.timestamp >= from && ctx.r.timestamp < to;
    }
  }
}

/** A clause on a field (null: the value) holds when any of its values passes `test`. */
function onValues(field: string | null, test: (v: string) => boolean): Test {
  if (field === null) {
    return (ctx) => {
      const m = ctx.message();
      return m !== null && test(m);
    };
  }
  return (ctx) => {
    const vs = ctx.values(field);
    if (vs === null) return false;
    for (const v of vs) if (test(v)) return true;
    return false;
  };
}

function compare<T extends number | string>(a: T, b: T, op: CompareOp): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

const BUILTIN_FIELDS = new Set(['_topic', '_partition', '_offset', '_key', '_time']);

/** Rough cost of evaluating a clause on one record, for ordering AND/OR children. */
function cost(node: QueryNode): number {
  switch (node.kind) {
    case 'all':
    case 'time':
      return 0;
    case 'not':
      return cost(node.child);
    case 'and':
    case 'or':
      return node.children.reduce((s, c) => s + cost(c), 0);
    case 'text':
    case 'equals':
    case 'compare':
      return node.field === null ? 2 : BUILTIN_FIELDS.has(node.field) ? 1 : 4;
    case 'exists':
      return BUILTIN_FIELDS.has(node.field) ? 1 : 4;
    case 'level':
    case 'has-level':
      return 4;
    case 'regex':
      return node.field !== null && BUILTIN_FIELDS.has(node.field) ? 3 : 8;
  }
}

function byCost(nodes: QueryNode[]): QueryNode[] {
  return nodes
    .map((n, i) => ({ n, i, c: cost(n) }))
    .sort((a, b) => a.c - b.c || a.i - b.i)
    .map((x) => x.n);
}
