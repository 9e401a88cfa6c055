import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../collect/json-depth.js';
// level.ts directly: the tail/ index would load the file watcher into every search.
import { detectLevel } from '../../collect/tail/level.js';
import { normalizeLevel, type LevelName } from './levels.js';
import { asciiLower } from './literal.js';
import { logfmtValues } from './logfmt.js';

/**
 * One decoded record as the matcher sees it. `headers` has the shape of protocol/record-decoder.ts's DecodedRecord, so
 * the engine passes decoded records through without building objects per header.
 */
export interface RecordView {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyArray<readonly [string, Buffer | null]>;
}

/** Built-in fields besides `_msg`/`_value` (the value itself). */
const BUILTINS = new Set(['_topic', '_partition', '_offset', '_key', '_time']);

/** Where `level:` looks, in order, after the headers `level` and `severity`. Nested `log.level` is a path too. */
const JSON_LEVEL_FIELDS = ['level', 'lvl', 'severity', 'loglevel', 'log.level', 'levelname', 'severity_text', '@l', 'LEVEL', 'Level', 'Severity'];
const LOGFMT_LEVEL_FIELDS = ['level', 'lvl', 'severity'];

const UNSET = Symbol('unset');

/**
 * What one record offers to the matcher, each part computed at most once and only when asked: the value as text (and
 * folded), the value parsed as a JSON object, its logfmt pairs. One context serves every record in turn (reset()),
 * so a scan allocates nothing for records no clause looks into.
 */
export class RecordContext {
  r!: RecordView;
  private text: string | null | typeof UNSET = UNSET;
  private folded: string | null | typeof UNSET = UNSET;
  private json: Record<string, unknown> | null | typeof UNSET = UNSET;
  private pairs: Map<string, string[]> | null = null;

  reset(r: RecordView): this {
    this.r = r;
    this.text = UNSET;
    this.folded = UNSET;
    this.json = UNSET;
    this.pairs = null;
    return this;
  }

  /** The value as UTF-8 text, null for a null value. */
  message(): string | null {
    if (this.text === UNSET) this.text = this.r.value === null ? null : this.r.value.toString('utf8');
    return this.text;
  }

  /** message() with ASCII letters lower-cased. */
  foldedMessage(): string | null {
    if (this.folded === UNSET) {
      const m = this.message();
      this.folded = m === null ? null : asciiLower(m);
    }
    return this.folded;
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
      vs = m === null || this.jsonObject() !== null ? [] : logfmtValues(m, key);
      this.pairs.set(key, vs);
    }
    return vs;
  }

  /**
   * The values of a field, null when the record has none: a built-in; else the headers with that name (exact, then
   * ignoring case); else the JSON path (arrays: every element); else the logfmt key. The first source that has the
   * field answers. Values are strings: numbers and booleans as JSON writes them, objects as JSON; JSON nulls are absent.
   */
  values(field: string): string[] | null {
    if (field === '_msg' || field === '_value') {
      const m = this.message();
      return m === null ? null : [m];
    }
    if (BUILTINS.has(field)) return this.builtin(field);
    const fromHeaders = this.headerValues(field);
    if (fromHeaders) return fromHeaders;
    const obj = this.jsonObject();
    if (obj) {
      const out: string[] = [];
      collectPath(obj, field, out);
      return out.length > 0 ? out : null;
    }
    const vs = this.logfmt(field);
    return vs.length > 0 ? vs : null;
  }

  /**
   * The record's level, normalised, or null: headers `level`, `severity`; else the JSON level fields; else logfmt
   * `level=`; else the level the text states where the agent's detector would find it (`ERROR …`, `[warn]`, glog's
   * `E0501 …`), so lines shipped without `--parse level` are split by level too.
   */
  level(): LevelName | null {
    for (const name of ['level', 'severity']) {
      for (const v of this.headerValues(name) ?? []) {
        const l = normalizeLevel(v);
        if (l) return l;
      }
    }
    const obj = this.jsonObject();
    if (obj) {
      for (const f of JSON_LEVEL_FIELDS) {
        const found: unknown[] = [];
        collectRaw(obj, f, found);
        for (const v of found) {
          const l = typeof v === 'string' || typeof v === 'number' ? normalizeLevel(v) : null;
          if (l) return l;
        }
      }
      return null;
    }
    for (const f of LOGFMT_LEVEL_FIELDS) {
      for (const v of this.logfmt(f)) {
        const l = normalizeLevel(v);
        if (l) return l;
      }
    }
    const m = this.message();
    const stated = m === null ? undefined : detectLevel(m);
    return stated === undefined ? null : normalizeLevel(stated);
  }

  private builtin(field: string): string[] | null {
    const r = this.r;
    switch (field) {
      case '_topic':
        return [r.topic];
      case '_partition':
        return [String(r.partition)];
      case '_offset':
        return [String(r.offset)];
      case '_time':
        return [String(r.timestamp)];
      default:
        return r.key === null ? null : [r.key.toString('utf8')];
    }
  }

  private headerValues(field: string): string[] | null {
    let out: string[] | null = null;
    const hs = this.r.headers;
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
}

function looksLikeObject(s: string): boolean {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 0x20) i++;
  let j = s.length - 1;
  while (j > i && s.charCodeAt(j) <= 0x20) j--;
  return s.charCodeAt(i) === 0x7b && s.charCodeAt(j) === 0x7d;
}

/** Values at `path` under `v` as strings (see RecordContext.values). */
function collectPath(v: unknown, path: string, out: string[]): void {
  const found: unknown[] = [];
  collectRaw(v, path, found);
  for (const x of found) addLeaves(x, out);
}

function addLeaves(x: unknown, out: string[]): void {
  if (x === null || x === undefined) return;
  if (Array.isArray(x)) for (const e of x) addLeaves(e, out);
  else if (typeof x === 'string') out.push(x);
  else if (typeof x === 'object') out.push(JSON.stringify(x));
  else out.push(String(x));
}

/**
 * The values at a dot path: a key that contains dots itself ("log.level" as one key, as ECS writes it) is tried
 * before nesting, and an array on the way means each of its elements. Every split of the path is tried, yet each
 * node of the JSON tree is visited at most once (the keys that lead to it spell the part of the path consumed), so a
 * lookup costs at most the size of the value.
 */
function collectRaw(v: unknown, path: string, out: unknown[]): void {
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
