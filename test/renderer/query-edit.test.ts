// The GUI's pure helpers that rewrite queries and time ranges (renderer/src/lib), checked against the query compiler
// they write for: every query the field sidebar produces must parse.
import { describe, expect, it } from 'vitest';
import { addFilter, highlightTerms, splitMatches } from '../../renderer/src/lib/query-edit.js';
import { parseDuration, widen } from '../../renderer/src/lib/time-range.js';
import { compileQuery } from '../../src/query/language/index.js';

describe('addFilter (the field sidebar\'s + and −)', () => {
  it('appends, flips and does not repeat a clause', () => {
    expect(addFilter('', 'level', 'error', true)).toBe('level:error');
    expect(addFilter('timeout', 'level', 'error', false)).toBe('timeout -level:error');
    expect(addFilter('timeout -level:error', 'level', 'error', true)).toBe('timeout level:error');
    expect(addFilter('timeout level:error', 'level', 'error', true)).toBe('timeout level:error');
  });

  it('quotes values that are not plain words and keeps an OR query together', () => {
    expect(addFilter('', 'msg', 'connection "refused" now', true)).toBe('msg:"connection \\"refused\\" now"');
    expect(addFilter('error OR warn', 'host', 'web-1', true)).toBe('(error OR warn) host:web-1');
  });

  it('writes queries the compiler accepts', () => {
    for (const [field, value] of [['level', 'error'], ['_topic', 'app.logs'], ['host', 'web 1 (eu)'], ['msg', 'a:b "c" \\ d'], ['x', 'OR']]) {
      for (const include of [true, false]) {
        const q = addFilter('error OR warn', field!, value!, include);
        expect(() => compileQuery(q), q).not.toThrow();
      }
    }
  });
});

describe('highlighting', () => {
  it('takes plain words and phrases, not fields, negations, operators or regexes', () => {
    expect(highlightTerms('error "connection refused" -debug level:warn OR time* /x+/')).toEqual(['error', 'connection refused', 'time']);
  });
  it('splits text around matches, case aside', () => {
    expect(splitMatches('An Error and error', ['error'])).toEqual([
      { text: 'An ', hit: false },
      { text: 'Error', hit: true },
      { text: ' and ', hit: false },
      { text: 'error', hit: true },
    ]);
  });
});

describe('time ranges', () => {
  it('t z doubles a relative range and widens an absolute one around its middle, never past now', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(widen({ from: '15m', to: '' })).toEqual({ from: '30m', to: '' });
    const now = 10_000_000;
    expect(widen({ from: '1000000', to: '2000000' }, now)).toEqual({ from: '500000', to: '2500000' });
    // Near now the range keeps its new width by reaching further back.
    expect(widen({ from: String(now - 10_000), to: String(now - 2000) }, now)).toEqual({ from: String(now - 16_000), to: '' });
  });
});
