/**
 * Prometheus text exposition format 0.0.4 (what node_exporter and client libraries serve at /metrics):
 *
 * line    => "# HELP" SP name SP doc | "# TYPE" SP name SP type | "#" comment | sample | blank
 * sample  => name [ "{" [ label *( "," label ) [ "," ] ] "}" ] SP value [ SP timestamp ]
 * label   => labelName "=" '"' labelValue '"'     (labelValue escapes: \\  \"  \n)
 * value   => Go float, including NaN, +Inf, -Inf;  timestamp => int64 milliseconds
 *
 * Tolerates OpenMetrics' additions (`# EOF`, `# UNIT`, exemplars after " # "); with `openMetrics` set, timestamps are
 * (fractional) seconds as OpenMetrics says. A malformed line fails the whole text, as it fails a Prometheus scrape.
 *
 * The text is outside input, so every step is a single forward scan (no backtracking regex): the cost is linear in
 * the size of the text, and a line longer than `maxLineBytes` is refused before it is parsed.
 */

import { utf8LengthOver } from '../line-size.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'gaugehistogram' | 'stateset' | 'info' | 'unknown';

export interface Sample {
  name: string;
  /** Label name → value (a prototype-free object: a label may be called `__proto__`). */
  labels: Record<string, string>;
  value: number;
  timestampMs: number | null;
  /** From the family's # TYPE line (histogram and summary series included), else untyped. */
  type: MetricType;
}

export interface ExpositionOptions {
  /** Timestamps in (fractional) seconds, as OpenMetrics writes them. */
  openMetrics?: boolean;
  /** A longer line (in UTF-8 bytes, without its newline) fails the text with `lineBytes` set. Default: no limit. */
  maxLineBytes?: number;
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
    /** Set when the line is longer than maxLineBytes: its size (an HTTP caller answers 413). */
    readonly lineBytes?: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped', 'gaugehistogram', 'stateset', 'info', 'unknown']);
const SUFFIXES: [string, MetricType[]][] = [
  ['_bucket', ['histogram', 'gaugehistogram']],
  ['_sum', ['histogram', 'summary']],
  ['_count', ['histogram', 'summary']],
  ['_created', ['histogram', 'summary', 'counter']],
  ['_total', ['counter']],
  ['_gcount', ['gaugehistogram']],
  ['_gsum', ['gaugehistogram']],
  ['_info', ['info']],
];
const SPECIAL_FLOATS: Record<string, number> = { nan: NaN, inf: Infinity, infinity: Infinity };

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isBlank = (c: number) => c === 0x20 || c === 0x09;
/** A token as shown in an error message: never the whole of a hostile megabyte. */
const show = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Index past the digits starting at `i`. */
function digitsEnd(s: string, i: number): number {
  while (isDigit(s.charCodeAt(i))) i++;
  return i;
}

/**
 * A Go float as Prometheus writes it: NaN, +Inf, -Inf (any case, "Infinity" too) or a decimal with an optional
 * exponent. Null when `s` is not one, or when it is a decimal too large for a 64-bit float (Go's ParseFloat refuses
 * those with ErrRange rather than reading them as infinity).
 */
export function parseGoFloat(s: string): number | null {
  let i = 0;
  const sign = s.charCodeAt(0);
  if (sign === 0x2b /* + */ || sign === 0x2d /* - */) i = 1;
  if (s.length - i <= 8 && isLetter(s.charCodeAt(i))) {
    const v = SPECIAL_FLOATS[s.slice(i).toLowerCase()];
    if (v === undefined) return null;
    return sign === 0x2d && !Number.isNaN(v) ? -v : v;
  }
  const intEnd = digitsEnd(s, i);
  let end = intEnd;
  let fracDigits = 0;
  if (s.charCodeAt(end) === 0x2e /* . */) {
    const fracEnd = digitsEnd(s, end + 1);
    fracDigits = fracEnd - end - 1;
    end = fracEnd;
  }
  if (intEnd === i && fracDigits === 0) return null; // no digit at all
  const e = s.charCodeAt(end);
  if (e === 0x65 /* e */ || e === 0x45 /* E */) {
    let j = end + 1;
    const es = s.charCodeAt(j);
    if (es === 0x2b || es === 0x2d) j++;
    const expEnd = digitsEnd(s, j);
    if (expEnd === j) return null;
    end = expEnd;
  }
  if (end !== s.length) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

function typeOf(name: string, types: Map<string, MetricType>): MetricType {
  const t = types.get(name);
  if (t) return t;
  for (const [suffix, allowed] of SUFFIXES) {
    if (name.endsWith(suffix)) {
      const base = types.get(name.slice(0, -suffix.length));
      if (base && allowed.includes(base)) return base;
    }
  }
  return 'untyped';
}

function skipBlanks(s: string, i: number): number {
  while (isBlank(s.charCodeAt(i))) i++;
  return i;
}

/** Index past the name starting at `i` ([a-zA-Z_:][a-zA-Z0-9_:]* for metrics, no ':' for labels); `i` if none. */
function nameEnd(s: string, i: number, colon: boolean): number {
  const ok = (c: number) => isLetter(c) || c === 0x5f /* _ */ || (colon && c === 0x3a) /* : */;
  if (!ok(s.charCodeAt(i))) return i;
  let j = i + 1;
  for (let c = s.charCodeAt(j); ok(c) || isDigit(c); c = s.charCodeAt(++j));
  return j;
}

function labelValue(s: string, i: number, lineNo: number): [string, number] {
  // Concatenation builds a rope that V8 flattens once, in linear time (Array.join of many pieces is not linear).
  let out = '';
  let start = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      const n = s.charCodeAt(i + 1);
      if (i > start) out += s.slice(start, i);
      out += n === 0x6e /* n */ ? '\n' : n === 0x5c || n === 0x22 ? String.fromCharCode(n) : s.slice(i, i + 2);
      i++;
      start = i + 1;
    } else if (c === 0x22 /* " */) {
      return [out + s.slice(start, i), i + 1];
    }
  }
  throw new ExpositionError(lineNo, 'label value has no closing quote');
}

