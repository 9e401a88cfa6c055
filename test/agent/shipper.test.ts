// The shipper against a real `tributary serve`: exact delivery in order per key, a broker outage (stopped, then
// restarted on the same port and data directory) survived through the disk buffer with nothing lost or duplicated,
// the buffer's bound turning into backpressure (saturated), and memory staying bounded while the broker stalls.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/common/logger.js';
import { partitionForKey } from '../../src/client/partitioner.js';
import { Shipper, type ShipperOptions } from '../../src/agent/shipper/index.js';
import type { AgentRecord } from '../../src/collect/record.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/schemas/create-topics.js';
import { compressionOf } from '../../src/protocol/record-batch.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { readBatches, readRecords } from '../helpers/read-partition.js';
import { sleep, waitUntil } from '../helpers/wait-until.js';
import { WireClient } from '../helpers/wire-client.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-shipper-'));
const shippers: Shipper[] = [];
afterAll(async () => {
  await Promise.all(shippers.map((s) => s.close().catch(() => undefined)));
  await stopAllBrokers();
  rmSync(tmp, { recursive: true, force: true });
});

function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (l: string) => (m: string) => lines.push(`${l} ${m}`);
  return { lines, debug: () => 0, info: push('INFO'), warn: push('WARN'), error: push('ERROR') };
}

let dirs = 0;
async function openShipper(bootstrap: string, extra: Partial<ShipperOptions> = {}): Promise<{ shipper: Shipper; log: ReturnType<typeof capture>; spoolDir: string }> {
  const log = capture();
  const spoolDir = extra.spoolDir ?? join(tmp, `spool-${++dirs}`);
  const shipper = await Shipper.open({ bootstrap: [bootstrap], spoolDir, logger: log, retryBackoffMs: 50, retryMaxBackoffMs: 400, connectTimeoutMs: 1000, ...extra });
  shippers.push(shipper);
  return { shipper, log, spoolDir };
}

const record = (key: string, seq: number): AgentRecord => ({
  key,
  value: `${key} line ${String(seq).padStart(7, '0')} ${'x'.repeat(60)}`,
  timestamp: 1_714_564_800_000 + seq,
  headers: { host: 'test-host', agent: 'test-agent', path: key },
});

async function createTopic(broker: BrokerProcess, name: string, partitions: number, configs: Array<{ name: string; value: string }> = []): Promise<void> {
  const client = await WireClient.connect(broker.port);
  try {
    const res = await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(res.topics[0]!.errorCode).toBe(0);
  } finally {
    client.close();
  }
}

/** Every record of the topic, per partition, as "value" strings, plus the keys seen in each partition. */
async function readTopic(port: number, topic: string, partitions: number): Promise<{ values: string[][]; keys: Set<string>[] }> {
  const client = await WireClient.connect(port);
  try {
    const values: string[][] = [];
    const keys: Set<string>[] = [];
    for (let p = 0; p < partitions; p++) {
      const { records } = await readRecords(client, topic, p);
      values.push(records.map((r) => r.value!.toString('utf8')));
      keys.push(new Set(records.map((r) => r.key!.toString('utf8'))));
    }
    return { values, keys };
  } finally {
    client.close();
  }
}

/** Checks that each key's records are all there, once, in order: `expected` is the count per key. */
function expectExactPerKey(values: string[][], expected: Map<string, number>): void {
  const seen = new Map<string, number>();
  for (const partition of values) {
    for (const v of partition) {
      const [key, , seq] = v.split(' ');
      const next = seen.get(key!) ?? 0;
      expect(Number(seq), `${key}: record ${next} out of order or duplicated`).toBe(next);
      seen.set(key!, next + 1);
    }
  }
  expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
}

