// The one directory lock (broker data dir, agent data dir): exclusive create, stale holders detected (dead pid, zombie,
// reused pid, another boot), and a takeover of a stale lock that lets exactly one of many racing processes win.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirLockedError, formatHolder, isAlive, lockDirectory, parseHolder } from '../../src/common/dir-lock.js';
import { assertBuilt } from '../helpers/broker-process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-lock-'));
  dirs.push(d);
  return d;
}

const busyMessage = (pid: number, file: string) => `held by ${pid} (${file})`;
const bootId = (): string | null => {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').replace(/-/g, '').trim().slice(0, 12);
  } catch {
    return null;
  }
};

/** The lock's content: the target of the symbolic link (or a file's text where links are not allowed). */
const lockContent = (file: string): string => (fs.lstatSync(file).isSymbolicLink() ? fs.readlinkSync(file) : fs.readFileSync(file, 'utf8'));

/** A pid that is certainly not running: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('close', resolve));
  return child.pid!;
}

describe('lockDirectory', () => {
  it('creates the lock exclusively and refuses a live holder', () => {
    const dir = tempDir();
    const file = path.join(dir, '.lock');
    fs.writeFileSync(file, `${process.ppid}\n`); // the test runner's parent: alive, not us
    expect(() => lockDirectory(dir, { busyMessage })).toThrow(DirLockedError);
    expect(() => lockDirectory(dir, { busyMessage })).toThrow(`held by ${process.ppid} (${file})`);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.ppid}\n`); // untouched
  });

  it('takes over a lock whose holder is dead, whose content is garbage, or that is empty', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'agent.lock');
    for (const stale of [`${await deadPid()}\n`, 'not a pid', '']) {
      fs.writeFileSync(file, stale);
      const lock = lockDirectory(dir, { name: 'agent.lock', busyMessage });
      const holder = parseHolder(lockContent(file))!;
      expect(holder.pid).toBe(process.pid);
      lock.release();
      expect(fs.existsSync(file)).toBe(false);
    }
    expect(fs.readdirSync(dir)).toEqual([]); // no guard or temp file left behind
  });

  it('treats a live pid as stale when its start time or boot id differs (the pid was reused)', () => {
    const live = { pid: process.ppid, boot: null, start: null, nonce: '' };
    expect(isAlive(live)).toBe(true);
    if (process.platform !== 'linux') return;
    const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
    expect(isAlive({ ...live, start, boot: bootId() })).toBe(true);
    expect(isAlive({ ...live, start: String(Number(start) + 1) })).toBe(false);
    expect(isAlive({ ...live, boot: '000000000000' })).toBe(false);
  });

  it('is a short symbolic link naming its holder (no data block: it can be taken on a full disk)', () => {
    const dir = tempDir();
    const lock = lockDirectory(dir, { busyMessage });
    expect(fs.lstatSync(lock.file).isSymbolicLink()).toBe(true);
    const target = fs.readlinkSync(lock.file);
    expect(Buffer.byteLength(target)).toBeLessThan(60); // ext4 keeps links this short in the inode
    expect(parseHolder(target)).toMatchObject({ pid: process.pid, boot: bootId() });
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('releases only its own lock', () => {
    const dir = tempDir();
    const lock = lockDirectory(dir, { busyMessage });
    const other = formatHolder({ pid: process.ppid, boot: null, start: null, nonce: 'someoneelse' });
    fs.rmSync(lock.file);
    fs.symlinkSync(other, lock.file); // someone replaced it (should not happen; must not be undone by us)
    lock.release();
    expect(lockContent(lock.file)).toBe(other);
  });

  it('lets exactly one of many processes racing for a stale lock win, every round', async () => {
    assertBuilt();
    const module = new URL('../../dist/src/common/dir-lock.js', import.meta.url).href;
    // Each child waits for the same instant (busy-waiting on the clock, so they start within microseconds of each
    // other), tries to lock, reports, and holds a winning lock until it is told to exit.
    const script = `
      import { lockDirectory } from ${JSON.stringify(module)};
      const [dir, at] = process.argv.slice(1);
      while (Date.now() < Number(at)) {}
      let result;
      try { lockDirectory(dir, { busyMessage: (pid) => 'busy ' + pid }); result = 'won'; }
      catch (e) { result = e.name === 'DirLockedError' ? 'busy' : 'error ' + e.message; }
      process.stdout.write(result + '\\n');
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));
    `;
    const ROUNDS = 10;
    const RACERS = 4;
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, '.lock'), `${await deadPid()}\n`);
      const at = Date.now() + 400;
      const children = Array.from({ length: RACERS }, () => spawn(process.execPath, ['--input-type=module', '-e', script, dir, String(at)], { stdio: ['pipe', 'pipe', 'inherit'] }));
      const results = await Promise.all(
        children.map(
          (c) =>
            new Promise<string>((resolve, reject) => {
              let out = '';
              const timer = setTimeout(() => reject(new Error(`a racer did not report within 30 s (round ${round})`)), 30_000);
              c.stdout!.on('data', (d: Buffer) => {
                out += d.toString();
                if (out.includes('\n')) {
                  clearTimeout(timer);
                  resolve(out.trim());
                }
              });
            }),
        ),
      );
      for (const c of children) c.stdin!.end();
      await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('close', resolve)))));
      expect(results.filter((r) => r === 'won'), `round ${round}: ${results.join(', ')}`).toHaveLength(1);
      expect(results.filter((r) => r === 'busy')).toHaveLength(RACERS - 1);
    }
  }, 180_000);
});
