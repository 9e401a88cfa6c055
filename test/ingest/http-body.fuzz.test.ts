// Property-based fuzzing of HTTP ingest bodies (fast-check; seed and replay: test/helpers/fuzz.ts): whatever a client
// sends in any format, the body is turned into records or refused with an HttpError (400 naming a line, or 413), never
// an exception that would become a 500.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/ingest/http/http-error.js';
import { ndjsonRecords, textRecords } from '../../src/ingest/http/log-body.js';
import { jsonMetricRecords, lineProtocolRecords, prometheusRecords } from '../../src/ingest/http/metric-body.js';
import { fuzzParams } from '../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);
const H = { host: 'h' };

/** Lines a client might send in some format, and arbitrary ones. */
const line = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.object({ maxDepth: 2 }).map((o) => JSON.stringify({ name: 'm', fields: { v: 1 }, ...o })),
  fc.record({ name: fc.string({ maxLength: 6 }), tags: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })), fields: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })), timestamp: fc.jsonValue({ maxDepth: 0 }) }).map((o) => JSON.stringify(o)),
  fc.constantFrom('cpu,host=a usage=1.5 1700000000000000000', 'm{a="b"} 1', '# TYPE m gauge', '{"level":"warn","ts":1700000000}', '[[[[[[1]]]]]]', '{"a":' + '['.repeat(120) + ']'.repeat(120) + '}'),
  fc.string({ maxLength: 60, unit: 'binary' }),
);
const body = fc.array(line, { maxLength: 6 }).chain((ls) => fc.constantFrom('\n', '\r\n').map((eol) => ls.join(eol)));

function onlyHttpErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    expect([400, 413]).toContain(e.status);
    if (e.status === 400) expect(e.message).toMatch(/^line \d+: /);
  }
}

describe('HTTP ingest body fuzzing', () => {
  it('every format: records, or a 400/413 HttpError naming the line', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 16, max: 200 }), (b, maxLine) => {
        onlyHttpErrors(() => textRecords(b, maxLine, 0, H));
        onlyHttpErrors(() => ndjsonRecords(b, maxLine, 0, H));
        onlyHttpErrors(() => jsonMetricRecords(b, maxLine, 'ms', 0, H));
        onlyHttpErrors(() => lineProtocolRecords(b, maxLine, 'ns', 0, H));
        onlyHttpErrors(() => prometheusRecords(b, maxLine, 0, H));
      }),
      params(2000),
    );
  }, 60_000);

  it('NDJSON objects are kept exactly as sent, one record per non-blank line', () => {
    const objects = fc.array(fc.object({ maxDepth: 3 }).map((o) => JSON.stringify(o)), { maxLength: 5 });
    fc.assert(
      fc.property(objects, (os) => {
        const rs = ndjsonRecords(os.join('\n'), 1 << 20, 0, H);
        expect(rs.map((r) => r.value)).toEqual(os);
      }),
      params(1000),
    );
  }, 60_000);
});
