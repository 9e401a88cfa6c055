// Property-based fuzzing of the line-protocol parser and encoder (fast-check; seed and replay: test/helpers/fuzz.ts):
// generated points survive encode → parse, every encoded point is one line, and arbitrary lines only ever fail with
// LineProtocolError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeLine, LineProtocolError, parseLine, type FieldValue, type Point } from '../../src/collect/line-protocol/index.js';
import { fuzzParams } from '../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);

// Names made of the characters that matter to the grammar, plus anything else. Line protocol cannot represent every
// name exactly (control characters become backslash sequences, an odd run of backslashes before an escaped character
// gains one), so `exact` names leave out backslashes and control characters.
const grammar = fc.constantFrom(',', '=', ' ', '"', '#', 'i', 'u', 't', '1', '.', '-', 'é', '\u{1F600}');
const name = (exact: boolean) =>
  fc.string({
    minLength: 1,
    maxLength: 10,
    unit: fc.oneof(grammar, fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }).filter((c) => !exact || !/[\\\n\r\t\f]/.test(c)), ...(exact ? [] : [fc.constantFrom('\\', '\\', '\n', '\r', '\t', '\f')])),
  });

const fieldValue = (exact: boolean): fc.Arbitrary<FieldValue> => fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => ({ type: 'float' as const, value: Object.is(value, -0) ? 0 : value })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ type: 'integer' as const, value })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ type: 'unsigned' as const, value })),
  fc
    .string({ maxLength: 12, unit: fc.oneof(grammar, fc.constantFrom('\\', ...(exact ? [] : ['\n', '\t'])), fc.string({ minLength: 1, maxLength: 1 }).filter((c) => !exact || !/[\n\r\t\f]/.test(c))) })
    .map((value) => ({ type: 'string' as const, value })),
  fc.boolean().map((value) => ({ type: 'boolean' as const, value })),
);

const point = (exact: boolean): fc.Arbitrary<Point & { tags: Record<string, string>; fields: Record<string, FieldValue> }> =>
  fc.record({
    measurement: name(exact),
    tags: fc.dictionary(name(exact), name(exact), { maxKeys: 3, noNullPrototype: false }),
    fields: fc.dictionary(name(exact), fieldValue(exact), { minKeys: 1, maxKeys: 3, noNullPrototype: false }),
    timestampNs: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }),
  });

/** What the parser gives back for a point: the encoder drops tags with empty values and sorts tags. */
function expected(p: Point & { tags: Record<string, string>; fields: Record<string, FieldValue> }) {
  const tags: Record<string, string> = {};
  for (const k of Object.keys(p.tags).sort()) if (p.tags[k] !== '') tags[k] = p.tags[k]!;
  return { measurement: p.measurement, tags, fields: { ...p.fields }, timestampNs: p.timestampNs ?? null };
}

describe('line protocol fuzzing', () => {
  it('parse(encode(point)) gives the point back', () => {
    fc.assert(
      fc.property(point(true), (p) => {
        const line = encodeLine(p);
        const back = parseLine(line);
        expect({ ...back, tags: { ...back.tags }, fields: { ...back.fields } }).toEqual(expected(p));
        expect(encodeLine(back)).toBe(line); // canonical: encoding is a fixed point
      }),
      params(3000),
    );
  });

  it('any point, backslashes and control characters included, encodes to one line that parses to the same shape', () => {
    fc.assert(
      fc.property(point(false), (p) => {
        const line = encodeLine(p);
        expect(line).not.toMatch(/[\n\r]/);
        const back = parseLine(line);
        // Names can collide once an odd backslash run gains one ('\\' and '\\\\' both read back as '\\\\'), never multiply.
        expect(Object.keys(back.tags).length).toBeLessThanOrEqual(Object.values(p.tags).filter((v) => v !== '').length);
        expect(Object.keys(back.fields).length).toBeLessThanOrEqual(Object.keys(p.fields).length);
        expect(back.timestampNs).toBe(p.timestampNs ?? null);
        expect(encodeLine(parseLine(encodeLine(back)))).toBe(encodeLine(back)); // reading back is stable
      }),
      params(2000),
    );
  });

  it('arbitrary lines parse or fail with LineProtocolError', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 60, unit: fc.oneof(grammar, fc.string({ minLength: 1, maxLength: 1 })) }),
      fc.string({ maxLength: 60, unit: 'binary' }),
    );
    fc.assert(
      fc.property(line, fc.constantFrom('ns', 'us', 'ms', 's', 'm', 'h' as const), (l, precision) => {
        try {
          parseLine(l, precision);
        } catch (e) {
          if (!(e instanceof LineProtocolError)) throw e;
        }
      }),
      params(3000),
    );
  });
});
