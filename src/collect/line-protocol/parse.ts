import { nsPerUnit, type Precision } from './precision.js';
import { INT64_MAX, INT64_MIN, LineProtocolError, UINT64_MAX, type FieldValue, type ParsedPoint } from './types.js';

/**
 * A line-protocol parser that follows InfluxDB's rules: a backslash escapes the next character while scanning, and is
 * removed only before the characters that need escaping there (measurement: `,` and space; tag keys, tag values and
 * field keys: `,`, `=` and space; string values: `"` and `\`). Errors say which token is wrong and what was expected.
 */

const BOOLEANS: Record<string, boolean> = Object.assign(Object.create(null), {
  t: true, T: true, true: true, True: true, TRUE: true,
  f: false, F: false, false: false, False: false, FALSE: false,
});
const FLOAT = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const SIGNED = /^-?\d+$/;
const DIGITS = /^\d+$/;

/** A token in an error message: cut, so a hostile megabyte is not echoed back. */
const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
const show = (s: string) => JSON.stringify(clip(s));

class Scanner {
  pos = 0;
  constructor(readonly line: string) {}

  get done(): boolean {
    return this.pos >= this.line.length;
  }

  peek(): string {
    return this.line[this.pos] ?? '';
  }

  /** Reads up to (not including) the first unescaped stop character, unescaping `escapable`. */
  token(stops: string, escapable: string): string {
    const { line } = this;
    let out = '';
    let start = this.pos;
    let i = this.pos;
    while (i < line.length) {
      const c = line[i]!;
      if (c === '\\' && i + 1 < line.length) {
        if (escapable.includes(line[i + 1]!)) {
          out += line.slice(start, i);
          start = i + 1;
        }
        i += 2;
        continue;
      }
      if (stops.includes(c)) break;
      i++;
    }
    this.pos = i;
    return out + line.slice(start, i);
  }

  skipSpaces(): number {
    const from = this.pos;
    while (this.line[this.pos] === ' ') this.pos++;
    return this.pos - from;
  }
}

/**
 * A decimal integer as a BigInt, or null when it has more digits than any 64-bit value (leading zeros aside): BigInt
 * parsing is super-linear, so a hostile megabyte of digits must not reach it.
 */
function boundedBigInt(raw: string): bigint | null {
  const neg = raw.charCodeAt(0) === 0x2d;
  let i = neg ? 1 : 0;
  while (i < raw.length - 1 && raw.charCodeAt(i) === 0x30) i++;
  if (raw.length - i > 20) return null;
  const v = BigInt(raw.slice(i));
  return neg ? -v : v;
}

function fieldValue(raw: string, key: string): FieldValue {
  const last = raw[raw.length - 1];
  if (last === 'i' && SIGNED.test(raw.slice(0, -1))) {
    const v = boundedBigInt(raw.slice(0, -1));
    if (v === null || v < INT64_MIN || v > INT64_MAX) throw new LineProtocolError(`integer value ${clip(raw)} of field '${clip(key)}' is outside the signed 64-bit range`);
    return { type: 'integer', value: v };
  }
  if (last === 'u' && DIGITS.test(raw.slice(0, -1))) {
    const v = boundedBigInt(raw.slice(0, -1));
    if (v === null || v > UINT64_MAX) throw new LineProtocolError(`unsigned value ${clip(raw)} of field '${clip(key)}' is outside the unsigned 64-bit range`);
    return { type: 'unsigned', value: v };
  }
  const b = BOOLEANS[raw];
  if (b !== undefined) return { type: 'boolean', value: b };
  if (FLOAT.test(raw)) {
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new LineProtocolError(`float value ${clip(raw)} of field '${clip(key)}' is out of range`);
    return { type: 'float', value: v };
  }
  throw new LineProtocolError(
    `invalid field value ${show(raw)} for field '${clip(key)}': expected a float (1.5), an integer (1i), an unsigned (1u), a "string" or a boolean (true/false)`,
  );
}

