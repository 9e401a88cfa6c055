// Broker CPU per request round trip, measured in-process: one client and the broker share this process, and the
// figure is this process's CPU time per round trip (the client side is the same code for every build compared). CPU
// time, unlike latency, barely moves when other work competes for the cores, so two builds can be compared on a busy
// machine. Usage: node bench/round-trip-cpu.js ROOT [ROUND_TRIPS] [produce|both]
//   ROOT: a checkout with a built dist/ (e.g. . and a worktree of an older commit); both = produce then fetch.
import { pathToFileURL } from 'node:url'; import net from 'node:net'; import os from 'node:os'; import fs from 'node:fs'; import path from 'node:path';
const root = path.resolve(process.argv[2] ?? '.'); const N = Number(process.argv[3] ?? 20000); const MODE = process.argv[4] ?? 'both';
const imp = (p) => import(pathToFileURL(path.join(root, 'dist/src', p)).href);
const { Broker } = await imp('broker/broker.js');
const { loadBrokerConfig } = await imp('broker/config.js');
const { silentLogger } = await imp('common/logger.js').catch(() => imp('broker/logger.js'));
const { buildRecordBatch } = await imp('protocol/record-batch-builder.js');
const { codecFor } = await imp('protocol/schema.js');
const { Writer } = await imp('protocol/writer.js');
const { Reader } = await imp('protocol/reader.js');
const { FrameParser } = await imp('protocol/framing.js');
const { ProduceRequest, ProduceResponse } = await imp('protocol/schemas/produce.js');
const { FetchRequest, FetchResponse } = await imp('protocol/schemas/fetch.js');
const { CreateTopicsRequest } = await imp('protocol/schemas/create-topics.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-'));
const broker = await Broker.start(loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), silentLogger);
const s = net.connect(broker.address().port, '127.0.0.1'); await new Promise((r) => s.once('connect', r)); s.setNoDelay(true);
const parser = new FrameParser(1 << 30); let waiter = null; s.on('data', (d) => { for (const f of parser.push(d)) waiter(f); });
let cid = 1;
function send(def, v, body) { const w = new Writer(); w.int32(0).int16(def.apiKey).int16(v).int32(cid++).nullableString('rt'); codecFor(def, v).encode(w, body); const b = w.toBuffer(); b.writeInt32BE(b.length - 4, 0); return new Promise((res) => { waiter = res; s.write(b); }); }
await send(CreateTopicsRequest, 2, { topics: [{ name: 't', numPartitions: 6, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
const values = Array.from({ length: 10 }, (_, i) => 'x'.repeat(100) + i);
const offs = [0,0,0,0,0,0];
async function once(p) {
  if (MODE !== 'fetch' || offs[p] === 0) await send(ProduceRequest, 7, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: p, records: buildRecordBatch(values.map((value) => ({ value }))) }] }] });
  if (MODE === 'produce') { offs[p] += 10; return; }
  const f = await send(FetchRequest, 11, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 't', partitions: [0,1,2,3,4,5].map((q) => ({ partition: q, currentLeaderEpoch: -1, fetchOffset: offs[q], lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }], forgottenTopicsData: [], rackId: '' });
  if (MODE !== 'fetch') offs[p] += 10;
}
for (let i = 0; i < 2000; i++) await once(i % 6);
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < N; i++) await once(i % 6);
const c = process.cpuUsage(c0); const t = performance.now() - t0;
console.log(`${MODE} ${root}: ${((c.user + c.system) / N).toFixed(1)} µs CPU per round trip, wall ${(t * 1000 / N).toFixed(1)} µs`);
s.destroy(); await broker.stop(); fs.rmSync(dir, { recursive: true, force: true });
