// Listeners in Kafka's syntax: parsing, config precedence, and each listener advertising itself in Metadata.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { ConfigError, loadBrokerConfig } from '../../src/broker/config.js';
import { parseListener, parseListeners } from '../../src/broker/listeners.js';
import { silentLogger } from '../../src/common/logger.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../src/protocol/schemas/find-coordinator.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { WireClient } from '../helpers/wire-client.js';

describe('parseListener', () => {
  it('reads each security protocol, IPv6 in brackets, and ":PORT" as loopback', () => {
    expect(parseListener('PLAINTEXT://127.0.0.1:9092')).toEqual({ protocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 });
    expect(parseListener('SSL://0.0.0.0:9093')).toEqual({ protocol: 'SSL', host: '0.0.0.0', port: 9093 });
    expect(parseListener('sasl_plaintext://[::1]:9094')).toEqual({ protocol: 'SASL_PLAINTEXT', host: '::1', port: 9094 });
    expect(parseListener('SASL_SSL://:0')).toEqual({ protocol: 'SASL_SSL', host: '127.0.0.1', port: 0 });
  });

  it('refuses unknown protocols and malformed addresses with the accepted forms', () => {
    expect(() => parseListener('HTTP://1.2.3.4:80')).toThrow(/unknown security protocol "HTTP".*PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
    expect(() => parseListener('127.0.0.1:9092')).toThrow(/PROTOCOL:\/\/HOST:PORT/);
    expect(() => parseListener('PLAINTEXT://host')).toThrow(/not HOST:PORT/);
    expect(() => parseListener('PLAINTEXT://host:70000')).toThrow(/out of range/);
  });

  it('reads lists as JSON arrays or comma-separated text, and refuses a port used twice', () => {
    expect(parseListeners('PLAINTEXT://127.0.0.1:9092, SASL_SSL://0.0.0.0:9093').map((l) => l.protocol)).toEqual(['PLAINTEXT', 'SASL_SSL']);
    expect(parseListeners(['SSL://:9093'])).toEqual([{ protocol: 'SSL', host: '127.0.0.1', port: 9093 }]);
    expect(() => parseListeners([])).toThrow(/non-empty list/);
    expect(() => parseListeners('PLAINTEXT://127.0.0.1:9092,SSL://0.0.0.0:9092')).toThrow(/same port/);
    expect(parseListeners('PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0')).toHaveLength(2);
  });
});

describe('listener configuration', () => {
  it('--kafka HOST:PORT is one PLAINTEXT listener, and wins over the file', () => {
    const c = loadBrokerConfig({ dataDir: '/tmp/x', kafka: '127.0.0.1:1234', file: { listeners: ['SASL_SSL://0.0.0.0:9093'] } });
    expect(c.listeners).toEqual([{ protocol: 'PLAINTEXT', host: '127.0.0.1', port: 1234 }]);
  });

  it('--listeners wins over the file, the file over the default', () => {
    expect(loadBrokerConfig({ dataDir: '/tmp/x', listeners: 'SSL://127.0.0.1:1', file: { kafka: '127.0.0.1:2' } }).listeners).toEqual([
      { protocol: 'SSL', host: '127.0.0.1', port: 1 },
    ]);
    expect(loadBrokerConfig({ dataDir: '/tmp/x', file: { listeners: ['SASL_PLAINTEXT://127.0.0.1:3'] } }).listeners).toEqual([
      { protocol: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 3 },
    ]);
  });

  it('refuses --kafka with --listeners, and "kafka" with "listeners" in one file', () => {
    expect(() => loadBrokerConfig({ dataDir: '/tmp/x', kafka: ':1', listeners: 'PLAINTEXT://:2' })).toThrow(ConfigError);
    expect(() => loadBrokerConfig({ dataDir: '/tmp/x', file: { kafka: ':1', listeners: ['PLAINTEXT://:2'] } })).toThrow(/both "kafka" and "listeners"/);
    expect(() => loadBrokerConfig({ dataDir: '/tmp/x', file: { listeners: 'nonsense' } })).toThrow(/^listeners: /);
  });
});

describe('a broker with two listeners', () => {
  let dir: string;
  let broker: Broker;
  const clients: WireClient[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-listeners-'));
    broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0' }), silentLogger);
  });
  afterEach(async () => {
    for (const c of clients) c.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds both, and tells each client the address of the listener it came through', async () => {
    const [a, b] = broker.listenerAddresses();
    expect(a!.port).not.toBe(b!.port);
    for (const l of [a!, b!]) {
      const c = await WireClient.connect(l.port);
      clients.push(c);
      const md = await c.send(MetadataRequest, MetadataResponse, 9, { topics: null });
      expect(md.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: l.port, rack: null }]);
      const fc = await c.send(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key: 'g', keyType: 0, coordinatorKeys: [] });
      expect([fc.host, fc.port]).toEqual(['127.0.0.1', l.port]);
    }
  });

  it('advertises the configured host with each listener\'s own port', async () => {
    await broker.stop();
    broker = await Broker.start(
      loadBrokerConfig({ dataDir: dir, listeners: 'PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0', advertisedHost: 'logs.example' }),
      silentLogger,
    );
    const ports = broker.listenerAddresses().map((l) => l.port);
    for (const port of ports) {
      const c = await WireClient.connect(port);
      clients.push(c);
      const md = await c.send(MetadataRequest, MetadataResponse, 1, { topics: null });
      expect(md.brokers.map((x) => [x.host, x.port])).toEqual([['logs.example', port]]);
    }
  });

  it('fails to start, releasing the first listener, when a later one cannot bind', async () => {
    const taken = broker.listenerAddresses()[0]!.port;
    const dir2 = mkdtempSync(join(tmpdir(), 'tributary-listeners-'));
    try {
      await expect(Broker.start(loadBrokerConfig({ dataDir: dir2, listeners: `PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:${taken}` }), silentLogger)).rejects.toThrow(
        new RegExp(`cannot listen on PLAINTEXT://127.0.0.1:${taken}`),
      );
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