function stringValue(s: Scanner, key: string): string {
  const { line } = s;
  let out = '';
  let start = ++s.pos; // past the opening quote
  for (let i = start; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      const n = line[i + 1]!;
      if (n === '"' || n === '\\') {
        out += line.slice(start, i);
        start = i + 1;
      }
      i++;
      continue;
    }
    if (c === '"') {
      s.pos = i + 1;
      return out + line.slice(start, i);
    }
  }
  throw new LineProtocolError(`string value of field '${clip(key)}' has no closing quote`);
}

/** Parses one line (no newline, not a comment, not blank). Timestamps are scaled from `precision` to nanoseconds. */
export function parseLine(text: string, precision: Precision = 'ns'): ParsedPoint {
  const line = text.replace(/^[ \t]+/, '').replace(/\r$/, '');
  const s = new Scanner(line);
  if (line[0] === ',') throw new LineProtocolError('missing measurement name at the start of the line');
  const measurement = s.token(', ', ', ');
  if (measurement === '') throw new LineProtocolError('missing measurement name');

  // Prototype-free: a tag or field may be called __proto__.
  const tags: Record<string, string> = Object.create(null);
  while (s.peek() === ',') {
    s.pos++;
    const key = s.token('=, ', ',= ');
    if (key === '') throw new LineProtocolError(`empty tag key after measurement ${show(measurement)}`);
    if (s.peek() !== '=') throw new LineProtocolError(`tag '${clip(key)}' has no value (expected ${clip(key)}=value)`);
    s.pos++;
    const value = s.token(', =', ',= ');
    if (s.peek() === '=') throw new LineProtocolError(`tag '${clip(key)}' value contains an unescaped '=' (write \\=)`);
    if (value === '') throw new LineProtocolError(`tag '${clip(key)}' has an empty value`);
    tags[key] = value;
  }

  if (s.skipSpaces() === 0 && !s.done) throw new LineProtocolError(`unexpected ${show(s.peek())} after the measurement and tags`);
  if (s.done) throw new LineProtocolError(`measurement ${show(measurement)} has no fields (expected: ${clip(measurement)} field=value)`);

  const fields: Record<string, FieldValue> = Object.create(null);
  for (;;) {
    const key = s.token('=, ', ',= ');
    if (key === '') throw new LineProtocolError('empty field key');
    if (s.peek() !== '=') throw new LineProtocolError(`field '${clip(key)}' has no value (expected ${clip(key)}=value)`);
    s.pos++;
    if (s.peek() === '"') fields[key] = { type: 'string', value: stringValue(s, key) };
    else {
      const raw = s.token(', ', '');
      if (raw === '') throw new LineProtocolError(`field '${clip(key)}' has an empty value`);
      fields[key] = fieldValue(raw, key);
    }
    if (s.peek() === ',') {
      s.pos++;
      continue;
    }
    if (!s.done && s.peek() !== ' ') throw new LineProtocolError(`unexpected ${show(s.peek())} after the value of field '${clip(key)}'`);
    break;
  }

  s.skipSpaces();
  let timestampNs: bigint | null = null;
  if (!s.done) {
    const raw = s.token(' ', '');
    if (!SIGNED.test(raw)) throw new LineProtocolError(`invalid timestamp ${show(raw)}: expected an integer number of ${precision === 'ns' ? 'nanoseconds' : precision} since the epoch`);
    const t = boundedBigInt(raw);
    timestampNs = t === null ? null : t * nsPerUnit(precision);
    if (timestampNs === null || timestampNs < INT64_MIN || timestampNs > INT64_MAX) throw new LineProtocolError(`timestamp ${clip(raw)} (${precision}) is outside the 64-bit nanosecond range`);
    s.skipSpaces();
    if (!s.done) throw new LineProtocolError(`unexpected text ${show(line.slice(s.pos))} after the timestamp`);
  }
  return { measurement, tags, fields, timestampNs };
}

/** A blank line or a `#` comment: skipped by every reader of line protocol. */
export function isSkippableLine(line: string): boolean {
  return line.trim() === '' || line.trimStart().startsWith('#');
}
