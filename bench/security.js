// Issue 11: what TLS and SASL cost. One `tributary serve` with a PLAINTEXT and a SASL_SSL listener (generated CA,
// SCRAM-SHA-256 login); kcat produces N 100-byte records through each and consumes them back, rounds interleaved
// (plain, TLS, TLS, plain, …) so machine load falls on both alike; then the rate of new authenticated connections
// (TLS handshake + SaslHandshake + the two SCRAM round trips), one at a time, from Node.
// Then the handshake rates next to each other, rounds interleaved: plaintext connections (TCP + ApiVersions), TLS
// connections (SSL listener: TLS handshake + ApiVersions), and authenticated SASL_SSL connections with SCRAM-SHA-256
// and SCRAM-SHA-512 — one at a time and 8 at once — with the broker's CPU seconds per connection.
//   node bench/security.js            BENCH_RECORDS=500000 BENCH_ROUNDS=3 BENCH_LOGINS=200
//   BENCH_ONLY=handshakes node bench/security.js     (skip the kcat throughput rounds)
import { spawn } from 'node:child_process';
import { randomBytes, createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { corePid, readCpuSeconds, loadAverage } from './broker.js';
import { findKcat, runCommand, sleep, spawnTracked, killAllChildren } from './child.js';
import { createTopic } from './kafka.js';
import { writeInputFile } from './produce.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 500_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOGINS = Number(process.env.BENCH_LOGINS ?? 200);
const ONLY = process.env.BENCH_ONLY ?? '';
const BIN = new URL('../bin/tributary.js', import.meta.url).pathname;
const PASSWORD = randomBytes(12).toString('hex');

const kcat = findKcat();
const tmp = mkdtempSync(join(tmpdir(), 'tributary-bench-security-'));
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

async function main() {
  await run(['users', 'add', 'bench', '--mechanism', 'all', '--data-dir', dataDir], `${PASSWORD}\n`);
  // The bench user writes and reads every topic (ACLs; see README, Authorization).
  await run(['acls', 'add', '--principal', 'User:bench', '--operation', 'All', '--topic', '*', '--data-dir', dataDir], '');
  const broker = spawnTracked(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--http', 'off', '--listeners', 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The CA line comes after every listener line.
  let out = '';
  broker.stdout.setEncoding('utf8');
  broker.stdout.on('data', (d) => (out += d));
  for (const t0 = Date.now(); !out.includes('kafka TLS clients trust'); await sleep(50)) {
    if (Date.now() - t0 > 30_000) throw new Error(`the broker did not start: ${out}`);
  }
  // The core's pid: `serve` runs again as its own child to get glibc's malloc settings (bin/relaunch.js).
  const brokerPid = corePid(broker.pid);
  const plain = /kafka listener on 127\.0\.0\.1:(\d+) \(PLAINTEXT/.exec(out);
  const secure = /kafka listener on 127\.0\.0\.1:(\d+) \(SASL_SSL/.exec(out);
  const sslOnly = /kafka listener on 127\.0\.0\.1:(\d+) \(SSL,/.exec(out);
  const ca = join(dataDir, 'tls', 'ca.pem');
  const modes = {
    plaintext: ['-b', `127.0.0.1:${plain[1]}`],
    sasl_ssl: ['-b', `127.0.0.1:${secure[1]}`, '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=bench', '-X', `sasl.password=${PASSWORD}`, '-X', `ssl.ca.location=${ca}`],
  };
  if (ONLY === 'handshakes') {
    console.log(JSON.stringify({ load: loadAverage(), handshakes: await handshakeRates(brokerPid, Number(plain[1]), Number(sslOnly[1]), Number(secure[1]), readFileSync(ca)) }, null, 2));
    broker.kill('SIGTERM');
    return;
  }
  const input = writeInputFile(join(tmp, 'values.txt'), RECORDS);
  const results = { plaintext: { produce: [], consume: [] }, sasl_ssl: { produce: [], consume: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['plaintext', 'sasl_ssl'] : ['sasl_ssl', 'plaintext'];
    for (const mode of order) {
      const topic = `sec-${mode}-${round}`;
      await createTopic(`127.0.0.1:${plain[1]}`, topic, 6);
      let cpu = readCpuSeconds(brokerPid);
      const p = await runCommand(kcat.cmd, ['-P', ...modes[mode], '-t', topic, '-X', 'acks=1', '-l', input], { timeoutMs: 600_000, label: `kcat -P ${mode}` });
      results[mode].produce.push({ rps: RECORDS / (p.elapsedMs / 1000), cpu: readCpuSeconds(brokerPid) - cpu });
      cpu = readCpuSeconds(brokerPid);
      let lines = 0;
      const c = await runCommand(kcat.cmd, ['-C', ...modes[mode], '-t', topic, '-e', '-o', 'beginning', '-q', '-X', 'queued.min.messages=1000000'], {
        timeoutMs: 600_000,
        label: `kcat -C ${mode}`,
        onStdout: (d) => {
          for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
        },
      });
      if (lines !== RECORDS) throw new Error(`kcat -C ${mode} read ${lines} records, not ${RECORDS}`);
      results[mode].consume.push({ rps: RECORDS / (c.elapsedMs / 1000), cpu: readCpuSeconds(brokerPid) - cpu });
      console.log(`round ${round + 1} ${mode}: produce ${Math.round(results[mode].produce.at(-1).rps)} rec/s, consume ${Math.round(results[mode].consume.at(-1).rps)} rec/s`);
    }
  }
  const logins = await handshakeRates(brokerPid, Number(plain[1]), Number(sslOnly[1]), Number(secure[1]), readFileSync(ca));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = {};
  for (const mode of Object.keys(results)) {
    summary[mode] = {
      produceRecordsPerSec: Math.round(median(results[mode].produce.map((r) => r.rps))),
      produceBrokerCpuSec: +median(results[mode].produce.map((r) => r.cpu)).toFixed(2),
      consumeRecordsPerSec: Math.round(median(results[mode].consume.map((r) => r.rps))),
      consumeBrokerCpuSec: +median(results[mode].consume.map((r) => r.cpu)).toFixed(2),
    };
  }
  const cost = (k) => `${(100 * (1 - summary.sasl_ssl[k] / summary.plaintext[k])).toFixed(1)} %`;
  console.log(JSON.stringify({ records: RECORDS, rounds: ROUNDS, kcat: kcat.version, load: loadAverage(), summary, tlsCost: { produce: cost('produceRecordsPerSec'), consume: cost('consumeRecordsPerSec') }, logins }, null, 2));
  broker.kill('SIGTERM');
}

/**
 * New connections per second of each kind, one after another and PARALLEL at once, rounds interleaved (the order
 * reversed every round) so machine load falls on all alike; medians of ROUNDS, and the broker's CPU per connection.
 */
async function handshakeRates(pid, plainPort, sslPort, saslPort, ca) {
  const PARALLEL = 8;
  const kinds = {
    plaintext: () => apiVersionsOver(netConnect({ host: '127.0.0.1', port: plainPort }), 'connect'),
    tls: () => apiVersionsOver(tlsConnect({ host: '127.0.0.1', port: sslPort, ca }), 'secureConnect'),
    sasl_ssl_scram256: () => login(saslPort, ca, 'sha256'),
    sasl_ssl_scram512: () => login(saslPort, ca, 'sha512'),
  };
  const runs = {};
  for (const k of Object.keys(kinds)) runs[k] = { sequential: [], parallel: [], cpuMsEach: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = Object.keys(kinds);
    if (round % 2 === 1) order.reverse();
    for (const k of order) {
      const cpu0 = readCpuSeconds(pid);
      let t0 = performance.now();
      for (let i = 0; i < LOGINS; i++) await kinds[k]();
      runs[k].sequential.push(LOGINS / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: PARALLEL }, async () => {
        while (next++ < LOGINS) await kinds[k]();
      }));
      runs[k].parallel.push(LOGINS / ((performance.now() - t0) / 1000));
      runs[k].cpuMsEach.push(((readCpuSeconds(pid) - cpu0) * 1000) / (2 * LOGINS));
      console.log(`round ${round + 1} ${k}: ${Math.round(runs[k].sequential.at(-1))}/s one at a time, ${Math.round(runs[k].parallel.at(-1))}/s ${PARALLEL} at once, broker ${runs[k].cpuMsEach.at(-1).toFixed(2)} ms CPU each`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const out = { connectionsPerKindAndRound: 2 * LOGINS, parallel: PARALLEL };
  for (const [k, r] of Object.entries(runs)) {
    out[k] = { sequentialPerSec: Math.round(median(r.sequential)), parallelPerSec: Math.round(median(r.parallel)), brokerCpuMsEach: +median(r.cpuMsEach).toFixed(2) };
  }
  return out;
}

/** ApiVersions v0 on a fresh connection (plain or TLS), then close: the cheapest full round trip a client makes. */
function apiVersionsOver(socket, readyEvent) {
  return new Promise((resolve, reject) => {
    socket.once(readyEvent, () => socket.write(frame(18, 0, 1, Buffer.alloc(0), false)));
    let buf = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.destroy();
        resolve();
      }
    });
  });
}

function frame(apiKey, version, correlationId, body, flexible) {
  const client = Buffer.from('bench');
  const head = Buffer.alloc(14);
  head.writeInt16BE(apiKey, 4);
  head.writeInt16BE(version, 6);
  head.writeInt32BE(correlationId, 8);
  head.writeInt16BE(client.length, 12);
  const out = Buffer.concat([head, client, flexible ? Buffer.from([0]) : Buffer.alloc(0), body]);
  out.writeInt32BE(out.length - 4, 0);
  return out;
}
const str16 = (s) => { const b = Buffer.from(s); const h = Buffer.alloc(2); h.writeInt16BE(b.length); return Buffer.concat([h, b]); };
/** Unsigned varint, as compact lengths are written (a SCRAM-SHA-512 client-final is over 127 bytes). */
const uvarint = (n) => {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
};
const compactBytes = (b) => Buffer.concat([uvarint(b.length + 1), b, Buffer.from([0])]); // + the request's tagged fields

function login(port, ca, hash = 'sha256') {
  const size = hash === 'sha256' ? 32 : 64;
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
      s.write(frame(17, 1, 1, str16(hash === 'sha256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512'), false));
    });
    const nonce = randomBytes(18).toString('base64');
    let buf = Buffer.alloc(0);
    let step = 0;
    let serverSignature = '';
    s.on('error', reject);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const f = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + f.length);
        if (step === 0) {
          s.write(frame(36, 2, 2, compactBytes(Buffer.from(`n,,n=bench,r=${nonce}`)), true));
        } else {
          // header: correlation id, tagged fields; body: error_code, compact nullable string, compact bytes, …
          let o = 5;
          const err = f.readInt16BE(o);
          o += 2;
          const varint = () => {
            let n = 0;
            for (let shift = 0; ; shift += 7) {
              const b = f[o++];
              n |= (b & 0x7f) << shift;
              if (b < 0x80) return n;
            }
          };
          const msgLen = varint() - 1;
          if (msgLen > 0) o += msgLen;
          const len = varint() - 1;
          const bytes = f.subarray(o, o + len).toString();
          if (err !== 0) return reject(new Error(`login failed: ${err}`));
          if (step === 1) {
            const attrs = Object.fromEntries(bytes.split(',').map((p) => [p[0], p.slice(2)]));
            const salted = pbkdf2Sync(PASSWORD, Buffer.from(attrs.s, 'base64'), Number(attrs.i), size, hash);
            const clientKey = createHmac(hash, salted).update('Client Key').digest();
            const withoutProof = `c=biws,r=${attrs.r}`;
            const auth = `n=bench,r=${nonce},${bytes},${withoutProof}`;
            const sig = createHmac(hash, createHash(hash).update(clientKey).digest()).update(auth).digest();
            serverSignature = createHmac(hash, createHmac(hash, salted).update('Server Key').digest()).update(auth).digest('base64');
            const proof = Buffer.from(clientKey.map((b, j) => b ^ sig[j])).toString('base64');
            s.write(frame(36, 2, 3, compactBytes(Buffer.from(`${withoutProof},p=${proof}`)), true));
          } else {
            if (bytes !== `v=${serverSignature}`) return reject(new Error('server signature mismatch'));
            s.destroy();
            return resolve();
          }
        }
        step++;
      }
    });
  });
}

main()
  .catch((e) => {
    console.error(e.stack ?? e.message);
    process.exitCode = 1;
  })
  .finally(() => {
    killAllChildren();
    rmSync(tmp, { recursive: true, force: true });
  });
