// Issue 11, our own client: produce throughput over SASL_SSL (SCRAM-SHA-512, the generated CA) next to plaintext,
// through Tributary's client (src/client, what the agent and CLI use), in one process against one `tributary serve`
// with both listeners. Rounds are interleaved (plain, TLS, TLS, plain, …) so machine load falls on both alike; each
// reports records/s and this process's CPU seconds (the client's own cost, TLS encryption included). Then the rate of
// new authenticated connections our client opens, one at a time.
// With BENCH_BASE_DIST=DIR (a build of another commit's src/, e.g. the parent of the TLS/SASL change), its client
// runs plaintext rounds too, interleaved with ours: does plaintext throughput stay where it was?
//   npx tsc -p tsconfig.json && node bench/client-security.js   BENCH_RECORDS=1000000 BENCH_ROUNDS=5 BENCH_BATCH=2000 BENCH_LOGINS=100
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAverage } from './broker.js';
import { sleep, spawnTracked } from './child.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000);
const LOGINS = Number(process.env.BENCH_LOGINS ?? 100);
const BASE = process.env.BENCH_BASE_DIST;
const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/tributary.js');
const PASSWORD = randomBytes(12).toString('hex');
const tmp = mkdtempSync(join(tmpdir(), 'tributary-bench-client-security-'));
const dataDir = join(tmp, 'data');

function run(args, input) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tributary ${args.join(' ')}: ${err}`))));
    c.stdin.end(input);
  });
}

/** One round: RECORDS 100-byte values in batches of BATCH, acks=1, one send at a time (as the CLI's produce). */
async function produceRound(KafkaClient, bootstrap, security, topic) {
  const client = new KafkaClient({ bootstrap: [bootstrap], clientId: 'bench-client-security', security });
  const value = Buffer.alloc(100, 'x');
  const batch = Array.from({ length: BATCH }, (_, i) => ({ key: null, value, partition: i % 6 }));
  try {
    const producer = client.producer({ acks: 1 });
    await producer.send(topic, batch.slice(0, 1)); // connect, log in, learn the topic: not part of the timing
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let sent = 0; sent < RECORDS; sent += BATCH) await producer.send(topic, batch);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { rps: RECORDS / seconds, cpu: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await client.close();
  }
}

/**
 * New authenticated connections per second through our client, one after another: TCP, TLS handshake (the CA read
 * once), ApiVersions, SaslHandshake and SCRAM-SHA-512's two round trips (PBKDF2 on both sides), then close.
 */
async function loginRate(address, security) {
  const { BrokerConnection } = await import(join(ROOT, 'dist/src/client/broker-connection.js'));
  const [host, port] = address.split(':');
  const options = { clientId: 'bench-logins', connectTimeoutMs: 10_000, requestTimeoutMs: 30_000, security };
  const started = performance.now();
  for (let i = 0; i < LOGINS; i++) (await BrokerConnection.open(host, Number(port), options)).close();
  const seconds = (performance.now() - started) / 1000;
  return { logins: LOGINS, perSecond: Math.round(LOGINS / seconds), msEach: +((seconds * 1000) / LOGINS).toFixed(2) };
}

async function main() {
  await run(['users', 'add', 'bench', '--data-dir', dataDir], `${PASSWORD}\n`);
  const broker = spawnTracked(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--http', 'off', '--listeners', 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  broker.stdout.setEncoding('utf8');
  broker.stdout.on('data', (d) => (out += d));
  for (const t0 = Date.now(); !out.includes('kafka TLS clients trust'); await sleep(50)) {
    if (Date.now() - t0 > 30_000) throw new Error(`the broker did not start: ${out}`);
  }
  const plain = `127.0.0.1:${/kafka listener on 127\.0\.0\.1:(\d+) \(PLAINTEXT/.exec(out)[1]}`;
  const secure = `127.0.0.1:${/kafka listener on 127\.0\.0\.1:(\d+) \(SASL_SSL/.exec(out)[1]}`;
  const ca = join(dataDir, 'tls', 'ca.pem');
  const ours = (await import(join(ROOT, 'dist/src/client/client.js'))).KafkaClient;
  const base = BASE ? (await import(join(BASE, 'src/client/client.js'))).KafkaClient : null;
  const modes = {
    plaintext: [ours, plain, undefined],
    sasl_ssl: [ours, secure, { protocol: 'SASL_SSL', ca, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bench', password: PASSWORD } }],
    ...(base ? { plaintext_base: [base, plain, undefined] } : {}),
  };
  const names = Object.keys(modes);
  const admin = new ours({ bootstrap: [plain], clientId: 'bench-admin' });
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const mode of order) {
      const topic = `client-sec-${mode}-${round}`;
      await admin.admin.createTopic({ name: topic, partitions: 6 });
      const r = await produceRound(...modes[mode], topic);
      const stored = [...(await admin.offsets.list(topic, 'latest')).values()].reduce((a, b) => a + b, 0);
      if (stored !== RECORDS + 1) throw new Error(`${mode}: the broker holds ${stored} records, not ${RECORDS + 1}`);
      results[mode].push(r);
      console.log(`round ${round + 1} ${mode}: ${Math.round(r.rps)} rec/s, client CPU ${r.cpu.toFixed(2)} s`);
    }
  }
  await admin.close();
  const logins = await loginRate(secure, modes.sasl_ssl[2]);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = Object.fromEntries(
    names.map((n) => [n, { produceRecordsPerSec: Math.round(median(results[n].map((r) => r.rps))), clientCpuSec: +median(results[n].map((r) => r.cpu)).toFixed(2) }]),
  );
  const cost = (a, b) => `${(100 * (1 - summary[a].produceRecordsPerSec / summary[b].produceRecordsPerSec)).toFixed(1)} %`;
  console.log(
    JSON.stringify(
      {
        records: RECORDS, rounds: ROUNDS, batch: BATCH, load: loadAverage(), summary,
        tlsCost: cost('sasl_ssl', 'plaintext'),
        ...(base ? { plaintextVsBase: cost('plaintext', 'plaintext_base') } : {}),
        logins,
      },
      null,
      2,
    ),
  );
  const exited = new Promise((resolve) => broker.once('close', resolve));
  broker.kill('SIGTERM');
  await exited;
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(tmp, { recursive: true, force: true }));
