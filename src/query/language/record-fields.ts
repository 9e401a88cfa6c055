import { collectRaw, RecordText } from '../../common/level/index.js';
import { asciiLower } from './literal.js';

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

const UNSET = Symbol('unset');

/**
 * What one record offers to the matcher: RecordText's parts (text, JSON object, logfmt pairs, headers, THE level of a
 * record, each computed at most once), the value folded, and field lookup. One context serves every record in turn.
 */
export class RecordContext extends RecordText {
  r!: RecordView;
  private folded: string | null | typeof UNSET = UNSET;

  private lvl: ReturnType<RecordText['level']> | typeof UNSET = UNSET;

  /** Free-text clauses' results for the current record, when several queries share this context; else null. */
  literalHits: Map<string, boolean> | null = null;

  reset(r: RecordView): this {
    this.r = r;
    this.folded = UNSET;
    this.lvl = UNSET;
    this.literalHits?.clear();
    this.resetText(r.value, r.headers);
    return this;
  }

  /** level(), computed once per record: several clauses (or queries sharing this context) ask for it. */
  override level(): ReturnType<RecordText['level']> {
    if (this.lvl === UNSET) this.lvl = super.level();
    return this.lvl;
  }

  /** message() with ASCII letters lower-cased. */
  foldedMessage(): string | null {
    if (this.folded === UNSET) {
      const m = this.message();
      this.folded = m === null ? null : asciiLower(m);
    }
    return this.folded;
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
