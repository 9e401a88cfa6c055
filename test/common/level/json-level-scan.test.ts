import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordText } from '../../../src/common/level/index.js';
import { jsonLevelScan, UNDECIDED } from '../../../src/common/level/json-level-scan.js';

/** THE level of a JSON-ish value as JSON.parse-based code finds it: the object parsed first, so no byte scan runs. */
function parsedLevel(value: Buffer): string | null {
  const rt = new RecordText().resetText(value, []);
  rt.jsonObject();
  return rt.level();
}

const level = (s: string) => new RecordText().resetText(Buffer.from(s), []).level();

describe('the level of a JSON line read from its bytes', () => {
  it('finds the level where JSON.parse would, in the same order of keys', () => {
    expect(level('{"msg":"x","level":"warn"}')).toBe('warn');
    expect(level('{"severity":"ERROR","level":"nonsense"}')).toBe('error'); // `level` names none, so on to `severity`
    expect(level('{"severity":"ERROR","lvl":"debug"}')).toBe('debug'); // `lvl` comes before `severity`
    expect(level('{"level":30}')).toBe('info');
    expect(level('{"level":"error","level":"info"}')).toBe('info'); // the last duplicate wins, as in JSON.parse
    expect(level('{"@l":"Fatal"}')).toBe('fatal');
    expect(level('{"msg":"ERROR in text","n":1}')).toBeNull(); // a JSON object's text is not read for a level
    expect(level('{"msg":"ERROR in text", broken}')).toBe('error'); // not JSON: the text says ERROR
  });

  it('leaves what it cannot be sure of to the parser', () => {
    expect(jsonLevelScan(Buffer.from('{"le\\u0076el":"warn"}'))).toBe(UNDECIDED);
    expect(level('{"le\\u0076el":"warn"}')).toBe('warn');
    expect(jsonLevelScan(Buffer.from('{"log":{"level":"warn"}}'))).toBe(UNDECIDED);
    expect(level('{"log":{"level":"warn"}}')).toBe('warn');
    expect(jsonLevelScan(Buffer.from('{"level":"w\\u0061rn"}'))).toBe(UNDECIDED);
    expect(jsonLevelScan(Buffer.from(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`))).toBe(UNDECIDED);
    expect(jsonLevelScan(Buffer.from(`{"a":${'['.repeat(98)}${']'.repeat(98)},"level":"info"}`))).toBe('info');
  });

  const KEYS = ['level', 'lvl', 'severity', 'loglevel', 'log.level', 'levelname', 'severity_text', '@l', 'LEVEL', 'Level', 'Severity', 'log', 'msg', 'ts', 'lev', 'levels', 'le\\u0076el', '__proto__'];
  const WORDS = ['info', 'WARN', 'Error', ' debug ', 'fatal', 'x', 'warning', 'trace\\n', 'in\\"fo', 'é', '30', '7', '', 'critical', 'verbose'];
  const scalar = fc.oneof(
    fc.constantFrom(...WORDS).map((w) => `"${w}"`),
    fc.constantFrom('30', '50', '-0', '0', '7', '7.5', '1e400', '60', '1e1', '-10', '3', 'true', 'false', 'null', '01', '1.', '-', '.5', '1e', 'tru', 'NaN'),
    fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  );
  const json: fc.Arbitrary<string> = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('object'), tie('array')),
    array: fc.array(tie('value'), { maxLength: 3 }).map((vs) => `[${vs.join(',')}]`),
    object: fc
      .array(fc.tuple(fc.constantFrom(...KEYS), tie('value'), fc.constantFrom('', ' ', '\n', '\t')), { maxLength: 5 })
      .map((kvs) => `{${kvs.map(([k, v, ws]) => `${ws}"${k}"${ws}:${ws}${v}`).join(',')}}`),
  })).object as fc.Arbitrary<string>;

  /** Small damage to a valid line: JSON.parse rejects most of these, and the scan must agree or step aside. */
  const damaged = fc.tuple(json, fc.nat(), fc.constantFrom('', '"', '{', '}', ',', ':', '\\', '\u0001', '\u00e9', ' ', 'x', '[', ']')).map(([s, at, put]) => {
    const p = s.length === 0 ? 0 : at % s.length;
    return at % 3 === 0 ? s.slice(0, p) + put + s.slice(p + 1) : at % 3 === 1 ? s.slice(0, p) + put + s.slice(p) : s.slice(0, p);
  });

  it('always agrees with JSON.parse where it answers (property)', () => {
    let decided = 0;
    fc.assert(
      fc.property(fc.oneof(json, damaged), fc.constantFrom('', ' ', '\r\n', '\u000b'), (s, pad) => {
        const bytes = Buffer.from(pad + s + pad);
        const scanned = jsonLevelScan(bytes);
        if (scanned !== UNDECIDED) decided++;
        if (scanned !== UNDECIDED) expect(scanned).toBe(parsedLevel(bytes));
        expect(new RecordText().resetText(bytes, []).level()).toBe(parsedLevel(bytes));
      }),
      { numRuns: 4000 },
    );
    expect(decided).toBeGreaterThan(400); // the scan decides a good share of these (not a formality)
  });

  it('reads only the bytes of the value when it lies inside a larger buffer (a record inside a batch) (property)', () => {
    const around = fc.constantFrom('', '0', '5', 'e', 'E', '.', '-', '"', '\\', '}', ']', ' ', 'u', '1e5', 'ue', 'x');
    fc.assert(
      fc.property(fc.oneof(json, damaged), around, around, (s, before, after) => {
        const value = Buffer.from(s);
        const whole = Buffer.concat([Buffer.from(before), value, Buffer.from(after)]);
        const start = Buffer.byteLength(before);
        expect(jsonLevelScan(whole, start, start + value.length)).toBe(jsonLevelScan(value));
        expect(new RecordText().resetTextAt(whole, start, start + value.length, []).level()).toBe(parsedLevel(value));
      }),
      { numRuns: 3000 },
    );
    // Cut-offs that the byte after the value would complete: a number, an escape, an exponent.
    for (const [v, next] of [['{"level":1', '0}'], ['{"level":"info\\', '"}'], ['{"a":1e', '5,"level":"info"}'], ['{"a":1.', '5}'], ['{"a":-', '1}']]) {
      const whole = Buffer.from(v + next);
      expect(jsonLevelScan(whole, 0, Buffer.byteLength(v))).toBe(UNDECIDED);
    }
  });
});
