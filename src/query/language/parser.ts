import type { CompareOp, QueryNode } from './ast.js';
import { regexClause, timeClause } from './clauses.js';
import { syntaxError } from './errors.js';
import { isSpaceChar, readQuoted, readSlashRegex, readWord, termEndsAt } from './lexemes.js';
import { LEVEL_FIELDS, normalizeLevel } from '../../common/level/index.js';
import { makeLiteral } from './literal.js';

/*
 * Recursive descent over the characters of the query, one pass, no backtracking beyond a term:
 *
 *   query   := or EOF                        (empty query: everything)
 *   or      := and ( "OR" and )*
 *   and     := unary ( ["AND"] unary )*      (side by side means AND)
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" or ")" | term
 *   term    := field ":" value | field op operand | value
 *   value   := "(" or-of-values ")" | "*" | "=" literal | op operand | /regex/flags | ~"regex" | "phrase"[*] | word[*]
 *
 * A value outside a field searches the record's value; inside `field:(…)` each value applies to that field.
 */

export const MAX_QUERY_CHARS = 4096;
export const MAX_DEPTH = 32;

/** Field names: start with a letter, `_` or `@`; then letters, digits and `_ . @ -`. */
const FIELD_START = /[A-Za-z_@]/;
const FIELD_CHAR = /[A-Za-z0-9_.@-]/;

/** Where values go: the record's value (free words), or a field. */
interface Target {
  /** null: the record's value. */
  field: string | null;
  /** Written as `field:` (so `=x` means the whole value, not exact case). */
  explicit: boolean;
}

const FREE: Target = { field: null, explicit: false };

