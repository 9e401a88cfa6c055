// The prefilters never skip a match (fast-check; seed and replay: test/helpers/fuzz.ts). For random records (plain
// text, JSON as JavaScript, Python and PHP write it, logfmt; headers, keys, invalid UTF-8) and random queries from a
// small grammar over the same words: whenever matches(r) is true, the token requirement holds over the tokens of r's
// value as storage/token-index cuts them, and mayMatchBytes is true on r's bytes as stored in a batch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../../src/protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE } from '../../../src/protocol/record-batch.js';
import { decodeRecords } from '../../../src/protocol/record-decoder.js';
import { compileQuery, QuerySyntaxError, requirementHolds, type CompiledQuery, type RecordView } from '../../../src/query/language/index.js';
import { forEachToken } from '../../../src/storage/token-index/tokens.js';
import { fuzzParams } from '../../helpers/fuzz.js';

const WORDS = ['error', 'Error', 'ERROR', 'err', 'timeout', 'time', 'timeouts', '10', '0', '5', '50', 'user', '42', 'café', 'CAFÉ', 'é', 'a', 'b', 'ab', 'foo_bar', 'x', 'n', 'nline', 'line', '日本', 'warn', 'info', '500', '5e2'];
const SEPS = [' ', ' ', '.', '-', ':', '=', '/', '\n', '\t', '"', '\\', ',', '', '_'];

const word = fc.constantFrom(...WORDS);
const sep = fc.constantFrom(...SEPS);
const text = fc.array(fc.tuple(word, sep), { minLength: 1, maxLength: 8 }).map((parts) => parts.map(([w, s]) => w + s).join(''));

