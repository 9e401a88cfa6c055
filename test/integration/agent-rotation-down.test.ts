// `tributary agent` killed with -9 while a writer goes on and logrotate rotates the log several times, alternately by
// rename and by copytruncate (two of the copies gzip-compressed at once), with the rotated names outside the agent's
// globs. After the restart every line must arrive once, in the order it was written. Issue 7: before, a restarted
// agent never saw the rotated files and lost every rotation that happened while it was down (and sent the batches in
// flight at the kill twice).
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBroker, stopAllBrokers, TRIBUTARY_BIN, type BrokerProcess } from '../helpers/broker-process.js';
import { spawnLines, type LineProcess } from '../helpers/line-process.js';
import { readRecords } from '../helpers/read-partition.js';
import { rotate, type RotationKind } from '../helpers/rotate-log.js';
import { sleep, waitUntil } from '../helpers/wait-until.js';
import { WireClient } from '../helpers/wire-client.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-agent-rot-'));
const agents: LineProcess[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL', 1000)));
  await stopAllBrokers();
  rmSync(tmp, { recursive: true, force: true });
});

const TOPIC = 'it-rotation-down';
const PER_ROTATION = 5000;
const TOTAL = 40_000;
const text = (i: number) => `${String(i).padStart(8, '0')} ${'r'.repeat(24)}\n`;

function write(file: string, from: number, to: number): void {
  let s = '';
  for (let i = from; i < to; i++) s += text(i);
  appendFileSync(file, s);
}

/** Line numbers in the topic, in topic order (one partition: every line has the same key). */
async function stored(broker: BrokerProcess): Promise<number[]> {
  const client = await WireClient.connect(broker.port);
  try {
    return (await readRecords(client, TOPIC, 0)).records.map((r) => Number(r.value!.toString().slice(0, 8)));
  } catch (err) {
    if (/error 3\b/.test((err as Error).message)) return [];
    throw err;
  } finally {
    client.close();
  }
}

describe.runIf(process.platform === 'linux')('tributary agent: rotations while it is down', () => {
  it('kill -9, then rename and copytruncate rotations (some gzipped) while down: every line arrives once, in order', async () => {
    const broker = await startBroker();
    const dir = join(tmp, 'run');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const file = join(dir, 'logs', 'app.log');
    const args = [TRIBUTARY_BIN, 'agent', '--bootstrap', broker.bootstrap, '--no-metrics', '--files', join(dir, 'logs', '*.log'), '--start-at', 'beginning', '--topic', TOPIC, '--name', 'rot', '--data-dir', join(dir, 'data')];
    const start = (): LineProcess => {
      const a = spawnLines(process.execPath, args, { name: 'agent' });
      agents.push(a);
      return a;
    };
    const arrived = async (n: number, agent: LineProcess): Promise<void> =>
      waitUntil(`${n} distinct lines`, async () => new Set(await stored(broker)).size >= n, { timeoutMs: 60_000, intervalMs: 100, details: () => agent.describe() });

    // Running: one rename rotation under the agent's eyes, then a burst it has not finished reading when it is killed.
    const first = start();
    await waitUntil('the agent to start', () => first.stderr.some((l) => l.includes('started:')), { timeoutMs: 30_000, details: () => first.describe() });
    write(file, 0, PER_ROTATION);
    await arrived(1, first); // it has the file open: a rename cannot hide it any more
    rotate(file, 'rename');
    write(file, PER_ROTATION, 8000);
    await arrived(6000, first);
    write(file, 8000, 2 * PER_ROTATION);
    expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');

    // Down: four rotations, alternating copytruncate and rename, two of the copies compressed at once.
    const whileDown: Array<[RotationKind, boolean]> = [
      ['copytruncate', true],
      ['rename', false],
      ['copytruncate', false],
      ['rename', true],
    ];
    let next = 2 * PER_ROTATION;
    for (const [kind, compress] of whileDown) {
      rotate(file, kind, { compress });
      write(file, next, next + PER_ROTATION);
      next += PER_ROTATION;
    }
    expect(readdirSync(join(dir, 'logs')).filter((n) => n.endsWith('.gz')).length).toBe(2);

    // Up again: the rest, with one more copytruncate while it runs.
    const second = start();
    await arrived(next, second);
    rotate(file, 'copytruncate');
    write(file, next, TOTAL);
    await arrived(TOTAL, second);
    await sleep(500); // anything sent twice would show up now

    const seqs = await stored(broker);
    const seen = new Uint8Array(TOTAL);
    for (const s of seqs) seen[s]!++;
    const missing = [...seen.keys()].filter((i) => seen[i] === 0);
    expect(missing.slice(0, 20), `${missing.length} missing\n${second.describe()}`).toEqual([]);
    const twice = [...seen.keys()].filter((i) => seen[i]! > 1);
    expect(twice.slice(0, 20), `${twice.length} written twice\n${second.describe()}`).toEqual([]);
    // In order per file: every PER_ROTATION lines are one file, and within it each line's first copy comes after the
    // previous line's. (Across a rename under the agent's eyes the old file's rest and the new file are read side by
    // side, as before.) From the kill on, across files too: the files rotated while it was down come oldest first.
    const at = new Int32Array(TOTAL).fill(-1);
    seqs.forEach((s, i) => {
      if (at[s] === -1) at[s] = i;
    });
    const wrong = [...at.keys()].find((s) => (s % PER_ROTATION !== 0 || s >= 2 * PER_ROTATION) && at[s]! < at[s - 1]!);
    expect(wrong, `line ${wrong} came before ${wrong! - 1}\n${second.stderr.join('\n')}`).toBeUndefined();
    expect(second.stderr.join('\n')).toMatch(/reading .* from .*app\.log\.\d+\.gz \(gzip\), rotated while the agent was down/);
    expect(await second.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 180_000);
});
