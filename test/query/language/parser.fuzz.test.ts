// Queries come from users through the API: whatever they type, compileQuery either returns a query or throws a
// QuerySyntaxError whose position lies inside the query (never a TypeError, a RangeError or an re2js exception), and
// a compiled query never throws on any record (fast-check; seed and replay: test/helpers/fuzz.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileQuery, QuerySyntaxError, type CompiledQuery, type RecordView } from '../../../src/query/language/index.js';
import { fuzzParams } from '../../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);

/** Characters that mean something to the parser, words it knows, and anything else. */
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('(', ')', '"', '\\', '/', '*', '-', ':', '=', '>', '<', '>=', '~', ' ', '\t', '{', '|', '.', '@', '_', 'é', '\uFFFD', '\uD800') },
  { weight: 3, arbitrary: fc.constantFrom('AND', 'OR', 'NOT', 'error', 'level', 'level:', '_time', '_time:', '_msg:', 'host:', 'status>=', '2024-06-01', '1717243200000', 'warn', '/a+/', '/x/i', '~"', '[', '(?', '{2000}', 'http://') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);
const query = fc.array(piece, { maxLength: 30 }).map((p) => p.join(''));

const record: fc.Arbitrary<RecordView> = fc.record({
  topic: fc.constantFrom('logs', 'syslog'),
  partition: fc.nat(5),
  offset: fc.nat(),
  timestamp: fc.integer({ min: 0, max: 2_000_000_000_000 }),
  key: fc.option(fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a))),
  value: fc.option(
    fc.oneof(
      fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)),
      fc.json().map((j) => Buffer.from(j)),
      fc.constantFrom('{"level":"error","a":{"b":[1,{"c":"x"}]}}', 'level=warn msg="a \\" b" x=', '{"a.b":{"c":1},"a":{"b.c":2}}', '{', 'E0501 12:00:00 x').map((s) => Buffer.from(s)),
    ),
  ),
  headers: fc.array(
    fc.tuple(fc.constantFrom('level', 'host', 'Level', ''), fc.option(fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a)))).map(([k, v]): [string, Buffer | null] => [k, v]),
    { maxLength: 3 },
  ),
});

function compiled(q: string): CompiledQuery | null {
  try {
    return compileQuery(q);
  } catch (err) {
    if (!(err instanceof QuerySyntaxError)) throw err;
    expect(err.position).toBeGreaterThanOrEqual(0);
    expect(err.position).toBeLessThanOrEqual(q.length);
    expect(err.message).toMatch(/at column \d+/);
    return null;
  }
}

describe('query parsing fuzzing', () => {
  it('any text compiles or fails with a QuerySyntaxError pointing into it', () => {
    fc.assert(fc.property(query, (q) => void compiled(q)), params(5000));
  });

  it('arbitrary strings too', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (q) => void compiled(q)), params(2000));
  });

  it('a compiled query answers on any record without throwing', () => {
    fc.assert(
      fc.property(query, fc.array(record, { maxLength: 5 }), (q, records) => {
        const c = compiled(q);
        if (!c) return;
        for (const r of records) {
          expect(typeof c.matches(r)).toBe('boolean');
          const level = c.levelOf(r);
          expect([null, 'trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(level);
          c.fieldOf(r, 'a.b');
          if (r.value) expect(typeof c.mayMatchBytes(r.value, 0, r.value.length)).toBe('boolean');
        }
      }),
      params(2000),
    );
  });
});
