import { RE2JS } from 're2js';
import type { TagMatcher } from '../types.js';
import { MetricsQueryError } from './errors.js';

/** Longest regex accepted in `where`, and at most this many conditions. */
export const MAX_WHERE_REGEX_CHARS = 1024;
export const MAX_WHERE_CONDITIONS = 32;
/** Instructions of a compiled tag regex at most (as search's regexes, src/query/language/clauses.ts). */
export const MAX_WHERE_REGEX_PROGRAM = 500;
const OPS = ['!~', '=~', '!=', '='] as const;

/**
 * Parses `where`: conditions on tags joined by commas, all of which must hold, e.g. `host=web-1,region=~eu-.*`.
 * Operators: `=` equal, `!=` not equal, `=~` matches the RE2 regex (anchored: the whole value), `!~` does not match.
 * A missing tag has the value "" (`host=` selects series without a host tag). In a value, `\,` is a comma and `\\` a
 * backslash; any other backslash stays as written, so regexes keep `\d`, `\.`. Keys are tag names, without `=!~,`.
 */
export function parseWhere(text: string): TagMatcher[] {
  const out: TagMatcher[] = [];
  if (text.trim() === '') return out;
  for (const part of splitUnescaped(text)) {
    const m = /^([^=!~,]+?)\s*(!~|=~|!=|=)(.*)$/s.exec(part);
    if (!m) {
      throw new MetricsQueryError('where', `${JSON.stringify(part)} is not a condition; write key=value, key!=value, key=~regex or key!~regex, joined by commas (a comma in a value is \\,)`);
    }
    const key = m[1]!.trim();
    const op = m[2] as (typeof OPS)[number];
    const value = m[3]!;
    if (key === '') throw new MetricsQueryError('where', `${JSON.stringify(part)} has no tag key before ${op}`);
    if (op === '=~' || op === '!~') compileTagRegex(value);
    out.push({ key, op, value });
    if (out.length > MAX_WHERE_CONDITIONS) throw new MetricsQueryError('where', `more than ${MAX_WHERE_CONDITIONS} conditions; use a regex (key=~a|b|c) to combine values`);
  }
  return out;
}

/** Splits on commas not preceded by a backslash, and unescapes `\,` and `\\` (other backslashes stay). */
function splitUnescaped(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === ',' || text[i + 1] === '\\')) {
      cur += text[++i];
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.filter((p) => p.trim() !== '');
}

/** The regex of a `=~`/`!~` condition, anchored (RE2: linear time). Throws MetricsQueryError naming `where`. */
export function compileTagRegex(pattern: string): RE2JS {
  if (pattern.length > MAX_WHERE_REGEX_CHARS) throw new MetricsQueryError('where', `a regex of ${pattern.length} characters is longer than the ${MAX_WHERE_REGEX_CHARS} allowed`);
  let re: RE2JS;
  try {
    RE2JS.compile(pattern); // errors name the pattern as written, not our anchored form
    re = RE2JS.compile(`^(?:${pattern})$`);
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e);
    throw new MetricsQueryError('where', `${JSON.stringify(pattern)} is not a valid regex (${why}); the syntax is RE2 (no lookahead or backreferences)`);
  }
  // Linear in the value, times the compiled program's size: bound it as search's regexes are (`.{1000}` is short to type).
  const size = (re as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst?.length;
  if (size !== undefined && size > MAX_WHERE_REGEX_PROGRAM) throw new MetricsQueryError('where', `the regex ${JSON.stringify(pattern)} is too complex (${size} steps, at most ${MAX_WHERE_REGEX_PROGRAM}); use smaller repeat counts like {1,50}`);
  return re;
}

/** A test of a tag set against every matcher (the semantics of TagMatcher, for readers that filter in memory). */
export function tagFilter(matchers: readonly TagMatcher[]): (tags: Readonly<Record<string, string>>) => boolean {
  const tests = matchers.map((m) => {
    if (m.op === '=') return (v: string) => v === m.value;
    if (m.op === '!=') return (v: string) => v !== m.value;
    const re = compileTagRegex(m.value);
    return m.op === '=~' ? (v: string) => re.matches(v) : (v: string) => !re.matches(v);
  });
  const keys = matchers.map((m) => m.key);
  return (tags) => tests.every((t, i) => t(tags[keys[i]!] ?? ''));
}
