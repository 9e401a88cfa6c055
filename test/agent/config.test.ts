// The agent's one configuration schema: defaults, JSON file, flags on top, and errors that say what to fix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentConfigError, checkKeys, parseDurationMs, parseParsers, parseSize, readConfigFile, resolveAgentConfig, resolveSecurity } from '../../src/agent/config.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-agent-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const put = (name: string, text: string): string => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};

describe('agent config', () => {
  it('parses sizes, durations and parser lists', () => {
    expect(parseSize('256MiB')).toBe(256 * 1024 * 1024);
    expect(parseSize('1 GiB')).toBe(1024 ** 3);
    expect(parseSize('500MB')).toBe(500_000_000);
    expect(parseSize('4096')).toBe(4096);
    expect(() => parseSize('12 parsecs')).toThrow(AgentConfigError);
    expect(parseDurationMs('10s')).toBe(10_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs(250)).toBe(250);
    expect(() => parseDurationMs('soon')).toThrow(/not a duration/);
    expect(parseParsers('json,level')).toEqual({ json: true, level: true });
    expect(() => parseParsers('json,xml')).toThrow(/cannot parse "xml"/);
  });

  it('layers defaults, the file and flags; the data directory follows the name', () => {
    const file = join(tmp, 'agent.json');
    writeFileSync(file, JSON.stringify({ files: ['/var/log/*.log'], topic: 'app-logs', maxBufferBytes: '64MiB', metricsIntervalMs: '30s', parse: ['json'], name: 'web-1' }));
    const fromFile = readConfigFile(file);
    const config = resolveAgentConfig(fromFile, checkKeys({ topic: 'override', compression: 'gzip' }, 'flags'));
    expect(config).toMatchObject({
      name: 'web-1',
      files: ['/var/log/*.log'],
      topic: 'override',
      compression: 'gzip',
      maxBufferBytes: 64 * 1024 * 1024,
      metricsIntervalMs: 30_000,
      parse: { json: true, level: false, timestamp: true },
      metrics: true,
      metricsTopic: 'metrics',
      startAt: 'end',
      bootstrap: ['localhost:9092'],
      checkpointIntervalMs: 0,
    });
    expect(config.dataDir).toMatch(/tributary-agent[\\/]web-1$/);
  });

  it('reads the same settings from YAML as from JSON', () => {
    const yamlFile = join(tmp, 'agent.yml');
    writeFileSync(yamlFile, 'files:\n  - /var/log/app/*.log\ntopic: app-logs\nmaxBufferBytes: 64MiB\nmetricsIntervalMs: 30s\n');
    const jsonFile = join(tmp, 'agent-same.json');
    writeFileSync(jsonFile, JSON.stringify({ files: ['/var/log/app/*.log'], topic: 'app-logs', maxBufferBytes: '64MiB', metricsIntervalMs: '30s' }));
    const fromYaml = readConfigFile(yamlFile);
    expect(fromYaml).toEqual(readConfigFile(jsonFile));
    expect(fromYaml).toMatchObject({ topic: 'app-logs', maxBufferBytes: 64 * 1024 * 1024, metricsIntervalMs: 30_000 });
  });

  it('says what is wrong: unknown keys, bad values, bad YAML, nothing to ship', () => {
    const write = (name: string, text: string) => {
      const f = join(tmp, name);
      writeFileSync(f, text);
      return f;
    };
    expect(() => readConfigFile(write('unknown.json', '{"topik": "x"}'))).toThrow(/unknown key "topik".*known keys: bootstrap/);
    expect(() => readConfigFile(write('bad-topic.json', '{"topic": "a b"}'))).toThrow(/not a valid topic name/);
    expect(() => readConfigFile(write('bad-regex.json', '{"multilineStart": "("}'))).toThrow(/not a valid regular expression/);
    expect(() => readConfigFile(write('bad-bootstrap.json', '{"bootstrap": "nohost"}'))).toThrow(/not HOST:PORT/);
    expect(() => readConfigFile(write('agent.yaml', 'files: [a\ntopic: x: y'))).toThrow(/cannot read config file .*agent\.yaml/);
    expect(() => readConfigFile(write('list.yaml', '- a\n- b\n'))).toThrow(/must hold a YAML mapping/);
    expect(() => readConfigFile(write('typo.yaml', 'topik: x\n'))).toThrow(/unknown key "topik"/);
    expect(() => readConfigFile(write('not-json.json', '{files:'))).toThrow(/cannot read config file/);
    expect(() => resolveAgentConfig({ metrics: false }, {})).toThrow(/nothing to ship/);
    expect(() => resolveAgentConfig({ files: ['x'], maxMemoryBytes: 1 << 20, batchMaxBytes: 2 << 20 }, {})).toThrow(/batchMaxBytes/);
  });

  it('reads "security" from the file, flags override it setting by setting, and the password comes from its file', () => {
    const ca = put('ca.pem', '-----BEGIN CERTIFICATE-----\n');
    const pass = put('agent.pass', 's3cret\n');
    const file = put('secure.json', JSON.stringify({ files: ['x'], security: { protocol: 'SASL_SSL', ca, sasl: { mechanism: 'PLAIN', username: 'agent', passwordFile: pass } } }));
    const fromFile = readConfigFile(file);
    expect(resolveAgentConfig(fromFile, {}).security).toEqual({ protocol: 'SASL_SSL', ca: [ca], sasl: { mechanism: 'PLAIN', username: 'agent', password: 's3cret' } });
    const flags = checkKeys({ security: { sasl: { mechanism: 'SCRAM-SHA-256' } } }, 'flags');
    expect(resolveAgentConfig(fromFile, flags).security?.sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'agent', password: 's3cret' });
    // No protocol anywhere: plaintext, nothing to resolve.
    expect(resolveAgentConfig({ files: ['x'] }, {}).security).toBeUndefined();
  });

  it('refuses security settings that cannot work, naming the setting', () => {
    const bad = (security: unknown) => () => readConfigFile(put('bad-sec.json', JSON.stringify({ security })));
    expect(bad({ protocol: 'TLS' })).toThrow(/security.protocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
    expect(bad({ protocol: 'SASL_SSL', sasl: { username: 'a', password: 'x' } })).toThrow(/security.sasl.password is not read/);
    expect(bad({ protocol: 'SASL_SSL', sasl: { mechanism: 'GSSAPI' } })).toThrow(/security.sasl.mechanism must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/);
    expect(bad({ tls: true })).toThrow(/security.tls is not a setting/);
    const env = {};
    expect(() => resolveSecurity({ sasl: { username: 'a' } }, undefined, undefined, env)).toThrow(/security.sasl.username needs security.protocol SASL_SSL/);
    expect(() => resolveSecurity({ protocol: 'PLAINTEXT', ca: '/x' }, undefined, undefined, env)).toThrow(/security.ca needs security.protocol SSL or SASL_SSL/);
    // Each setting named as it was given: the file's username, the flag's protocol.
    const flagNames = { protocol: '--security-protocol', mechanism: '--sasl-mechanism', username: '--sasl-username', passwordFile: '--sasl-password-file', ca: '--ca', cert: '--cert', key: '--key' };
    expect(() => resolveSecurity({ protocol: 'SASL_SSL', sasl: { username: 'a' } }, { protocol: 'SSL' }, flagNames, env)).toThrow(/^security.sasl.username needs --security-protocol SASL_SSL .*the security protocol is SSL$/);
    expect(() => resolveSecurity({ protocol: 'SASL_SSL', sasl: { username: 'a' } }, undefined, undefined, env)).toThrow(/SASL_SSL needs a password: security.sasl.passwordFile FILE, or the environment variable TRIBUTARY_SASL_PASSWORD/);
    expect(resolveSecurity({ protocol: 'SASL_SSL', sasl: { username: 'a' } }, undefined, undefined, { TRIBUTARY_SASL_PASSWORD: 'from-env' })?.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'a', password: 'from-env' });
    expect(() => resolveSecurity({ protocol: 'SSL', ca: join(tmp, 'missing.pem') }, undefined, undefined, env)).toThrow(/security.ca: cannot read .*missing.pem \(ENOENT\)/);
    expect(() => resolveSecurity({ protocol: 'SSL', cert: join(tmp, 'ca.pem') }, undefined, undefined, env)).toThrow(/security.cert and security.key go together/);
    expect(() => resolveSecurity({ protocol: 'SASL_SSL', sasl: { username: 'a', passwordFile: put('empty.pass', '\n') } }, undefined, undefined, env)).toThrow(/passwordFile: the password file .* is empty/);
  });
});
