// Defect: a real `tributary serve` deleted a local agent's data directory (`<data dir>/agent-web-01`, holding its
// checkpoint and disk buffer) as "no such partition in topics.json", and on a fresh root "rebuilt 1 topic(s) from
// partition directories", inventing topic agent-web. The broker must leave whatever it did not create alone.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { startBroker, stopAllBrokers } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-ownership-'));
afterAll(async () => {
  await stopAllBrokers();
  rmSync(tmp, { recursive: true, force: true });
});

const CHECKPOINT = '{"version":1,"files":[{"path":"/var/log/app.log","offset":4096}]}\n';
const SPOOLED = Buffer.from('spooled batches the broker has not acknowledged yet');

function plantAgentDir(dataDir: string): string {
  const dir = join(dataDir, 'agent-web-01');
  mkdirSync(join(dir, 'spool'), { recursive: true });
  writeFileSync(join(dir, 'checkpoint.json'), CHECKPOINT);
  writeFileSync(join(dir, 'spool', '00000000000000000001.seg'), SPOOLED);
  return dir;
}

function expectAgentDirIntact(dir: string): void {
  expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'spool']);
  expect(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).toBe(CHECKPOINT);
  expect(readFileSync(join(dir, 'spool', '00000000000000000001.seg'))).toEqual(SPOOLED);
}

const topicsIn = (dataDir: string): string[] =>
  (JSON.parse(readFileSync(join(dataDir, '__meta', 'topics.json'), 'utf8')) as { topics: { name: string }[] }).topics.map((t) => t.name).sort();

describe('tributary serve and foreign entries in its data directory', () => {
  it('keeps an agent directory on a fresh root, after topics exist, and when topics.json is rebuilt', async () => {
    const dataDir = join(tmp, 'data');
    mkdirSync(dataDir);
    const agentDir = plantAgentDir(dataDir);

    // 1. Fresh root: nothing to rebuild, nothing invented.
    let broker = await startBroker({ dataDir });
    await broker.waitForLine(/leaving .*agent-web-01 alone/);
    expect([...broker.stdout, ...broker.stderr].some((l) => /rebuilt/.test(l))).toBe(false);
    const client = await WireClient.connect(broker.port, broker.host);
    const res = await client.send(ProduceRequest, ProduceResponse, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'logs', partitionData: [{ index: 0, records: buildRecordBatch([{ value: 'hello' }]) }] }],
    });
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    client.close();
    expect(await broker.stop(), [...broker.stdout, ...broker.stderr].join("\n")).toEqual({ code: 0, signal: null });
    expect(topicsIn(dataDir)).toEqual(['logs']);
    expectAgentDirIntact(agentDir);

    // 2. topics.json exists and has no partition for it: the broker used to remove it here.
    broker = await startBroker({ dataDir });
    await broker.waitForLine(/leaving .*agent-web-01 alone/);
    expect(await broker.stop(), [...broker.stdout, ...broker.stderr].join("\n")).toEqual({ code: 0, signal: null });
    expect(topicsIn(dataDir)).toEqual(['logs']);
    expectAgentDirIntact(agentDir);

    // 3. topics.json lost: only directories holding partition files are adopted.
    rmSync(join(dataDir, '__meta', 'topics.json'));
    broker = await startBroker({ dataDir });
    await broker.waitForLine(/rebuilt 1 topic\(s\) from partition directories \(logs\)/);
    expect(await broker.stop(), [...broker.stdout, ...broker.stderr].join("\n")).toEqual({ code: 0, signal: null });
    expect(topicsIn(dataDir)).toEqual(['logs']);
    expectAgentDirIntact(agentDir);
  }, 90_000);
});
