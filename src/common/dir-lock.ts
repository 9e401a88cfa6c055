import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFullySync } from './atomic-file.js';

/*
 * One process per directory (a broker's data directory, an agent's): two writers would corrupt it. Node has no portable
 * advisory locks, so the lock is an entry created exclusively that names its holder. A holder that is gone (dead pid,
 * zombie, pid reused by another process, a boot ago) leaves a stale lock, which the next process takes over.
 *
 * The entry is a symbolic link whose target is the holder ("pid:boot:start:nonce"): creating one is exclusive and
 * atomic, and a short link needs no data block, so a broker restarted on a full disk can still lock its directory.
 * Where symbolic links are not allowed (Windows without developer mode, FAT) it is a file created with 'wx'.
 *
 * Taking over is where read-then-write locks race: two processes see the same stale lock and both replace it. Here the
 * takeover of a lock whose content is C is itself guarded by an exclusive entry named for C ("<lock>.takeover-<hash>"):
 * only the process that creates it may replace the lock, and only while the lock still reads C. The lock can change
 * from C only through that process (its holder is dead, and an exclusive create fails while it exists), so the check
 * and the replace (an atomic rename) cannot be overtaken. A process that dies while holding the guard leaves a guard
 * with a dead holder, which is taken over the same way, one level down.
 */

export interface LockHolder {
  pid: number;
  /** Linux boot id (its first 12 hex digits) when the lock was written; a lock from another boot is stale. */
  boot: string | null;
  /** The holder's start time in clock ticks since boot (Linux /proc/<pid>/stat field 22): tells a reused pid apart. */
  start: string | null;
  nonce: string;
}

/** The directory is locked by a live process. */
export class DirLockedError extends Error {
  constructor(
    message: string,
    readonly holderPid: number,
    readonly lockFile: string,
  ) {
    super(message);
    this.name = 'DirLockedError';
  }
}

export interface DirLock {
  readonly file: string;
  /** Removes the lock if it is still ours (idempotent). */
  release(): void;
}

export interface LockOptions {
  /** Lock name inside the directory; default ".lock". */
  name?: string;
  /** The message of the DirLockedError thrown when a live process holds the lock. */
  busyMessage: (holderPid: number, lockFile: string) => string;
}

/** How long a lock file may stay empty (created, content not yet written) before its creator is presumed dead. */
const EMPTY_GRACE_MS = 2_000;

export function lockDirectory(dir: string, options: LockOptions): DirLock {
  const file = path.join(path.resolve(dir), options.name ?? '.lock');
  const content = formatHolder(self());
  acquire(file, content, (pid) => new DirLockedError(options.busyMessage(pid, file), pid, file));
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        if (readOrNull(file) === content) fs.unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
}

function acquire(file: string, content: string, busy: (pid: number) => Error): void {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(file, content)) return;
    const current = readSettled(file);
    if (current === null) continue; // released meanwhile: try again
    const holder = parseHolder(current);
    if (holder && isAlive(holder)) throw busy(holder.pid);
    // Stale: only the creator of the guard for exactly this content may replace it.
    const guard = `${file}.takeover-${createHash('sha256').update(current).digest('hex').slice(0, 16)}`;
    acquire(guard, content, busy);
    try {
      if (readOrNull(file) === current) {
        const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
        create(tmp, content);
        try {
          fs.renameSync(tmp, file);
        } catch (err) {
          fs.rmSync(tmp, { force: true });
          throw err;
        }
        return;
      }
    } finally {
      fs.rmSync(guard, { force: true });
    }
  }
  throw new Error(`could not lock ${file}: it keeps changing; another process is starting and stopping on the same directory`);
}

/** True if this call created the entry with `content`; false if it exists already. */
function createExclusive(file: string, content: string): boolean {
  try {
    create(file, content);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** An entry holding `content`, created exclusively (EEXIST if there is one): a symbolic link, else a file. */
function create(file: string, content: string): void {
  try {
    fs.symlinkSync(content, file);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  }
  const fd = fs.openSync(file, 'wx');
  try {
    writeFullySync(fd, Buffer.from(content));
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  fs.closeSync(fd);
}

/** The lock's content: a link's target, or a file's text (older Tributary versions wrote a file holding the pid). */
function readOrNull(file: string): string | null {
  try {
    return fs.lstatSync(file).isSymbolicLink() ? fs.readlinkSync(file) : fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The lock's content; an empty file is a lock whose creator has not written yet, so wait a moment for it (a creator
 * that died between create and write leaves it empty for good: then it is stale).
 */
function readSettled(file: string): string | null {
  const deadline = Date.now() + EMPTY_GRACE_MS;
  for (;;) {
    const text = readOrNull(file);
    if (text !== '' || Date.now() > deadline) return text;
    sleepSync(10);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Short enough (under 60 bytes) to be stored in the inode as a "fast" symbolic link, needing no data block. */
export function formatHolder(h: LockHolder): string {
  return `${h.pid}:${h.boot ?? '-'}:${h.start ?? '-'}:${h.nonce}`;
}

/** Null for content that names no pid (garbage, or a creator that died before writing): such a lock is stale. */
export function parseHolder(text: string): LockHolder | null {
  // Older locks are a file holding just the pid: unknown boot and start time.
  const [pid, boot, start, nonce] = text.trim().split(':');
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return null;
  const known = (v: string | undefined) => (v && v !== '-' ? v : null);
  return { pid: n, boot: known(boot), start: known(start), nonce: nonce ?? '' };
}

function self(): LockHolder {
  return { pid: process.pid, boot: bootId(), start: startTime(process.pid), nonce: randomBytes(6).toString('hex') };
}

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').replace(/-/g, '').trim().slice(0, 12) || null;
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses); null off Linux. */
function procStat(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function startTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null; // field 22 overall; the slice starts at field 3
}

/** Whether the process that wrote `h` still runs. */
export function isAlive(h: LockHolder): boolean {
  // Our own pid: left by an instance in this process that was abandoned without release (a simulated crash in a
  // test, a failed start). One process never opens a directory twice on purpose, so it is taken over.
  if (h.pid === process.pid) return false;
  if (h.boot !== null) {
    const boot = bootId();
    if (boot !== null && boot !== h.boot) return false;
  }
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(h.pid);
  if (stat === null) return true; // not Linux (or /proc hidden): trust the signal
  // A killed holder whose parent has not reaped it yet (common in containers) is a zombie: it holds nothing.
  if (stat[0] === 'Z') return false;
  return h.start === null || stat[19] === h.start;
}
