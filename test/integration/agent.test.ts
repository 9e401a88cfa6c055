// `tributary agent` as a user runs it, against a real `tributary serve`: appended lines arrive exactly and in order
// per file; kill -9 mid-stream and a restart lose nothing and repeat nothing (the send journal);
// SIGTERM flushes and exits 0 with nothing repeated; memory stays bounded; bad flags are usage errors.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DecodedRecord } from '../../src/protocol/record-decoder.js';
import { startBroker, stopAllBrokers, TRIBUTARY_BIN, type BrokerProcess } from '../helpers/broker-process.js';
import { spawnLines, type LineProcess } from '../helpers/line-process.js';
import { fetchOnce, readRecords } from '../helpers/read-partition.js';
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

function startAgent(args: string[], extraEnv: NodeJS.ProcessEnv = {}): LineProcess {
  const env = { ...process.env, ...extraEnv };
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

  it('kill -9 mid-stream, twice: every line arrives exactly once, in order (the restarted agent is the same idempotent producer)', async () => {
    await ensureBroker();
    const dir = join(tmp, 'crash');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const file = join(dir, 'logs', 'big.log');
    const total = 300_000;
    for (let i = 0; i < total; i += 10_000) appendLines(file, 'big', i, 10_000);
    // Small batches and a small memory bound: many batches are sent, one in flight at a time, so a kill lands between
    // sending a batch and learning whether the broker stored it.
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ maxMemoryBytes: '1MiB', batchMaxBytes: '64KiB' }));
    const args = ['--config', config, '--files', join(dir, 'logs', '*.log'), '--start-at', 'beginning', '--topic', 'it-crash', '--name', 'it-2', '--data-dir', join(dir, 'data')];
    const client = await WireClient.connect(broker.port);
    // The log end offset: cheap enough to poll every few milliseconds.
    const stored = async () => {
      const r = await fetchOnce(client, 'it-crash', 0, 0, 1).catch(() => null);
      return r?.errorCode === 0 ? r.highWatermark : 0;
    };
    let agent = startAgent(args);
    try {
      for (const killAt of [30_000, 120_000]) {
        await waitUntil(`${killAt} lines to arrive`, async () => (await stored()) >= killAt, { timeoutMs: 60_000, intervalMs: 2, details: () => agent.describe() });
        expect((await agent.stop('SIGKILL')).signal).toBe('SIGKILL');
        expect(await stored()).toBeLessThan(total); // really mid-stream
        agent = startAgent(args);
        await waitForStart(agent);
      }
      await waitUntil('every line', async () => (await stored()) >= total, { timeoutMs: 60_000, details: () => agent.describe() });
    } finally {
      client.close();
    }
    await sleep(500); // a line sent twice would show up now
    const seqs = (await topicRecords('it-crash')).map((r) => Number(r.value!.toString().split(' ')[1]));
    const seen = new Uint8Array(total);
    for (const s of seqs) seen[s]!++;
    const duplicated = [...seen.keys()].filter((i) => seen[i]! > 1);
    const missing = [...seen.keys()].filter((i) => seen[i] === 0);
    expect({ duplicated: duplicated.length, firstDuplicated: duplicated.slice(0, 5), missing: missing.length }, agent.describe()).toEqual({ duplicated: 0, firstDuplicated: [], missing: 0 });
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(await agent.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 180_000);

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

  it('keeps its data outside the broker data directory: an old agent-<name> there is moved out, and a broker on that root leaves it alone', async () => {
    await ensureBroker();
    const dir = join(tmp, 'roots');
    const home = join(dir, 'data-home'); // XDG_DATA_HOME: the broker's default root is home/tributary
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const file = join(dir, 'logs', 'app.log');
    const env = { XDG_DATA_HOME: home };
    const common = ['--files', join(dir, 'logs', '*.log'), '--start-at', 'beginning', '--topic', 'it-roots', '--name', 'it-4'];
    // An agent from before: its default data directory was inside the broker's.
    const legacy = join(home, 'tributary', 'agent-it-4');
    appendLines(file, 'app', 0, 100);
    const old = startAgent([...common, '--data-dir', legacy], env);
    await waitUntil('100 lines', async () => (await topicRecords('it-roots')).length >= 100, { timeoutMs: 30_000, details: () => old.describe() });
    expect(await old.stop('SIGTERM')).toMatchObject({ code: 0 });

    appendLines(file, 'app', 100, 100);
    const moved = startAgent(common, env);
    await waitUntil('200 lines', async () => (await topicRecords('it-roots')).length >= 200, { timeoutMs: 30_000, details: () => moved.describe() });
    const agentDir = join(home, 'tributary-agent', 'it-4');
    expect(moved.stderr.join('\n')).toContain(`moved the agent's data directory from ${legacy} (inside the broker's data directory) to ${agentDir}`);
    expect(await moved.stop('SIGTERM')).toMatchObject({ code: 0 });
    expect(existsSync(legacy)).toBe(false);

    // A broker on its default root starts and stops: the agent's files are not in its directory at all.
    const local = await startBroker({ dataDir: join(home, 'tributary') });
    expect((await local.stop()).code).toBe(0);
    expect(readdirSync(join(home, 'tributary')).filter((n) => n.includes('agent'))).toEqual([]);
    expect(existsSync(join(agentDir, 'checkpoint.json'))).toBe(true);

    // And the moved checkpoint still holds: a restart sends nothing again.
    appendLines(file, 'app', 200, 10);
    const again = startAgent(common, env);
    await waitUntil('210 lines', async () => (await topicRecords('it-roots')).length >= 210, { timeoutMs: 30_000, details: () => again.describe() });
    await sleep(300);
    expect((await topicRecords('it-roots')).map((r) => r.value!.toString())).toEqual(Array.from({ length: 210 }, (_, i) => lineText('app', i)));
    expect(await again.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 90_000);

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
