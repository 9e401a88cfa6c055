// `tributary serve --config` with ingest: one stdout line per listener (real ports when 0 is configured), data in
// through syslog UDP and HTTP, a clean SIGTERM writes every message already received, and a bad ingest config is a
// clear startup error.
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, startBroker, stopAllBrokers } from '../helpers/broker-process.js';
import { brokerConfig } from '../helpers/broker-config.js';
import { readRecords } from '../helpers/read-partition.js';
import { runCli } from '../helpers/run-cli.js';
import { runTool } from '../helpers/run-tool.js';
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

  it('prints the TLS listeners with the CA senders trust, and that CA verifies them', async () => {
    assertBuilt();
    const broker = await startBroker({ args: ['--config', brokerConfig({ ingest: { syslog: { tls: '127.0.0.1:0' }, http: { listen: '127.0.0.1:0', tls: true } } })] });
    const tlsLine = /^syslog tls listener on 127\.0\.0\.1:(\d+) \(TLS; senders trust (\S+\/tls\/ca\.pem)\)$/;
    const [, syslogPort, ca] = tlsLine.exec(await broker.waitForLine(tlsLine))!;
    const httpLine = /^http ingest listener on 127\.0\.0\.1:(\d+) \(TLS; senders trust (\S+)\)$/;
    const [, httpPort, httpCa] = httpLine.exec(await broker.waitForLine(httpLine))!;
    expect(httpCa).toBe(ca);
    expect(ca).toBe(`${broker.dataDir}/tls/ca.pem`);
    const curl = await runTool('curl', ['-sS', '--max-time', '20', '--cacert', ca!, '--data-binary', 'secure line', '-H', 'Content-Type: text/plain', `https://localhost:${httpPort}/ingest/web`], { timeoutMs: 30_000 });
    expect(curl.stdout).toBe(JSON.stringify({ topic: 'web', records: 1 }));
    const ssl = await runTool('openssl', ['s_client', '-connect', `127.0.0.1:${syslogPort}`, '-CAfile', ca!, '-verify_return_error', '-quiet', '-no_ign_eof'], { input: '<13>1 - host app - - - over tls\n', timeoutMs: 30_000 });
    expect(ssl.code).toBe(0);
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      let got: string[] = [];
      for (const deadline = Date.now() + 10_000; got.length < 1 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        got = (await readRecords(client, 'syslog', 0).catch(() => ({ records: [] }))).records.map((r) => r.value!.toString());
      }
      expect(got).toEqual(['<13>1 - host app - - - over tls']);
    } finally {
      client.close();
    }
    expect(await broker.stop()).toEqual({ code: 0, signal: null });
  });

  it('refuses to start with the HTTP ingest listener on 0.0.0.0 and no token, saying how to set one', async () => {
    assertBuilt();
    const r = await runCli(['serve', '--kafka', '127.0.0.1:0', '--config', brokerConfig({ ingest: { http: { listen: '0.0.0.0:0' } } })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tributary serve: configuration error: ingest\.http\.listen is 0\.0\.0\.0:0, reachable from other machines, but ingest\.http\.token is not set: .*Set "token" in ingest\.http/);
  });

  it('refuses a bad ingest config at startup, naming the key', async () => {
    assertBuilt();
    const r = await runCli(['serve', '--kafka', '127.0.0.1:0', '--config', brokerConfig({ ingest: { syslog: { udp: 'nowhere' } } })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tributary serve: configuration error: ingest\.syslog\.udp: "nowhere" is not HOST:PORT/);
  });
});
