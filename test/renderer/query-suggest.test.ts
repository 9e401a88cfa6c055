// The search bar's autocomplete helpers (renderer/src/lib/query-suggest.ts): the word at the caret, field names
// found in records, and the query after taking a suggestion, which must still parse.
import { describe, expect, it } from 'vitest';
import { applySuggestion, fieldsOf, tokenAt } from '../../renderer/src/lib/query-suggest.js';
import { compileQuery } from '../../src/query/language/index.js';

describe('tokenAt', () => {
  it('finds the word at the caret, a field name or a field:value, without a leading minus', () => {
    expect(tokenAt('error ho', 8)).toEqual({ start: 6, end: 8, field: null, partial: 'ho' });
    expect(tokenAt('error host:we', 13)).toEqual({ start: 6, end: 13, field: 'host', partial: 'we' });
    expect(tokenAt('-host:"web 1', 12).field).toBe('host');
    expect(tokenAt('-host:"web', 10)).toEqual({ start: 1, end: 10, field: 'host', partial: 'web' });
    expect(tokenAt('(level:err OR x)', 10)).toEqual({ start: 1, end: 10, field: 'level', partial: 'err' });
    expect(tokenAt('a b', 1)).toEqual({ start: 0, end: 1, field: null, partial: 'a' });
  });
});

describe('fieldsOf', () => {
  it('collects JSON paths (two levels), logfmt keys and header keys, the most frequent first, after the built-ins', () => {
    const rec = (value: string, headers: string[] = []) => ({ value, headers: headers.map((key) => ({ key })) });
    const f = fieldsOf([
      rec('{"host":"a","user":{"id":1,"name":"x"},"tags":["t"]}'),
      rec('{"host":"b","msg":"m"}', ['trace_id']),
      rec('ts=1 level=info svc=api path=/x'),
      rec('plain text with a=b and no json'),
    ]);
    expect(f.slice(0, 4)).toEqual(['level', '_topic', '_partition', '_key']);
    expect(f).toEqual(expect.arrayContaining(['host', 'user.id', 'user.name', 'tags', 'msg', 'trace_id', 'ts', 'svc', 'path', 'a']));
    expect(f.indexOf('host')).toBeLessThan(f.indexOf('msg')); // seen twice
    expect(f).not.toContain('user');
    expect(new Set(f).size).toBe(f.length);
  });
});

describe('applySuggestion', () => {
  it('completes a field name to field: and a value to field:value plus a space, keeping the rest', () => {
    const q1 = 'error ho -x';
    expect(applySuggestion(q1, tokenAt(q1, 8), { field: 'host' })).toEqual({ text: 'error host: -x', caret: 11 });
    const q2 = 'error host:we -x';
    expect(applySuggestion(q2, tokenAt(q2, 13), { field: 'host', value: 'web-1' })).toEqual({ text: 'error host:web-1 -x', caret: 17 });
    const q3 = '-msg:con';
    expect(applySuggestion(q3, tokenAt(q3, 8), { field: 'msg', value: 'connection "refused"' }).text).toBe('-msg:"connection \\"refused\\"" ');
  });

  it('writes queries the compiler accepts', () => {
    for (const v of ['web-1', 'a b', 'x"y', 'OR', '']) {
      const q = 'level:error h';
      const out = applySuggestion(q, tokenAt(q, q.length), { field: 'host', value: v }).text;
      expect(() => compileQuery(out), out).not.toThrow();
    }
  });
});
