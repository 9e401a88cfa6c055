// What a query lets the engine skip before decoding: the token requirement checked against a block's bloom filter,
// and the byte search over a batch's raw records. Required tokens are those a match certainly contains whole.
import { describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../../src/protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE } from '../../../src/protocol/record-batch.js';
import { decodeRecords } from '../../../src/protocol/record-decoder.js';
import { compileQuery } from '../../../src/query/language/index.js';
import { tokenHashes } from '../../../src/storage/token-index/tokens.js';

const h = (word: string): number => {
  const [x, ...rest] = tokenHashes(word);
  expect(rest).toEqual([]);
  return x!;
};
const all = (...words: string[]) => ({ all: words.map(h) });

describe('token requirement', () => {
  const cases: [string, unknown][] = [
    ['error', all('error')],
    ['ERROR', all('error')],
    ['=Error', all('error')],
    ['error timeout', all('error', 'timeout')],
    ['error AND error', all('error')],
    ['error OR timeout', { anyOf: [all('error'), all('timeout')] }],
    ['(a OR b) c', { allOf: [all('c'), { anyOf: [all('a'), all('b')] }] }],
    ['(a OR (b OR c)) (d OR e)', { allOf: [{ anyOf: [all('a'), all('b'), all('c')] }, { anyOf: [all('d'), all('e')] }] }],
    ['"connection timeout"', all('connection', 'timeout')],
    ['10.0.0.5', all('10', '0', '5')],
    // The last token of a prefix may continue: 10.0.0.5* finds 10.0.0.50.
    ['10.0.0.5*', all('10', '0')],
    ['time*', 'any'],
    ['foo.*', all('foo')],
    ['user-42', all('user', '42')],
    ['_msg:error', all('error')],
    ['_msg:(error OR warn)', { anyOf: [all('error'), all('warn')] }],
    ['café', all('café')],
    // Clauses that can hold without the word in the value require nothing.
    ['-error', 'any'],
    ['NOT error', 'any'],
    ['/error/', 'any'],
    ['error OR /x/', 'any'],
    ['error /x/', all('error')],
    ['error level:error', all('error')],
    ['host:web-1', 'any'],
    ['msg:timeout', 'any'],
    ['status>=500', 'any'],
    ['_key:abc', 'any'],
    ['*', 'any'],
    ['', 'any'],
    ['-', 'any'],
    ['error OR host:x', 'any'],
  ];
  for (const [q, want] of cases) it(q || '(empty)', () => expect(compileQuery(q).tokens).toEqual(want));

  it('a token of 64 bytes and more is hashed on its first 64, as the index does', () => {
    const long = 'x'.repeat(100);
    expect(compileQuery(long).tokens).toEqual({ all: [h('x'.repeat(64))] });
  });
});

describe('mayMatchBytes on the raw records of a batch', () => {
  const batch = buildRecordBatch(
    [
      { value: 'GET /health 200', headers: [['host', 'web-1']] },
      { key: 'order-123', value: '{"msg":"Payment FAILED","user":{"name":"Alice Smith"}}', headers: [['level', 'ERROR']] },
      { value: 'ts=1 msg="disk full" status=507' },
    ],
    { timestamp: 0 },
  );
  const may = (q: string) => compileQuery(q).mayMatchBytes(batch, BATCH_HEADER_SIZE, batch.length);

  it('finds required words in any case, in values, keys and header values', () => {
    expect(may('health')).toBe(true);
    expect(may('HEALTH')).toBe(true);
    expect(may('payment failed')).toBe(true);
    expect(may('"payment failed"')).toBe(true);
    expect(may('_key:order-123')).toBe(true);
    expect(may('host:web-1')).toBe(true);
    expect(may('user.name:"alice smith"')).toBe(true);
    expect(may('disk 507')).toBe(true);
  });

  it('is false when a required literal is nowhere in the bytes', () => {
    expect(may('timeout')).toBe(false);
    expect(may('health timeout')).toBe(false);
    expect(may('health OR timeout')).toBe(true);
    expect(may('timeout OR oom')).toBe(false);
    expect(may('=health')).toBe(true);
    expect(may('=HEALTH')).toBe(false);
    expect(may('host:web-2')).toBe(false);
    expect(may('user.name:bob')).toBe(false);
    expect(may('404')).toBe(false);
  });

  it('requires nothing where the stored text may differ from what matches', () => {
    // NOT, regexes, levels (err, E, 3 … all mean error), comparisons, numbers in fields (JSON may write 5e2 for 500).
    for (const q of ['-health', '/timeout/', 'level:error', 'level:fatal', 'status>=600', 'status:999', 'msg:"x\\y"', '_topic:zzz', '_offset:77']) {
      expect(may(q), q).toBe(true);
    }
  });

  it('field text stored differently from how it reads (JSON escapes and number formats) is not required', () => {
    const cases: [string, string][] = [
      ['msg:café', '{"msg":"caf\\u00e9 au lait"}'], // Python's json.dumps escapes non-ASCII
      ['path:"/api/v1"', '{"path":"\\/api\\/v1"}'], // PHP's json_encode escapes /
      ['status:500', '{"status":5e2}'],
      ['n:1e', '{"n":1.0e21}'],
    ];
    for (const [q, value] of cases) {
      const b = buildRecordBatch([{ value }], { timestamp: 0 });
      const [r] = decodeRecords(b);
      const c = compileQuery(q);
      expect(c.matches({ topic: 't', partition: 0, ...r! }), `${q} on ${value}`).toBe(true);
      expect(c.mayMatchBytes(b, BATCH_HEADER_SIZE, b.length), `${q} on ${value}`).toBe(true);
    }
  });

  it('looks only between start and end', () => {
    const q = compileQuery('health');
    const at = batch.indexOf('health');
    expect(q.mayMatchBytes(batch, at, at + 6)).toBe(true);
    expect(q.mayMatchBytes(batch, at + 1, batch.length)).toBe(false);
    expect(q.mayMatchBytes(batch, 0, at + 5)).toBe(false);
  });
});
