/**
 * Line-protocol escaping. Measurement: comma and space. Tag keys, tag values and field keys: comma, equals sign and
 * space. String field values: double quote and backslash. A backslash before any other character is literal.
 * Control characters that would break a line (\n, \r, \t, \f) are written as backslash sequences, as Telegraf does,
 * so every point stays on one line; InfluxDB then stores them as those two characters.
 */

const CONTROL: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' };

export function escapeMeasurement(s: string): string {
  return /[, \n\r\t\f]/.test(s) ? s.replace(/[, \n\r\t\f]/g, (c) => CONTROL[c] ?? `\\${c}`) : s;
}

/** Tag keys, tag values and field keys. */
export function escapeKey(s: string): string {
  return /[,= \n\r\t\f]/.test(s) ? s.replace(/[,= \n\r\t\f]/g, (c) => CONTROL[c] ?? `\\${c}`) : s;
}

/** A string field value, quotes included. */
export function quoteString(s: string): string {
  return `"${/["\\\n\r\t\f]/.test(s) ? s.replace(/["\\\n\r\t\f]/g, (c) => CONTROL[c] ?? `\\${c}`) : s}"`;
}
