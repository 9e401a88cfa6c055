// kcat (librdkafka 2.0.2) against a real `tributary serve`: metadata, 100k keyed messages with headers produced and
// consumed back exactly, offset seeks, and every compression codec librdkafka has.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionOf } from '../../src/protocol/record-batch.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { readBatches } from '../helpers/read-partition.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { assertOk, runTool } from '../helpers/run-tool.js';
import { WireClient } from '../helpers/wire-client.js';

const available = requireTools(KCAT);

const N = 100_000;
const HEADERS = ['trace', 'abc-123', 'env', 'test'];
const pad = (n: number) => String(n).padStart(6, '0');

interface KcatJson {
  topic: string;
  partition: number;
  offset: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

describe.skipIf(!available)('kcat / librdkafka 2.0.2', () => {
  let broker: BrokerProcess;
  let tmp: string;
  let inputFile: string;

  const kcat = (args: string[], timeoutMs = 60_000) => runTool('kcat', ['-b', broker.bootstrap, '-m', '15', ...args], { timeoutMs });
  const kcatOk = async (args: string[], timeoutMs?: number) => assertOk(await kcat(args, timeoutMs), `kcat ${args.join(' ')}`);
  const jsonLines = (stdout: string): KcatJson[] => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as KcatJson);
  const produceFile = (topic: string, file: string, extra: string[] = []) =>
    kcatOk(['-P', '-t', topic, '-K', ':', '-H', `${HEADERS[0]}=${HEADERS[1]}`, '-H', `${HEADERS[2]}=${HEADERS[3]}`, ...extra, '-l', file], 120_000);

  beforeAll(async () => {
    broker = await startBroker();
    tmp = mkdtempSync(join(tmpdir(), 'tributary-kcat-'));
    inputFile = join(tmp, 'input.txt');
    const lines: string[] = [];
    for (let i = 0; i < N; i++) lines.push(`key-${pad(i)}:value-${pad(i)}`);
    writeFileSync(inputFile, `${lines.join('\n')}\n`);
    // kcat cannot create topics; use kafkajs's admin for the multi-partition ones.
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'kcat-meta', numPartitions: 3 }, { topic: 'kcat-multi', numPartitions: 4 }], waitForLeaders: false });
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  afterAll(async () => {
    await stopAllBrokers();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('lists the broker, topic and partitions (-L)', async () => {
    const r = await kcatOk(['-L', '-t', 'kcat-meta']);
    expect(r.stdout).toMatch(/ 1 brokers:/);
    expect(r.stdout).toContain(`broker 1 at ${broker.host}:${broker.port} (controller)`);
    expect(r.stdout).toContain('topic "kcat-meta" with 3 partitions:');
    for (let p = 0; p < 3; p++) expect(r.stdout).toContain(`partition ${p}, leader 1, replicas: 1, isrs: 1`);
    expect(r.stdout).not.toMatch(/partition 3,/);
  });

  it('lists metadata as JSON (-L -J), including every topic when none is named', async () => {
    const one = JSON.parse((await kcatOk(['-L', '-J', '-t', 'kcat-meta'])).stdout);
    expect(one.controllerid).toBe(1);
    expect(one.brokers).toEqual([{ id: 1, name: `${broker.host}:${broker.port}` }]);
    expect(one.topics).toHaveLength(1);
    expect(one.topics[0].topic).toBe('kcat-meta');
    expect(one.topics[0].error).toBeUndefined();
    expect(one.topics[0].partitions).toEqual(
      [0, 1, 2].map((p) => ({ partition: p, leader: 1, replicas: [{ id: 1 }], isrs: [{ id: 1 }] })),
    );
    const all = JSON.parse((await kcatOk(['-L', '-J'])).stdout);
    const names = (all.topics as { topic: string }[]).map((t) => t.topic);
    expect(names).toEqual(expect.arrayContaining(['kcat-meta', 'kcat-multi']));
  });

  it('produces 100,000 keyed messages with headers and consumes them back exactly (1 partition, -J)', async () => {
    await produceFile('kcat-100k', inputFile);
    const got = jsonLines((await kcatOk(['-C', '-t', 'kcat-100k', '-e', '-J', '-q'], 120_000)).stdout);
    expect(got).toHaveLength(N);
    for (let i = 0; i < N; i++) {
      const m = got[i]!;
      // Compare field by field only on mismatch, so 100k expects do not dominate the run time.
      if (m.partition !== 0 || m.offset !== i || m.key !== `key-${pad(i)}` || m.payload !== `value-${pad(i)}` || JSON.stringify(m.headers) !== JSON.stringify(HEADERS)) {
        expect(m).toEqual({ ...m, partition: 0, offset: i, key: `key-${pad(i)}`, payload: `value-${pad(i)}`, headers: HEADERS });
      }
    }
  }, 240_000);

  it('consumes from an absolute offset (-o 500 -p 0)', async () => {
    const got = jsonLines((await kcatOk(['-C', '-t', 'kcat-100k', '-p', '0', '-o', '500', '-c', '1000', '-e', '-J', '-q'])).stdout);
    expect(got).toHaveLength(1000);
    expect(got.map((m) => m.offset)).toEqual(Array.from({ length: 1000 }, (_, i) => 500 + i));
    expect(got.map((m) => m.key)).toEqual(Array.from({ length: 1000 }, (_, i) => `key-${pad(500 + i)}`));
  });

  it('consumes relative to the end (-o -10) and nothing from the end (-o end)', async () => {
    const tail = jsonLines((await kcatOk(['-C', '-t', 'kcat-100k', '-o', '-10', '-e', '-J', '-q'])).stdout);
    expect(tail.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => N - 10 + i));
    expect(tail.map((m) => m.payload)).toEqual(Array.from({ length: 10 }, (_, i) => `value-${pad(N - 10 + i)}`));
    const none = await kcatOk(['-C', '-t', 'kcat-100k', '-o', 'end', '-e', '-J', '-q']);
    expect(none.stdout.trim()).toBe('');
    // The end moves with new data: one more message is exactly what -o -1 now returns.
    const extra = await runTool('kcat', ['-b', broker.bootstrap, '-P', '-t', 'kcat-100k', '-K', ':'], { input: 'key-extra:value-extra\n', timeoutMs: 30_000 });
    assertOk(extra, 'kcat -P (one more message)');
    const last = jsonLines((await kcatOk(['-C', '-t', 'kcat-100k', '-o', '-1', '-e', '-J', '-q'])).stdout);
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({ offset: N, key: 'key-extra', payload: 'value-extra' });
  });

  it('spreads 100,000 keyed messages over 4 partitions and reads each exactly once, in order per partition (-f)', async () => {
    await produceFile('kcat-multi', inputFile);
    const out = (await kcatOk(['-C', '-t', 'kcat-multi', '-e', '-q', '-f', '%k %s %h %p %o\\n'], 120_000)).stdout;
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(N);
    const seen = new Set<string>();
    const lastSeq = new Map<number, number>();
    const nextOffset = new Map<number, number>();
    const bad: string[] = [];
    for (const line of lines) {
      const m = /^key-(\d{6}) value-(\d{6}) trace=abc-123,env=test (\d+) (\d+)$/.exec(line);
      if (!m || m[1] !== m[2]) {
        bad.push(line);
        continue;
      }
      const seq = Number(m[1]);
      const partition = Number(m[3]);
      const offset = Number(m[4]);
      if (seen.has(m[1]!)) bad.push(`duplicate ${line}`);
      seen.add(m[1]!);
      if (offset !== (nextOffset.get(partition) ?? 0)) bad.push(`offset gap ${line}`);
      nextOffset.set(partition, offset + 1);
      if (seq <= (lastSeq.get(partition) ?? -1)) bad.push(`out of order ${line}`);
      lastSeq.set(partition, seq);
    }
    expect(bad.slice(0, 10)).toEqual([]);
    expect(seen.size).toBe(N);
    // librdkafka's consistent_random partitioner hashes the keys: every partition gets a share.
    expect([...nextOffset.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const count of nextOffset.values()) expect(count).toBeGreaterThan(N / 8);
  }, 240_000);

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('round-trips %s-compressed batches, stored as sent', async (codec) => {
    const topic = `kcat-${codec}`;
    const count = 5000;
    const file = join(tmp, `${codec}.txt`);
    const lines = Array.from({ length: count }, (_, i) => `key-${pad(i)}:value-${pad(i)} ${codec} ${'x'.repeat(i % 50)}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    await produceFile(topic, file, ['-z', codec, '-p', '0']);
    const got = jsonLines((await kcatOk(['-C', '-t', topic, '-e', '-J', '-q'])).stdout);
    expect(got.map((m) => `${m.key}:${m.payload}`)).toEqual(lines);
    expect(got.map((m) => m.offset)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(got.every((m) => JSON.stringify(m.headers) === JSON.stringify(HEADERS))).toBe(true);
    // What the broker serves is what librdkafka sent: compressed batches, never re-encoded.
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      const { batches, highWatermark } = await readBatches(client, topic, 0);
      expect(highWatermark).toBe(count);
      expect(batches.length).toBeGreaterThan(0);
      // librdkafka 2.0.2 compresses only if the broker's ApiVersions pass its gates: Produce v0 advertised for gzip,
      // snappy and lz4 (librdkafka#4956), FindCoordinator v0 for lz4, Produce v7 + Fetch v10 for zstd. It also sends a
      // batch uncompressed when compressing would not make it smaller (a lone first message), so 'none' may appear;
      // nearly all records must travel in batches of the requested codec.
      const codecs = new Set(batches.map((b) => compressionOf(b.header.attributes)));
      expect([...codecs].filter((c) => c !== 'none' && c !== codec)).toEqual([]);
      const inWanted = batches.filter((b) => compressionOf(b.header.attributes) === codec).reduce((n, b) => n + b.header.recordsCount, 0);
      expect(inWanted).toBeGreaterThanOrEqual(count * 0.9);
      expect(batches.reduce((n, b) => n + b.header.recordsCount, 0)).toBe(count);
    } finally {
      client.close();
    }
  }, 120_000);
});