describe('shipping to a running broker', () => {
  it.each(['none', 'gzip'] as const)('delivers every record exactly once, in order per key, to the partition of its key (compression %s)', async (compression) => {
    const broker = await startBroker();
    const topic = `exact-${compression}`;
    await createTopic(broker, topic, 3);
    const { shipper, log } = await openShipper(broker.bootstrap, { compression, batchMaxRecords: 700 });
    const keys = Array.from({ length: 8 }, (_, i) => `/var/log/app-${i}.log`);
    const counts = new Map(keys.map((k) => [k, 0]));
    const writes: Promise<void>[] = [];
    for (let w = 0; w < 40; w++) {
      const records: AgentRecord[] = [];
      for (let i = 0; i < 500; i++) {
        const key = keys[(w * 7 + i) % keys.length]!;
        records.push(record(key, counts.get(key)!));
        counts.set(key, counts.get(key)! + 1);
      }
      writes.push(shipper.write(topic, records));
      if (writes.length >= 4) await writes.shift();
    }
    await Promise.all(writes);
    expect(shipper.stats()).toMatchObject({ mode: 'direct', memoryBytes: 0, spoolBytes: 0, acknowledgedRecords: 20_000 });

    const { values, keys: partitionKeys } = await readTopic(broker.port, topic, 3);
    expectExactPerKey(values, counts);
    for (let p = 0; p < 3; p++) for (const k of partitionKeys[p]!) expect(partitionForKey(k, 3)).toBe(p);
    const client = await WireClient.connect(broker.port);
    const { batches } = await readBatches(client, topic, 0);
    client.close();
    expect(new Set(batches.map((b) => compressionOf(b.header.attributes)))).toEqual(new Set([compression]));
    expect(batches.every((b) => b.header.producerId >= 0)).toBe(true); // idempotent producer
    expect(log.lines.filter((l) => l.startsWith('INFO connected'))).toHaveLength(1);
    await shipper.close();
  }, 60_000);
});

describe('a batch the broker finds too large', () => {
  it('is halved until it fits, keeping order; a single record that can never fit is dropped with an ERROR line', async () => {
    const broker = await startBroker();
    await createTopic(broker, 'small-batches', 1, [{ name: 'max.message.bytes', value: '3000' }]);
    const { shipper, log } = await openShipper(broker.bootstrap);
    const records = Array.from({ length: 200 }, (_, i) => record('k', i));
    const huge: AgentRecord = { key: 'huge', value: 'h'.repeat(10_000), timestamp: 0, headers: {} };
    await shipper.write('small-batches', [...records.slice(0, 100), huge, ...records.slice(100)]);
    await shipper.write('small-batches', [record('k', 200)]); // the sequence continues after the refused batches
    const { values } = await readTopic(broker.port, 'small-batches', 1);
    expectExactPerKey(values, new Map([['k', 201]]));
    expect(log.lines.join('\n')).toMatch(/too large; sending it in two halves/);
    expect(log.lines.filter((l) => l.startsWith('ERROR'))).toEqual([expect.stringMatching(/^ERROR DROPPED a record of 9\.\d KiB for small-batches-0 \(key huge\): .*max\.message\.bytes/)]);
    await shipper.close();
  }, 60_000);
});

/** Writes `writes` batches of `per` records for one key, `inflight` at a time, calling `between` after each. */
async function writeSequence(shipper: Shipper, topic: string, key: string, writes: number, per: number, between: (w: number) => Promise<void>): Promise<number> {
  let seq = 0;
  const pending: Promise<void>[] = [];
  for (let w = 0; w < writes; w++) {
    const records: AgentRecord[] = [];
    for (let i = 0; i < per; i++) records.push(record(key, seq++));
    pending.push(shipper.write(topic, records));
    if (pending.length >= 2) await pending.shift();
    await between(w);
  }
  await Promise.all(pending);
  return seq;
}

