import { syntaxError } from './errors.js';

/*
 * The pieces a query term is made of, each read from position `at` of the query `s` and returning where it ends.
 * A term ends at a space, a parenthesis or the end of the query.
 */

export function isSpaceChar(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

export function termEndsAt(s: string, i: number): boolean {
  const c = s[i];
  return c === undefined || isSpaceChar(c) || c === '(' || c === ')';
}

/** A "quoted string" at `at`: \" and \\ are escapes, any other backslash is kept (so "C:\temp" is as typed). */
export function readQuoted(s: string, at: number): { text: string; end: number } {
  let i = at + 1;
  let text = '';
  for (;;) {
    if (i >= s.length) syntaxError('unclosed quote', at, 'add a " to close it');
    const c = s[i]!;
    if (c === '"') break;
    if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) {
      text += s[i + 1];
      i += 2;
    } else {
      text += c;
      i++;
    }
  }
  return { text, end: i + 1 };
}

/** A bare word up to the end of the term; a backslash takes the next character literally; a final * is a prefix. */
export function readWord(s: string, at: number): { text: string; prefix: boolean; end: number } {
  let i = at;
  let text = '';
  let prefix = false;
  while (!termEndsAt(s, i)) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c === '*') {
      if (!termEndsAt(s, i + 1)) syntaxError('a * can only end a word (prefix*)', i, 'use a /regex/ for other patterns, or \\* for the character');
      prefix = true;
      i++;
      break;
    }
    text += c;
    i++;
  }
  return { text, prefix, end: i };
}

/**
 * `/pattern/flags` at `at` when the closing slash is followed by flags from [ims] and the end of the term; else null
 * (`/var/log/syslog` is a word, a path to search for). `\/` is a slash; other escapes go to the regex as written.
 */
export function readSlashRegex(s: string, at: number): { pattern: string; flags: string; end: number } | null {
  let i = at + 1;
  let pattern = '';
  while (i < s.length && s[i] !== '/') {
    if (s[i] === '\\' && s[i + 1] === '/') {
      pattern += '/';
      i += 2;
    } else if (s[i] === '\\' && i + 1 < s.length) {
      pattern += s.slice(i, i + 2);
      i += 2;
    } else pattern += s[i++];
  }
  if (i >= s.length) return null;
  let j = i + 1;
  while (j < s.length && /[a-z]/.test(s[j]!)) j++;
  const flags = s.slice(i + 1, j);
  if (!/^[ims]*$/.test(flags) || !termEndsAt(s, j)) return null;
  return { pattern, flags, end: j };
}
