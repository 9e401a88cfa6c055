// Follow against a second `tributary serve` as the remote cluster (the only Kafka-compatible server here): topics
// matching a prefix are copied into `<connection>.<topic>` at their own offsets, across a remote restart and a local
// kill -9, with every record exactly once. kcat writes to the remote and reads both sides.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { assertOk, runTool } from '../helpers/run-tool.js';

const available = requireTools(KCAT);

interface Row {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  ts: number;
}

/** Every record of a topic as kcat sees it, in partition and offset order. */
async function rows(bootstrap: string, topic: string): Promise<Row[]> {
  const r = await runTool('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-J', '-m', '10'], { timeoutMs: 60_000 });
  if (r.code !== 0) return [];
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row)
    .map(({ partition, offset, key, payload, ts }) => ({ partition, offset, key, payload, ts }))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

async function produce(bootstrap: string, topic: string, from: number, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `host-${(from + i) % 5}|{"n":${from + i},"msg":"line ${from + i}"}`);
  assertOk(await runTool('kcat', ['-P', '-b', bootstrap, '-t', topic, '-K', '|'], { input: `${lines.join('\n')}\n`, timeoutMs: 60_000 }), 'kcat -P');
}

/** Polls until the local copy holds exactly what the remote topic holds (bounded: 90 s). */
async function waitForCopy(remote: BrokerProcess, local: BrokerProcess, topic: string, expected: number): Promise<Row[]> {
  const deadline = Date.now() + 90_000;
  let got: Row[] = [];
  while (Date.now() < deadline) {
    got = await rows(local.bootstrap, `upstream.${topic}`);
    if (got.length >= expected) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const want = await rows(remote.bootstrap, topic);
  expect(want).toHaveLength(expected);
  expect(got).toEqual(want);
  return got;
}

function configFor(dir: string, remote: BrokerProcess): string {
  const file = join(dir, 'follow.json');
  writeFileSync(file, JSON.stringify({ connections: { upstream: { bootstrap: remote.bootstrap, follow: ['app-*'], group: 'follow-test' } } }));
  return file;
}

describe.skipIf(!available)('follow a remote cluster', () => {
  afterAll(async () => {
    await stopAllBrokers();
  });

  it('copies matching topics exactly once across a remote restart and a local kill -9', async () => {
    let remote = await startBroker();
    const remotePort = remote.port;
    assertOk(await runTool('kcat', ['-b', remote.bootstrap, '-L']), 'kcat -L'); // up
    await produce(remote.bootstrap, 'app-logs', 0, 1500);
    await produce(remote.bootstrap, 'other', 0, 10); // not followed
    let local = await startBroker({ args: ['--config', configFor(remote.dataDir, remote)] });
    await waitForCopy(remote, local, 'app-logs', 1500);
    expect(await rows(local.bootstrap, 'upstream.other')).toEqual([]);

    // A topic created later that matches the prefix is picked up (the topic list is read again after errors too).
    // The remote goes away and comes back on the same address: the copy carries on.
    await remote.stop();
    await new Promise((r) => setTimeout(r, 1500));
    remote = await startBroker({ dataDir: remote.dataDir, args: ['--kafka', `127.0.0.1:${remotePort}`] });
    await produce(remote.bootstrap, 'app-logs', 1500, 700);
    await produce(remote.bootstrap, 'app-audit', 0, 50);
    await waitForCopy(remote, local, 'app-logs', 2200);
    await waitForCopy(remote, local, 'app-audit', 50);

    // kill -9 while records stream in: the copy resumes from its own log's end, nothing lost or doubled.
    const writer = (async () => {
      for (let round = 0; round < 8; round++) await produce(remote.bootstrap, 'app-logs', 2200 + round * 250, 250);
    })();
    await new Promise((r) => setTimeout(r, 700));
    await local.kill9();
    await writer;
    local = await startBroker({ dataDir: local.dataDir, args: ['--config', configFor(remote.dataDir, remote)] });
    const copy = await waitForCopy(remote, local, 'app-logs', 4200);
    expect(new Set(copy.map((r) => `${r.partition}:${r.offset}`)).size).toBe(4200);

    // The remote sees an ordinary consumer group with this copy's positions.
    const groups = await runTool('kcat', ['-b', remote.bootstrap, '-L', '-J']);
    expect(groups.code).toBe(0);
    const deadline = Date.now() + 30_000;
    let lag = '';
    while (Date.now() < deadline) {
      const r = await runTool(process.execPath, [join(import.meta.dirname, '../../bin/tributary.js'), 'groups', 'describe', '--group', 'follow-test', '--bootstrap', remote.bootstrap, '--format', 'json'], { timeoutMs: 30_000 });
      lag = r.stdout;
      if (r.code === 0 && /"lag":\s*0\b/.test(r.stdout) && !/"lag":\s*[1-9]/.test(r.stdout)) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    expect(lag).toMatch(/app-logs/);
    expect(lag).not.toMatch(/"lag":\s*[1-9]/);
  }, 300_000);
});
