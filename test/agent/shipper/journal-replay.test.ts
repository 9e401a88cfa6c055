// The shipper continuing as the last run's producer, against a real `tributary serve`: a batch it was sending when
// it stopped is sent again with the same sequence and the broker drops it if it has it (stores it once if not); a
// broker that rejects the sequences, or another cluster, means a new producer and a warning (at-least-once).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJournal, Shipper, type JournalPlan, type Replay } from '../../../src/agent/shipper/index.js';
import type { FileIdentity } from '../../../src/collect/tail/index.js';
import type { SourcedRecord } from '../../../src/collect/record.js';
import type { Logger } from '../../../src/common/logger.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../../src/protocol/schemas/create-topics.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../../helpers/broker-process.js';
import { readRecords } from '../../helpers/read-partition.js';
import { WireClient } from '../../helpers/wire-client.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-replay-'));
afterAll(async () => {
  await stopAllBrokers();
  rmSync(tmp, { recursive: true, force: true });
});

const FILE: FileIdentity = { fileId: 'f1', path: '/logs/app.log', recordPath: '/logs/app.log', dev: '1', ino: '2', fingerprint: 'x', fingerprintBytes: 256 };
const LINE = 20;
const record = (i: number): SourcedRecord => ({
  key: FILE.recordPath,
  value: `line ${String(i).padStart(14, '0')}`,
  timestamp: 1_714_564_800_000 + i,
  headers: { path: FILE.recordPath },
  position: { fileId: 'f1', path: FILE.path, start: i * LINE, offset: (i + 1) * LINE },
});
const records = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => record(from + i));

function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (l: string) => (m: string) => lines.push(`${l} ${m}`);
  return { lines, debug: () => 0, info: push('INFO'), warn: push('WARN'), error: push('ERROR') };
}

let runs = 0;
async function open(broker: BrokerProcess, journal: string, resume: { plan: JournalPlan; replays: Replay[] } | null) {
  const log = capture();
  const shipper = await Shipper.open({
    bootstrap: [broker.bootstrap],
    spoolDir: join(tmp, `spool-${++runs}`),
    logger: log,
    journal: { file: journal, identify: (id) => (id === 'f1' ? FILE : undefined), resume },
  });
  return { shipper, log };
}

async function createTopic(broker: BrokerProcess, name: string): Promise<void> {
  const client = await WireClient.connect(broker.port);
  try {
    const res = await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    expect(res.topics[0]!.errorCode).toBe(0);
  } finally {
    client.close();
  }
}

async function values(broker: BrokerProcess, topic: string): Promise<string[]> {
  const client = await WireClient.connect(broker.port);
  try {
    return (await readRecords(client, topic, 0)).records.map((r) => r.value!.toString());
  } finally {
    client.close();
  }
}

/** A first run that sends lines [0, n) in batches of 10 and stops cleanly: its journal, read back. */
async function firstRun(broker: BrokerProcess, topic: string, journal: string, n: number): Promise<JournalPlan> {
  const { shipper } = await open(broker, journal, null);
  for (let i = 0; i < n; i += 10) await shipper.write(topic, records(i, i + 10));
  await shipper.close();
  return readJournal(journal).plan!;
}

/** `plan` as if the batch of lines [from, to) had been sent with base sequence `seq` and never acknowledged. */
function inFlight(plan: JournalPlan, topic: string, seq: number, from: number, to: number): { plan: JournalPlan; replays: Replay[] } {
  const batch = { topic, partition: 0, baseSequence: seq, records: to - from, runs: [{ fileId: 'f1', file: FILE, start: from * LINE, end: to * LINE, records: to - from }], spool: null };
  plan.inFlight = [batch];
  plan.next.set(`${topic}\u00000`, seq + to - from);
  return { plan, replays: [{ batch, records: records(from, to) }] };
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => record(i).value as string);

describe('shipper: continuing as the last run\'s producer', () => {
  it('a batch sent again that the broker already has is dropped, and the sequence goes on', async () => {
    const broker = await startBroker();
    await createTopic(broker, 'replay-has');
    const journal = join(tmp, 'j-has');
    const plan = await firstRun(broker, 'replay-has', journal, 30);
    // The last 10 were stored, but the run stopped before it learnt so.
    const { shipper, log } = await open(broker, journal, inFlight(plan, 'replay-has', 20, 20, 30));
    await shipper.replayed[0];
    await shipper.write('replay-has', records(30, 40));
    await shipper.close();
    expect(await values(broker, 'replay-has')).toEqual(expected(40));
    expect(log.lines.join('\n')).toMatch(/continuing as producer \d+ \(epoch 0\): sending the 1 batch\(es\) in flight/);
    expect(log.lines.join('\n')).not.toMatch(/WARN/);
  }, 30_000);

  it('a batch sent again that the broker never got is stored once', async () => {
    const broker = await startBroker();
    await createTopic(broker, 'replay-lost');
    const journal = join(tmp, 'j-lost');
    const plan = await firstRun(broker, 'replay-lost', journal, 30);
    // Lines 30..44 were being sent with sequence 30 when the run stopped; the broker never got them.
    const { shipper, log } = await open(broker, journal, inFlight(plan, 'replay-lost', 30, 30, 45));
    await shipper.replayed[0];
    await shipper.write('replay-lost', records(45, 50));
    await shipper.close();
    expect(await values(broker, 'replay-lost')).toEqual(expected(50));
    expect(log.lines.join('\n')).not.toMatch(/WARN/);
  }, 30_000);

  it('sequences the broker rejects: a new producer epoch, a warning naming the records that may be written twice, nothing lost', async () => {
    const broker = await startBroker();
    await createTopic(broker, 'replay-rejected');
    const journal = join(tmp, 'j-rejected');
    const plan = await firstRun(broker, 'replay-rejected', journal, 30);
    // The journal says lines 30..39 went out with sequence 500: the broker expects 30.
    const { shipper, log } = await open(broker, journal, inFlight(plan, 'replay-rejected', 500, 30, 40));
    await shipper.replayed[0];
    await shipper.write('replay-rejected', records(40, 45));
    await shipper.close();
    expect(await values(broker, 'replay-rejected')).toEqual(expected(45));
    expect(log.lines.join('\n')).toMatch(/WARN .*OUT_OF_ORDER_SEQUENCE_NUMBER.*starting a new producer epoch — at-least-once for the 10 records sent but not acknowledged/);
  }, 30_000);

  it('another cluster: a new producer, and a warning', async () => {
    const first = await startBroker();
    await createTopic(first, 'replay-moved');
    const journal = join(tmp, 'j-moved');
    const plan = await firstRun(first, 'replay-moved', journal, 10);
    const second = await startBroker(); // a new data directory: another cluster id
    await createTopic(second, 'replay-moved');
    const { shipper, log } = await open(second, journal, inFlight(plan, 'replay-moved', 10, 10, 20));
    await shipper.replayed[0];
    await shipper.close();
    expect(await values(second, 'replay-moved')).toEqual(expected(20).slice(10));
    expect(log.lines.join('\n')).toMatch(/WARN the broker belongs to cluster \S+, not \S+ where this agent's producer id \d+ came from; starting a new producer/);
  }, 30_000);
});
