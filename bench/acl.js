// Issue 11: what ACL checks cost on the produce path. One in-process broker with a SASL_PLAINTEXT listener; two
// connections logged in with PLAIN: `writer`, allowed by a prefixed WRITE ACL among a few hundred others, and `admin`, a
// super user (no ACL lookup). Each round pipelines N single-record Produce requests (acks=1) through one of them and
// measures this process's CPU time (broker and the tiny raw client alike; the client's share is the same for both);
// rounds alternate writer, admin, admin, writer, … so machine load falls on both alike. Then the cached check alone,
// timed in a loop (cachedCheckNs).
//   npm run build && node bench/acl.js            BENCH_REQUESTS=20000 BENCH_ROUNDS=6 BENCH_ACLS=300
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../dist/src/broker/broker.js';
import { loadBrokerConfig } from '../dist/src/broker/config.js';
import { AclStore } from '../dist/src/broker/security/acl-store.js';
import { aclsFilePath, addAcls } from '../dist/src/broker/security/acls-file.js';
import { Authorizer } from '../dist/src/broker/security/authorizer.js';
import { sessionOf } from '../dist/src/broker/security/session.js';
import { scramCredential } from '../dist/src/broker/security/scram.js';
import { usersFilePath, writeUsers } from '../dist/src/broker/security/users-file.js';
import { silentLogger } from '../dist/src/common/logger.js';
import { FrameParser } from '../dist/src/protocol/framing.js';
import { buildRecordBatch } from '../dist/src/protocol/record-batch-builder.js';
import { codecFor, isFlexible } from '../dist/src/protocol/schema.js';
import { ProduceRequest } from '../dist/src/protocol/schemas/produce.js';
import { SaslAuthenticateRequest } from '../dist/src/protocol/schemas/sasl-authenticate.js';
import { SaslHandshakeRequest } from '../dist/src/protocol/schemas/sasl-handshake.js';
import { Writer } from '../dist/src/protocol/writer.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ACLS = Number(process.env.BENCH_ACLS ?? 300);

function frame(def, version, body, correlationId) {
  const w = new Writer();
  w.int32(0).int16(def.apiKey).int16(version).int32(correlationId).nullableString('bench-acl');
  if (isFlexible(def, version)) w.uvarint(0);
  codecFor(def, version).encode(w, body);
  const buf = w.toBuffer();
  buf.writeInt32BE(buf.length - 4, 0);
  return buf;
}

/** A raw connection: writes frames, resolves when `n` responses have come back. */
async function login(port, user) {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const parser = new FrameParser(1 << 30);
  let waiting = null;
  let got = 0;
  socket.on('data', (chunk) => {
    got += parser.push(chunk).length;
    if (waiting && got >= waiting.n) {
      const w = waiting;
      waiting = null;
      w.resolve();
    }
  });
  const exchange = (frames) =>
    new Promise((resolve) => {
      got = 0;
      waiting = { n: frames.length, resolve };
      socket.write(Buffer.concat(frames));
    });
  await exchange([frame(SaslHandshakeRequest, 1, { mechanism: 'PLAIN' }, 1)]);
  await exchange([frame(SaslAuthenticateRequest, 2, { authBytes: Buffer.from(`\0${user}\0${user}-pw`) }, 2)]);
  return { exchange, close: () => socket.destroy() };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-acl-'));
  const users = new Map();
  for (const u of ['writer', 'admin']) users.set(u, { 'SCRAM-SHA-256': await scramCredential('SCRAM-SHA-256', `${u}-pw`, 4096) });
  writeUsers(usersFilePath(dir), users);
  const noise = Array.from({ length: ACLS }, (_, i) => ({
    resourceType: i % 3 === 0 ? 'GROUP' : 'TOPIC', resourceName: `team-${i}`, patternType: i % 2 ? 'PREFIXED' : 'LITERAL',
    principal: `User:user-${i % 50}`, host: '*', operation: 'READ', permission: 'ALLOW',
  }));
  await addAcls(aclsFilePath(dir), [...noise, { resourceType: 'TOPIC', resourceName: 'bench-', patternType: 'PREFIXED', principal: 'User:writer', host: '*', operation: 'WRITE', permission: 'ALLOW' }]);
  const broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'SASL_PLAINTEXT://127.0.0.1:0', file: { diskCheckIntervalMs: 0 } }), silentLogger);
  const port = broker.address().port;
  const records = buildRecordBatch([{ value: Buffer.alloc(100, 0x61) }]);
  const produce = (i) => frame(ProduceRequest, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'bench-acl', partitionData: [{ index: 0, records }] }] }, 100 + i);
  const frames = Array.from({ length: REQUESTS }, (_, i) => produce(i));
  const conns = { acl: await login(port, 'writer'), superuser: await login(port, 'admin') };
  // Warm-up: the topic exists and the JIT has compiled both paths before anything is measured.
  for (let i = 0; i < 3; i++) for (const c of Object.values(conns)) await c.exchange(frames);
  const produced = () => broker.logs.partition('bench-acl', 0).logEndOffset;
  const results = { acl: [], superuser: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['acl', 'superuser'] : ['superuser', 'acl'];
    for (const mode of order) {
      const before = produced();
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await conns[mode].exchange(frames);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      if (produced() - before !== REQUESTS) throw new Error(`${mode}: ${produced() - before} records written, expected ${REQUESTS} (refused?)`);
      results[mode].push({ cpuUsPerRequest: (cpu.user + cpu.system) / REQUESTS, requestsPerSecond: REQUESTS / wall });
    }
  }
  for (const c of Object.values(conns)) c.close();
  await broker.stop();
  const check = await checkAlone(aclsFilePath(dir));
  rmSync(dir, { recursive: true, force: true });
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(results).map(([mode, rs]) => [mode, { cpuUsPerRequest: +median(rs.map((r) => r.cpuUsPerRequest)).toFixed(2), requestsPerSecond: Math.round(median(rs.map((r) => r.requestsPerSecond))) }]),
  );
  const overhead = ((summary.acl.cpuUsPerRequest / summary.superuser.cpuUsPerRequest - 1) * 100).toFixed(1);
  console.log(JSON.stringify({ requests: REQUESTS, rounds: ROUNDS, acls: ACLS + 1, ...summary, aclCpuOverheadPercent: Number(overhead), cachedCheckNs: check, rounds_raw: results }, null, 2));
}

/** The check alone: ns per cached decision, on topic names decoded afresh as a request's are (median of 5 x 1M). */
async function checkAlone(file) {
  const store = await AclStore.open(file, silentLogger, 60_000);
  const authorizer = new Authorizer(store, ['User:admin'], silentLogger);
  const session = sessionOf({ remoteAddress: '127.0.0.1', principal: 'writer', tlsPrincipal: null });
  const encoded = Buffer.from('bench-acl');
  const names = Array.from({ length: 1000 }, () => encoded.toString());
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1_000_000; i++) if (!authorizer.authorize(session, 'WRITE', 'TOPIC', i % 1000 === 0 ? encoded.toString() : names[i % 1000])) throw new Error('refused');
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  store.close();
  return Math.round(runs.sort((a, b) => a - b)[2]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
