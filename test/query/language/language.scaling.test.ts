// Queries come from users and records from anywhere: parsing a query costs time linear in its length, and testing a
// record costs time linear in the record, for hostile queries and records alike. A catastrophic-backtracking regex
// like /(a+)+$/ takes linear time too (RE2). Each case grows its input 10× and fails when its CPU time grows more
// than 20× (test/helpers/scaling.ts). Queries are capped at 4096 characters, so query cases go from ~400 to ~4000.
import { describe, it } from 'vitest';
import { compileQuery, type RecordView } from '../../../src/query/language/index.js';
import { attempt, expectLinear } from '../../helpers/scaling.js';

const parse = (q: string) => attempt(() => compileQuery(q));

const record = (value: string, headers: [string, string][] = []): RecordView => ({
  topic: 't',
  partition: 0,
  offset: 0,
  timestamp: 0,
  key: null,
  value: Buffer.from(value),
  headers: headers.map(([k, v]) => [k, Buffer.from(v)] as const),
});

describe('parsing scales linearly with the query', () => {
  it('many words, ORs, fields, phrases', () => {
    expectLinear({ name: 'words', n: 200, make: (n) => 'ab '.repeat(n), run: parse });
    expectLinear({ name: 'ORs', n: 130, make: (n) => 'a OR '.repeat(n) + 'b', run: parse });
    expectLinear({ name: 'fields', n: 80, make: (n) => 'host:web-1 '.repeat(n), run: parse });
    expectLinear({ name: 'comparisons', n: 60, make: (n) => 'status>=500 '.repeat(n), run: parse });
    expectLinear({ name: 'negations', n: 130, make: (n) => '-a b '.repeat(n), run: parse });
    expectLinear({ name: 'field groups', n: 40, make: (n) => 'f:(a OR b -c) '.repeat(n), run: parse });
    expectLinear({ name: 'levels', n: 60, make: (n) => 'level:error '.repeat(n), run: parse });
    expectLinear({ name: 'times', n: 40, make: (n) => '_time>=2024-06-01 '.repeat(n), run: parse });
  }, 120_000);

  it('long words, phrases and escapes', () => {
    expectLinear({ name: 'one long word', n: 400, make: (n) => 'a'.repeat(n), run: parse });
    expectLinear({ name: 'dotted word', n: 200, make: (n) => 'a.'.repeat(n), run: parse });
    expectLinear({ name: 'long phrase', n: 400, make: (n) => `"${'a '.repeat(n / 2)}"`, run: parse });
    expectLinear({ name: 'escaped quotes', n: 200, make: (n) => `"${'\\"'.repeat(n)}"`, run: parse });
    expectLinear({ name: 'unclosed quote', n: 400, make: (n) => `"${'a'.repeat(n)}`, run: parse });
    expectLinear({ name: 'word escapes', n: 200, make: (n) => '\\('.repeat(n), run: parse });
    expectLinear({ name: 'long field name', n: 400, make: (n) => `${'f'.repeat(n)}:x`, run: parse });
    expectLinear({ name: 'dotted field name', n: 200, make: (n) => `${'f.'.repeat(n)}f:x`, run: parse });
  }, 120_000);

  it('slashes that may open a regex, and unclosed parentheses', () => {
    expectLinear({ name: 'paths', n: 130, make: (n) => '/a/b/c '.repeat(n).slice(0, n * 3), run: parse });
    expectLinear({ name: 'slashes without end', n: 400, make: (n) => `/${'a'.repeat(n)}`, run: parse });
    expectLinear({ name: 'slash words', n: 200, make: (n) => '/a'.repeat(n), run: parse });
    expectLinear({ name: 'nested and unclosed', n: 130, make: (n) => '(a '.repeat(n), run: parse });
    expectLinear({ name: 'long regex', n: 100, make: (n) => `/${'ab|'.repeat(n)}c/`, run: parse });
  }, 120_000);
});

