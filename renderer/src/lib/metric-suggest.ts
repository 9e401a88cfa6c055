// Autocomplete for comma-separated inputs (group-by keys, topics, tag conditions) through a <datalist>: each
// suggestion is the whole input with its last item completed, so the browser's own matching and keyboard work.

function split(text: string): { head: string; tail: string } {
  const i = text.lastIndexOf(',');
  return i < 0 ? { head: '', tail: text } : { head: text.slice(0, i + 1), tail: text.slice(i + 1) };
}

/** `host,re` with options [host, region, rack] → [`host,region`, `host,rack`]... those not already listed. */
export function listTail(text: string, options: readonly string[], max = 50): string[] {
  const { head, tail } = split(text);
  const used = new Set(head.split(',').map((s) => s.trim()));
  const t = tail.trim();
  return options.filter((o) => !used.has(o) && o.startsWith(t)).slice(0, max).map((o) => `${head}${o}`);
}

/**
 * Tag conditions: while a key is typed, `key=` for each matching tag key; once its operator is there, the key with
 * each known value (`host=web-1`), kept to the values that start with what was typed.
 */
export function whereSuggestions(text: string, keys: readonly string[], values: Record<string, string[]>, max = 50): string[] {
  const { head, tail } = split(text);
  const m = /^\s*([^=!~]+?)\s*(=~|!~|!=|=)(.*)$/.exec(tail);
  if (!m) {
    const t = tail.trim();
    return keys.filter((k) => k.startsWith(t)).slice(0, max).map((k) => `${head}${k}=`);
  }
  const [, key, op, typed] = m as unknown as [string, string, string, string];
  // A value with a comma or backslash is escaped as the where syntax wants (docs/metrics-queries.md).
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
  return (values[key] ?? []).filter((v) => v.startsWith(typed)).slice(0, max).map((v) => `${head}${key}${op}${esc(v)}`);
}
