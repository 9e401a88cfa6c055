// Autocomplete for the search query bar: which word the caret is in, whether it is a field name or a `field:value`,
// the field names seen in a sample of records (JSON paths, logfmt keys, headers), and the text after picking one.
import { clause } from './query-edit.js';

export interface Token {
  /** Where the word starts and ends in the query (a leading `-` is not part of it). */
  start: number;
  end: number;
  /** `field` of `field:partial`, or null while the word is still a field name or a plain word. */
  field: string | null;
  /** What is typed of the name (no field) or of the value (after `field:`), without quotes. */
  partial: string;
}

/** The word around the caret, split at its first `:` when it has one. */
export function tokenAt(text: string, caret: number): Token {
  let start = caret;
  // Inside a quoted value still being typed ("web 1), the word starts before its opening quote.
  const quotes = (text.slice(0, caret).match(/(?<!\\)"/g) ?? []).length;
  if (quotes % 2 === 1) start = text.lastIndexOf('"', caret - 1);
  while (start > 0 && !/[\s(]/.test(text[start - 1]!)) start--;
  let end = caret;
  while (end < text.length && !/[\s)]/.test(text[end]!)) end++;
  if (text[start] === '-') start++;
  const word = text.slice(start, end);
  const colon = word.indexOf(':');
  if (colon > 0 && /^[\w.@-]+$/.test(word.slice(0, colon))) {
    return { start, end, field: word.slice(0, colon), partial: word.slice(colon + 1).replace(/^"/, '').replace(/"$/, '') };
  }
  return { start, end, field: null, partial: word };
}

const BUILT_IN = ['level', '_topic', '_partition', '_key'];
const LOGFMT_KEY = /(?:^|\s)([A-Za-z_][\w.-]{0,63})=/g;

/** Field names in a sample of records, most frequent first: JSON paths (two levels), logfmt keys, header keys. */
export function fieldsOf(records: { value: string | null; headers: { key: string }[] }[], max = 200): string[] {
  const seen = new Map<string, number>();
  const add = (f: string) => seen.set(f, (seen.get(f) ?? 0) + 1);
  for (const r of records.slice(0, max)) {
    for (const h of r.headers) add(h.key);
    const v = r.value?.trimStart() ?? '';
    if (v.startsWith('{')) {
      try {
        const o = JSON.parse(v) as Record<string, unknown>;
        for (const [k, x] of Object.entries(o)) {
          if (x && typeof x === 'object' && !Array.isArray(x)) for (const k2 of Object.keys(x)) add(`${k}.${k2}`);
          else add(k);
        }
        continue;
      } catch {
        // not JSON after all: try logfmt
      }
    }
    for (const m of v.slice(0, 2000).matchAll(LOGFMT_KEY)) add(m[1]!);
  }
  const found = [...seen.entries()].sort((a, b) => b[1] - a[1]).map(([f]) => f);
  return [...new Set([...BUILT_IN, ...found])];
}

/** The query with the token replaced by `field:` (a name) or `field:value` plus a space (a value); and the new caret. */
export function applySuggestion(text: string, t: Token, pick: { field: string; value?: string }): { text: string; caret: number } {
  const head = text.slice(0, t.start);
  const rest = text.slice(t.end);
  if (pick.value === undefined) return { text: `${head}${pick.field}:${rest}`, caret: t.start + pick.field.length + 1 };
  const insert = `${clause(pick.field, pick.value)} `;
  return { text: head + insert + rest.replace(/^ /, ''), caret: t.start + insert.length };
}
