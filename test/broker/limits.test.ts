// Every limit is documented where users look (README's configuration table and its Limits section, with the default
// the code uses), settable in the broker config file, and shown by DescribeConfigs under the Kafka name it mirrors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_KEYS, ConfigError, loadBrokerConfig } from '../../src/broker/config.js';
import { LIMIT_NAMES, LIMITS } from '../../src/broker/limits.js';
import { describeBrokerConfigs } from '../../src/broker/topic-configs.js';
import { TOPIC_CONFIG_DEFAULTS } from '../../src/storage/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const limitsSection = readme.slice(readme.indexOf('### Limits'), readme.indexOf('## Consumer groups'));

describe('broker limits', () => {
  it.each(LIMIT_NAMES)('%s: in the config table with its default, in the Limits section, and a config-file key', (name) => {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    expect(row, `README's configuration table has no row for ${name}`).toBeDefined();
    expect(row).toContain(`\`${LIMITS[name].default}\``);
    expect(limitsSection).toContain(`| \`${name}\` |`);
    expect(BROKER_CONFIG_KEYS).toContain(name);
    const spec = LIMITS[name];
    expect(loadBrokerConfig({ file: { [name]: spec.min } })[name]).toBe(spec.min);
    expect(() => loadBrokerConfig({ file: { [name]: spec.min - 1 } })).toThrow(ConfigError);
  });

  it('DescribeConfigs of the broker shows the limits that mirror a Kafka setting under its name', () => {
    const config = loadBrokerConfig({ file: { maxConnectionsPerIp: 7, queuedMaxRequestBytes: 12345678 }, dataDir: '/tmp/x' });
    const entries = new Map(describeBrokerConfigs(config, TOPIC_CONFIG_DEFAULTS).map((e) => [e.name, e.value]));
    expect(entries.get('max.connections.per.ip')).toBe('7');
    expect(entries.get('queued.max.request.bytes')).toBe('12345678');
    expect(entries.get('max.connections')).toBe('1000');
    expect(entries.get('fetch.max.bytes')).toBe(String(55 * 1024 * 1024));
    expect(entries.get('socket.request.max.bytes')).toBe(String(100 * 1024 * 1024));
  });
});
