// Client certificates (mTLS) with real clients: a `tributary serve` whose SSL listener requires a certificate
// (tls.clientAuth "required"), a client certificate from `tributary certs client`, and kcat (librdkafka 2.0.2) and
// kafka-python 2.0.2 over SSL: served with the certificate, refused without it.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { KCAT, PYTHON_KAFKA, requireTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { assertOk, runTool } from '../helpers/run-tool.js';

const kcatAvailable = requireTools(KCAT);
const pythonAvailable = requireTools(PYTHON_KAFKA);

let broker: BrokerProcess;
let sslPort: number;
let ca: string;
let cert: string;
let key: string;
const work = mkdtempSync(join(tmpdir(), 'tributary-mtls-compat-'));

beforeAll(async () => {
  const config = join(work, 'config.json');
  writeFileSync(config, JSON.stringify({ tls: { clientAuth: 'required' } }));
  broker = await startBroker({ args: ['--listeners', 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0', '--config', config] });
  const line = await broker.waitForLine(/kafka listener on 127\.0\.0\.1:\d+ \(SSL/);
  sslPort = Number(/:(\d+) \(SSL/.exec(line)![1]);
  ca = join(broker.dataDir, 'tls', 'ca.pem');
  const issued = assertOk(await runCli(['certs', 'client', 'web-1', '--data-dir', broker.dataDir, '--out', work]), 'certs client');
  expect(issued.stdout).toContain('principal in ACLs: User:CN=web-1');
  // The certificate's subject is the principal ACLs name: let it use every topic (the defaults grant it nothing).
  assertOk(await runCli(['acls', 'add', '--principal', 'User:CN=web-1', '--operation', 'All', '--topic', '*', '--data-dir', broker.dataDir]), 'acls add');
  await new Promise((r) => setTimeout(r, 2500)); // the broker looks at DATA/acls.json once a second
  cert = join(work, 'web-1.pem');
  key = join(work, 'web-1-key.pem');
  expect(statSync(key).mode & 0o777).toBe(0o600);
}, 60_000);
afterAll(async () => {
  await stopAllBrokers();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!kcatAvailable)('kcat over SSL with a client certificate', () => {
  const base = () => ['-b', `127.0.0.1:${sslPort}`, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${ca}`, '-m', '10'];

  it('produces and consumes back with the certificate', async () => {
    const withCert = [...base(), '-X', `ssl.certificate.location=${cert}`, '-X', `ssl.key.location=${key}`];
    const lines = Array.from({ length: 50 }, (_, i) => `mtls-${i}`);
    assertOk(await runTool('kcat', [...withCert, '-P', '-t', 'mtls-kcat'], { input: `${lines.join('\n')}\n`, timeoutMs: 60_000 }), 'kcat -P');
    const out = assertOk(await runTool('kcat', [...withCert, '-C', '-t', 'mtls-kcat', '-o', 'beginning', '-e'], { timeoutMs: 60_000 }), 'kcat -C');
    expect(out.stdout.trim().split('\n')).toEqual(lines);
  }, 90_000);

  it('is refused without a certificate, and the broker says why', async () => {
    const r = await runTool('kcat', [...base(), '-L'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    await broker.waitForLine(/TLS client from 127\.0\.0\.1 sent no certificate and tls\.clientAuth is "required"; closed/);
  }, 60_000);
});

describe.skipIf(!pythonAvailable)('kafka-python over SSL with a client certificate', () => {
  // One producer, one record, flushed; prints "ok" or the exception's class name.
  const script = `
import sys
from kafka import KafkaProducer
args = dict(bootstrap_servers=sys.argv[1], security_protocol='SSL', ssl_cafile=sys.argv[2], request_timeout_ms=8000, api_version_auto_timeout_ms=8000)
if len(sys.argv) > 3: args.update(ssl_certfile=sys.argv[3], ssl_keyfile=sys.argv[4])
try:
    p = KafkaProducer(**args)
    p.send('mtls-python', b'from kafka-python').get(timeout=20)
    p.flush(); p.close()
    print('ok')
except Exception as e:
    print(type(e).__name__)
`;
  const python = async (...extra: string[]) => assertOk(await runTool(PYTHON_KAFKA.command, ['-c', script, `127.0.0.1:${sslPort}`, ca, ...extra], { timeoutMs: 90_000 }), 'python').stdout.trim();

  it('writes with ssl_certfile/ssl_keyfile, and cannot connect without them', async () => {
    expect(await python(cert, key)).toBe('ok');
    // The broker closes right after the handshake (TLS 1.3 ends it before the client's certificate is checked), which
    // kafka-python reports as the EOF it is, or as no broker once it has retried.
    expect(['SSLEOFError', 'NoBrokersAvailable']).toContain(await python());
  }, 120_000);
});
