// A real `tributary serve` forwards a topic to another cluster (a second, in-process app, through a connection of its
// config file) and to a rotated file while a producer streams into it; it is killed with SIGKILL mid-stream and
// started again on the same data directory. Every record of the source must reach the remote topic and the files
// exactly once: the positions come from what the targets hold, whatever the kill interrupted.
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/client.js';
import { startBroker, stopAllBrokers } from '../helpers/broker-process.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { byPartition, lastMarks, readTopic, until } from '../flows/flow-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-forward-kill9-'));
let remote: TestApp | undefined;
afterAll(async () => {
  await stopAllBrokers();
  await remote?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function fileLines(base: string): Array<{ partition: number; offset: number; value: string }> {
  const out = [];
  for (let k = 0; k < 1000; k++) {
    const f = k === 0 ? `${base}.ndjson` : `${base}.${k}.ndjson`;
    if (!existsSync(f)) break;
    for (const l of readFileSync(f, 'utf8').split('\n')) if (l) out.push(JSON.parse(l));
  }
  return out;
}

/** Produces batches of 20 until `stop()` or a failure (the kill); returns how many were acknowledged. */
function stream(bootstrap: string): { stop: () => Promise<number> } {
  const client = new KafkaClient({ bootstrap: [bootstrap], clientId: 'forward-kill9-producer', requestTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
  let stopped = false;
  let acked = 0;
  const run = (async () => {
    const producer = client.producer();
    for (let round = 0; !stopped && round < 2_000; round++) {
      try {
        await producer.send('ship', Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `r${round}-${i} ${'z'.repeat(60)}` })));
        acked += 20;
      } catch {
        break;
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await run;
      await client.close().catch(() => undefined);
      return acked;
    },
  };
}

describe('forward across kill -9 of the local serve', () => {
  it('copies every record exactly once to the remote topic and to the files', async () => {
    remote = await startApp();
    const dataDir = join(tmp, 'local');
    const fileBase = join(tmp, 'files', 'ship');
    const config = join(tmp, 'tributary.json');
    writeFileSync(
      config,
      JSON.stringify({
        connections: { central: { bootstrap: remote.kafka } },
        flows: [
          { name: 'out', source: { topic: 'ship' }, target: { kind: 'remote', connection: 'central', topic: 'shipped' } },
          { name: 'tofile', source: { topic: 'ship' }, target: { kind: 'file', path: `${fileBase}.ndjson`, maxBytes: 65536, keep: 1000 } },
        ],
      }),
    );
    let local = await startBroker({ dataDir, args: ['--config', config] });
    const admin = new KafkaClient({ bootstrap: [local.bootstrap], clientId: 'forward-kill9-admin' });
    await admin.admin.createTopic({ name: 'ship', partitions: 3 });
    await admin.close();

    const producer = stream(local.bootstrap);
    // Kill while records flow in and out: some copied, more arriving.
    await until('records on the remote', async () => (await remote!.call('/api/v1/topics/shipped', 200).catch(() => ({ records: 0 }))).records >= 600, 60_000);
    await local.kill9();
    const acked = await producer.stop();
    expect(acked).toBeGreaterThanOrEqual(600);

    local = await startBroker({ dataDir, args: ['--config', config] });
    const more = stream(local.bootstrap);
    await new Promise((r) => setTimeout(r, 500));
    await more.stop();

    const source = await readTopic(local.bootstrap, 'ship');
    expect(source.length).toBeGreaterThanOrEqual(acked); // nothing acknowledged was lost by the kill
    const want = new Map(source.map((r) => [`ship/${r.partition}@${r.offset}`, r.value!.toString()]));
    await until('the remote copy to catch up', async () => (await readTopic(remote!.kafka, 'shipped')).length >= want.size, 90_000);
    await until('the files to catch up', () => fileLines(fileBase).length >= want.size, 90_000);

    const copied = await readTopic(remote.kafka, 'shipped');
    // Partition by partition, in order, each source record once (the stream's values repeat after the restart, so
    // the order is what tells a repeat from a record).
    expect(byPartition(copied, (r) => r.value!.toString())).toEqual(byPartition(source, (r) => r.value!.toString()));
    lastMarks(copied, 'ship', new Map([...byPartition(source, (r) => r.offset)].map(([p, o]) => [p, o[o.length - 1]!])));

    const lines = fileLines(fileBase);
    const lineIds = lines.map((l) => `ship/${l.partition}@${l.offset}`);
    expect(new Set(lineIds).size).toBe(lineIds.length);
    expect(new Map(lines.map((l, i) => [lineIds[i]!, l.value]))).toEqual(want);
    await local.stop();
  }, 240_000);
});
