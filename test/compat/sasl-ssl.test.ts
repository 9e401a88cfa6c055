// Real clients over SASL_SSL with the generated CA: kcat (librdkafka 2.0.2), kafka-python 2.0.2 and kafkajs 2.2.4
// with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, against a real `tributary serve` with a plaintext and a SASL_SSL listener,
// logging in as the `agent` user the first start created (and the commands it printed, pasted as they are). A wrong
// password is refused with SASL's error; a plaintext client on the TLS port fails while another client keeps working.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { KCAT, PYTHON_KAFKA, requireTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { assertOk, runTool } from '../helpers/run-tool.js';

const kcatAvailable = requireTools(KCAT);
const pythonAvailable = requireTools(PYTHON_KAFKA);
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
let PASSWORD: string;

let broker: BrokerProcess;
let saslPort: number;
let ca: string;

beforeAll(async () => {
  broker = await startBroker({ args: ['--listeners', 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0'] });
  const line = await broker.waitForLine(/kafka listener on 127\.0\.0\.1:\d+ \(SASL_SSL/);
  saslPort = Number(/:(\d+) \(SASL_SSL/.exec(line)![1]);
  // The CA as `serve` tells users where it is.
  ca = /kafka TLS clients trust (\S+) /.exec(await broker.waitForLine(/kafka TLS clients trust /))![1]!;
  expect(ca).toBe(join(broker.dataDir, 'tls', 'ca.pem'));
  // Secure by default: the first start made the agent user and printed its password once.
  PASSWORD = /^ {2}password: {2}(\S+)$/.exec(await broker.waitForLine(/^ {2}password: /))![1]!;
  // The default ACLs let the agent write and describe; these clients also read back, some through groups.
  for (const resource of [['--topic', '*'], ['--group', '*']]) {
    assertOk(await runCli(['acls', 'add', '--principal', 'User:agent', '--operation', 'Read', ...resource, '--data-dir', broker.dataDir]), 'acls add');
  }
  await new Promise((r) => setTimeout(r, 2500)); // the broker looks at DATA/acls.json once a second
}, 60_000);
afterAll(async () => {
  await stopAllBrokers();
});

/** The block the first start printed, from its first line to its closing rule. */
function banner(): string {
  const start = broker.stdout.findIndex((l) => l.startsWith('Secured by default'));
  const end = broker.stdout.findIndex((l, i) => i > start && /^=+$/.test(l));
  expect(start).toBeGreaterThan(-1);
  return broker.stdout.slice(start, end).join('\n');
}

/** The lines after `heading` up to the next empty line: one command as printed, ready to paste. */
function printed(heading: string): string {
  const lines = banner().split('\n');
  const from = lines.findIndex((l) => l.startsWith(heading)) + 2;
  const to = lines.findIndex((l, i) => i >= from && l === '');
  return lines.slice(from, to).join('\n');
}

describe.skipIf(!kcatAvailable || !pythonAvailable)('the commands printed on first start, pasted as they are', () => {
  it('kcat and kafka-python write to topic logs through the SASL_SSL listener with the generated CA and password', async () => {
    expect(banner()).toContain(`bootstrap: 127.0.0.1:${saslPort}  (SCRAM-SHA-512)`);
    expect(banner()).toContain(`CA:        ${ca}`);
    const kcat = printed('kcat');
    expect(kcat).toContain(`sasl.password=${PASSWORD}`);
    assertOk(await runTool('sh', ['-c', kcat], { input: 'pasted from the banner\n', timeoutMs: 60_000 }), 'printed kcat');
    const python = printed('kafka-python');
    assertOk(await runTool(PYTHON_KAFKA.command, ['-c', python], { timeoutMs: 90_000 }), 'printed kafka-python');
    const secure = ['-b', `127.0.0.1:${saslPort}`, '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=agent', '-X', `sasl.password=${PASSWORD}`, '-X', `ssl.ca.location=${ca}`];
    const out = assertOk(await runTool('kcat', [...secure, '-C', '-t', 'logs', '-o', 'beginning', '-e', '-f', '%s\n'], { timeoutMs: 60_000 }), 'kcat -C logs');
    expect(out.stdout.trim().split('\n').sort()).toEqual(['hello from kafka-python', 'pasted from the banner']);
    // The agent command names the flags our agent takes and the same CA and bootstrap.
    expect(printed('tributary agent').replace(/ \\\n\s+/g, ' ')).toContain(`--bootstrap 127.0.0.1:${saslPort} --security-protocol SASL_SSL --sasl-mechanism SCRAM-SHA-512 --sasl-username agent --sasl-password-file agent.password --ca ${ca}`);
  }, 120_000);
});

describe.skipIf(!kcatAvailable)('kcat / librdkafka over SASL_SSL', () => {
  const secure = (mechanism: string, password = PASSWORD) => [
    '-b', `127.0.0.1:${saslPort}`, '-m', '15',
    '-X', 'security.protocol=SASL_SSL', '-X', `sasl.mechanisms=${mechanism}`, '-X', 'sasl.username=agent', '-X', `sasl.password=${password}`,
    '-X', `ssl.ca.location=${ca}`,
  ];

  it.each(MECHANISMS)('%s: lists the SASL_SSL listener as the broker, produces and consumes back', async (mechanism) => {
    const topic = `kcat-sasl-${mechanism.toLowerCase()}`;
    const md = JSON.parse(assertOk(await runTool('kcat', [...secure(mechanism), '-L', '-J']), 'kcat -L').stdout);
    expect(md.brokers).toEqual([{ id: 1, name: `127.0.0.1:${saslPort}` }]);
    const lines = Array.from({ length: 200 }, (_, i) => `k${i}:${mechanism}-${i}`);
    assertOk(await runTool('kcat', [...secure(mechanism), '-P', '-t', topic, '-K', ':'], { input: `${lines.join('\n')}\n` }), 'kcat -P');
    const out = assertOk(await runTool('kcat', [...secure(mechanism), '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k:%s\\n'], { timeoutMs: 60_000 }), 'kcat -C');
    expect(out.stdout.trim().split('\n')).toEqual(lines);
  }, 120_000);

  it.each(['PLAIN', 'SCRAM-SHA-512'])('%s with a wrong password: refused with SASL authentication failed', async (mechanism) => {
    // kcat waits its whole metadata timeout (-m 15) before giving up: earlier failures from this address made the
    // broker answer later (up to 5 s each, one at a time), so a shorter wait could end before the refusal arrives.
    const r = await runTool('kcat', [...secure(mechanism, 'not-the-password'), '-L'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SASL authentication error: Authentication failed during authentication due to invalid credentials/);
  }, 60_000);

  it('a plaintext client on the TLS port fails cleanly while a SASL_SSL client keeps working', async () => {
    const wrong = runTool('kcat', ['-b', `127.0.0.1:${saslPort}`, '-L', '-m', '8'], { timeoutMs: 60_000 });
    const right = runTool('kcat', [...secure('SCRAM-SHA-256'), '-L', '-J'], { timeoutMs: 60_000 });
    const [w, r] = await Promise.all([wrong, right]);
    expect(w.code).not.toBe(0);
    expect(JSON.parse(assertOk(r, 'kcat -L').stdout).brokers).toEqual([{ id: 1, name: `127.0.0.1:${saslPort}` }]);
    await broker.waitForLine(/TLS handshake from 127\.0\.0\.1 failed/);
    // And the plaintext listener is untouched.
    const plain = JSON.parse(assertOk(await runTool('kcat', ['-b', broker.bootstrap, '-L', '-J', '-m', '15']), 'kcat -L plain').stdout);
    expect(plain.brokers).toEqual([{ id: 1, name: broker.bootstrap }]);
  }, 60_000);
});

describe.skipIf(!pythonAvailable)('kafka-python over SASL_SSL', () => {
  const script = fileURLToPath(new URL('./python/sasl_ssl.py', import.meta.url));
  const python = async (mechanism: string, password: string, topic: string, count: number) => {
    const r = assertOk(await runTool(PYTHON_KAFKA.command, [script, `127.0.0.1:${saslPort}`, mechanism, 'agent', password, ca, topic, String(count)], { timeoutMs: 90_000 }), 'sasl_ssl.py');
    return JSON.parse(r.stdout) as { values?: string[]; error?: string; message?: string; log?: string[] };
  };

  it.each(MECHANISMS)('%s: produces and consumes back', async (mechanism) => {
    const topic = `py-sasl-${mechanism.toLowerCase()}`;
    const out = await python(mechanism, PASSWORD, topic, 100);
    expect(out.error).toBeUndefined();
    expect(out.values).toEqual(Array.from({ length: 100 }, (_, i) => `${mechanism}-${i}`));
  }, 120_000);

  // kafka-python 2.0.2 uses SaslHandshake v0 and bare tokens, where Kafka answers a failed login by closing the
  // connection (there is no error field to send); the client reports it while authenticating, the broker logs why.
  it.each(['PLAIN', 'SCRAM-SHA-256'])('%s with a wrong password: the connection closes while authenticating', async (mechanism) => {
    const out = await python(mechanism, 'wrong', 'py-sasl-refused', 1);
    expect(out.values).toBeUndefined();
    expect(out.error).toBe('NoBrokersAvailable');
    expect(out.log!.join('\n')).toMatch(/<authenticating>.*Error receiving reply from server/);
    // Failed-login warnings are throttled (one per few seconds), so the first of these tests may have logged for both.
    await broker.waitForLine(/SASL (PLAIN|SCRAM-SHA-256) authentication failed for user "agent" from 127\.0\.0\.1: invalid credentials/);
  }, 120_000);
});

describe('kafkajs over SASL_SSL', () => {
  const client = (mechanism: string, password = PASSWORD) =>
    new Kafka({
      clientId: 'compat-kafkajs-sasl',
      brokers: [`127.0.0.1:${saslPort}`],
      ssl: { ca: [readFileSync(ca, 'utf8')] },
      sasl: { mechanism: mechanism.toLowerCase(), username: 'agent', password } as SASLOptions,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });

  it.each(MECHANISMS)('%s: produces and consumes back through a consumer group', async (mechanism) => {
    const kafka = client(mechanism);
    const topic = `js-sasl-${mechanism.toLowerCase()}`;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `${mechanism}-${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `js-sasl-${mechanism.toLowerCase()}`, rebalanceTimeout: 3000, sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    const all = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.length === 50) resolve();
        },
      });
    });
    await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`consumed ${seen.length} of 50`)), 45_000))]);
    await consumer.disconnect();
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `${mechanism}-${i}`));
  }, 90_000);

  it('a wrong password is refused with SASL_AUTHENTICATION_FAILED', async () => {
    const admin = client('SCRAM-SHA-512', 'wrong').admin();
    const err = await admin.connect().then(() => null, (e: Error & { type?: string }) => e);
    expect(err).not.toBeNull();
    expect(err!.name).toBe('KafkaJSSASLAuthenticationError');
    // kafkajs shows the broker's SASL_AUTHENTICATION_FAILED error message.
    expect(err!.message).toBe('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
  }, 60_000);
});