describe('when the broker goes away', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)('buffers on disk, reconnects when it is back on the same port (%s), and loses or duplicates nothing', async (signal) => {
    let broker = await startBroker();
    const { port, dataDir } = broker;
    const topic = `outage-${signal.toLowerCase()}`;
    await createTopic(broker, topic, 2);
    const { shipper, log, spoolDir } = await openShipper(broker.bootstrap, { batchMaxRecords: 300 });
    let offlineWrites = 0;
    const total = await writeSequence(shipper, topic, 'k', 120, 200, async (w) => {
      if (w === 30) {
        await broker.stop(signal);
        // Writes keep resolving while the broker is down: they are fsynced in the spool.
        await waitUntil('the shipper to notice', () => shipper.stats().mode === 'offline', { timeoutMs: 10_000 });
      }
      if (shipper.stats().mode === 'offline') offlineWrites++;
      if (w === 70) {
        expect(shipper.stats().spoolRecords).toBeGreaterThan(0);
        await sleep(1000); // down "for a while"
        broker = await startBroker({ dataDir, args: ['--kafka', `127.0.0.1:${port}`] });
      }
    });
    expect(offlineWrites).toBeGreaterThanOrEqual(30);
    await waitUntil('the spool to drain', () => shipper.stats().mode === 'direct' && shipper.stats().spoolBytes === 0, {
      timeoutMs: 30_000,
      details: () => JSON.stringify(shipper.stats()) + '\n' + log.lines.join('\n'),
    });

    const { values } = await readTopic(port, topic, 2);
    expectExactPerKey(values, new Map([['k', total]]));
    const disconnected = log.lines.filter((l) => /disconnected from broker 127\.0\.0\.1:\d+: .+ — buffering on disk/.test(l));
    const reconnected = log.lines.filter((l) => /reconnected to broker 127\.0\.0\.1:\d+ after \d+ s; sending [\d,]+ buffered records/.test(l));
    expect(disconnected, log.lines.join('\n')).toHaveLength(1);
    expect(reconnected, log.lines.join('\n')).toHaveLength(1);
    await shipper.close();
    // Drained segments are deleted: at most the last (empty-to-the-cursor) one stays.
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.spool')).length).toBeLessThanOrEqual(1);
  }, 60_000);

  it('kill -9 of the broker with batches in flight: retried batches keep their sequence, so the broker drops the copies', async () => {
    let broker = await startBroker();
    const { port, dataDir } = broker;
    await createTopic(broker, 'inflight', 1);
    const { shipper, log } = await openShipper(broker.bootstrap, { batchMaxRecords: 100 });
    let seq = 0;
    let stopWriting = false;
    const writer = (async () => {
      const pending: Promise<void>[] = [];
      while (!stopWriting) {
        const records: AgentRecord[] = [];
        for (let i = 0; i < 250; i++) records.push(record('k', seq++));
        pending.push(shipper.write('inflight', records));
        if (pending.length >= 4) await pending.shift();
        else await sleep(0);
      }
      await Promise.all(pending);
    })();
    for (let round = 0; round < 3; round++) {
      await sleep(300);
      await broker.kill9();
      await sleep(300);
      broker = await startBroker({ dataDir, args: ['--kafka', `127.0.0.1:${port}`] });
      // Back in business before the next kill (a broker takes seconds to start on a loaded machine).
      await waitUntil(`reconnection ${round + 1}`, () => log.lines.filter((l) => l.includes('reconnected to broker')).length > round, {
        timeoutMs: 30_000,
        details: () => log.lines.join('\n'),
      });
    }
    await sleep(300);
    stopWriting = true;
    await writer;
    await waitUntil('the spool to drain', () => shipper.stats().mode === 'direct' && shipper.stats().spoolBytes === 0, {
      timeoutMs: 30_000,
      details: () => JSON.stringify(shipper.stats()) + '\n' + log.lines.join('\n'),
    });
    const { values } = await readTopic(port, 'inflight', 1);
    expectExactPerKey(values, new Map([['k', seq]]));
    expect(log.lines.filter((l) => l.includes('disconnected from broker')).length, log.lines.join('\n')).toBeGreaterThanOrEqual(2);
    await shipper.close();
  }, 120_000); // three broker restarts: slow on a loaded 2-core machine

  it('keeps buffered records across an agent restart and sends them once the broker is up', async () => {
    const broker = await startBroker();
    const { port, dataDir } = broker;
    await broker.stop();
    const spoolDir = join(tmp, 'spool-restart');
    const first = await openShipper(`127.0.0.1:${port}`, { spoolDir });
    expect(first.log.lines.join('\n')).toMatch(/cannot reach broker 127\.0\.0\.1:\d+: connection refused — buffering on disk/);
    const total = await writeSequence(first.shipper, 'restart', 'k', 10, 100, async () => undefined);
    await first.shipper.close();
    expect(first.log.lines.join('\n')).toMatch(/stopped with 1,000 records in the disk buffer/);

    await startBroker({ dataDir, args: ['--kafka', `127.0.0.1:${port}`] });
    const second = await openShipper(`127.0.0.1:${port}`, { spoolDir });
    expect(second.log.lines.join('\n')).toMatch(/connected to broker 127\.0\.0\.1:\d+; sending 1,000 buffered records/);
    // 'direct' means the spool was all handed to the sender, not that the broker has acknowledged it yet.
    await waitUntil('the spool to drain', () => second.shipper.stats().mode === 'direct' && second.shipper.stats().spoolBytes === 0, { timeoutMs: 20_000 });
    const { values } = await readTopic(port, 'restart', 1);
    expectExactPerKey(values, new Map([['k', total]]));
    await second.shipper.close();
  }, 60_000);
});

