import type { QueryNode } from './ast.js';
import { wholeTokenHashes, type Literal } from './literal.js';

/*
 * What a record must contain for the query to possibly match it, derived once from the query, for skipping before any
 * record is decoded. Both are sound by construction: when matches(r) is true, the token requirement holds over the
 * tokens of r's value, and every required literal occurs in r's raw bytes.
 *
 * - Tokens come only from clauses on the value (free words, `_msg:`): a field's value may come from a header, or be
 *   decoded from JSON, where `\n` glues an "n" to the next token and `\u00e9` spells é; neither is a token of the
 *   stored bytes. NOT, regexes, comparisons and levels require nothing.
 * - Byte literals come from value clauses (the text is in the stored value as it was typed, up to ASCII case) and from
 *   field clauses whose text has at least two ASCII letters and only letters, digits, space, `_`, `.` and `-`: such
 *   text is stored verbatim whether the field is a header, a logfmt value or a JSON string (JSON writers escape only
 *   quotes, backslashes, control characters and, some, `/` and non-ASCII), and no JSON number or literal spells it
 *   differently from its source (a number has at most one letter, e). The one assumption: no writer escapes plain
 *   ASCII letters as \u0061.
 */

export type TokenRequirement = 'any' | { all: number[] } | { anyOf: TokenRequirement[] } | { allOf: TokenRequirement[] };

export type ByteRequirement = 'any' | { literal: Literal } | { and: ByteRequirement[] } | { or: ByteRequirement[] };

export function tokenRequirement(node: QueryNode): TokenRequirement {
  switch (node.kind) {
    case 'text': {
      if (node.field !== null) return 'any';
      const all = wholeTokenHashes(node.lit);
      return all.length > 0 ? { all } : 'any';
    }
    case 'and': {
      const hashes = new Set<number>();
      const rest: TokenRequirement[] = [];
      for (const c of node.children) {
        const r = tokenRequirement(c);
        if (r === 'any') continue;
        if ('all' in r) for (const h of r.all) hashes.add(h);
        else if ('allOf' in r) rest.push(...r.allOf);
        else rest.push(r);
      }
      const parts: TokenRequirement[] = hashes.size > 0 ? [{ all: [...hashes] }, ...rest] : rest;
      return parts.length === 0 ? 'any' : parts.length === 1 ? parts[0]! : { allOf: parts };
    }
    case 'or': {
      const alternatives: TokenRequirement[] = [];
      for (const c of node.children) {
        const r = tokenRequirement(c);
        if (r === 'any') return 'any';
        if (typeof r === 'object' && 'anyOf' in r) alternatives.push(...r.anyOf);
        else alternatives.push(r);
      }
      return alternatives.length === 1 ? alternatives[0]! : { anyOf: alternatives };
    }
    default:
      return 'any';
  }
}

/** Text a field clause may require in the raw bytes (see above). */
const VERBATIM_FIELD_TEXT = /^[A-Za-z0-9_. -]*$/;

function literalBytes(field: string | null, lit: Literal): ByteRequirement {
  const t = lit.text;
  if (t.length === 0 || /[\uFFFD\p{Cs}]/u.test(t)) return 'any';
  if (field === null || field === '_key') return { literal: lit };
  if (field === '_topic' || field === '_partition' || field === '_offset' || field === '_time') return 'any';
  const letters = t.match(/[A-Za-z]/g)?.length ?? 0;
  return letters >= 2 && VERBATIM_FIELD_TEXT.test(t) ? { literal: lit } : 'any';
}

export function byteRequirement(node: QueryNode): ByteRequirement {
  switch (node.kind) {
    case 'text':
      return literalBytes(node.field, node.lit);
    case 'and': {
      const parts = node.children.map(byteRequirement).filter((r) => r !== 'any');
      return parts.length === 0 ? 'any' : parts.length === 1 ? parts[0]! : { and: parts };
    }
    case 'or': {
      const parts = node.children.map(byteRequirement);
      return parts.includes('any') ? 'any' : parts.length === 1 ? parts[0]! : { or: parts };
    }
    default:
      return 'any';
  }
}

/** Holds when the requirement holds over a set of token hashes (for tests and for engines without a bloom filter). */
export function requirementHolds(req: TokenRequirement, has: (hash: number) => boolean): boolean {
  if (req === 'any') return true;
  if ('all' in req) return req.all.every(has);
  if ('allOf' in req) return req.allOf.every((r) => requirementHolds(r, has));
  return req.anyOf.some((r) => requirementHolds(r, has));
}
