import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { ConfigError } from '../../src/broker/config.js';
import { NO_INGEST, parseIngestConfig } from '../../src/ingest/config.js';

function load(ingest: unknown) {
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-ingest-config-')), 'broker.json');
  writeFileSync(file, JSON.stringify({ ingest }));
  return loadServeConfig({ configFile: file, dataDir: '/tmp/x' });
}

describe('ingest config', () => {
  it('is all off by default', () => {
    expect(loadServeConfig({ dataDir: '/tmp/x' }).ingest).toEqual(NO_INGEST);
  });

  it('fills defaults and keeps listeners on loopback unless told otherwise', () => {
    expect(
      parseIngestConfig({
        syslog: { udp: true, tcp: ':6514' },
        http: {},
        prometheus: { targets: [{ url: 'http://127.0.0.1:9100/metrics' }, { url: 'http://h/m', interval: '5s', timeout: 2000, job: 'node', labels: { role: 'db' } }] },
        files: { globs: '/var/log/*.log' },
      }),
    ).toEqual({
      syslog: { udp: { host: '127.0.0.1', port: 5514 }, tcp: { host: '127.0.0.1', port: 6514 }, tls: null, topic: 'syslog', maxMessageBytes: 65536, recvBufferBytes: 8388608 },
      http: { listen: { host: '127.0.0.1', port: 8086 }, token: null, tls: null, maxBodyBytes: 10485760, maxLineBytes: 1048576, logsTopic: 'logs', metricsTopic: 'metrics' },
      prometheus: {
        topic: 'metrics',
        maxBodyBytes: 10485760,
        targets: [
          { url: 'http://127.0.0.1:9100/metrics', intervalMs: 15000, timeoutMs: 10000, job: 'prometheus', labels: {} },
          { url: 'http://h/m', intervalMs: 5000, timeoutMs: 2000, job: 'node', labels: { role: 'db' } },
        ],
      },
      files: { globs: ['/var/log/*.log'], topic: 'logs', startAt: 'end' },
    });
    expect(parseIngestConfig({ syslog: { udp: '0.0.0.0:514' } }).syslog!.udp).toEqual({ host: '0.0.0.0', port: 514 });
    expect(parseIngestConfig({ http: { listen: '[::1]:0' } }).http!.listen).toEqual({ host: '::1', port: 0 });
  });

  it('reads TLS for HTTP and syslog: true shares the Kafka certificate, an object names its own files', () => {
    const shared = { cert: null, key: null, clientCa: null, handshakeTimeoutMs: 10_000 };
    expect(parseIngestConfig({ http: { tls: true } }).http!.tls).toEqual(shared);
    expect(parseIngestConfig({ http: { tls: { cert: 'c.pem', key: 'k.pem' } } }).http!.tls).toEqual({ cert: 'c.pem', key: 'k.pem', clientCa: null, handshakeTimeoutMs: 10_000 });
    expect(parseIngestConfig({ syslog: { tls: true } }).syslog!.tls).toEqual({ listen: { host: '127.0.0.1', port: 6514 }, ...shared });
    expect(parseIngestConfig({ syslog: { tls: '0.0.0.0:6514' } }).syslog!.tls).toEqual({ listen: { host: '0.0.0.0', port: 6514 }, ...shared });
    expect(parseIngestConfig({ syslog: { tls: { listen: ':7514', clientCa: 'agents.pem', handshakeTimeout: '2s' } } }).syslog!.tls).toEqual({ listen: { host: '127.0.0.1', port: 7514 }, cert: null, key: null, clientCa: 'agents.pem', handshakeTimeoutMs: 2000 });
    expect(parseIngestConfig({ http: { listen: '0.0.0.0:8086', token: 't' } }).http!.listen).toEqual({ host: '0.0.0.0', port: 8086 });
  });

  it.each([
    [{ sylog: {} }, /unknown key 'ingest.sylog'; known keys: syslog, http, prometheus, files/],
    [{ syslog: {} }, /ingest.syslog needs "udp", "tcp" and\/or "tls"/],
    [{ syslog: { tls: { cert: 'c.pem' } } }, /ingest.syslog.tls needs both "cert" and "key"/],
    [{ syslog: { tls: { listen: ':6514', ca: 'x' } } }, /unknown key 'ingest.syslog.tls.ca'; known keys: listen, cert, key, clientCa, handshakeTimeout/],
    [{ http: { tls: { clientCa: 'x' } } }, /unknown key 'ingest.http.tls.clientCa'/],
    [{ http: { listen: '0.0.0.0:8086' } }, /^ingest.http.listen is 0.0.0.0:8086, reachable from other machines, but ingest.http.token is not set: .*Set "token" in ingest.http .*openssl rand -hex 32/],
    [{ http: { listen: '[::]:8086' } }, /ingest.http.token is not set/],
    [{ syslog: { udp: 'localhost' } }, /ingest.syslog.udp: "localhost" is not HOST:PORT/],
    [{ syslog: { udp: '127.0.0.1:70000' } }, /port 70000 is out of range/],
    [{ syslog: { udp: true, topic: 'bad topic!' } }, /ingest.syslog.topic: .*/],
    [{ http: { token: '' } }, /ingest.http.token must be a non-empty string/],
    [{ http: { maxBodyBytes: 10 } }, /ingest.http.maxBodyBytes must be an integer between 1024/],
    [{ prometheus: { targets: [] } }, /ingest.prometheus.targets must be a non-empty array/],
    [{ prometheus: { targets: [{ url: 'ftp://x' }] } }, /targets\[0\].url must be http:\/\/ or https:\/\//],
    [{ prometheus: { targets: [{ url: 'http://x', interval: 'often' }] } }, /targets\[0\].interval: "often" is not a duration/],
    [{ prometheus: { targets: [{ url: 'http://x', interval: '1s', timeout: '2s' }] } }, /timeout \(2000 ms\) must not exceed its interval/],
    [{ prometheus: { targets: [{ url: 'http://x', labels: { 'bad-name': 'v' } }] } }, /label name 'bad-name' is not a valid/],
    [{ files: { globs: [] } }, /ingest.files.globs must be a non-empty array/],
    [{ files: { globs: ['a'], startAt: 'middle' } }, /startAt must be "beginning" or "end"/],
  ])('rejects %j clearly, as a ConfigError', (ingest, error) => {
    expect(() => load(ingest)).toThrow(ConfigError);
    expect(() => load(ingest)).toThrow(error);
  });
});

describe('superUsers', () => {
  const withFile = (doc: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), 'tributary-superusers-')), 'broker.json');
    writeFileSync(file, JSON.stringify(doc));
    return loadServeConfig({ configFile: file, dataDir: '/tmp/x' }).broker.superUsers;
  };

  it('is User:admin by default, takes a list of principals, or Kafka\'s semicolon-separated text (DNs hold commas)', () => {
    expect(loadServeConfig({ dataDir: '/tmp/x' }).broker.superUsers).toEqual(['User:admin']);
    expect(withFile({ superUsers: ['User:root', 'User:CN=ops,O=acme'] })).toEqual(['User:root', 'User:CN=ops,O=acme']);
    expect(withFile({ superUsers: 'User:root; User:CN=ops,O=acme' })).toEqual(['User:root', 'User:CN=ops,O=acme']);
    expect(withFile({ superUsers: [] })).toEqual([]);
  });

  it('refuses what is not a principal', () => {
    expect(() => withFile({ superUsers: ['admin'] })).toThrow(ConfigError);
    expect(() => withFile({ superUsers: 'admin' })).toThrow(/superUsers must be a list of principals like \["User:admin"\]/);
  });
});

