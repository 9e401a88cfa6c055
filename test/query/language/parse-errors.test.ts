// A query that cannot be parsed fails with a QuerySyntaxError naming the column and what was expected, and its
// `position` points at the offending character (0-based), so the API can answer 400 and a UI can place the caret.
import { describe, expect, it } from 'vitest';
import { compileQuery, QuerySyntaxError } from '../../../src/query/language/index.js';

function failure(query: string): QuerySyntaxError {
  try {
    compileQuery(query);
  } catch (err) {
    expect(err).toBeInstanceOf(QuerySyntaxError);
    return err as QuerySyntaxError;
  }
  throw new Error(`${JSON.stringify(query)} parsed without an error`);
}

describe('parse errors name the column and what was expected', () => {
  const cases: [string, number, RegExp][] = [
    ['level:error "timeout', 12, /^unclosed quote at column 13/],
    ['msg:"unclosed', 4, /^unclosed quote at column 5/],
    ['error OR', 8, /^expected a search term at column 9/],
    ['error AND', 9, /^expected a search term at column 10/],
    ['NOT', 3, /^expected a search term at column 4/],
    ['AND error', 0, /^expected a search term, found AND at column 1/],
    ['a OR OR b', 5, /^expected a search term, found OR at column 6/],
    ['(error timeout', 0, /^unclosed \( at column 1/],
    ['a (b (c) d', 2, /^unclosed \( at column 3/],
    ['error)', 5, /^unmatched \) at column 6/],
    ['()', 0, /^empty parentheses at column 1/],
    ['status>=', 8, /^expected a value after status>= at column 9/],
    ['status:', 7, /^expected a value after status: at column 8/],
    ['status: )', 8, /^expected a value after status: at column 9/],
    ['host:=', 6, /^expected a value after host:= at column 7/],
    ['time*out', 4, /^a \* can only end a word \(prefix\*\) at column 5/],
    ['/(a/', 0, /^invalid regex \(missing closing \)/],
    ['msg:/(?=x)/', 4, /^invalid regex/],
    ['~"a{2000}"', 0, /^invalid regex/],
    ['/.{300}.{300}/', 0, /^regex too complex \(\d+ steps, at most 500\)/],
    ['_time>yesterday', 6, /^"yesterday" is not a time at column 7/],
    ['_time:2024-02-30', 6, /is not a time/],
    ['_time:2024*', 6, /_time takes a time, not a prefix/],
    ['level>=loud', 7, /^"loud" is no level at column 8/],
    ['""', 0, /^empty phrase "" at column 1/],
    ['"a"b', 3, /^expected a space or \) after the closing quote at column 4/],
    ['{app="api"}', 0, /label selectors \{…\} are not supported.*app:api/],
    ['error | json', 6, /^pipes \(\|\) are not supported at column 7/],
  ];
  for (const [query, position, message] of cases) {
    it(query, () => {
      const e = failure(query);
      expect(e.message).toMatch(message);
      expect(e.position).toBe(position);
      expect(e.name).toBe('QuerySyntaxError');
    });
  }

  it('caps the query length and the nesting depth', () => {
    expect(failure('a '.repeat(2049)).message).toMatch(/query of 4098 characters is longer than the 4096 allowed/);
    expect(compileQuery('a '.repeat(2048)).text).toHaveLength(4096);
    const deep = (n: number) => '('.repeat(n) + 'a' + ')'.repeat(n);
    expect(compileQuery(deep(32)).matches).toBeTypeOf('function');
    const e = failure(deep(33));
    expect(e.message).toMatch(/nests deeper than 32 levels/);
    expect(e.position).toBe(32);
    expect(failure('NOT '.repeat(33) + 'a').message).toMatch(/nests deeper/);
    expect(failure('-'.repeat(33) + 'a').message).toMatch(/nests deeper/);
  });

  it('caps the length of a regex', () => {
    expect(failure(`/${'a'.repeat(1025)}/`).message).toMatch(/regex of 1025 characters is longer than the 1024 allowed/);
    expect(compileQuery(`/${'a'.repeat(400)}/`).tokens).toBe('any');
  });

  it('what is not an error: words that look like syntax', () => {
    for (const q of ['/var/log/syslog', '/', 'a-b', '-', '=', 'x->y', 'status=500', 'lower or and not', '12:30:00', 'C:\\temp', 'foo\\*bar', '"say \\"hi\\""']) {
      expect(() => compileQuery(q), q).not.toThrow();
    }
  });
});
