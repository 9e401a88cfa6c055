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
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'gaugehistogram' | 'stateset' | 'info' | 'unknown';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs: number | null;
  /** From the family's # TYPE line (histogram and summary series included), else untyped. */
  type: MetricType;
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
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

/** A Go float as Prometheus writes it: NaN, +Inf, -Inf or a decimal. */
export function parseGoFloat(s: string): number | null {
  if (!FLOAT.test(s)) return null;
  const l = s.toLowerCase().replace(/^\+/, '');
  if (l === 'nan') return NaN;
  if (l === 'inf' || l === 'infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return Number(s);
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
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
}

function labelValue(s: string, i: number, lineNo: number): [string, number] {
  let out = '';
  let start = i;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const n = s[i + 1];
      out += s.slice(start, i) + (n === 'n' ? '\n' : n === '\\' || n === '"' ? n : `\\${n ?? ''}`);
      i++;
      start = i + 1;
    } else if (c === '"') return [out + s.slice(start, i), i + 1];
  }
  throw new ExpositionError(lineNo, 'label value has no closing quote');
}

function parseSample(s: string, lineNo: number, types: Map<string, MetricType>, openMetrics: boolean): Sample {
  const nameMatch = METRIC_NAME.exec(s);
  if (!nameMatch) throw new ExpositionError(lineNo, `expected a metric name, got '${s.slice(0, 30)}'`);
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  i = skipBlanks(s, i);
  if (s[i] === '{') {
    i = skipBlanks(s, i + 1);
    while (s[i] !== '}') {
      const ln = LABEL_NAME.exec(s.slice(i));
      if (!ln) throw new ExpositionError(lineNo, `invalid label name at '${s.slice(i, i + 20)}' in ${name}`);
      i = skipBlanks(s, i + ln[0].length);
      if (s[i] !== '=') throw new ExpositionError(lineNo, `expected '=' after label ${ln[0]} in ${name}`);
      i = skipBlanks(s, i + 1);
      if (s[i] !== '"') throw new ExpositionError(lineNo, `label ${ln[0]} of ${name}: value must be in double quotes`);
      const [v, next] = labelValue(s, i + 1, lineNo);
      if (Object.hasOwn(labels, ln[0])) throw new ExpositionError(lineNo, `label ${ln[0]} repeated in ${name}`);
      labels[ln[0]] = v;
      i = skipBlanks(s, next);
      if (s[i] === ',') i = skipBlanks(s, i + 1);
      else if (s[i] !== '}') throw new ExpositionError(lineNo, `expected ',' or '}' after label ${ln[0]} in ${name}`);
    }
    i++;
  }
  const rest = s.slice(i).trim();
  const hash = rest.indexOf(' # '); // OpenMetrics exemplar
  const tokens = (hash >= 0 ? rest.slice(0, hash) : rest).split(/[ \t]+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new ExpositionError(lineNo, `${name} has no value`);
  if (tokens.length > 2) throw new ExpositionError(lineNo, `unexpected '${tokens[2]}' after the value and timestamp of ${name}`);
  const value = parseGoFloat(tokens[0]!);
  if (value === null) throw new ExpositionError(lineNo, `invalid value '${tokens[0]}' for ${name} (expected a number, NaN, +Inf or -Inf)`);
  let timestampMs: number | null = null;
  if (tokens[1] !== undefined) {
    const t = openMetrics ? Number(tokens[1]) * 1000 : /^-?\d+$/.test(tokens[1]) ? Number(tokens[1]) : NaN;
    if (!Number.isFinite(t)) throw new ExpositionError(lineNo, `invalid timestamp '${tokens[1]}' for ${name} (expected integer milliseconds)`);
    timestampMs = Math.round(t);
  }
  return { name, labels, value, timestampMs, type: typeOf(name, types) };
}

export function parseExposition(text: string, { openMetrics = false }: { openMetrics?: boolean } = {}): Sample[] {
  const samples: Sample[] = [];
  const types = new Map<string, MetricType>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line[0] === '#') {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m) {
        const t = m[2]!.toLowerCase() as MetricType;
        if (!TYPES.has(t)) throw new ExpositionError(n + 1, `unknown metric type '${m[2]}' for ${m[1]}`);
        types.set(m[1]!, t);
      }
      continue; // HELP, UNIT, EOF and comments
    }
    samples.push(parseSample(line, n + 1, types, openMetrics));
  }
  return samples;
}
