// The file target's durability against real files: no write is acknowledged (so no position recorded past it) before
// an fsync that covers its lines, the fsyncs are shared by the partitions writing at once, a created or rotated file's
// directory is synced too, and a torn tail (a kill in mid-write, or the zeros a power loss can leave) is cut off on
// open with the resume positions taken from the last complete lines. Every fsync of the process is observed by
// wrapping FileHandle's sync and noting, just before it runs, what it covers (the file's inode and size).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTarget, rotatedName } from '../../src/flows/file-target.js';
import type { FlowRecord } from '../../src/flows/target.js';
import { assertBuilt } from '../helpers/broker-process.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tributary-file-durability-'));
  dirs.push(d);
  return d;
}

interface SyncSeen {
  ino: number;
  dir: boolean;
  size: number;
}
let seen: SyncSeen[] = [];
let delayMs = 0;
let restore: () => void = () => undefined;

beforeEach(async () => {
  seen = [];
  delayMs = 0;
  const probe = await fsp.open(tempDir(), 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: (this: fsp.FileHandle) => Promise<void> };
  await probe.close();
  const original = proto.sync;
  proto.sync = async function (this: fsp.FileHandle) {
    const st = await this.stat();
    // A slow disk: writes that finish meanwhile must share the next fsync rather than each wait for one of their own.
    if (delayMs > 0 && !st.isDirectory()) await new Promise((r) => setTimeout(r, delayMs));
    await original.call(this);
    seen.push({ ino: st.ino, dir: st.isDirectory(), size: st.size });
  };
  restore = () => {
    proto.sync = original;
  };
});
afterEach(() => restore());

/** The largest size of the file `ino` that a completed fsync covered. */
const syncedSize = (ino: number) => Math.max(0, ...seen.filter((s) => s.ino === ino && !s.dir).map((s) => s.size));
const dirSyncs = (path: string) => seen.filter((s) => s.dir && s.ino === statSync(path).ino).length;

function records(partition: number, from: number, n: number, pad = 40): FlowRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    topic: 'src',
    partition,
    offset: from + i,
    timestamp: 1_764_700_000_000 + from + i,
    key: null,
    value: Buffer.from(`p${partition} o${from + i} ${'x'.repeat(pad)}`),
    headers: [],
  }));
}

/** Every line of the target's files, oldest first. */
function allLines(file: string, keep: number): Array<{ partition: number; offset: number }> {
  const out: Array<{ partition: number; offset: number }> = [];
  for (let k = keep - 1; k >= 0; k--) {
    let text: string;
    try {
      text = readFileSync(rotatedName(file, k), 'utf8');
    } catch {
      continue;
    }
    for (const l of text.split('\n').filter(Boolean)) out.push(JSON.parse(l));
  }
  return out;
}

