// HTTP ingest bodies are outside input: splitting them into lines and parsing each line (text with level detection,
// NDJSON with timestamp/level extraction, JSON metrics, line protocol) must cost time linear in the body. Each case
// grows a hostile body 10×.
import { describe, it } from 'vitest';
import { ndjsonRecords, textRecords } from '../../src/ingest/http/log-body.js';
import { jsonMetricRecords, lineProtocolRecords, prometheusRecords } from '../../src/ingest/http/metric-body.js';
import { attempt, expectLinear } from '../helpers/scaling.js';

const MAX_LINE = 1 << 30;
// Objects with many keys stay under ~128 keys at the large size: V8 changes how it stores an object's properties at
// about 128 and again at about 1,000 keys, and each step multiplies the cost per key by about 4 (then it stays flat).
// That is a constant step, not a trend, but a 10× step across it would look super-linear.
const H = { host: 'h' };

describe('HTTP ingest bodies scale linearly', () => {
  it('text: many lines, long lines, long words where a level could be', () => {
    const run = (body: string) => attempt(() => textRecords(body, MAX_LINE, 0, H));
    expectLinear({ name: 'many lines', n: 200, make: (n) => 'ERROR something failed\n'.repeat(n), run });
    expectLinear({ name: 'long line of letters', n: 10_000, make: (n) => 'E'.repeat(n), run });
    expectLinear({ name: 'blank lines', n: 2_000, make: (n) => '\r\n \t\n'.repeat(n), run });
  }, 120_000);

  it('NDJSON: deep nesting, many fields, long values, long timestamps and levels', () => {
    const run = (body: string) => attempt(() => ndjsonRecords(body, MAX_LINE, 0, H));
    expectLinear({ name: 'deep nesting', n: 5_000, make: (n) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`, run });
    expectLinear({ name: 'nesting inside strings', n: 1_000, make: (n) => `{"a":"${'[\\"'.repeat(n)}"}`, run });
    expectLinear({ name: 'many fields', n: 10, make: (n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`, run });
    expectLinear({ name: 'long level', n: 5_000, make: (n) => `{"level":"${'e'.repeat(n)}","time":"${'1'.repeat(n)}"}`, run });
    expectLinear({ name: 'many lines', n: 250, make: (n) => '{"ts":1700000000,"level":"warn","msg":"x"}\n'.repeat(n), run });
  }, 120_000);

  it('JSON metrics and line protocol bodies', () => {
    expectLinear({
      name: 'JSON metric with many fields',
      n: 10,
      make: (n) => `{"name":"m","fields":{${Array.from({ length: n }, (_, i) => `"f${i}":${i}`).join(',')}}}`,
      run: (body) => attempt(() => jsonMetricRecords(body, MAX_LINE, 'ms', 0, H)),
    });
    expectLinear({
      name: 'JSON metric, deep tag value',
      n: 5_000,
      make: (n) => `{"name":"m","tags":{"t":${'['.repeat(n)}${']'.repeat(n)}},"fields":{"v":1}}`,
      run: (body) => attempt(() => jsonMetricRecords(body, MAX_LINE, 'ms', 0, H)),
    });
    expectLinear({ name: 'line protocol lines', n: 200, make: (n) => 'cpu,host=a usage=1.5,idle=2i 1700000000000000000\n'.repeat(n), run: (body) => attempt(() => lineProtocolRecords(body, MAX_LINE, 'ns', 0, H)) });
    expectLinear({ name: 'Prometheus lines', n: 300, make: (n) => '# TYPE m gauge\nm{a="b"} 1.5\n'.repeat(n), run: (body) => attempt(() => prometheusRecords(body, MAX_LINE, 0, H)) });
  }, 120_000);
});
