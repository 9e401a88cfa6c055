// Rewriting a search query from the UI: the field sidebar's +/- filters and the words to highlight in results.
// The grammar is docs/query.md; these helpers only append clauses and pick out plain words.

/** `field:value` with the value quoted when it is not a plain word. */
export function clause(field: string, value: string): string {
  const plain = /^[\p{L}\p{N}_.\-/@]+$/u.test(value) && !/^(AND|OR|NOT)$/.test(value);
  const v = plain ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return `${field}:${v}`;
}

/** Adds `field:value` (include) or `-field:value` (exclude), replacing the opposite clause if the query has it. */
export function addFilter(query: string, field: string, value: string, include: boolean): string {
  const c = clause(field, value);
  const want = include ? c : `-${c}`;
  const opposite = include ? `-${c}` : c;
  let q = ` ${query.trim()} `;
  if (q.includes(` ${want} `)) return query.trim();
  q = q.replace(` ${opposite} `, ' ');
  q = q.trim();
  // A query with a top-level OR needs parentheses, or the new clause would bind to its last branch only.
  if (/\bOR\b/.test(q) && !/^\(.*\)$/.test(q)) q = `(${q})`;
  return q ? `${q} ${want}` : want;
}

/** The plain words and phrases of a query that a result line is highlighted with (not negated, no field). */
export function highlightTerms(query: string): string[] {
  const out: string[] = [];
  const re = /(-?)(?:([\w.@-]+):)?(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (const m of query.matchAll(re)) {
    if (m[1] || m[2]) continue;
    const t = (m[3] ?? m[4] ?? '').replace(/^[(]+|[)]+$/g, '');
    if (!t || /^(AND|OR|NOT)$/.test(t) || t === '*' || t.startsWith('/') || t.startsWith('~') || t.startsWith('_time')) continue;
    out.push(t.replace(/^=/, '').replace(/\*$/, ''));
  }
  return out.filter((t) => t.length > 0);
}

/** Splits text into pieces, marking those that match a term (case-insensitive), for <mark>. */
export function splitMatches(text: string, terms: string[]): { text: string; hit: boolean }[] {
  if (terms.length === 0 || !text) return [{ text, hit: false }];
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(${escaped.join('|')})`, 'gi');
  const out: { text: string; hit: boolean }[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) out.push({ text: text.slice(last, m.index), hit: false });
    out.push({ text: m[0], hit: true });
    last = m.index! + m[0].length;
    if (out.length > 200) break;
  }
  if (last < text.length) out.push({ text: text.slice(last), hit: false });
  return out;
}