/** The blank-separated words of s[from, to) (at most `max` + 1 of them: enough to say what is extra). */
function words(s: string, from: number, to: number, max: number): string[] {
  const out: string[] = [];
  let i = from;
  while (out.length <= max) {
    i = skipBlanks(s, i);
    if (i >= to) break;
    let j = i;
    while (j < to && !isBlank(s.charCodeAt(j))) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

function parseSample(s: string, lineNo: number, types: Map<string, MetricType>, openMetrics: boolean): Sample {
  let i = nameEnd(s, 0, true);
  if (i === 0) throw new ExpositionError(lineNo, `expected a metric name, got '${s.slice(0, 30)}'`);
  const name = s.slice(0, i);
  const labels: Record<string, string> = Object.create(null);
  i = skipBlanks(s, i);
  if (s[i] === '{') {
    i = skipBlanks(s, i + 1);
    while (s[i] !== '}') {
      const end = nameEnd(s, i, false);
      if (end === i) throw new ExpositionError(lineNo, `invalid label name at '${s.slice(i, i + 20)}' in ${show(name)}`);
      const label = s.slice(i, end);
      i = skipBlanks(s, end);
      if (s[i] !== '=') throw new ExpositionError(lineNo, `expected '=' after label ${show(label)} in ${show(name)}`);
      i = skipBlanks(s, i + 1);
      if (s[i] !== '"') throw new ExpositionError(lineNo, `label ${show(label)} of ${show(name)}: value must be in double quotes`);
      const [v, next] = labelValue(s, i + 1, lineNo);
      if (Object.hasOwn(labels, label)) throw new ExpositionError(lineNo, `label ${show(label)} repeated in ${show(name)}`);
      labels[label] = v;
      i = skipBlanks(s, next);
      if (s[i] === ',') i = skipBlanks(s, i + 1);
      else if (s[i] !== '}') throw new ExpositionError(lineNo, `expected ',' or '}' after label ${show(label)} in ${show(name)}`);
    }
    i++;
  }
  const hash = s.indexOf(' # ', i); // OpenMetrics exemplar
  const tokens = words(s, i, hash >= 0 ? hash : s.length, 2);
  if (tokens.length === 0) throw new ExpositionError(lineNo, `${show(name)} has no value`);
  if (tokens.length > 2) throw new ExpositionError(lineNo, `unexpected '${show(tokens[2]!)}' after the value and timestamp of ${show(name)}`);
  const value = parseGoFloat(tokens[0]!);
  if (value === null) {
    throw new ExpositionError(lineNo, `invalid value '${show(tokens[0]!)}' for ${show(name)} (expected a 64-bit float, NaN, +Inf or -Inf)`);
  }
  let timestampMs: number | null = null;
  if (tokens[1] !== undefined) {
    const t = openMetrics ? (parseGoFloat(tokens[1]) ?? NaN) * 1000 : integerMs(tokens[1]);
    if (!Number.isFinite(t)) throw new ExpositionError(lineNo, `invalid timestamp '${show(tokens[1])}' for ${show(name)} (expected integer milliseconds)`);
    timestampMs = Math.round(t);
  }
  return { name, labels, value, timestampMs, type: typeOf(name, types) };
}

/** -?digits as a number, NaN otherwise. */
function integerMs(s: string): number {
  const from = s.charCodeAt(0) === 0x2d ? 1 : 0;
  return s.length > from && digitsEnd(s, from) === s.length ? Number(s) : NaN;
}

/** `# TYPE name type` → [name, type], or null for any other comment (HELP, UNIT, EOF, free text). */
function typeLine(s: string): [string, string] | null {
  let i = skipBlanks(s, 1);
  if (!s.startsWith('TYPE', i) || !isBlank(s.charCodeAt(i + 4))) return null;
  const w = words(s, i + 4, s.length, 2);
  return w.length === 2 ? [w[0]!, w[1]!] : null;
}

export function parseExposition(text: string, { openMetrics = false, maxLineBytes = Infinity }: ExpositionOptions = {}): Sample[] {
  const samples: Sample[] = [];
  const types = new Map<string, MetricType>();
  let lineNo = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const raw = text.slice(start, end);
    start = end + 1;
    if (utf8LengthOver(raw, maxLineBytes)) {
      const bytes = Buffer.byteLength(raw);
      throw new ExpositionError(lineNo, `line of ${bytes} bytes exceeds the limit of ${maxLineBytes} bytes per line`, bytes);
    }
    const line = raw.trim(); // also drops a CR before the LF
    if (line === '') continue;
    if (line.charCodeAt(0) === 0x23 /* # */) {
      const t = typeLine(line);
      if (t) {
        const type = t[1].toLowerCase() as MetricType;
        if (!TYPES.has(type)) throw new ExpositionError(lineNo, `unknown metric type '${show(t[1])}' for ${show(t[0])}`);
        types.set(t[0], type);
      }
      continue; // HELP, UNIT, EOF and comments
    }
    samples.push(parseSample(line, lineNo, types, openMetrics));
  }
  return samples;
}
