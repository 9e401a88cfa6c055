/**
 * Line-protocol escaping. Measurement: comma and space. Tag keys, tag values and field keys: comma, equals sign and
 * space. String field values: double quote and backslash. A backslash before any other character is literal.
 * Control characters that would break a line (\n, \r, \t, \f) are written as backslash sequences, as Telegraf does,
 * so every point stays on one line; InfluxDB then stores them as those two characters. In string values the
 * backslash of such a sequence is itself escaped (`\\n`): the value reads back the same (backslash, n) and, unlike
 * Telegraf's `\n`, encoding what was read gives the same line again (found by `npm run fuzz`).
 *
 * Line protocol cannot say "a backslash, then an escaped character" in names: a reader pairs each backslash with the
 * character after it, so an odd run of backslashes before an escaped character (or at the end of a name, before the
 * separator) would swallow that escape and break the line's structure (Telegraf issue 3004). Such a run gets one more
 * backslash: the name then reads back with that extra backslash, and the line keeps its shape.
 */

const CONTROL: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' };

function escapeName(s: string, special: RegExp, escaped: string): string {
  if (!special.test(s) && !s.includes('\\')) return s;
  let out = '';
  let run = 0; // backslashes just written
  for (const c of s) {
    if (c === '\\') {
      out += c;
      run++;
      continue;
    }
    if (escaped.includes(c)) out += `${run % 2 === 1 ? '\\' : ''}\\${c}`;
    else out += CONTROL[c] ?? c;
    run = 0;
  }
  return run % 2 === 1 ? `${out}\\` : out;
}

export function escapeMeasurement(s: string): string {
  return escapeName(s, /[, \n\r\t\f]/, ', ');
}

/** Tag keys, tag values and field keys. */
export function escapeKey(s: string): string {
  return escapeName(s, /[,= \n\r\t\f]/, ',= ');
}

/** A string field value, quotes included. */
export function quoteString(s: string): string {
  return `"${/["\\\n\r\t\f]/.test(s) ? s.replace(/["\\\n\r\t\f]/g, (c) => (CONTROL[c] ? `\\${CONTROL[c]}` : `\\${c}`)) : s}"`;
}
