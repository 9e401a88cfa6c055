import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, parseGoFloat } from '../../src/collect/prometheus/parse.js';
import { samplesToPoints } from '../../src/collect/prometheus/points.js';

const TEXT = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# A comment
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
metric_without_timestamp_and_labels 12.47
something_weird{problem="division by zero"} +Inf -3982045
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.99",} NaN
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
`;

describe('Prometheus text exposition parser', () => {
  it('parses the reference example: labels, escapes, timestamps, types of histogram and summary series', () => {
    const s = parseExposition(TEXT);
    expect(s).toHaveLength(13);
    expect(s[0]).toEqual({ name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestampMs: 1395066363000, type: 'counter' });
    expect(s[2]).toEqual({
      name: 'msdos_file_access_time_seconds',
      labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' },
      value: 1458255915,
      timestampMs: null,
      type: 'untyped',
    });
    expect(s[4]).toMatchObject({ value: Infinity, timestampMs: -3982045 });
    expect(s[6]!.value).toBeNaN();
    expect(s.slice(5, 9).map((x) => x.type)).toEqual(['summary', 'summary', 'summary', 'summary']);
    expect(s.slice(9).map((x) => [x.name, x.type])).toEqual([
      ['http_request_duration_seconds_bucket', 'histogram'],
      ['http_request_duration_seconds_bucket', 'histogram'],
      ['http_request_duration_seconds_sum', 'histogram'],
      ['http_request_duration_seconds_count', 'histogram'],
    ]);
  });

  it('reads Go float spellings', () => {
    expect([parseGoFloat('+Inf'), parseGoFloat('-Inf'), parseGoFloat('1e3'), parseGoFloat('-0.5'), parseGoFloat('x')]).toEqual([Infinity, -Infinity, 1000, -0.5, null]);
  });

  it.each([
    ['metric{a="1"', /line 1: .*expected ',' or '}'|label/],
    ['metric{a=1} 2', /line 1: label a of metric: value must be in double quotes/],
    ['metric{a="x} 2', /line 1: label value has no closing quote/],
    ['ok 1\nmetric abc', /line 2: invalid value 'abc' for metric/],
    ['metric 1 2 3', /unexpected '3'/],
    ['metric 1 1.5', /invalid timestamp '1.5'/],
    ['# TYPE m fancy\nm 1', /line 1: unknown metric type 'fancy'/],
    ['{a="b"} 1', /expected a metric name/],
  ])('rejects %j with the line number', (text, error) => {
    expect(() => parseExposition(text)).toThrow(ExpositionError);
    expect(() => parseExposition(text)).toThrow(error);
  });

  it('refuses a line longer than maxLineBytes (UTF-8 bytes) before parsing it, saying which and how long', () => {
    const text = `ok 1\n# ${'é'.repeat(60)}\nm{a="${'x'.repeat(50)}"} 1\n`;
    expect(parseExposition(text, { maxLineBytes: 122 })).toHaveLength(2); // the comment is 122 bytes, 62 characters
    const e = (() => {
      try {
        parseExposition(text, { maxLineBytes: 121 });
      } catch (x) {
        return x as ExpositionError;
      }
      throw new Error('expected an ExpositionError');
    })();
    expect(e).toBeInstanceOf(ExpositionError);
    expect([e.line, e.lineBytes, e.message]).toEqual([2, 122, 'line 2: line of 122 bytes exceeds the limit of 121 bytes per line']);
  });

  it('keeps a label called __proto__ as a label, and refuses values out of float range as Go does', () => {
    expect(parseExposition('m{__proto__="x",constructor="y"} 1')[0]!.labels).toEqual(JSON.parse('{"__proto__": "x", "constructor": "y"}'));
    expect(Object.keys(parseExposition('m{__proto__="x"} 1')[0]!.labels)).toEqual(['__proto__']);
    expect(() => parseExposition(`m ${'9'.repeat(400)}`)).toThrow(/line 1: invalid value '9{40}…' for m \(expected a 64-bit float/);
    expect(parseExposition(`m 0.${'0'.repeat(400)}1`)[0]!.value).toBe(0); // underflow is fine, as in Go
  });

  it('turns samples into points: target labels win, clashing labels become exported_*, NaN/Inf skipped', () => {
    const samples = parseExposition('up_time{instance="inner",x="1"} 5\nbad NaN\ninf_one +Inf\nlater 1 1000');
    const { points, skippedNonFinite } = samplesToPoints(samples, { instance: 'h:9100', job: 'node' }, 2000);
    expect(skippedNonFinite).toBe(2);
    expect(points.map((p) => p.point)).toEqual([
      { measurement: 'up_time', tags: { exported_instance: 'inner', x: '1', instance: 'h:9100', job: 'node' }, fields: { value: 5 }, timestampNs: 2000_000_000n },
      { measurement: 'later', tags: { instance: 'h:9100', job: 'node' }, fields: { value: 1 }, timestampNs: 1000_000_000n },
    ]);
  });
});
