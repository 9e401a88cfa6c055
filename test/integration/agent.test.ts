// `tributary agent` as a user runs it, against a real `tributary serve`: appended lines arrive exactly and in order
// per file; kill -9 mid-stream and a restart lose nothing and repeat only one short run of lines (those in flight);
// SIGTERM flushes and exits 0 with nothing repeated; memory stays bounded; bad flags are usage errors.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DecodedRecord } from '../../src/protocol/record-decoder.js';
import { startBroker, stopAllBrokers, TRIBUTARY_BIN, type BrokerProcess } from '../helpers/broker-process.js';
import { spawnLines, type LineProcess } from '../helpers/line-process.js';
import { readRecords } from '../helpers/read-partition.js';
import { runCli } from '../helpers/run-cli.js';
import { sleep, waitUntil } from '../helpers/wait-until.js';
import { WireClient } from '../helpers/wire-client.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-agent-it-'));
const agents: LineProcess[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL', 1000)));
  await stopAllBrokers();
  rmSync(tmp, { recursive: true, force: true });
});

let broker: BrokerProcess;
async function ensureBroker(): Promise<BrokerProcess> {
  broker ??= await startBroker();
  return broker;
}

function startAgent(args: string[]): LineProcess {
  const env = { ...process.env };
  delete env.TRIBUTARY_BOOTSTRAP;
  const agent = spawnLines(process.execPath, [TRIBUTARY_BIN, 'agent', '--bootstrap', broker.bootstrap, '--no-metrics', ...args], { env, name: 'agent' });
  agents.push(agent);
  return agent;
}

async function waitForStart(agent: LineProcess): Promise<void> {
  await waitUntil('the agent to start', () => agent.stderr.some((l) => l.includes('started:')), { timeoutMs: 20_000, details: () => agent.describe() });
}

async function topicRecords(topic: string): Promise<DecodedRecord[]> {
  const client = await WireClient.connect(broker.port);
  try {
    return (await readRecords(client, topic, 0)).records;
  } catch (err) {
    if (/error 3\b/.test((err as Error).message)) return []; // the topic does not exist yet
    throw err;
  } finally {
    client.close();
  }
}

const lineText = (file: string, seq: number) => `${file} ${String(seq).padStart(8, '0')} ${'y'.repeat(70)}`;

function appendLines(path: string, name: string, from: number, count: number): void {
  let text = '';
  for (let i = from; i < from + count; i++) text += `${lineText(name, i)}\n`;
  appendFileSync(path, text);
}

