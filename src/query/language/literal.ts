import { tokenHashes } from '../../storage/token-index/tokens.js';

/*
 * A literal is a word, a "phrase" or a prefix*: the text must occur with token boundaries at its ends, so `error`
 * finds "an error:" but not "errors", `10.0.0.5` finds "from 10.0.0.5:80" but not "110.0.0.5", and `user-42` finds the
 * tokens user and 42 with a "-" between. Tokens are those of storage/token-index/tokens.ts, seen on UTF-16 text: a
 * token character is an ASCII letter, digit or "_", or any character above U+007F (its UTF-8 bytes are all ≥ 0x80).
 * Case folding is ASCII-only, as in the token hashes, so a literal never matches text whose tokens hash differently.
 */

export interface Literal {
  /** As typed, escapes removed, without the trailing `*` of a prefix. */
  readonly text: string;
  /** What is searched for: `text`, ASCII-lower-cased unless caseSensitive. */
  readonly needle: string;
  readonly caseSensitive: boolean;
  /** `prefix*`: the last token may continue in the text. */
  readonly prefix: boolean;
  /** The text starts with a token character, so a match must start where a token starts. */
  readonly boundaryStart: boolean;
  /** The text ends with a token character and is no prefix, so a match must end where a token ends. */
  readonly boundaryEnd: boolean;
}

export function isTokenChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c >= 0x80;
}

const UPPER = /[A-Z]+/g;
const NON_ASCII = /[^\x00-\x7f]/;
const lower = (m: string): string => m.toLowerCase();

/** `s` with ASCII letters lower-cased and nothing else changed ("CAFÉ" → "cafÉ"), as token hashing folds. */
export function asciiLower(s: string): string {
  // toLowerCase is native and fast but folds non-ASCII letters too; use it only when there are none.
  return NON_ASCII.test(s) ? s.replace(UPPER, lower) : s.toLowerCase();
}

export function makeLiteral(text: string, prefix: boolean, caseSensitive: boolean): Literal {
  return {
    text,
    needle: caseSensitive ? text : asciiLower(text),
    caseSensitive,
    prefix,
    boundaryStart: text.length > 0 && isTokenChar(text.charCodeAt(0)),
    boundaryEnd: !prefix && text.length > 0 && isTokenChar(text.charCodeAt(text.length - 1)),
  };
}

/**
 * True when `lit` occurs in `hay` with its boundaries. `hay` must already be folded like the literal
 * (asciiLower unless the literal is case-sensitive).
 */
export function findLiteral(lit: Literal, hay: string): boolean {
  const n = lit.needle;
  if (n.length === 0) return true;
  let from = 0;
  for (;;) {
    const p = hay.indexOf(n, from);
    if (p < 0) return false;
    const startOk = !lit.boundaryStart || p === 0 || !isTokenChar(hay.charCodeAt(p - 1));
    const e = p + n.length;
    const endOk = !lit.boundaryEnd || e === hay.length || !isTokenChar(hay.charCodeAt(e));
    if (startOk && endOk) return true;
    // A match must start after a separator: jump past the token we are in, so a long run of token characters is
    // passed over once, not once per position.
    from = p + 1;
    if (lit.boundaryStart) {
      while (from < hay.length && isTokenChar(hay.charCodeAt(from))) from++;
      from++;
    }
  }
}

/**
 * Hashes of the tokens a match of `lit` certainly contains whole: every token of the text, except the last one of a
 * prefix (it may continue) and any token with U+FFFD or an unpaired surrogate (text decoded from invalid UTF-8 shows
 * U+FFFD where the stored bytes were something else, so its hash would not be the stored token's).
 */
export function wholeTokenHashes(lit: Literal): number[] {
  const s = lit.text;
  const out = new Set<number>();
  let i = 0;
  while (i < s.length) {
    while (i < s.length && !isTokenChar(s.charCodeAt(i))) i++;
    const start = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    if (i === start) break;
    if (lit.prefix && i === s.length) break;
    const token = s.slice(start, i);
    if (!/[\uFFFD\p{Cs}]/u.test(token)) for (const h of tokenHashes(token)) out.add(h);
  }
  return [...out];
}
