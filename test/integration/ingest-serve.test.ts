// `tributary serve --config` with ingest: one stdout line per listener (real ports when 0 is configured), data in
// through syslog UDP and HTTP, a clean SIGTERM writes every message already received, and a bad ingest config is a
// clear startup error.
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, startBroker, stopAllBrokers } from '../helpers/broker-process.js';
import { brokerConfig } from '../helpers/broker-config.js';
import { readRecords } from '../helpers/read-partition.js';
import { runCli } from '../helpers/run-cli.js';
import { WireClient } from '../helpers/wire-client.js';

afterAll(async () => {
  await stopAllBrokers();
});

const INGEST = { syslog: { udp: '127.0.0.1:0', tcp: '127.0.0.1:0' }, http: { listen: '127.0.0.1:0' } };

describe('tributary serve with ingest', () => {
  it('prints one line per listener and flushes received syslog messages on SIGTERM', async () => {
    assertBuilt();
    let broker = await startBroker({ args: ['--config', brokerConfig({ ingest: INGEST })] });
    const udpLine = await broker.waitForLine(/^syslog udp listener on 127\.0\.0\.1:(\d+)$/);
    await broker.waitForLine(/^syslog tcp listener on 127\.0\.0\.1:\d+$/);
    const httpLine = await broker.waitForLine(/^http ingest listener on 127\.0\.0\.1:(\d+)$/);
    const udpPort = Number(/:(\d+)$/.exec(udpLine)![1]);
    const httpPort = Number(/:(\d+)$/.exec(httpLine)![1]);

    const res = await fetch(`http://127.0.0.1:${httpPort}/ingest/web`, { method: 'POST', body: 'one\ntwo' });
    expect(await res.json()).toEqual({ topic: 'web', records: 2 });

    // A burst, then SIGTERM right away: the batch still waiting for its 5 ms timer must be written, not lost.
    const sock = createSocket('udp4');
    const N = 500;
    await new Promise<void>((resolve, reject) => {
      let left = N;
      for (let i = 0; i < N; i++) sock.send(`<13>1 - host app - - - burst ${i}`, udpPort, '127.0.0.1', (e) => (e ? reject(e) : --left === 0 && resolve()));
    });
    sock.close();
    await new Promise((r) => setTimeout(r, 50)); // let the datagrams reach the broker's socket
    expect(await broker.stop()).toEqual({ code: 0, signal: null });

    broker = await startBroker({ dataDir: broker.dataDir });
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      const syslog = (await readRecords(client, 'syslog', 0)).records.map((r) => r.value!.toString());
      expect(syslog).toEqual(Array.from({ length: N }, (_, i) => `<13>1 - host app - - - burst ${i}`));
      expect((await readRecords(client, 'web', 0)).records.map((r) => r.value!.toString())).toEqual(['one', 'two']);
    } finally {
      client.close();
    }
  });

  it('refuses a bad ingest config at startup, naming the key', async () => {
    assertBuilt();
    const r = await runCli(['serve', '--kafka', '127.0.0.1:0', '--config', brokerConfig({ ingest: { syslog: { udp: 'nowhere' } } })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tributary serve: configuration error: ingest\.syslog\.udp: "nowhere" is not HOST:PORT/);
  });
});
