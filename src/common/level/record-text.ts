import { jsonDeeperThan, MAX_JSON_DEPTH } from '../json-depth.js';
import { logfmtValues } from '../logfmt.js';
import { detectLevel } from './detect-level.js';
import { jsonLevelScan, UNDECIDED } from './json-level-scan.js';
import { JSON_LEVEL_FIELDS, normalizeLevel, type LevelName } from './levels.js';

/** Record headers as protocol/record-decoder.ts decodes them: [key, value] pairs, in order, repeats allowed. */
export type RecordHeaders = ReadonlyArray<readonly [string, Buffer | null]>;

const HEADER_LEVEL_FIELDS = ['level', 'severity'];
/** Values found at one JSON path (level() runs on one thread at a time and finishes before it returns). */
const scratch: unknown[] = [];
/** The logfmt keys, and what a line must contain for each to be there at all. */
const LOGFMT_LEVEL_FIELDS = ['level', 'lvl', 'severity'].map((key) => ({ key, pair: `${key}=` }));

const UNSET = Symbol('unset');

/**
 * What a record's value and headers say, each part computed at most once and only when asked: the value as text, the
 * value parsed as a JSON object, its logfmt pairs, header values by name. One instance serves every record in turn
 * (reset()), so walking records allocates nothing for those nobody looks into.
 *
 * Here because "the level of a record" (level()) has one definition for everything that splits records by level: the
 * query language's `level:` and histograms (src/query) and the per-block level counts the token index stores
 * (src/storage).
 */
export class RecordText {
  private buf: Buffer | null = null;
  private start = 0;
  private end = 0;
  private headers: RecordHeaders = [];
  private text: string | null | typeof UNSET = UNSET;
  private json: Record<string, unknown> | null | typeof UNSET = UNSET;
  private pairs: Map<string, string[]> | null = null;

  /** Look at another record from now on. */
  resetText(value: Buffer | null, headers: RecordHeaders): this {
    return value === null ? this.resetTextAt(null, 0, 0, headers) : this.resetTextAt(value, 0, value.length, headers);
  }

  /**
   * Look at another record whose value is bytes [start, end) of `buf` (null: no value). The token index walks
   * records in place: a view per record (Buffer.subarray) cost a fifth of its time.
   */
  resetTextAt(buf: Buffer | null, start: number, end: number, headers: RecordHeaders): this {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.headers = headers;
    this.text = UNSET;
    this.json = UNSET;
    this.pairs = null;
    return this;
  }

  /** The value as UTF-8 text, null for a null value. */
  message(): string | null {
    if (this.text === UNSET) this.text = this.buf === null ? null : this.buf.toString('utf8', this.start, this.end);
    return this.text;
  }

  /** The value parsed as a JSON object, or null when it is none (parsed once, on first need). */
  jsonObject(): Record<string, unknown> | null {
    if (this.json !== UNSET) return this.json;
    this.json = null;
    const m = this.message();
    if (m === null || !looksLikeObject(m) || jsonDeeperThan(m, MAX_JSON_DEPTH)) return null;
    try {
      const v: unknown = JSON.parse(m);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) this.json = v as Record<string, unknown>;
    } catch {
      // not JSON after all: a text line that starts with { and ends with }
    }
    return this.json;
  }

  /** The logfmt values of `key` in a value that is not a JSON object (each key scanned for once per record). */
  logfmt(key: string): string[] {
    this.pairs ??= new Map();
    let vs = this.pairs.get(key);
    if (vs === undefined) {
      const m = this.message();
      // A pair `key=…` needs those bytes together: most lines lack them, and are not walked.
      vs = m === null || !m.includes(`${key}=`) || this.jsonObject() !== null ? [] : logfmtValues(m, key);
      this.pairs.set(key, vs);
    }
    return vs;
  }

  /** Values of the headers named `field` (exact name; if none, ignoring case), or null when there is none. */
  headerValues(field: string): string[] | null {
    let out: string[] | null = null;
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) {
      if (hs[i]![0] === field) (out ??= []).push(hs[i]![1]?.toString('utf8') ?? '');
    }
    if (out) return out;
    const lower = field.toLowerCase();
    for (let i = 0; i < hs.length; i++) {
      const k = hs[i]![0];
      if (k.length === field.length && k.toLowerCase() === lower) (out ??= []).push(hs[i]![1]?.toString('utf8') ?? '');
    }
    return out;
  }

  /**
   * The record's level, normalised, or null: headers `level`, `severity` (the agent, HTTP ingest and syslog write
   * them); else the JSON level fields; else logfmt `level=`; else the level the text states where the agent's detector
   * would find it (`ERROR …`, `[warn]`, glog's `E0501 …`), so lines shipped without `--parse level` have one too.
   */
  level(): LevelName | null {
    // Called for every record a histogram reads and the index counts: nothing is allocated that need not be.
    if (this.headers.length > 0) {
      for (const name of HEADER_LEVEL_FIELDS) {
        for (const v of this.headerValues(name) ?? []) {
          const l = normalizeLevel(v);
          if (l) return l;
        }
      }
    }
    if (this.json === UNSET && this.buf !== null && startsLikeObject(this.buf, this.start, this.end)) {
      const scanned = jsonLevelScan(this.buf, this.start, this.end);
      if (scanned !== UNDECIDED) return scanned;
    }
    const obj = this.jsonObject();
    if (obj) {
      const found = scratch;
      try {
        for (const f of JSON_LEVEL_FIELDS) {
          found.length = 0;
          collectRaw(obj, f, found);
          for (const v of found) {
            const l = typeof v === 'string' || typeof v === 'number' ? normalizeLevel(v) : null;
            if (l) return l;
          }
        }
      } finally {
        found.length = 0; // holds no part of the record afterwards
      }
      return null;
    }
    const m = this.message();
    if (m === null) return null;
    // Not this.logfmt(): the first value that names a level is enough, the rest of the line need not be walked.
    let found: LevelName | null = null;
    const names = (v: string): boolean => (found = normalizeLevel(v)) !== null;
    for (const { key, pair } of LOGFMT_LEVEL_FIELDS) {
      if (!m.includes(pair)) continue;
      logfmtValues(m, key, names);
      if (found) return found;
    }
    const stated = detectLevel(m);
    return stated === undefined ? null : normalizeLevel(stated);
  }
}

/** The first byte after JSON whitespace is `{`: worth the byte scan before parsing. */
function startsLikeObject(b: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return i < end && b[i] === 0x7b;
}

function looksLikeObject(s: string): boolean {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 0x20) i++;
  let j = s.length - 1;
  while (j > i && s.charCodeAt(j) <= 0x20) j--;
  return s.charCodeAt(i) === 0x7b && s.charCodeAt(j) === 0x7d;
}

/**
 * The values at a dot path: a key that contains dots itself ("log.level" as one key, as ECS writes it) is tried
 * before nesting, and an array on the way means each of its elements. Every split of the path is tried, yet each
 * node of the JSON tree is visited at most once (the keys that lead to it spell the part of the path consumed), so a
 * lookup costs at most the size of the value.
 */
export function collectRaw(v: unknown, path: string, out: unknown[]): void {
  if (Array.isArray(v)) {
    for (const e of v) collectRaw(e, path, out);
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  if (Object.hasOwn(o, path)) {
    out.push(o[path]);
    return;
  }
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    if (Object.hasOwn(o, head)) collectRaw(o[head], path.slice(dot + 1), out);
  }
}
