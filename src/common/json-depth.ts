/**
 * How deep a JSON text nests, checked before JSON.parse sees outside input: V8's parser slows down super-linearly on
 * deep nesting (a 1 MB line of "[[[[…" takes about a second), while real log objects nest a few levels. One pass over
 * the text; string contents are skipped with indexOf, so a typical log line costs a small fraction of the parse.
 */

/** Nesting limit for JSON from outside (log lines, ingest bodies). */
export const MAX_JSON_DEPTH = 100;

/** True when `text` opens more than `max` arrays/objects inside each other (brackets inside strings don't count). */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = stringEnd(text, i + 1);
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** Index of the quote that closes the string whose contents start at `i` (text.length if it never closes). */
function stringEnd(text: string, i: number): number {
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q + 1;
  }
}
