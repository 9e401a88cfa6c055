// The `metrics` section of the serve config: defaults, every key, and errors that say what to write.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { ConfigError } from '../../src/broker/config.js';
import { METRICS_DEFAULTS, parseMetricsConfig } from '../../src/metrics/config.js';

function serve(metrics: unknown) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-mcfg-')), 'c.json');
  fs.writeFileSync(file, JSON.stringify({ metrics }));
  try {
    return loadServeConfig({ configFile: file, dataDir: '/tmp/x' });
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

describe('metrics config', () => {
  it('defaults: on, topic metrics in line protocol, header detection, Netdata-like retention', () => {
    expect(loadServeConfig({ dataDir: '/tmp/x' }).metrics).toEqual(METRICS_DEFAULTS);
    expect(METRICS_DEFAULTS).toMatchObject({ enabled: true, topics: [{ name: 'metrics', format: 'influx' }], rawRetentionMs: null, rollup1mRetentionMs: 90 * 86_400_000, rollup1hRetentionMs: 730 * 86_400_000 });
  });

  it('reads every key', () => {
    expect(
      serve({ topics: ['m', { name: 'p', format: 'prometheus' }], detectInfluxHeader: false, maxSeries: 10, maxSeriesPerMeasurement: 5, retention: { raw: '2d', '1m': '30d', '1h': '365d' }, lateness: '5m' }).metrics,
    ).toEqual({
      enabled: true,
      topics: [{ name: 'm', format: 'influx' }, { name: 'p', format: 'prometheus' }],
      detectInfluxHeader: false,
      maxSeries: 10,
      maxSeriesPerMeasurement: 5,
      rawRetentionMs: 2 * 86_400_000,
      rollup1mRetentionMs: 30 * 86_400_000,
      rollup1hRetentionMs: 365 * 86_400_000,
      latenessMs: 300_000,
    });
    expect(parseMetricsConfig(false).enabled).toBe(false);
    expect(parseMetricsConfig({ retention: { raw: 'topic' } }).rawRetentionMs).toBeNull();
  });

  it('refuses bad values naming the key', () => {
    const cases: [unknown, RegExp][] = [
      [{ topics: 'metrics' }, /metrics.topics must be a list/],
      [{ topics: ['bad name!'] }, /metrics.topics\[0\]/],
      [{ topics: [{ name: 'm', format: 'csv' }] }, /format must be one of influx, json, prometheus/],
      [{ topics: ['m', 'm'] }, /names m twice/],
      [{ maxSeries: 0 }, /maxSeries must be a whole number/],
      [{ retention: { '5m': '1d' } }, /unknown tier '5m'/],
      [{ retention: { '1m': 'soon' } }, /retention.1m: "soon" is not a duration/],
      [{ lateness: '2d' }, /lateness must be at most 1d/],
      [{ colour: 'red' }, /unknown key 'colour'/],
      [[], /must be an object/],
    ];
    for (const [raw, msg] of cases) {
      expect(() => serve(raw), JSON.stringify(raw)).toThrow(ConfigError);
      expect(() => serve(raw), JSON.stringify(raw)).toThrow(msg);
    }
  });
});
