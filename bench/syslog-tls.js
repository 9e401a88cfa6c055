// Issue 11: what TLS costs syslog ingest. One `tributary serve` with a syslog TCP and a syslog TLS listener (RFC 5425,
// the generated certificate); one connection sends N octet-counted RFC 5424 messages (~150 bytes) as fast as the
// socket takes them, and a round ends when the topic holds them all. Rounds interleaved (tcp, tls, tls, tcp, …) so
// machine load falls on both alike; the broker's CPU seconds per round are read from /proc.
//   node bench/syslog-tls.js            BENCH_SYSLOG_MESSAGES=300000 BENCH_ROUNDS=4   (needs `npm run build`)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { corePid, loadAverage, readCpuSeconds } from './broker.js';
import { killAllChildren, sleep, spawnTracked } from './child.js';
import { totalEndOffset } from './kafka.js';

const MESSAGES = Number(process.env.BENCH_SYSLOG_MESSAGES ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const BIN = new URL('../bin/tributary.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'tributary-bench-syslog-tls-'));
const dataDir = join(tmp, 'data');

function frame(seq) {
  const msg = `<134>1 2024-06-15T12:00:00.000Z bench-host bench-app 4242 - - request ${String(seq).padStart(12, '0')} served in 12 ms path=/api/v1/items status=200`;
  return `${Buffer.byteLength(msg)} ${msg}`;
}

/** Writes MESSAGES frames in 64 KiB batches, honouring backpressure; resolves when the last byte is handed over. */
async function send(socket, firstSeq) {
  let seq = firstSeq;
  const end = firstSeq + MESSAGES;
  while (seq < end) {
    let batch = '';
    while (seq < end && batch.length < 64 * 1024) batch += frame(seq++);
    if (!socket.write(batch)) await new Promise((r) => socket.once('drain', r));
  }
  await new Promise((r) => socket.end(r));
}

async function main() {
  const config = join(tmp, 'config.json');
  writeFileSync(config, JSON.stringify({ ingest: { syslog: { tcp: '127.0.0.1:0', tls: '127.0.0.1:0', topic: 'bench-syslog' } } }));
  const broker = spawnTracked(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--http', 'off', '--kafka', '127.0.0.1:0', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  broker.stdout.setEncoding('utf8');
  broker.stdout.on('data', (d) => (out += d));
  for (const t0 = Date.now(); !/syslog tls listener on/.test(out); await sleep(50)) {
    if (Date.now() - t0 > 30_000) throw new Error(`the broker did not start: ${out}`);
  }
  const kafka = `127.0.0.1:${/kafka listener on 127\.0\.0\.1:(\d+)/.exec(out)[1]}`;
  const port = { tcp: Number(/syslog tcp listener on 127\.0\.0\.1:(\d+)/.exec(out)[1]), tls: Number(/syslog tls listener on 127\.0\.0\.1:(\d+)/.exec(out)[1]) };
  const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'));
  const connect = {
    tcp: () => new Promise((resolve, reject) => { const s = netConnect(port.tcp, '127.0.0.1', () => resolve(s)); s.once('error', reject); }),
    tls: () => new Promise((resolve, reject) => { const s = tlsConnect({ port: port.tls, host: '127.0.0.1', ca, servername: 'localhost' }, () => resolve(s)); s.once('error', reject); }),
  };
  const results = { tcp: [], tls: [] };
  let stored = 0;
  const loads = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? ['tcp', 'tls'] : ['tls', 'tcp']) {
      const socket = await connect[mode]();
      const cpu0 = readCpuSeconds(corePid(broker.pid));
      const t0 = process.hrtime.bigint();
      await send(socket, stored);
      stored += MESSAGES;
      for (const deadline = Date.now() + 300_000; (await totalEndOffset(kafka, 'bench-syslog')).total < stored; await sleep(20)) {
        if (Date.now() > deadline) throw new Error(`${mode} round ${round}: not all ${MESSAGES} messages stored in 300 s`);
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      results[mode].push({ mps: MESSAGES / seconds, cpu: readCpuSeconds(corePid(broker.pid)) - cpu0 });
      loads.push(loadAverage());
      console.log(`round ${round} ${mode}: ${Math.round(MESSAGES / seconds)} messages/s, broker CPU ${(readCpuSeconds(corePid(broker.pid)) - cpu0).toFixed(2)} s`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const mode of ['tcp', 'tls']) {
    console.log(`${mode}: median ${Math.round(median(results[mode].map((r) => r.mps)))} messages/s, broker CPU median ${median(results[mode].map((r) => r.cpu)).toFixed(2)} s per ${MESSAGES}`);
  }
  const cost = 1 - median(results.tls.map((r) => r.mps)) / median(results.tcp.map((r) => r.mps));
  console.log(`TLS cost: ${(cost * 100).toFixed(0)} % of plain TCP throughput; load averages during the run: ${loads.map((l) => JSON.stringify(l)).join(' ')}`);
  broker.kill('SIGTERM');
  await new Promise((r) => broker.once('exit', r));
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    killAllChildren();
    rmSync(tmp, { recursive: true, force: true });
  });