/** Peak RSS of a live process (VmHWM), in MB. */
function peakRssMB(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

describe.runIf(process.platform === 'linux')('tributary agent', () => {
  it('ships lines appended to several files exactly, in order per file, with host, agent and path headers', async () => {
    await ensureBroker();
    const dir = join(tmp, 'exact');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const files = ['a', 'b', 'c'];
    for (const f of files) appendLines(join(dir, 'logs', `${f}.log`), f, 0, 500); // before the agent starts
    const agent = startAgent(['--files', join(dir, 'logs', '*.log'), '--start-at', 'beginning', '--topic', 'it-exact', '--name', 'it-1', '--data-dir', join(dir, 'data')]);
    await waitForStart(agent);
    for (let round = 1; round <= 5; round++) {
      for (const f of files) appendLines(join(dir, 'logs', `${f}.log`), f, round * 500, 500);
      await sleep(50);
    }
    await waitUntil('all 9000 lines', async () => (await topicRecords('it-exact')).length >= 9000, { timeoutMs: 30_000, details: () => agent.describe() });
    await sleep(300); // nothing more may arrive
    const records = await topicRecords('it-exact');
    expect(records).toHaveLength(9000);
    for (const f of files) {
      const path = join(dir, 'logs', `${f}.log`);
      const mine = records.filter((r) => r.key?.toString() === path);
      expect(mine.map((r) => r.value!.toString())).toEqual(Array.from({ length: 3000 }, (_, i) => lineText(f, i)));
      const headers = Object.fromEntries(mine[0]!.headers.map(([k, v]) => [k, v?.toString()]));
      expect(headers).toMatchObject({ agent: 'it-1', path });
      expect(headers.host).toBeTruthy();
    }
    expect(peakRssMB(agent.proc.pid!)).toBeLessThanOrEqual(150);
    expect(await agent.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 60_000);

  it('kill -9 mid-stream and restart: no line lost, and only the lines in flight at the crash are sent twice', async () => {
    await ensureBroker();
    const dir = join(tmp, 'crash');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const file = join(dir, 'logs', 'big.log');
    const total = 150_000;
    for (let i = 0; i < total; i += 10_000) appendLines(file, 'big', i, 10_000);
    // A small memory bound keeps the number of records in flight (hence sent twice after the crash) small and known.
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ maxMemoryBytes: '1MiB', batchMaxBytes: '256KiB' }));
    const args = ['--config', config, '--files', join(dir, 'logs', '*.log'), '--start-at', 'beginning', '--topic', 'it-crash', '--name', 'it-2', '--data-dir', join(dir, 'data')];
    const first = startAgent(args);
    await waitUntil('part of the file to arrive', async () => (await topicRecords('it-crash')).length >= 20_000, { timeoutMs: 30_000, intervalMs: 20, details: () => first.describe() });
    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const beforeRestart = (await topicRecords('it-crash')).length;
    expect(beforeRestart).toBeLessThan(total); // really mid-stream
    // Where the first run's checkpoint says it got to: the second run must start exactly there.
    const checkpoint = JSON.parse(readFileSync(join(dir, 'data', 'checkpoint.json'), 'utf8')) as { files: Record<string, { offset: number }> };
    const committedBytes = Object.values(checkpoint.files)[0]?.offset ?? 0;
    const lineBytes = lineText('big', 0).length + 1;
    expect(committedBytes % lineBytes).toBe(0);
    const committedLines = committedBytes / lineBytes;

    const second = startAgent(args);
    await waitUntil('the rest of the file', async () => new Set((await topicRecords('it-crash')).map((r) => r.value!.toString())).size >= total, {
      timeoutMs: 60_000,
      details: () => second.describe(),
    });
    await sleep(300);
    const seqs = (await topicRecords('it-crash')).map((r) => Number(r.value!.toString().split(' ')[1]));
    // The topic holds 0..k from the first run, then c..total-1 from the second, with c <= k+1: every line, in order,
    // and the repeated lines are one contiguous run (those the first run had sent but not yet checkpointed).
    let k = 0;
    while (k + 1 < seqs.length && seqs[k + 1] === seqs[k]! + 1) k++;
    const restartAt = seqs[k + 1] ?? total;
    expect(seqs.slice(0, k + 1)).toEqual(Array.from({ length: k + 1 }, (_, i) => i));
    expect(seqs.slice(k + 1)).toEqual(Array.from({ length: total - restartAt }, (_, i) => restartAt + i));
    expect(restartAt).toBe(committedLines);
    expect(k + 1).toBe(beforeRestart);
    const duplicates = seqs.length - total;
    expect(duplicates).toBe(beforeRestart - committedLines);
    // Positions are committed per read batch (the tailer's 8,192 lines, ~2 MB encoded here), once the whole batch is
    // acknowledged. Uncommitted at a crash: the batch being acknowledged, one accepted past the 1 MiB memory bound,
    // the one the tailer still delivers after pause(), and acknowledged ones whose checkpoint write is under way.
    expect(duplicates, `${beforeRestart} stored at the kill, ${committedLines} checkpointed`).toBeLessThanOrEqual(5 * 8192);
    expect(await second.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 120_000);

  it('SIGTERM flushes what was read, checkpoints and exits 0; a restart sends every line exactly once', async () => {
    await ensureBroker();
    const dir = join(tmp, 'sigterm');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const file = join(dir, 'logs', 'app.log');
    const args = ['--files', join(dir, 'logs', '*.log'), '--start-at', 'beginning', '--topic', 'it-sigterm', '--name', 'it-3', '--data-dir', join(dir, 'data')];
    const first = startAgent(args);
    await waitForStart(first);
    let written = 0;
    for (; written < 60_000; written += 5000) {
      appendLines(file, 'app', written, 5000);
      await sleep(5);
    }
    const exit = await first.stop('SIGTERM', 20_000);
    expect(exit, first.describe()).toMatchObject({ code: 0 });
    expect(first.stderr.join('\n')).toMatch(/SIGTERM: stopping/);
    expect(first.stderr.join('\n')).toMatch(/agent "it-3" stopped/);
    appendLines(file, 'app', written, 1000);
    written += 1000;

    const second = startAgent(args);
    await waitUntil('every line', async () => (await topicRecords('it-sigterm')).length >= written, { timeoutMs: 30_000, details: () => second.describe() });
    await sleep(300);
    const values = (await topicRecords('it-sigterm')).map((r) => r.value!.toString());
    expect(values).toEqual(Array.from({ length: written }, (_, i) => lineText('app', i)));
    expect(await second.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 60_000);

  it('rejects a configuration with nothing to ship, or a bad size, as a usage error (exit 2)', async () => {
    const nothing = await runCli(['agent', '--no-metrics', '--data-dir', join(tmp, 'unused')]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to ship/);
    const badSize = await runCli(['agent', '--max-buffer', '12 parsecs']);
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toMatch(/--max-buffer.*not a size/);
    const yaml = join(tmp, 'agent.yaml');
    writeFileSync(yaml, 'files: [x]\ntopik: logs\n');
    const badConfig = await runCli(['agent', '--config', yaml]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/unknown key "topik"/);
  }, 30_000);
});
