// The `where` syntax (operators, escaping, regexes) and the checks of every parameter, with messages naming it.
import { describe, expect, it } from 'vitest';
import { MetricsQueryError, parseMetricsQuery, parseWhere, tagFilter } from '../../../src/metrics/query/index.js';

describe('where', () => {
  it('parses =, !=, =~, !~ joined by commas; \\, is a comma and \\\\ a backslash in a value, other backslashes stay', () => {
    expect(parseWhere('host=web-1,region=~eu-.*, dc!=x ,rack!~r[0-9]+')).toEqual([
      { key: 'host', op: '=', value: 'web-1' },
      { key: 'region', op: '=~', value: 'eu-.*' },
      { key: 'dc', op: '!=', value: 'x ' },
      { key: 'rack', op: '!~', value: 'r[0-9]+' },
    ]);
    expect(parseWhere('path=a\\,b,x=c\\\\,y=~\\d+')).toEqual([
      { key: 'path', op: '=', value: 'a,b' },
      { key: 'x', op: '=', value: 'c\\' },
      { key: 'y', op: '=~', value: '\\d+' },
    ]);
    expect(parseWhere('host=')).toEqual([{ key: 'host', op: '=', value: '' }]);
    expect(parseWhere('')).toEqual([]);
  });

  it('regexes match the whole value; a missing tag is ""', () => {
    const ok = tagFilter(parseWhere('host=~web-\\d+,dc!~eu.*,rack='));
    expect(ok({ host: 'web-12', dc: 'us-1' })).toBe(true);
    expect(ok({ host: 'xweb-12', dc: 'us-1' })).toBe(false);
    expect(ok({ host: 'web-12', dc: 'eu-1' })).toBe(false);
    expect(ok({ host: 'web-12', rack: 'r1' })).toBe(false);
  });

  it('refuses what is not a condition, and bad regexes, naming where', () => {
    for (const bad of ['host', '=x', 'host~x', 'a=~(', 'a!~[z-a]', `a=~${'x'.repeat(2000)}`, 'a=~.{1000}.{1000}']) {
      expect(() => parseWhere(bad), bad).toThrow(MetricsQueryError);
      expect(() => parseWhere(bad), bad).toThrow(/^where: /);
    }
  });
});

describe('parameters', () => {
  const ok = { measurement: 'cpu', field: 'usage' };
  const now = 1_700_000_000_000;
  const bad: [Record<string, string>, string, RegExp][] = [
    [{ field: 'x' }, 'measurement', /required/],
    [{ measurement: 'cpu' }, 'field', /required/],
    [{ ...ok, agg: 'median' }, 'agg', /one of avg, min, max, sum, count, last, rate, increase, p50, p90, p95, p99/],
    [{ ...ok, step: '10 parsecs' }, 'step', /duration/],
    [{ ...ok, step: '0' }, 'step', /at least 1ms/],
    [{ ...ok, step: '1s', from: '7d' }, 'step', /604800 points per series, more than 11000; use a step of at least 1m/],
    [{ ...ok, points: '0' }, 'points', /1 to 11000/],
    [{ ...ok, points: '20000' }, 'points', /1 to 11000/],
    [{ ...ok, from: 'yesterday' }, 'from', /ISO-8601/],
    [{ ...ok, to: '2024-13-45T00:00:00Z' }, 'to', /ISO-8601/],
    [{ ...ok, from: '1h', to: '2h' }, 'from', /before to/],
    [{ ...ok, by: 'host,host' }, 'by', /twice/],
  ];
  for (const [input, param, message] of bad) {
    it(`${param}: ${JSON.stringify(input)}`, () => {
      let err: unknown;
      try {
        parseMetricsQuery(input, now);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MetricsQueryError);
      expect((err as MetricsQueryError).param).toBe(param);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('defaults: avg over the last hour at 1000 points', () => {
    expect(parseMetricsQuery(ok, now)).toMatchObject({ agg: 'avg', from: now - 3_600_000, to: now, step: 5000, where: [], by: [] });
  });
});