export function parseQuery(text: string, caseSensitive = false): QueryNode {
  if (text.length > MAX_QUERY_CHARS) syntaxError(`query of ${text.length} characters is longer than the ${MAX_QUERY_CHARS} allowed`, MAX_QUERY_CHARS);
  return new Parser(text, caseSensitive).query();
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly s: string,
    private readonly caseSensitive: boolean,
  ) {}

  query(): QueryNode {
    this.skipSpace();
    if (this.pos >= this.s.length) return { kind: 'all' };
    const node = this.or(FREE);
    this.skipSpace();
    if (this.pos < this.s.length) syntaxError('unmatched )', this.pos, 'remove it or add a ( before it');
    return node;
  }

  private or(t: Target): QueryNode {
    const children = [this.and(t)];
    for (;;) {
      this.skipSpace();
      if (!this.keyword('OR')) break;
      this.pos += 2;
      children.push(this.and(t));
    }
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }

  private and(t: Target): QueryNode {
    const children = [this.unary(t)];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.s.length || this.s[this.pos] === ')' || this.keyword('OR')) break;
      if (this.keyword('AND')) this.pos += 3;
      children.push(this.unary(t));
    }
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }

  private unary(t: Target): QueryNode {
    this.skipSpace();
    const at = this.pos;
    let width = 0;
    if (this.keyword('NOT')) width = 3;
    else if (this.s[at] === '-' && this.s[at + 1] !== undefined && !isSpaceChar(this.s[at + 1]) && this.s[at + 1] !== ')') width = 1;
    if (width === 0) return this.primary(t);
    this.pos += width;
    this.enter(at);
    const child = this.unary(t);
    this.depth--;
    return { kind: 'not', child };
  }

  private primary(t: Target): QueryNode {
    this.skipSpace();
    const at = this.pos;
    const c = this.s[at];
    if (c === undefined) syntaxError('expected a search term', at, 'the query ends after an operator');
    if (c === ')') syntaxError('expected a search term, found )', at);
    if (this.keyword('AND') || this.keyword('OR')) syntaxError(`expected a search term, found ${this.keyword('OR') ? 'OR' : 'AND'}`, at, 'to search for the word itself, quote it');
    if (c === '(') return this.group(t);
    return t.field === null && !t.explicit ? this.freeTerm() : this.value(t);
  }

  /** "(" or ")" */
  private group(t: Target): QueryNode {
    const open = this.pos;
    this.pos++;
    this.enter(open);
    this.skipSpace();
    if (this.s[this.pos] === ')') syntaxError('empty parentheses', open);
    const node = this.or(t);
    this.skipSpace();
    if (this.s[this.pos] !== ')') syntaxError('unclosed (', open, 'add a ) to close it');
    this.pos++;
    this.depth--;
    return node;
  }

  /** A term outside any field: `field:…`, `field>=…`, or a value searched in the record's value. */
  private freeTerm(): QueryNode {
    const at = this.pos;
    const c = this.s[at]!;
    if (c === '{') syntaxError('label selectors {…} are not supported', at, 'write app:api instead of {app="api"}');
    if (c === '|') syntaxError('pipes (|) are not supported', at, 'words and field:value filters already narrow the results');
    let j = at;
    if (FIELD_START.test(c)) while (j < this.s.length && FIELD_CHAR.test(this.s[j]!)) j++;
    // `x->y` and `a.:b` are text: a field name does not end with - or .
    if (j > at && this.s[j - 1] !== '-' && this.s[j - 1] !== '.') {
      const name = this.s.slice(at, j);
      const next = this.s[j];
      // http://host is a URL, not the field "http".
      if (next === ':' && this.s.startsWith('//', j + 1)) return this.value(FREE);
      if (next === ':') {
        this.pos = j + 1;
        this.skipSpace();
        if (this.pos >= this.s.length || this.s[this.pos] === ')') syntaxError(`expected a value after ${name}:`, this.pos, `to search for the text, quote it: "${name}:"`);
        const target = { field: name === '_msg' || name === '_value' ? null : name, explicit: true };
        return this.s[this.pos] === '(' ? this.group(target) : this.value(target);
      }
      if (next === '>' || next === '<') {
        this.pos = j;
        return this.comparison({ field: name === '_msg' || name === '_value' ? null : name, explicit: true });
      }
    }
    return this.value(FREE);
  }

  /** One value for target `t` (see the grammar). */
  private value(t: Target): QueryNode {
    const at = this.pos;
    const c = this.s[at]!;
    if (t.explicit) {
      if (c === '>' || c === '<') return this.comparison(t);
      if (c === '*' && this.termEnd(at + 1)) {
        this.pos++;
        if (t.field === null) return { kind: 'exists', field: '_msg' };
        return LEVEL_FIELDS.has(t.field) ? { kind: 'has-level' } : { kind: 'exists', field: t.field };
      }
      if (c === '=') {
        this.pos++;
        const v = this.operand(at, `${t.field ?? '_msg'}:=`);
        if (t.field === '_time') return timeClause(':', v, at + 1, true);
        return { kind: 'equals', field: t.field, value: v };
      }
    } else {
      if (c === '*' && this.termEnd(at + 1)) {
        this.pos++;
        return { kind: 'all' };
      }
      if (c === '=' && !this.termEnd(at + 1)) {
        this.pos++;
        return this.literal(t, true);
      }
    }
    if (c === '~' && this.s[at + 1] === '"') {
      this.pos++;
      const { text } = this.quoted();
      return regexClause(t.field, text, '', at);
    }
    if (c === '/') {
      const re = readSlashRegex(this.s, at);
      if (re) {
        this.pos = re.end;
        return regexClause(t.field, re.pattern, re.flags, at);
      }
    }
    return this.literal(t, false);
  }

  /** `"phrase"`, `"phrase"*`, `word` or `word*`, as a text match (or a level / time / empty-value clause). */
  private literal(t: Target, exactCase: boolean): QueryNode {
    const at = this.pos;
    let text: string;
    let prefix: boolean;
    if (this.s[at] === '"') {
      ({ text } = this.quoted());
      prefix = this.s[this.pos] === '*';
      if (prefix) this.pos++;
      if (!this.termEnd(this.pos)) syntaxError('expected a space or ) after the closing quote', this.pos);
    } else {
      ({ text, prefix } = this.word());
    }
    if (t.field === '_time') {
      if (prefix) syntaxError('_time takes a time, not a prefix', at, 'use _time>=2024-06-01 or _time:2024-06-01');
      return timeClause(':', text, at, false);
    }
    if (text.length === 0 && !prefix) {
      if (t.explicit) return { kind: 'equals', field: t.field, value: '' };
      syntaxError('empty phrase ""', at);
    }
    if (t.field !== null && LEVEL_FIELDS.has(t.field) && !prefix && !exactCase) {
      const level = normalizeLevel(text);
      if (level) return { kind: 'level', op: ':', level };
    }
    return { kind: 'text', field: t.field, lit: makeLiteral(text, prefix, exactCase || this.caseSensitive) };
  }

  /** `>=500`, `<"2024-06-01"`: the operator at pos, then its operand. */
  private comparison(t: Target): QueryNode {
    const at = this.pos;
    const op: CompareOp = this.s[at + 1] === '=' ? (`${this.s[at]}=` as CompareOp) : (this.s[at] as CompareOp);
    this.pos += op.length;
    const opAt = this.pos;
    const value = this.operand(at, `${t.field ?? '_msg'}${op}`);
    if (t.field === '_time') return timeClause(op, value, opAt, false);
    if (t.field !== null && LEVEL_FIELDS.has(t.field)) {
      const level = normalizeLevel(value);
      if (!level) syntaxError(`${JSON.stringify(value)} is no level`, opAt, 'compare levels by name: trace, debug, info, warn, error, fatal');
      return { kind: 'level', op, level };
    }
    const num = value.trim() === '' ? NaN : Number(value);
    return { kind: 'compare', field: t.field, op, value, num: Number.isFinite(num) ? num : null };
  }

  /** The operand of a comparison or `=`: a quoted string or a word, taken literally. */
  private operand(at: number, after: string): string {
    if (this.termEnd(this.pos)) syntaxError(`expected a value after ${after}`, this.pos);
    if (this.s[this.pos] === '"') {
      const { text } = this.quoted();
      if (!this.termEnd(this.pos)) syntaxError('expected a space or ) after the closing quote', this.pos);
      return text;
    }
    const w = this.word();
    if (w.prefix) syntaxError(`a * does not go with ${after}`, at);
    return w.text;
  }

  private termEnd(i: number): boolean {
    return termEndsAt(this.s, i);
  }

  private quoted(): { text: string } {
    const q = readQuoted(this.s, this.pos);
    this.pos = q.end;
    return q;
  }

  private word(): { text: string; prefix: boolean } {
    const w = readWord(this.s, this.pos);
    this.pos = w.end;
    return w;
  }

  private keyword(k: 'AND' | 'OR' | 'NOT'): boolean {
    return this.s.startsWith(k, this.pos) && this.termEnd(this.pos + k.length);
  }

  private skipSpace(): void {
    while (isSpaceChar(this.s[this.pos])) this.pos++;
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) syntaxError(`query nests deeper than ${MAX_DEPTH} levels`, at, 'remove some parentheses or NOTs');
  }
}
