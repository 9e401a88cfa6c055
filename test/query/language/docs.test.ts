// docs/query.md is the user's reference: every query in its examples compiles, and the claims of its tables hold.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileQuery, QuerySyntaxError, type RecordView } from '../../../src/query/language/index.js';

const doc = readFileSync(new URL('../../../docs/query.md', import.meta.url), 'utf8');

const line = (value: string, headers: Record<string, string> = {}): RecordView => ({
  topic: 't',
  partition: 0,
  offset: 0,
  timestamp: 0,
  key: null,
  value: Buffer.from(value),
  headers: Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)] as const),
});

describe('docs/query.md', () => {
  it('every example query in its code blocks compiles (the Errors block excepted)', () => {
    const blocks = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => !b.includes('at column'));
    const queries = blocks.flatMap((b) => b.split('\n').map((l) => l.split(/ {2,}/)[0]!.trim()).filter(Boolean));
    expect(queries.length).toBeGreaterThan(15);
    for (const q of queries) expect(() => compileQuery(q), q).not.toThrow();
  });

  it('the Errors block shows real messages', () => {
    const block = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('at column'))!;
    const messages = block.trim().split('\n');
    const queries = ['level:error "timeout', 'status>=', 'time*out', 'level>=loud', '/(a/', '{app="api"}'];
    expect(messages).toHaveLength(queries.length);
    queries.forEach((q, i) => {
      try {
        compileQuery(q);
        expect.unreachable(q);
      } catch (err) {
        expect(err).toBeInstanceOf(QuerySyntaxError);
        expect((err as Error).message).toBe(messages[i]);
      }
    });
  });

  const claims: [string, string, boolean][] = [
    ['error', 'an error: disk', true],
    ['error', 'errors', false],
    ['error', 'error_code', false],
    ['café', 'CAFé', true],
    ['café', 'CAFÉ', false],
    ['foo.bar', 'x.foo.bar.baz', true],
    ['foo.bar', 'foo_bar', false],
    ['/api/v1/users', 'GET /api/v1/users HTTP/1.1', true],
    ['/api/v1/users', '/api/v1/users2', false],
    ['status=503', 'status=5030', false],
    ['10.0.0.*', 'to 10.0.0.254', true],
    ['"connection refused"', 'Connection refused by peer', true],
    ['"connection refused"', 'connection refusedly', false],
    ['"C:\\temp"', 'opened C:\\temp\\x', true],
    ['path:/api/*', 'path=/api/v1', true],
    ['level: error', 'level=error x', true],
    ['date>=2024-06-01', 'date=2024-06-02', true],
    ['date>=2024-06-01', 'date=2024-05-31', false],
    ['duration>1.5', 'duration=1.5s', false],
    ['duration>1.5', 'duration=2', true],
    ['level:(error OR fatal)', '{"severity":"CRIT"}', true],
    ['level:E', 'E0501 12:00:00.000 1 x.go:1] boom', true],
    ['level:warn', '[warn] slow', true],
    ['level:error', 'no error occurred', false],
    ['msg:line2', '{"msg":"line1\\nline2"}', true],
    ['line2', '{"msg":"line1\\nline2"}', false],
  ];
  for (const [q, value, want] of claims) {
    it(`${q} ${want ? 'matches' : 'does not match'} ${value}`, () => expect(compileQuery(q).matches(line(value))).toBe(want));
  }

  it('headers: exact name, then ignoring case', () => {
    expect(compileQuery('host:web-1').matches(line('x', { Host: 'web-1' }))).toBe(true);
    expect(compileQuery('host:=web-1').matches(line('x', { host: 'web-1.example.com' }))).toBe(false);
    expect(compileQuery('host:web-1').matches(line('x', { host: 'web-1.example.com' }))).toBe(true);
  });
});