/** JSON as Python's json.dumps writes it by default: non-ASCII as \uXXXX. */
const pythonJson = (o: unknown) => JSON.stringify(o).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
/** JSON as PHP's json_encode writes it by default: / as \/. */
const phpJson = (o: unknown) => JSON.stringify(o).replace(/\//g, '\\/');

const scalar = fc.oneof(text, word, fc.integer({ min: -5, max: 600 }), fc.constantFrom(1.5, 500, 1e21, true, null));
const jsonObject = fc.record({ msg: text, level: word, status: scalar, user: fc.record({ id: scalar, name: text }), tags: fc.array(scalar, { maxLength: 3 }) }, { requiredKeys: ['msg'] });

const value: fc.Arbitrary<Buffer | null> = fc.oneof(
  text.map((t) => Buffer.from(t)),
  fc.tuple(jsonObject, fc.constantFrom(JSON.stringify, pythonJson, phpJson, (o: unknown) => JSON.stringify(o, null, 1))).map(([o, write]) => Buffer.from(write(o))),
  fc.tuple(word, text, fc.integer({ min: 100, max: 599 }), text).map(([lvl, msg, status, rest]) => Buffer.from(`level=${lvl} msg=${JSON.stringify(msg)} status=${status} ${rest}`)),
  fc.tuple(text, fc.uint8Array({ minLength: 1, maxLength: 4 }), text).map(([a, bytes, b]) => Buffer.concat([Buffer.from(a), Buffer.from(bytes.map((x) => x | 0x80)), Buffer.from(b)])),
  fc.constant(null),
);

const header = fc.tuple(fc.constantFrom('host', 'level', 'app', 'msg', 'Status'), fc.oneof(text, word));

const record: fc.Arbitrary<{ view: RecordView; bytes: Buffer }> = fc
  .record({ key: fc.option(text.map((t) => Buffer.from(t))), value, headers: fc.array(header, { maxLength: 3 }), timestamp: fc.integer({ min: 0, max: 2_000_000_000_000 }) })
  .map(({ key, value, headers, timestamp }) => {
    const batch = buildRecordBatch([{ key, value, headers, timestamp }], { baseOffset: 7 });
    const [d] = decodeRecords(batch);
    return { view: { topic: 'logs', partition: 1, ...d! }, bytes: batch.subarray(BATCH_HEADER_SIZE) };
  });

/** Queries over the same words and fields, in every syntax the language has. */
const queryText: fc.Arbitrary<string> = fc.letrec<{ q: string; term: string }>((tie) => ({
  term: fc.oneof(
    { weight: 4, arbitrary: word },
    { weight: 2, arbitrary: fc.tuple(word, sep, word).map(([a, s, b]) => (/[\s()"\\]/.test(s) ? `"${a}${s === '"' || s === '\\' ? `\\${s}` : s}${b}"` : `${a}${s}${b}`)) },
    { weight: 1, arbitrary: word.map((w) => `${w}*`) },
    { weight: 1, arbitrary: word.map((w) => `=${w}`) },
    { weight: 1, arbitrary: fc.tuple(word, fc.constantFrom('', 'i')).map(([w, f]) => `/${w}/${f}`) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom('msg', 'level', 'host', 'user.id', 'user.name', 'user', 'tags', 'status', 'Status', '_key', '_msg', 'app'), fc.constantFrom(':', ':=', '>=', '<', ':'), fc.oneof(word, fc.tuple(word, sep, word).map(([a, s, b]) => `"${a}${s === '"' || s === '\\' ? `\\${s}` : s}${b}"`)), fc.boolean())
        .map(([f, op, v, star]) => `${f}${op}${v}${star && op === ':' && !v.startsWith('"') ? '*' : ''}`),
    },
    { weight: 1, arbitrary: fc.constantFrom('host:*', 'level:*', '_key:*', '*', '_time>=1000000000000', 'level>=warn') },
  ),
  q: fc.oneof(
    { weight: 3, arbitrary: tie('term') },
    { weight: 2, arbitrary: fc.tuple(tie('q'), tie('q')).map(([a, b]) => `${a} ${b}`) },
    { weight: 2, arbitrary: fc.tuple(tie('q'), tie('q')).map(([a, b]) => `(${a}) OR (${b})`) },
    { weight: 1, arbitrary: tie('q').map((a) => `-(${a})`) },
  ),
})).q;

function tokensOf(v: Buffer | null): Set<number> {
  const out = new Set<number>();
  if (v) forEachToken(v, 0, v.length, (h) => out.add(h));
  return out;
}

function compiled(q: string): CompiledQuery | null {
  try {
    return compileQuery(q);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return null;
    throw err;
  }
}

describe('prefilters are sound', () => {
  it('a record that matches passes the token requirement and the byte search', () => {
    let matched = 0;
    fc.assert(
      fc.property(queryText, fc.array(record, { minLength: 1, maxLength: 12 }), (q, records) => {
        const c = compiled(q);
        if (!c) return;
        for (const r of records) {
          if (!c.matches(r.view)) continue;
          matched++;
          const tokens = tokensOf(r.view.value);
          expect(requirementHolds(c.tokens, (h) => tokens.has(h)), `tokens of ${JSON.stringify(q)}: ${JSON.stringify(c.tokens)}`).toBe(true);
          expect(c.mayMatchBytes(r.bytes, 0, r.bytes.length), `bytes of ${JSON.stringify(q)}`).toBe(true);
        }
      }),
      fuzzParams(import.meta.url, 1500),
    );
    // The property is worth little if nothing ever matched.
    expect(matched).toBeGreaterThan(500);
  });

  it('the byte search finds a word exactly where it occurs up to ASCII case, at any offset', () => {
    const letters = fc.constantFrom(0x41, 0x5a, 0x61, 0x7a, 0x40, 0x5b, 0x60, 0x7b, 0x20, 0xc9, 0xe9, 0x80, 0xff, 0x42, 0x62);
    fc.assert(
      fc.property(fc.array(letters, { maxLength: 40 }), fc.array(fc.constantFrom('a', 'B', 'z', 'Z', 'b'), { minLength: 1, maxLength: 3 }), fc.nat(8), fc.nat(8), (bytes, w, cutStart, cutEnd) => {
        const buf = Buffer.from(bytes);
        const start = Math.min(cutStart, buf.length);
        const end = Math.max(start, buf.length - cutEnd);
        const lit = w.join('');
        const fold = (b: Uint8Array) => Buffer.from(b.map((x) => (x >= 0x41 && x <= 0x5a ? x + 0x20 : x)));
        const expected = fold(buf.subarray(start, end)).includes(fold(Buffer.from(lit)));
        // A quoted phrase requires its text in the bytes; the boundaries are left to matches().
        expect(compileQuery(`"${lit}"`).mayMatchBytes(buf, start, end)).toBe(expected);
      }),
      fuzzParams(import.meta.url, 3000),
    );
  });

  it('the prefilters do skip: a word absent from the records is required', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (records) => {
        const c = compileQuery('zebra OR "quux.zzz"');
        for (const r of records) {
          expect(c.matches(r.view)).toBe(false);
          expect(c.mayMatchBytes(r.bytes, 0, r.bytes.length)).toBe(false);
          const tokens = tokensOf(r.view.value);
          expect(requirementHolds(c.tokens, (h) => tokens.has(h))).toBe(false);
        }
      }),
      fuzzParams(import.meta.url, 200),
    );
  });
});
