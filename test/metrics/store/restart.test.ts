// A restart resumes from the checkpoint: the open hour is rebuilt from the log, sealed hours are not applied again,
// nothing is counted twice. Once after a clean close, once after kill -9 of a real `tributary serve`.
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, startBroker, stopAllBrokers } from '../../helpers/broker-process.js';
import { append, HOUR, openLogs, openStore, tempDir } from './helpers.js';

const ns = (t: number) => `${t}000000`;
afterAll(() => stopAllBrokers());

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** 360 points at 10 s in a sealed hour two hours ago, and `open` points in the current hour. */
function lines(open: number): { sealed: number; lines: string[] } {
  const sealed = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  const out: string[] = [];
  for (let i = 0; i < 360; i++) out.push(`disk,host=a used=${1000 + i}i,free=${5000 - i}i ${ns(sealed + i * 10_000)}`);
  for (let i = 0; i < open; i++) out.push(`disk,host=a used=${2000 + i}i,free=${4000 - i}i ${ns(now + i)}`);
  return { sealed, lines: out };
}

describe('restart', () => {
  it('after a clean close reads the same, replaying only the open hour', async () => {
    const dir = tempDir();
    const storeDir = path.join(dir, '__metrics');
    const logs = await openLogs(dir);
    const { sealed, lines: all } = lines(50);
    append(logs, 'metrics', all.slice(0, 200));
    append(logs, 'metrics', all.slice(200));
    let store = await openStore(storeDir, logs);
    await store.caughtUp();
    await store.seal();
    const id = store.select('disk', 'used', [])[0]!.id;
    const before = store.readRaw(id, 0, Infinity);
    expect(before.timestamps.length).toBe(410);
    await store.close();
    store = await openStore(storeDir, logs);
    await store.caughtUp();
    expect(store.select('disk', 'used', [])[0]!.id).toBe(id);
    expect(store.stats()).toMatchObject({ pointsApplied: 2 * 50, latePoints: 0, series: 2 });
    expect([...store.readRaw(id, 0, Infinity).values]).toEqual([...before.values]);
    const h = store.readRollups(id, '1h', 0, Infinity);
    expect([...h.timestamps]).toEqual([sealed, Math.floor(Date.now() / HOUR) * HOUR]);
    expect([...h.count]).toEqual([360, 50]);
    // The open hour's increase starts from the last point before it (1359, two hours back).
    expect([...h.increase]).toEqual([359, 2000 - 1359 + 49]);
  });

  it('after kill -9 of serve resumes from its checkpoint without counting twice', async () => {
    assertBuilt();
    const dataDir = tempDir();
    const b = await startBroker({ dataDir });
    const kafka = new Kafka({ clientId: 'mstore-crash', brokers: [`${b.host}:${b.port}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const { sealed, lines: all } = lines(40);
    try {
      for (let i = 0; i < all.length; i += 100) {
        await producer.send({ topic: 'metrics', acks: -1, messages: all.slice(i, i + 100).map((value) => ({ value, headers: { format: 'influx' } })) });
      }
    } finally {
      await producer.disconnect();
    }
    // The store in serve picks the auto-created topic up, seals the old hour and checkpoints: then kill it.
    const manifest = path.join(dataDir, '__metrics', 'manifest.json');
    // A checkpoint that covers the sealed hour's records: a seal pass may run while the producer still sends (the hour
    // sealed with its first points, the rest merged by the next pass), and a kill between that pass's raw part and its
    // checkpoint rightly applies the rest again as late points (merged, not counted twice, but counted as late).
    const applied = () => {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8')).partitions?.['metrics-0']?.applied ?? -1;
      } catch {
        return -1; // being replaced
      }
    };
    await until('the sealed hour and a checkpoint past it', () => fs.existsSync(path.join(dataDir, '__metrics', 'raw', `${sealed}.part`)) && applied() >= 360);
    const cp = JSON.parse(fs.readFileSync(manifest, 'utf8')).partitions['metrics-0'];
    expect(cp.checkpoint).toBeLessThanOrEqual(360);
    await b.kill9();

    const logs = await openLogs(dataDir, {});
    const store = await openStore(path.join(dataDir, '__metrics'), logs);
    await store.caughtUp();
    const id = store.select('disk', 'used', [])[0]!.id;
    const raw = store.readRaw(id, 0, Infinity);
    expect(raw.timestamps.length).toBe(400);
    expect(new Set(raw.timestamps).size).toBe(400);
    expect(store.stats().latePoints).toBe(0);
    // What the log held past the checkpoint was applied again, and only that: the sealed hour's records were skipped.
    expect(store.stats().pointsApplied).toBe(2 * 40);
    expect([...store.readRollups(id, '1h', sealed, sealed + HOUR).count]).toEqual([360]);
    // The sealed hour's minutes are rolled up from its raw part (no 1m part is written while raw is kept).
    expect(fs.readdirSync(path.join(dataDir, '__metrics', '1m')).filter((f) => f.endsWith('.part'))).toEqual([]);
    const minutes = store.readRollups(id, '1m', sealed, sealed + HOUR);
    expect([...minutes.count]).toEqual(Array(60).fill(6));
    expect([...minutes.increase]).toEqual([5, ...Array(59).fill(6)]);
    await store.seal();
    expect([...store.readRollups(id, '1h', 0, Infinity).count]).toEqual([360, 40]);
  });
});