describe('file target durability', () => {
  it('acknowledges a write only once an fsync covered its lines, sharing fsyncs between partitions, and syncs new directories and rotations', async () => {
    const root = tempDir();
    const file = join(root, 'nested', 'deeper', 'out.ndjson');
    const keep = 100;
    const target = new FileTarget(file, 'src', 64 * 1024, keep);
    expect(await target.open(6)).toEqual(new Map());
    // The two directories created and the file's entry reached the disk before anything was written.
    expect(dirSyncs(root)).toBeGreaterThanOrEqual(1);
    expect(dirSyncs(join(root, 'nested'))).toBeGreaterThanOrEqual(1);
    expect(dirSyncs(join(root, 'nested', 'deeper'))).toBeGreaterThanOrEqual(1);

    delayMs = 20;
    const BATCHES = 15;
    const PER_BATCH = 40;
    let writes = 0;
    const unsynced: string[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, p) => {
        for (let b = 0; b < BATCHES; b++) {
          const batch = records(p, b * PER_BATCH, PER_BATCH);
          await target.write(p, batch);
          writes++;
          // The batch's last line, wherever rotation put it, must lie within what an fsync of that file covered.
          const last = batch[batch.length - 1]!.offset;
          let found = false;
          for (let k = 0; k < keep && !found; k++) {
            const f = rotatedName(file, k);
            let text: string;
            try {
              text = readFileSync(f, 'utf8');
            } catch {
              break;
            }
            const at = text.indexOf(`"partition":${p},"offset":${last},`);
            if (at < 0) continue;
            found = true;
            const end = Buffer.byteLength(text.slice(0, text.indexOf('\n', at) + 1));
            if (syncedSize(statSync(f).ino) < end) unsynced.push(`p${p} batch ${b} in ${f}`);
          }
          if (!found) unsynced.push(`p${p} batch ${b} not found`);
        }
      }),
    );
    expect(unsynced).toEqual([]);
    const fileSyncs = seen.filter((s) => !s.dir).length;
    expect(writes).toBe(6 * BATCHES);
    // Shared: with 6 partitions writing during each slow fsync, far fewer fsyncs than writes.
    expect(fileSyncs).toBeLessThan(writes / 2);

    // Rotated files were synced whole before being renamed, and the directory after each rotation.
    const rotated = readdirSync(join(root, 'nested', 'deeper')).filter((n) => /^out\.\d+\.ndjson$/.test(n));
    expect(rotated.length).toBeGreaterThan(2);
    for (const n of rotated) {
      const st = statSync(join(root, 'nested', 'deeper', n));
      expect(syncedSize(st.ino)).toBe(st.size);
    }
    expect(dirSyncs(join(root, 'nested', 'deeper'))).toBeGreaterThanOrEqual(rotated.length + 1);
    await target.close();

    const lines = allLines(file, keep);
    expect(lines).toHaveLength(6 * BATCHES * PER_BATCH);
    const reopened = new FileTarget(file, 'src', 64 * 1024, keep);
    expect(await reopened.open(6)).toEqual(new Map(Array.from({ length: 6 }, (_, p) => [p, BATCHES * PER_BATCH])));
    await reopened.close();
  }, 60_000);

  it('cuts a torn tail (a partial line, or the zeros a power loss can leave) and resumes after the last complete line of each partition', async () => {
    const root = tempDir();
    const file = join(root, 'out.ndjson');
    let target = new FileTarget(file, 'src', 1 << 20, 3);
    await target.open(2);
    await target.write(0, records(0, 0, 10));
    await target.write(1, records(1, 0, 7));
    await target.close();
    const complete = statSync(file).size;

    // A partial line naming a later offset must not count as a position, nor stay in the file.
    appendFileSync(file, '{"topic":"src","partition":0,"offset":10,"timestamp":17647');
    target = new FileTarget(file, 'src', 1 << 20, 3);
    expect(await target.open(2)).toEqual(new Map([[0, 10], [1, 7]]));
    expect(statSync(file).size).toBe(complete);
    await target.write(0, records(0, 10, 5));
    await target.close();

    // Zeros where the last lines were (the size reached the disk, the data did not).
    const before = statSync(file).size;
    appendFileSync(file, Buffer.alloc(300));
    target = new FileTarget(file, 'src', 1 << 20, 3);
    expect(await target.open(2)).toEqual(new Map([[0, 15], [1, 7]]));
    expect(statSync(file).size).toBe(before);
    await target.write(1, records(1, 7, 3));
    await target.close();

    const lines = allLines(file, 3);
    const ids = lines.map((l) => `${l.partition}@${l.offset}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((i) => i.startsWith('0@'))).toEqual(Array.from({ length: 15 }, (_, i) => `0@${i}`));
    expect(ids.filter((i) => i.startsWith('1@'))).toEqual(Array.from({ length: 10 }, (_, i) => `1@${i}`));
  });

  it('takes the positions from the rotated file when the newest holds only a torn line', async () => {
    const root = tempDir();
    const file = join(root, 'out.ndjson');
    const line = Buffer.byteLength(`${JSON.stringify({ topic: 'src', partition: 0, offset: 0, timestamp: 0, key: null, headers: [], value: 'p0 o0 ' + 'x'.repeat(40) })}\n`);
    // Room for about four lines a file: twelve lines rotate twice.
    let target = new FileTarget(file, 'src', line * 4 + 40, 5);
    await target.open(1);
    await target.write(0, records(0, 0, 12));
    await target.close();
    const newest = allLines(file, 1);
    expect(newest.length).toBeGreaterThan(0);
    // The newest file as a crash right after a rotation leaves it: only the start of its first line.
    await fsp.writeFile(file, '{"topic":"src","partition":0,"off');
    target = new FileTarget(file, 'src', line * 4 + 40, 5);
    const lastRotated = Math.min(...newest.map((l) => l.offset));
    expect(await target.open(1)).toEqual(new Map([[0, lastRotated]]));
    expect(statSync(file).size).toBe(0);
    await target.close();
  });

  it('finds each partition\'s last line reading back from the end, across pieces and lines longer than a piece', async () => {
    const root = tempDir();
    const file = join(root, 'out.ndjson');
    const target = new FileTarget(file, 'src', 2 ** 30, 2);
    await target.open(3);
    const sized = (partition: number, offset: number, bytes: number): FlowRecord => ({ topic: 'src', partition, offset, timestamp: offset, key: null, headers: [], value: Buffer.from('v'.repeat(bytes)) });
    // Partition 1's lines are far from the end, the first five each longer than what is read at a time (64 KiB);
    // partition 0's many lines of uneven length put line ends at every place within a piece; partition 2 is absent.
    await target.write(1, Array.from({ length: 5 }, (_, i) => sized(1, i, 100_000 + i * 7)));
    await target.write(1, [sized(1, 5, 10)]);
    let n = 0;
    for (let b = 0; b < 20; b++) await target.write(0, Array.from({ length: 150 }, () => sized(0, n, 10 + ((n++ * 7919) % 3000))));
    await target.close();
    expect(statSync(file).size).toBeGreaterThan(4 * 2 ** 20);

    const reopened = new FileTarget(file, 'src', 2 ** 30, 2);
    expect(await reopened.open(3)).toEqual(new Map([[0, 3000], [1, 6]]));
    await reopened.close();
  });

  it('after kill -9 in mid-stream, holds every acknowledged line once and resumes after the last complete one', async () => {
    assertBuilt();
    const root = tempDir();
    const file = join(root, 'out.ndjson');
    const module = new URL('../../dist/src/flows/file-target.js', import.meta.url).href;
    // Two partitions written as a flow does (one write at a time each, the next after the last resolved), rotating
    // often; each acknowledged write is reported, and the writing goes on until the parent kills the process.
    const script = `
      import { FileTarget } from ${JSON.stringify(module)};
      const t = new FileTarget(process.argv[1], 'src', 32 * 1024, 1000);
      await t.open(2);
      process.stdout.write('open\\n');
      await Promise.all([0, 1].map(async (p) => {
        for (let o = 0; o < 10_000_000; o += 25) {
          const batch = Array.from({ length: 25 }, (_, i) => ({ topic: 'src', partition: p, offset: o + i, timestamp: o + i, key: null, headers: [], value: Buffer.from('p' + p + ' o' + (o + i) + ' ' + 'x'.repeat(60)) }));
          await t.write(p, batch);
          process.stdout.write('acked ' + p + ' ' + (o + 24) + '\\n');
        }
      }));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Map<number, number>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the writer acknowledged ${[...acked.values()].join(', ')} within 60 s`)), 60_000);
      let partial = '';
      child.stdout!.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        for (const l of lines) {
          const m = /^acked (\d) (\d+)$/.exec(l);
          if (m) acked.set(Number(m[1]), Number(m[2]));
        }
        if ((acked.get(0) ?? 0) >= 3000 && (acked.get(1) ?? 0) >= 3000) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the writer exited by itself (${code})`));
      });
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));

    const target = new FileTarget(file, 'src', 32 * 1024, 1000);
    const resume = await target.open(2);
    await target.close();
    const lines = allLines(file, 1000);
    for (const p of [0, 1]) {
      const offsets = lines.filter((l) => l.partition === p).map((l) => l.offset);
      // Every line once and in order from 0, up to where the target says to resume; nothing acknowledged is missing.
      expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i));
      expect(resume.get(p)).toBe(offsets.length);
      expect(resume.get(p)!).toBeGreaterThan(acked.get(p)!);
    }
  }, 90_000);
});
