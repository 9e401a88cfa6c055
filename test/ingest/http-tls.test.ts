// HTTP ingest over TLS with the certificate generated in DATA/tls/ (the Kafka listeners' one), sent by curl and by
// Node's https client trusting only the generated CA; records read back through the broker's Fetch API. And the token
// rule: a listener other machines can reach refuses to start without one, and with one answers 401 to a request
// without it (reached through 127.0.0.1 on a 0.0.0.0 listener).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { ConfigError } from '../../src/broker/config.js';
import { runTool } from '../helpers/run-tool.js';
import { startIngestBroker, type IngestBroker } from './helpers.js';

const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
const TOKEN = 'tls-token-0123456789';

function httpsPost(port: number, path: string, body: string, ca: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ca, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

describe('HTTP ingest over TLS on loopback with the generated certificate', () => {
  let b: IngestBroker;
  let port: number;
  let caFile: string;
  const dir = mkdtempSync(join(tmpdir(), 'tributary-http-tls-'));

  beforeAll(async () => {
    b = await startIngestBroker({ http: { listen: '127.0.0.1:0', tls: true } }, { dataDir: dir });
    port = b.listener('http ingest').port;
    caFile = join(dir, 'tls', 'ca.pem');
  });
  afterAll(async () => {
    await b?.stop();
  });

  it('says it is TLS in its listener info', () => {
    expect(b.listener('http ingest')).toMatchObject({ host: '127.0.0.1', tls: true });
  });

  it('takes NDJSON from Node https trusting only the generated CA, without a token on loopback', async () => {
    const r = await httpsPost(port, '/ingest/tls-node', '{"msg":"one"}\n{"msg":"two"}\n', readFileSync(caFile, 'utf8'), { 'Content-Type': 'application/x-ndjson' });
    expect(r).toEqual({ status: 200, body: JSON.stringify({ topic: 'tls-node', records: 2 }) });
    expect((await b.waitForRecords('tls-node', 2)).map((x) => x.value!.toString())).toEqual(['{"msg":"one"}', '{"msg":"two"}']);
  });

  // The server runs in this process: curl runs asynchronously (runTool), never spawnSync.
  it.skipIf(!hasCurl)('takes lines from curl --cacert (verifying the name localhost), and curl without the CA refuses the certificate', async () => {
    const curl = (args: string[]) => runTool('curl', ['-sS', '--max-time', '20', ...args], { timeoutMs: 30_000 });
    const ok = await curl(['--cacert', caFile, '--data-binary', 'hello over tls\nsecond line\n', '-H', 'Content-Type: text/plain', `https://localhost:${port}/ingest/tls-curl`]);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toEqual({ topic: 'tls-curl', records: 2 });
    const untrusted = await curl(['--data-binary', 'x', `https://127.0.0.1:${port}/ingest/tls-curl`]);
    expect(untrusted.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
    const plain = await curl(['--data-binary', 'x', `http://127.0.0.1:${port}/ingest/tls-curl`]);
    expect(plain.code).not.toBe(0); // plain HTTP on the HTTPS port gets no HTTP answer
    expect(plain.stdout).toBe('');
    // One throttled warning covers both failures (the untrusting curl's may come first, or after its handshake with TLS 1.3).
    // The server logs it when its side of the handshake fails, which can be after curl has already exited.
    const warned = () => b.log.lines.some((l) => /^warn http ingest: TLS handshake from 127\.0\.0\.1 failed \(.*\): a client speaking plain HTTP to this HTTPS listener, or one that does not trust this certificate/.test(l));
    for (let i = 0; i < 100 && !warned(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(warned(), b.log.lines.filter((l) => /TLS|handshake/.test(l)).join("\n")).toBe(true);
  });

  it.skipIf(!hasCurl)('stores what curl sent', async () => {
    expect((await b.waitForRecords('tls-curl', 2)).map((x) => x.value!.toString())).toEqual(['hello over tls', 'second line']);
  });

  it('refuses TLS 1.1 and below', async () => {
    const err = await new Promise<Error | null>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, ca: readFileSync(caFile, 'utf8'), maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
        s.destroy();
        resolve(null);
      });
      s.on('error', (e) => resolve(e));
    });
    expect(err).not.toBeNull();
  });
});

describe('the HTTP ingest token off loopback', () => {
  it('refuses to start on 0.0.0.0 without a token, saying how to set one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-http-token-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ ingest: { http: { listen: '0.0.0.0:0', tls: true } } }));
    const load = () => loadServeConfig({ configFile: file, dataDir: dir, kafka: '127.0.0.1:0' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^ingest\.http\.listen is 0\.0\.0\.0:0, reachable from other machines, but ingest\.http\.token is not set: .*Set "token" in ingest\.http/);
  });

  it('with a token: 401 without it, 200 with it, through 127.0.0.1 to the 0.0.0.0 listener over TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-http-token-'));
    const b = await startIngestBroker({ http: { listen: '0.0.0.0:0', token: TOKEN, tls: true } }, { dataDir: dir });
    try {
      const ca = readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8');
      const { port, host } = b.listener('http ingest');
      expect(host).toBe('0.0.0.0');
      const none = await httpsPost(port, '/ingest/tok', 'nope\n', ca, {});
      expect(none.status).toBe(401);
      expect(JSON.parse(none.body).error).toMatch(/^this listener needs a token: send Authorization: Bearer <token>/);
      const wrong = await httpsPost(port, '/ingest/tok', 'nope\n', ca, { Authorization: 'Bearer not-it' });
      expect(wrong.status).toBe(401);
      expect(JSON.parse(wrong.body).error).toMatch(/^wrong token: /);
      expect((await httpsPost(port, '/ingest/tok', 'yes\n', ca, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      expect((await b.waitForRecords('tok', 1)).map((x) => x.value!.toString())).toEqual(['yes']);
      expect(b.broker.logs.getTopic('tok')).toBeDefined();
      expect(b.log.lines.filter((l) => l.startsWith('warn') && l.includes('http ingest'))).toEqual([]); // TLS and a token: nothing to warn about
    } finally {
      await b.stop();
    }
  });
});
