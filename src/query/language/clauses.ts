import { RE2JS } from 're2js';
import type { CompareOp, QueryNode } from './ast.js';
import { syntaxError } from './errors.js';
import { parseTimeSpan } from './time-value.js';

export const MAX_REGEX_CHARS = 1024;
/** Instructions of a compiled regex: bounds the work per character (see regexClause). */
export const MAX_REGEX_PROGRAM = 500;

/** A `_time` clause: the span the time names, turned into [from, to) by the operator. `exact`: `_time:=ms`. */
export function timeClause(op: ':' | CompareOp, text: string, at: number, exact: boolean): QueryNode {
  const span = parseTimeSpan(text);
  if (!span) syntaxError(`${JSON.stringify(text)} is not a time`, at, 'write ISO-8601 (2024-06-01, 2024-06-01T12:30:00Z, with +02:00 for an offset) or epoch milliseconds');
  const { start, end } = exact ? { start: span.start, end: span.start + 1 } : span;
  switch (op) {
    case ':':
      return { kind: 'time', from: start, to: end };
    case '>=':
      return { kind: 'time', from: start, to: Infinity };
    case '>':
      return { kind: 'time', from: end, to: Infinity };
    case '<':
      return { kind: 'time', from: -Infinity, to: start };
    case '<=':
      return { kind: 'time', from: -Infinity, to: end };
  }
}

/** A regex clause, compiled by RE2 (linear time); flags i, s, m. */
export function regexClause(field: string | null, pattern: string, flags: string, at: number): QueryNode {
  if (pattern.length > MAX_REGEX_CHARS) syntaxError(`regex of ${pattern.length} characters is longer than the ${MAX_REGEX_CHARS} allowed`, at);
  let f = 0;
  if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('s')) f |= RE2JS.DOTALL;
  if (flags.includes('m')) f |= RE2JS.MULTILINE;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, f);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    syntaxError(`invalid regex (${why})`, at, 'the syntax is RE2 (no lookahead or backreferences)');
  }
  // RE2 runs in time linear in the text, times up to the size of the compiled program: `.{1000}.{1000}` is short to
  // type and costs thousands of steps per character. The size is read from re2js internals when they are there.
  const size = (re as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst?.length;
  if (size !== undefined && size > MAX_REGEX_PROGRAM) syntaxError(`regex too complex (${size} steps, at most ${MAX_REGEX_PROGRAM})`, at, 'use smaller repeat counts like {1,50}');
  return { kind: 'regex', field, source: pattern, re };
}