describe('matching scales linearly with the record', () => {
  it('/(a+)+$/ on a long run of a', () => {
    const q = compileQuery('/(a+)+$/');
    expectLinear({ name: '/(a+)+$/', n: 10_000, make: (n) => record('a'.repeat(n) + 'b'), run: (r) => q.matches(r) });
    const q2 = compileQuery('/(x+x+)+y/');
    expectLinear({ name: '/(x+x+)+y/', n: 10_000, make: (n) => record('x'.repeat(n)), run: (r) => q2.matches(r) });
  }, 120_000);

  it('words and phrases on text that almost matches everywhere', () => {
    const long = compileQuery(`${'a'.repeat(1000)}b`);
    expectLinear({ name: 'long word on aaaa…', n: 10_000, make: (n) => record('a'.repeat(n)), run: (r) => long.matches(r) });
    const front = compileQuery(`b${'a'.repeat(1000)}`);
    expectLinear({ name: 'b+a… on aaaa…', n: 10_000, make: (n) => record('a'.repeat(n)), run: (r) => front.matches(r) });
    const dotted = compileQuery('a.a.a.a.a.b');
    expectLinear({ name: 'dotted phrase on a.a.a…', n: 5_000, make: (n) => record('a.'.repeat(n)), run: (r) => dotted.matches(r) });
    const word = compileQuery('aa');
    expectLinear({ name: 'short word inside long tokens', n: 10_000, make: (n) => record('aaa '.repeat(n / 4)), run: (r) => word.matches(r) });
  }, 120_000);

  it('field lookups: JSON, logfmt, levels', () => {
    // Keys spread over objects of 50: one object of thousands of keys is slower per key in V8's JSON.parse past about
    // a thousand (it switches to dictionary mode, ×3 once), which is V8's constant, not a trend this test should see.
    const json = compileQuery('a.b.c.d:x');
    const objects = (n: number) => Array.from({ length: n / 50 }, (_, j) => Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, j])));
    expectLinear({ name: 'JSON with many keys', n: 500, make: (n) => record(JSON.stringify({ a: objects(n) })), run: (r) => json.matches(r) });
    const logfmt = compileQuery('status>=500');
    expectLinear({ name: 'logfmt pairs', n: 2_000, make: (n) => record('k=v '.repeat(n)), run: (r) => logfmt.matches(r) });
    expectLinear({ name: 'logfmt quotes', n: 800, make: (n) => record('k="a \\" b" '.repeat(n)), run: (r) => logfmt.matches(r) });
    expectLinear({ name: 'logfmt unclosed quote', n: 5_000, make: (n) => record(`k="${'\\"'.repeat(n)}`), run: (r) => logfmt.matches(r) });
    const level = compileQuery('level:error');
    expectLinear({ name: 'level of a long line', n: 10_000, make: (n) => record('x'.repeat(n)), run: (r) => level.matches(r) });
  }, 120_000);

  it('dot paths through arrays and keys that contain dots', () => {
    const items = compileQuery('items.id:y');
    expectLinear({ name: 'array of objects', n: 1_000, make: (n) => record(JSON.stringify({ items: Array.from({ length: n }, (_, i) => ({ id: i })) })), run: (r) => items.matches(r) });
    const dotted = compileQuery(`${'a.'.repeat(30)}a:y`);
    const nest = (depth: number): unknown => (depth === 0 ? 'x' : { a: nest(depth - 1), 'a.a': 'x', 'a.a.a': 'x' });
    expectLinear({ name: 'keys with dots at every level', n: 9, make: (n) => record(JSON.stringify(Array.from({ length: n }, () => nest(30)))), run: (r) => dotted.matches(r) });
  }, 120_000);

  it('mayMatchBytes', () => {
    const q = compileQuery('needle OR "other thing" haystack');
    expectLinear({ name: 'byte search', n: 10_000, make: (n) => Buffer.from('NeedlE haystack '.repeat(n / 16) + 'x'.repeat(n % 16)), run: (b) => q.mayMatchBytes(b, 0, b.length) });
  }, 120_000);
});