describe('serve config: alerts', () => {
  const loadAlerts = (alerts: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), 'tributary-cfg-')), 'config.json');
    writeFileSync(file, JSON.stringify({ alerts }));
    return loadServeConfig({ configFile: file, dataDir: '/tmp/x' });
  };

  it('reads rules, webhooks, the interval and the topic, with defaults filled in', () => {
    const c = loadAlerts({ interval: '5s', topic: 'notices', rules: [{ id: 'lag', kind: 'group-lag', threshold: 10 }], webhooks: ['http://127.0.0.1:9/hook'] });
    expect(c.alerts).toEqual({
      intervalMs: 5000,
      topic: 'notices',
      rules: [{ id: 'lag', name: 'lag', kind: 'group-lag', enabled: true, for: 0, keepFiring: 0, repeatInterval: '4h', by: 'group', threshold: 10 }],
      webhooks: [{ url: 'http://127.0.0.1:9/hook' }],
    });
    expect(loadAlerts({ topic: false }).alerts?.topic).toBeNull();
  });

  it.each([
    [{ rules: [{ id: 'a', kind: 'log-count', threshold: 1, window: 'soon' }] }, /alerts\.rules\[0\]\.window: "soon" is not a duration/],
    [{ rules: [{ id: 'a', kind: 'group-lag', threshold: 1 }, { id: 'a', kind: 'group-lag', threshold: 2 }] }, /the id "a" is used twice/],
    [{ webhooks: [{ url: 'ftp://x/' }] }, /alerts\.webhooks\[0\]\.url: only http and https/],
    [{ interval: '10ms' }, /alerts\.interval: must be at least 100ms/],
    [{ rulez: [] }, /alerts\.rulez: unknown key/],
  ])('rejects %j clearly, as a ConfigError', (alerts, error) => {
    expect(() => loadAlerts(alerts)).toThrow(ConfigError);
    expect(() => loadAlerts(alerts)).toThrow(error);
  });
});