describe('bounds', () => {
  it('turns a full disk buffer into saturated=true, and emits drain once the broker takes the records', async () => {
    const broker = await startBroker();
    const { port, dataDir } = broker;
    await broker.stop();
    const maxBufferBytes = 1024 * 1024;
    const { shipper, log } = await openShipper(`127.0.0.1:${port}`, { maxBufferBytes, spoolSegmentBytes: 128 * 1024 });
    let seq = 0;
    let writes = 0;
    while (!shipper.saturated) {
      const records: AgentRecord[] = [];
      for (let i = 0; i < 200; i++) records.push(record('k', seq++));
      await shipper.write('bounded', records);
      if (++writes > 1000) throw new Error('never saturated');
    }
    const stats = shipper.stats();
    expect(stats.spoolBytes).toBeGreaterThanOrEqual(maxBufferBytes);
    expect(stats.spoolBytes).toBeLessThan(maxBufferBytes + 64 * 1024); // past the bound by at most one write
    expect(stats.memoryBytes).toBe(0); // offline, nothing is held in memory
    expect(log.lines.join('\n')).toMatch(/disk buffer full \(1(\.\d)? MiB of 1 MiB\) — sources paused/);

    const drained = new Promise<void>((resolve) => shipper.once('drain', resolve));
    await startBroker({ dataDir, args: ['--kafka', `127.0.0.1:${port}`] });
    await drained;
    expect(shipper.saturated).toBe(false);
    await waitUntil('the spool to drain', () => shipper.stats().spoolBytes === 0, { timeoutMs: 20_000 });
    const { values } = await readTopic(port, 'bounded', 1);
    expectExactPerKey(values, new Map([['k', seq]]));
    expect(log.lines.join('\n')).toMatch(/disk buffer has room again — sources resumed/);
    await shipper.close();
  }, 60_000);

  it('holds at most about maxMemoryBytes in memory while the broker stalls', async () => {
    const broker = await startBroker();
    await createTopic(broker, 'stall', 1);
    const maxMemoryBytes = 512 * 1024;
    const { shipper } = await openShipper(broker.bootstrap, { maxMemoryBytes, requestTimeoutMs: 20_000 });
    await shipper.write('stall', [record('k', 0)]); // topic learned, connection open
    broker.proc.kill('SIGSTOP');
    try {
      let seq = 1;
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 100 && !shipper.saturated; i++) {
        const records: AgentRecord[] = [];
        for (let j = 0; j < 100; j++) records.push(record('k', seq++));
        pending.push(shipper.write('stall', records));
        await sleep(1);
      }
      expect(shipper.saturated).toBe(true);
      expect(shipper.stats().memoryBytes).toBeLessThan(maxMemoryBytes + 64 * 1024);
      const drained = new Promise<void>((resolve) => shipper.once('drain', resolve));
      broker.proc.kill('SIGCONT');
      await drained;
      await Promise.all(pending);
      const { values } = await readTopic(broker.port, 'stall', 1);
      expectExactPerKey(values, new Map([['k', seq]]));
    } finally {
      broker.proc.kill('SIGCONT');
    }
    await shipper.close();
  }, 60_000);
});
